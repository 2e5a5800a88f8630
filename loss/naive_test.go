package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveLoss is a direct transcription of SPEC §7.2 (the reference's
// compute_loss), written without the package's helpers: NHWC view of the
// raw output, decode, bbox_giou with corner re-ordering, the ignore mask
// over this scale's 100-row list (zero rows included), and the three terms
// summed per image and averaged over the batch. Only the values, in
// float64; it multiplies by r like the reference (so it needs finite
// inputs).
func naiveLoss(cfg *Config, raw [][]float32, targets []*Targets) (total [3]float64, perScale [][3]float64) {
	n := len(targets)
	na, nf := len(cfg.Anchors[0]), 5+cfg.Classes
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	ce := func(z, x float64) float64 { return math.Max(x, 0) - x*z + math.Log(1+math.Exp(-math.Abs(x))) }
	corners := func(b [4]float64) [4]float64 {
		c := [4]float64{b[0] - b[2]*0.5, b[1] - b[3]*0.5, b[0] + b[2]*0.5, b[1] + b[3]*0.5}
		return [4]float64{math.Min(c[0], c[2]), math.Min(c[1], c[3]), math.Max(c[0], c[2]), math.Max(c[1], c[3])}
	}
	bboxIoU := func(a, b [4]float64) float64 {
		ca := [4]float64{a[0] - a[2]*0.5, a[1] - a[3]*0.5, a[0] + a[2]*0.5, a[1] + a[3]*0.5}
		cb := [4]float64{b[0] - b[2]*0.5, b[1] - b[3]*0.5, b[0] + b[2]*0.5, b[1] + b[3]*0.5}
		w := math.Max(math.Min(ca[2], cb[2])-math.Max(ca[0], cb[0]), 0)
		h := math.Max(math.Min(ca[3], cb[3])-math.Max(ca[1], cb[1]), 0)
		return w * h / (a[2]*a[3] + b[2]*b[3] - w*h)
	}
	bboxGIoU := func(a, b [4]float64) float64 {
		ca, cb := corners(a), corners(b)
		areaA := (ca[2] - ca[0]) * (ca[3] - ca[1])
		areaB := (cb[2] - cb[0]) * (cb[3] - cb[1])
		w := math.Max(math.Min(ca[2], cb[2])-math.Max(ca[0], cb[0]), 0)
		h := math.Max(math.Min(ca[3], cb[3])-math.Max(ca[1], cb[1]), 0)
		union := areaA + areaB - w*h
		iou := w * h / union
		ew := math.Max(math.Max(ca[2], cb[2])-math.Min(ca[0], cb[0]), 0)
		eh := math.Max(math.Max(ca[3], cb[3])-math.Min(ca[1], cb[1]), 0)
		return iou - (ew*eh-union)/(ew*eh)
	}
	perScale = make([][3]float64, len(cfg.Strides))
	for i, s := range cfg.Strides {
		sh, sw := cfg.Height/s, cfg.Width/s
		// NCHW → value of field k of anchor a at (b, row, col).
		v := func(b, row, col, a, k int) float64 {
			return float64(raw[i][((b*na*nf+a*nf+k)*sh+row)*sw+col])
		}
		for b := range n {
			st := targets[b].Scales[i]
			for row := range sh {
				for col := range sw {
					for a := range na {
						l := st.Label[((row*sw+col)*na+a)*nf:][:nf]
						r := float64(l[4])
						pred := [4]float64{
							(sig(v(b, row, col, a, 0)) + float64(col)) * float64(s),
							(sig(v(b, row, col, a, 1)) + float64(row)) * float64(s),
							math.Exp(v(b, row, col, a, 2)) * cfg.Anchors[i][a][0],
							math.Exp(v(b, row, col, a, 3)) * cfg.Anchors[i][a][1],
						}
						g := [4]float64{float64(l[0]), float64(l[1]), float64(l[2]), float64(l[3])}
						scale := 2 - g[2]*g[3]/float64(cfg.Width*cfg.Height)
						giou := r * scale * (1 - bboxGIoU(pred, g))
						m := 0.0
						for k := range MaxBoxes {
							row := st.List[4*k:][:4]
							gt := [4]float64{float64(row[0]), float64(row[1]), float64(row[2]), float64(row[3])}
							m = math.Max(m, bboxIoU(pred, gt))
						}
						bg := 0.0
						if m < 0.5 {
							bg = 1 - r
						}
						x := v(b, row, col, a, 4)
						p := sig(x)
						conf := (r - p) * (r - p) * (r*ce(r, x) + bg*ce(r, x))
						prob := 0.0
						for c := range cfg.Classes {
							prob += r * ce(float64(l[5+c]), v(b, row, col, a, 5+c))
						}
						for k, term := range [3]float64{giou, conf, prob} {
							perScale[i][k] += term / float64(n)
						}
					}
				}
			}
		}
		for k := range 3 {
			total[k] += perScale[i][k]
		}
	}
	return total, perScale
}

// Compute against the transcription, on non-square inputs and on the tiny
// heads, with random raw outputs and boxes.
func TestComputeMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, cfg := range []Config{YOLOv3(3, 96, 64), YOLOv3(2, 64, 160), YOLOv3Tiny(4, 128, 96), YOLOv3Tiny(1, 64, 64)} {
		const n = 3
		targets := make([]*Targets, n)
		for b := range n {
			var boxes []Box
			for range 1 + rng.IntN(6) {
				w := 4 + rng.Float64()*float64(cfg.Width)*0.8
				h := 4 + rng.Float64()*float64(cfg.Height)*0.8
				x := rng.Float64() * (float64(cfg.Width) - w)
				y := rng.Float64() * (float64(cfg.Height) - h)
				boxes = append(boxes, Box{X1: math.Floor(x), Y1: math.Floor(y), X2: math.Floor(x + w), Y2: math.Floor(y + h), Class: rng.IntN(cfg.Classes)})
			}
			tg, err := Assign(&cfg, boxes)
			if err != nil {
				t.Fatal(err)
			}
			targets[b] = tg
		}
		raw := make([][]float32, len(cfg.Strides))
		for i := range raw {
			raw[i] = make([]float32, cfg.RawLen(i, n))
			for j := range raw[i] {
				raw[i][j] = float32(rng.NormFloat64() * 1.5)
			}
		}
		res, err := Compute(&cfg, raw, targets, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, wantScales := naiveLoss(&cfg, raw, targets)
		got := [3]float64{res.Terms.GIoU, res.Terms.Conf, res.Terms.Prob}
		for k := range 3 {
			if math.Abs(got[k]-want[k]) > 1e-12*math.Abs(want[k]) {
				t.Errorf("%d×%d %v: term %d = %.15g, transcription %.15g", cfg.Width, cfg.Height, cfg.Strides, k, got[k], want[k])
			}
		}
		for i, s := range res.Scales {
			g := [3]float64{s.GIoU, s.Conf, s.Prob}
			for k := range 3 {
				if math.Abs(g[k]-wantScales[i][k]) > 1e-12*math.Abs(wantScales[i][k]) {
					t.Errorf("%d×%d scale %d: term %d = %.15g, transcription %.15g", cfg.Width, cfg.Height, i, k, g[k], wantScales[i][k])
				}
			}
		}
		if res.Stats[0].Positives+res.Stats[len(res.Stats)-1].Positives == 0 {
			t.Errorf("%d×%d: no positives", cfg.Width, cfg.Height)
		}
	}
}
