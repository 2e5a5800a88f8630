package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// SPEC §13.5 and hand-computed cases.
func TestGIoUExamples(t *testing.T) {
	cases := []struct {
		p, g      [4]float64
		iou, giou float64
	}{
		// IoU 4/28 = 1/7, enclosing 6×6 = 36, union 28.
		{[4]float64{10, 10, 4, 4}, [4]float64{12, 12, 4, 4}, 1.0 / 7, 1.0/7 - 8.0/36},
		// Disjoint: IoU 0, enclosing 14×4 = 56, union 32.
		{[4]float64{10, 10, 4, 4}, [4]float64{20, 10, 4, 4}, 0, -24.0 / 56},
		// Identical: 1.
		{[4]float64{5, 7, 2, 3}, [4]float64{5, 7, 2, 3}, 1, 1},
		// Nested 2×2 in 4×4, same centre: IoU 1/4, enclosing = union.
		{[4]float64{0, 0, 2, 2}, [4]float64{0, 0, 4, 4}, 0.25, 0.25},
		// Touching edges: IoU 0, enclosing = union → 0.
		{[4]float64{0, 0, 2, 2}, [4]float64{2, 0, 2, 2}, 0, 0},
	}
	for _, c := range cases {
		if got := iou(c.p, c.g); math.Abs(got-c.iou) > 1e-15 {
			t.Errorf("iou(%v, %v) = %v, want %v", c.p, c.g, got, c.iou)
		}
		if got, _ := giou(c.p, c.g); math.Abs(got-c.giou) > 1e-15 {
			t.Errorf("giou(%v, %v) = %v, want %v", c.p, c.g, got, c.giou)
		}
	}
}

// Degenerate boxes give finite values, never NaN.
func TestGIoUDegenerate(t *testing.T) {
	for _, c := range [][2][4]float64{
		{{0, 0, 0, 0}, {0, 0, 0, 0}},   // both empty, same point: U = 0, E = 0
		{{0, 0, 0, 0}, {3, 4, 0, 0}},   // two points: U = 0, E = 3·4
		{{0, 0, 0, 5}, {0, 0, 0, 2}},   // two vertical segments: E = 0
		{{1, 1, 2, 2}, {1, 1, 0, 0}},   // point inside a box
		{{1, 1, -2, -2}, {1, 1, 2, 2}}, // negative size: re-ordered, identical boxes
	} {
		v, d := giou(c[0], c[1])
		if math.IsNaN(v) || math.IsInf(v, 0) || v < -1 || v > 1 {
			t.Errorf("giou(%v, %v) = %v", c[0], c[1], v)
		}
		for _, x := range d {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("giou(%v, %v) gradient %v", c[0], c[1], d)
			}
		}
		if u := iou(c[0], c[1]); math.IsNaN(u) {
			t.Errorf("iou(%v, %v) = NaN", c[0], c[1])
		}
	}
	if v, _ := giou([4]float64{1, 1, -2, -2}, [4]float64{1, 1, 2, 2}); v != 1 {
		t.Errorf("re-ordered negative box: giou %v, want 1", v)
	}
}

// The analytic GIoU gradient against float64 central differences, over
// random overlapping, nested and disjoint boxes.
func TestGIoUGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const h = 1e-6
	kinks := 0
	for trial := range 2000 {
		g := [4]float64{rng.Float64() * 20, rng.Float64() * 20, 0.5 + rng.Float64()*10, 0.5 + rng.Float64()*10}
		p := [4]float64{rng.Float64() * 20, rng.Float64() * 20, 0.5 + rng.Float64()*10, 0.5 + rng.Float64()*10}
		if trial%4 == 0 { // nested
			p = [4]float64{g[0] + rng.Float64() - 0.5, g[1] + rng.Float64() - 0.5, g[2] * 0.3, g[3] * 0.3}
		}
		_, d := giou(p, g)
		for k := range 4 {
			pp, pm := p, p
			pp[k] += h
			pm[k] -= h
			vp, _ := giou(pp, g)
			vm, _ := giou(pm, g)
			fd := (vp - vm) / (2 * h)
			if math.Abs(fd-d[k]) > 1e-6*math.Max(1, math.Abs(fd)) {
				// A kink of min/max within ±h: the one-sided slopes differ.
				v0, _ := giou(p, g)
				if math.Abs((vp-v0)/h-(v0-vm)/h) > 1e-4 {
					kinks++
					continue
				}
				t.Errorf("trial %d: p %v g %v: ∂/∂p[%d] = %v, finite difference %v", trial, p, g, k, d[k], fd)
			}
		}
	}
	if kinks > 10 {
		t.Errorf("%d of 8000 derivatives skipped at kinks", kinks)
	}
}

func TestStableFunctions(t *testing.T) {
	for _, x := range []float64{-800, -40, -1, 0, 1, 40, 800} {
		s := sigmoid(x)
		if math.IsNaN(s) || s < 0 || s > 1 {
			t.Errorf("sigmoid(%v) = %v", x, s)
		}
		// CE(1, x) = softplus(−x), CE(0, x) = softplus(x).
		sp := func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) }
		if got := bce(1, x); math.Abs(got-sp(-x)) > 1e-12*math.Max(1, math.Abs(x)) {
			t.Errorf("bce(1, %v) = %v, want %v", x, got, sp(-x))
		}
		if got := bce(0, x); math.Abs(got-sp(x)) > 1e-12*math.Max(1, math.Abs(x)) {
			t.Errorf("bce(0, %v) = %v, want %v", x, got, sp(x))
		}
	}
	// Naive form where it is safe: −z·log σ(x) − (1−z)·log(1 − σ(x)).
	if got, want := bce(0.3, 1.7), -0.3*math.Log(sigmoid(1.7))-0.7*math.Log(1-sigmoid(1.7)); math.Abs(got-want) > 1e-14 {
		t.Errorf("bce(0.3, 1.7) = %v, want %v", got, want)
	}
}
