package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

// c1, c2 are 1−β1 and 1−β2 as TensorFlow forms them: in float32.
var (
	c1 = float64(float32(1) - float32(0.9))
	c2 = float64(float32(1) - float32(0.999))
)

// TestAdamFirstStep: after one update with any nonzero gradient g, m = c1·g
// and v = c2·g², and α₁ = lr·√c2/c1, so the step is
// lr·√c2/c1 · c1·g/(√c2·|g| + ε), which is lr·sign(g) up to the ε term.
// Computed by hand in float64.
func TestAdamFirstStep(t *testing.T) {
	g := []float32{1, -2, 0.5, 1e-3, 0}
	p := []Param{{Name: "w", Value: mat.New(len(g)), Grad: mat.FromData(g, len(g))}}
	a := NewAdam(p, 1)
	const lr = 0.01
	a.Step(p, lr)
	for i, gi := range g {
		want := 0.0
		if gi != 0 {
			gg := float64(gi)
			want = -lr * math.Sqrt(c2) / c1 * c1 * gg / (math.Sqrt(c2)*math.Abs(gg) + 1e-7)
		}
		if got := float64(p[0].Value.Data[i]); math.Abs(got-want) > 1e-6*math.Abs(want)+1e-12 {
			t.Errorf("θ[%d] after one step with g=%g: got %g, want %g", i, gi, got, want)
		}
	}
	if a.T != 1 {
		t.Errorf("T = %d, want 1", a.T)
	}
}

// TestAdamMatchesFloat64 runs 20 updates with random gradients and varying
// lr against a float64 transcription of SPEC §8.3, serial and with workers
// (the worker split must not change a single bit).
func TestAdamMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{3, 70000, 1}
	mk := func() []Param {
		ps := make([]Param, len(sizes))
		for i, n := range sizes {
			ps[i] = Param{Value: mat.New(n), Grad: mat.New(n)}
		}
		return ps
	}
	serial, par := mk(), mk()
	init := make([][]float64, len(sizes))
	for i, n := range sizes {
		init[i] = make([]float64, n)
		for j := range n {
			x := float32(r.NormFloat64())
			serial[i].Value.Data[j], par[i].Value.Data[j], init[i][j] = x, x, float64(x)
		}
	}
	as, ap := NewAdam(serial, 1), NewAdam(par, 3)
	m := make([][]float64, len(sizes))
	v := make([][]float64, len(sizes))
	for i, n := range sizes {
		m[i], v[i] = make([]float64, n), make([]float64, n)
	}
	ref := init
	for step := 1; step <= 20; step++ {
		lr := 1e-3 * float64(step) / 20
		for i := range sizes {
			for j := range sizes[i] {
				g := float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(5)-3)))
				serial[i].Grad.Data[j], par[i].Grad.Data[j] = g, g
				gd := float64(g)
				m[i][j] = (1-c1)*m[i][j] + c1*gd
				v[i][j] = (1-c2)*v[i][j] + c2*gd*gd
				alpha := lr * math.Sqrt(1-math.Pow(1-c2, float64(step))) / (1 - math.Pow(1-c1, float64(step)))
				ref[i][j] -= alpha * m[i][j] / (math.Sqrt(v[i][j]) + 1e-7)
			}
		}
		as.Step(serial, lr)
		ap.Step(par, lr)
	}
	for i := range sizes {
		for j := range sizes[i] {
			got := float64(serial[i].Value.Data[j])
			if d := math.Abs(got - ref[i][j]); d > 1e-5*math.Abs(ref[i][j])+1e-6 {
				t.Fatalf("param %d[%d]: got %g, float64 reference %g", i, j, got, ref[i][j])
			}
			if serial[i].Value.Data[j] != par[i].Value.Data[j] {
				t.Fatalf("param %d[%d]: serial %g, 3 workers %g", i, j, serial[i].Value.Data[j], par[i].Value.Data[j])
			}
		}
	}
}
