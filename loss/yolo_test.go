package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// smallCase builds a batch of two images with C = 3 for cfg (at least
// 64×64), random raw outputs, and background slots made to reproduce a
// listed box exactly, so that the gradient check covers positives, ignored
// and background slots.
func smallCase(t *testing.T, rng *rand.Rand, cfg Config) (Config, [][]float32, []*Targets) {
	t.Helper()
	images := [][]Box{
		{{4, 6, 20, 26, 0}, {30, 28, 62, 60, 2}, {34, 2, 40, 12, 1}},
		{{10, 30, 50, 44, 1}, {8, 8, 24, 20, 2}},
	}
	n := len(images)
	targets := make([]*Targets, n)
	for b, boxes := range images {
		tg, err := Assign(&cfg, boxes)
		if err != nil {
			t.Fatal(err)
		}
		targets[b] = tg
	}
	na, nf := cfg.NumAnchors(), 5+cfg.Classes
	raw := make([][]float32, len(cfg.Strides))
	for i := range raw {
		rows, cols := cfg.Grid(i)
		plane := rows * cols
		raw[i] = make([]float32, cfg.RawLen(i, n))
		for j := range raw[i] {
			var v float64
			switch k := (j / plane) % nf; {
			case k < 2:
				v = rng.NormFloat64() * 1.5
			case k < 4:
				v = rng.Float64()*2 - 1
			case k == 4:
				v = rng.Float64()*6 - 3
			default:
				v = rng.NormFloat64() * 2
			}
			raw[i][j] = float32(v)
		}
		// Background anchors at the cell of a listed box predict that box.
		for b, tg := range targets {
			st := tg.Scales[i]
			s := float64(cfg.Strides[i])
			for k := range min(st.Count, MaxBoxes) {
				box := st.List[4*k : 4*k+4]
				col, row := int(float64(box[0])/s), int(float64(box[1])/s)
				for a := range na {
					slot := (row*cols+col)*na + a
					if st.Label[slot*nf+4] != 0 {
						continue
					}
					fx, fy := float64(box[0])/s-float64(col), float64(box[1])/s-float64(row)
					if fx <= 0.05 || fy <= 0.05 || fx >= 0.95 || fy >= 0.95 {
						continue
					}
					at := func(f int) int { return ((b*na+a)*nf+f)*plane + row*cols + col }
					raw[i][at(0)] = float32(math.Log(fx / (1 - fx)))
					raw[i][at(1)] = float32(math.Log(fy / (1 - fy)))
					raw[i][at(2)] = float32(math.Log(float64(box[2]) / cfg.Anchors[i][a][0]))
					raw[i][at(3)] = float32(math.Log(float64(box[3]) / cfg.Anchors[i][a][1]))
				}
			}
		}
	}
	return cfg, raw, targets
}

// The analytic gradient of the total against float64 central differences,
// for every raw element of a small batch.
func TestGradientFiniteDifferences(t *testing.T) {
	t.Run("yolov3-64x64", func(t *testing.T) { testGradient(t, YOLOv3(3, 64, 64)) })
	t.Run("tiny-96x64", func(t *testing.T) { testGradient(t, YOLOv3Tiny(3, 96, 64)) })
}

func testGradient(t *testing.T, cfg Config) {
	rng := rand.New(rand.NewPCG(1, 2))
	cfg, raw, targets := smallCase(t, rng, cfg)
	grad := make([][]float32, len(raw))
	for i := range raw {
		grad[i] = make([]float32, len(raw[i]))
		for j := range grad[i] {
			grad[i][j] = float32(math.NaN()) // must be overwritten
		}
	}
	res, err := Compute(&cfg, raw, targets, grad)
	if err != nil {
		t.Fatal(err)
	}
	ignored, positives := 0, 0
	for _, s := range res.Stats {
		ignored += s.Ignored
		positives += s.Positives
	}
	if ignored < 3 || positives < 5 {
		t.Fatalf("case too easy: %d positives, %d ignored slots", positives, ignored)
	}

	// h is a power of two, so x ± h is exact in float32 for |x| < 16 and
	// the difference is of the loss of exactly those inputs (float64).
	const h = 1.0 / 4096
	total := func() (float64, int) {
		r, err := Compute(&cfg, raw, targets, nil)
		if err != nil {
			t.Fatal(err)
		}
		ig := 0
		for _, s := range r.Stats {
			ig += s.Ignored
		}
		return r.Terms.Total(), ig
	}
	checked, skipped, nonzero := 0, 0, 0
	var worst float64
	step := 1 // every element; a third of them in -short mode
	if testing.Short() {
		step = 3
	}
	for i := range raw {
		for j := 0; j < len(raw[i]); j += step {
			x := raw[i][j]
			raw[i][j] = x + h
			lp, igp := total()
			raw[i][j] = x - h
			lm, igm := total()
			raw[i][j] = x
			if igp != ignored || igm != ignored {
				skipped++ // the ignore mask flips within ±h: not differentiable
				continue
			}
			fd := (lp - lm) / (2 * h)
			g := float64(grad[i][j])
			err := math.Abs(g - fd)
			if err > 1e-6+1e-5*math.Abs(fd) {
				t.Errorf("scale %d element %d (x = %v): grad %.9g, finite difference %.9g", i, j, x, g, fd)
			}
			worst = math.Max(worst, err/math.Max(1e-3, math.Abs(fd)))
			checked++
			if g != 0 {
				nonzero++
			}
		}
	}
	t.Logf("%d elements checked (%d non-zero gradients), %d skipped at an ignore-mask flip; worst relative error %.2g",
		checked, nonzero, skipped, worst)
	if skipped > checked/100 {
		t.Errorf("too many elements skipped: %d", skipped)
	}
}

// The gradient returned for a batch is 1/N times the per-image gradient:
// the same image twice gives the single-image gradient twice, halved.
func TestGradientBatchMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cfg, raw, targets := smallCase(t, rng, YOLOv3(3, 64, 64))
	one := targets[:1]
	var raw1, raw2, g1, g2 [][]float32
	for i := range raw {
		half := len(raw[i]) / 2
		raw1 = append(raw1, raw[i][:half])
		raw2 = append(raw2, append(append([]float32{}, raw[i][:half]...), raw[i][:half]...))
		g1 = append(g1, make([]float32, half))
		g2 = append(g2, make([]float32, 2*half))
	}
	r1, err := Compute(&cfg, raw1, one, g1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Compute(&cfg, raw2, []*Targets{targets[0], targets[0]}, g2)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Terms != r2.Terms {
		t.Errorf("terms %+v vs %+v", r1.Terms, r2.Terms)
	}
	for i := range g1 {
		for j, v := range g1[i] {
			if g2[i][j] != v/2 || g2[i][j+len(g1[i])] != v/2 {
				t.Fatalf("scale %d element %d: batch-of-2 gradient %v, %v; single %v", i, j, g2[i][j], g2[i][j+len(g1[i])], v)
			}
		}
	}
}

// Huge raw values (exp overflow in the reference) give a finite loss and
// finite gradients, at positive, ignored and background slots.
func TestNoNaNOnHugeInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cfg, raw, targets := smallCase(t, rng, YOLOv3(3, 64, 64))
	extremes := []float32{1e30, -1e30, math.MaxFloat32, -math.MaxFloat32, 200, -200, 89, -89}
	for i := range raw {
		for j := range raw[i] {
			if rng.IntN(3) == 0 {
				raw[i][j] = extremes[rng.IntN(len(extremes))]
			}
		}
	}
	grad := make([][]float32, len(raw))
	for i := range raw {
		grad[i] = make([]float32, len(raw[i]))
	}
	res, err := Compute(&cfg, raw, targets, grad)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{res.Terms.GIoU, res.Terms.Conf, res.Terms.Prob} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("loss %+v", res.Terms)
		}
	}
	for i := range grad {
		for j, g := range grad[i] {
			if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				t.Fatalf("scale %d element %d: gradient %v for raw %v", i, j, g, raw[i][j])
			}
		}
	}
}

// IgnoreAllScales checks the prediction against every box of the image: a
// background slot predicting a box assigned only to another scale is
// ignored with it and counted as background without it.
func TestIgnoreAllScales(t *testing.T) {
	cfg := YOLOv3(2, 64, 64)
	tg, err := Assign(&cfg, []Box{{4, 6, 20, 26, 0}}) // 16×20: stride 8 only
	if err != nil {
		t.Fatal(err)
	}
	if tg.Scales[1].Count != 0 || tg.Scales[0].Count != 1 {
		t.Fatalf("box assigned to scales %d %d %d", tg.Scales[0].Count, tg.Scales[1].Count, tg.Scales[2].Count)
	}
	raw := make([][]float32, 3)
	for i := range raw {
		raw[i] = make([]float32, cfg.RawLen(i, 1))
	}
	// Stride 16, anchor 0 (30×61) at cell (1, 0) predicts the box
	// (12, 16, 16, 20): σ(tx) = 0.75, σ(ty) = 0.
	plane := 16
	cell := 1*4 + 0
	raw[1][0*plane+cell] = float32(math.Log(3))
	raw[1][1*plane+cell] = -80
	raw[1][2*plane+cell] = float32(math.Log(16.0 / 30))
	raw[1][3*plane+cell] = float32(math.Log(20.0 / 61))
	r, _ := Compute(&cfg, raw, []*Targets{tg}, nil)
	cfg.IgnoreAllScales = true
	rAll, _ := Compute(&cfg, raw, []*Targets{tg}, nil)
	if r.Stats[1].Ignored != 0 || rAll.Stats[1].Ignored != 1 {
		t.Errorf("ignored at stride 16: %d (own list), %d (all boxes); want 0, 1", r.Stats[1].Ignored, rAll.Stats[1].Ignored)
	}
}

func TestComputeRejectsBadShapes(t *testing.T) {
	cfg := YOLOv3(2, 64, 64)
	tg, _ := Assign(&cfg, nil)
	raw := [][]float32{make([]float32, cfg.RawLen(0, 1)), make([]float32, cfg.RawLen(1, 1)), make([]float32, cfg.RawLen(2, 1)-1)}
	if _, err := Compute(&cfg, raw, []*Targets{tg}, nil); err == nil {
		t.Error("short raw accepted")
	}
	if _, err := Compute(&cfg, raw[:2], []*Targets{tg}, nil); err == nil {
		t.Error("two scales accepted for three")
	}
	other := YOLOv3(2, 128, 64)
	tg2, _ := Assign(&other, nil)
	raw[2] = make([]float32, cfg.RawLen(2, 1))
	if _, err := Compute(&cfg, raw, []*Targets{tg2}, nil); err == nil {
		t.Error("targets of another input size accepted")
	}
}

// A NaN anywhere in the raw outputs makes the loss NaN (what a trainer's
// NaN guard looks for), at positive and at background slots.
func TestNaNPropagates(t *testing.T) {
	cfg, raw, targets := smallCase(t, rand.New(rand.NewPCG(9, 10)), YOLOv3(3, 64, 64))
	st := targets[0].Scales[0]
	nf, na, plane := 8, 3, st.Rows*st.Cols
	pos, neg := -1, -1
	for slot := range st.Owner {
		if st.Owner[slot] >= 0 && pos < 0 {
			pos = slot
		}
		if st.Owner[slot] < 0 && neg < 0 {
			neg = slot
		}
	}
	for _, slot := range []int{pos, neg} {
		cell, a := slot/na, slot%na
		for k := range nf {
			j := (a*nf+k)*plane + cell // image 0, scale 0
			old := raw[0][j]
			raw[0][j] = float32(math.NaN())
			res, err := Compute(&cfg, raw, targets, nil)
			raw[0][j] = old
			if err != nil {
				t.Fatal(err)
			}
			if !math.IsNaN(res.Terms.Total()) {
				t.Errorf("NaN in field %d of slot %d (owner %d): loss %+v", k, slot, st.Owner[slot], res.Terms)
			}
		}
	}
}
