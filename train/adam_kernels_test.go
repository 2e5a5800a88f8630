package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

const sentinel = float32(-12345.5) // fills the guard bands around outputs

// guarded returns n values from fill inside a slice with guard bands of
// sentinels, starting at offset off.
func guarded(n, off int, fill func(i int) float32) (x, whole []float32) {
	whole = make([]float32, off+n+17)
	for i := range whole {
		whole[i] = sentinel
	}
	x = whole[off : off+n]
	for i := range x {
		x[i] = fill(i)
	}
	return x, whole
}

func checkGuards(t *testing.T, name string, whole []float32, off, n int) {
	t.Helper()
	for i, v := range whole {
		if (i < off || i >= off+n) && v != sentinel {
			t.Fatalf("%s: n=%d off=%d: guard word %d overwritten with %g", name, n, off, i, v)
		}
	}
}

// sameBits reports whether a and b hold the same floats bit for bit (any
// two NaNs count as equal: their payloads are not part of the contract).
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

// adamEdges are gradients that exercise the corners of the update: zeros
// (0/ε), signed zeros, tiny and huge values (g² underflows or overflows to
// +Inf, so √v is +Inf and the step 0), and infinities.
var adamEdges = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-30, -1e-30, 1e-45, 3e19, -3e19,
	float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, 1e-7, -0.5}

// TestAdamKernels runs every kernel of adamTable against adamGeneric on
// every length 0..70 at offsets 0..3 of each slice, with guard bands
// around θ, m and v and a check that g is not modified: the results must
// be the same bits (the worker split of Adam.Step relies on it, since an
// element may fall in a vector block or a tail depending on the split).
func TestAdamKernels(t *testing.T) {
	for _, k := range adamTable {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			r := rand.New(rand.NewPCG(3, 4))
			for n := 0; n <= 70; n++ {
				for off := range 4 {
					testAdamKernelOnce(t, k, r, n, off, n <= len(adamEdges))
				}
			}
		})
	}
}

func testAdamKernelOnce(t *testing.T, k adamKernel, r *rand.Rand, n, off int, edges bool) {
	// Gradients over seven decades; moments as after some updates (v ≥ 0).
	gfill := func(i int) float32 {
		if edges {
			return adamEdges[i]
		}
		return float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-4)))
	}
	mfill := func(int) float32 { return float32(r.NormFloat64() * 1e-2) }
	vfill := func(int) float32 {
		if r.IntN(8) == 0 {
			return 0
		}
		return float32(r.ExpFloat64() * 1e-4)
	}
	tfill := func(int) float32 { return float32(r.NormFloat64()) }
	g, _ := guarded(n, (off+1)%4, gfill)
	m, mWhole := guarded(n, (off+2)%4, mfill)
	v, vWhole := guarded(n, (off+3)%4, vfill)
	th, tWhole := guarded(n, off, tfill)
	g0 := append([]float32(nil), g...)
	wantM, wantV, wantT := append([]float32(nil), m...), append([]float32(nil), v...), append([]float32(nil), th...)

	alpha := float32(math.Pow(10, -2-4*r.Float64()))
	c1, c2, eps := 1-float32(0.9), 1-float32(0.999), float32(1e-7)
	k.fn(th, g, m, v, alpha, c1, c2, eps)
	adamGeneric(wantT, g0, wantM, wantV, alpha, c1, c2, eps)

	checkGuards(t, k.name+" θ", tWhole, off, n)
	checkGuards(t, k.name+" m", mWhole, (off+2)%4, n)
	checkGuards(t, k.name+" v", vWhole, (off+3)%4, n)
	if !sameBits(g, g0) {
		t.Fatalf("%s n=%d off=%d: g was modified", k.name, n, off)
	}
	for _, c := range []struct {
		name      string
		got, want []float32
	}{{"m", m, wantM}, {"v", v, wantV}, {"θ", th, wantT}} {
		if !sameBits(c.got, c.want) {
			for i := range c.got {
				if !sameBits(c.got[i:i+1], c.want[i:i+1]) {
					t.Fatalf("%s n=%d off=%d: %s[%d] = %g (g %g), want %g from adamGeneric",
						k.name, n, off, c.name, i, c.got[i], g[i], c.want[i])
				}
			}
		}
	}
}

// TestAdamGenericByHand checks the definition itself on one element,
// against the update worked out in float64 and rounded at each step as
// the doc comment says.
func TestAdamGenericByHand(t *testing.T) {
	th, g, m, v := []float32{0.5}, []float32{-0.25}, []float32{0.125}, []float32{0.0625}
	const alpha, c1, c2, eps = 0.01, 0.1, 0.001, 1e-7
	adamGeneric(th, g, m, v, alpha, c1, c2, eps)
	// m = 0.125 + (−0.25 − 0.125)·0.1 = 0.0875; v = 0.0625 + (0.0625 − 0.0625)·0.001 = 0.0625;
	// θ = 0.5 − 0.0875·0.01/(0.25 + 1e-7)
	wm, wv := 0.125+(-0.375)*float64(float32(0.1)), 0.0625
	wt := 0.5 - wm*float64(float32(0.01))/(0.25+float64(float32(1e-7)))
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"m", float64(m[0]), wm}, {"v", float64(v[0]), wv}, {"θ", float64(th[0]), wt}} {
		if d := math.Abs(c.got - c.want); d > 4*0x1p-24*math.Abs(c.want) {
			t.Errorf("%s = %.9g, want %.9g", c.name, c.got, c.want)
		}
	}
}

// BenchmarkAdamKernels times each kernel on 1M parameters (28 MB of
// memory traffic per update):
//
//	go test -run NONE -bench AdamKernels ./train
func BenchmarkAdamKernels(b *testing.B) {
	const n = 1 << 20
	th, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range g {
		g[i] = float32(r.NormFloat64())
	}
	adamGeneric(th, g, m, v, 1e-4, 0.1, 0.001, 1e-7) // fault the pages in before timing
	for _, k := range adamTable {
		b.Run("impl="+k.name, func(b *testing.B) {
			if !k.available {
				b.Skipf("CPU lacks %s", k.name)
			}
			b.SetBytes(7 * 4 * n)
			for b.Loop() {
				k.fn(th, g, m, v, 1e-4, 0.1, 0.001, 1e-7)
			}
		})
	}
}
