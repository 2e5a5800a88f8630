package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"darkgo/conv"
	"darkgo/mat"
)

func randParam(r *rand.Rand, shape ...int) *Var {
	v := Param(mat.New(shape...))
	for i := range v.Value.Data {
		v.Value.Data[i] = 2*r.Float32() - 1
	}
	return v
}

// gradCheck compares the tape's gradients of L = Σ r·f(in) (r random, fixed)
// with float64 central differences of L over every element of every input:
//
//	∂L/∂x ≈ (L(x + h) − L(x − h)) / (2h)
//
// where L is summed in float64 and the perturbation h is the exact
// difference of the perturbed float32 values. Where the one-sided
// differences disagree, a kink of LeakyReLU or a max-pool tie lies within
// h and the analytic gradient must match one of them; at most a quarter
// of the elements may be checked that way.
func gradCheck(t *testing.T, name string, in []*Var, f func(tp *Tape, in []*Var) *Var) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	tp := NewTape(conv.NewWorkspace(1))
	out := f(tp, in)
	seed := mat.New(out.Value.Shape...)
	for i := range seed.Data {
		seed.Data[i] = 2*r.Float32() - 1
	}
	ZeroGrad(in...)
	tp.Backward([]*Var{out}, []*mat.Tensor{seed})
	tp.Reset()
	analytic := make([]*mat.Tensor, len(in))
	for i, v := range in {
		analytic[i] = v.Grad.Clone()
	}

	tp.NoGrad = true
	loss := func() float64 {
		o := f(tp, in)
		var s float64
		for i, v := range o.Value.Data {
			s += float64(seed.Data[i]) * float64(v)
		}
		tp.Reset()
		return s
	}
	const h = 1e-3
	tol := func(ref float64) float64 { return 2e-3 + 1e-2*math.Abs(ref) }
	l0 := loss()
	total, kinks := 0, 0
	for k, v := range in {
		for i, x := range v.Value.Data {
			xp, xm := x+h, x-h
			v.Value.Data[i] = xp
			lp := loss()
			v.Value.Data[i] = xm
			lm := loss()
			v.Value.Data[i] = x
			total++
			got := float64(analytic[k].Data[i])
			fwd, bwd := (lp-l0)/float64(xp-x), (l0-lm)/float64(x-xm)
			if math.Abs(fwd-bwd) > 2*tol(fwd) {
				// A kink within h: the analytic gradient must match one side.
				kinks++
				if math.Abs(got-fwd) > 2*tol(fwd) && math.Abs(got-bwd) > 2*tol(bwd) {
					t.Errorf("%s: input %d element %d at a kink: analytic %.6g, one-sided %.6g and %.6g", name, k, i, got, fwd, bwd)
					return
				}
				continue
			}
			num := (lp - lm) / (float64(xp) - float64(xm))
			if d := math.Abs(got - num); d > tol(num) {
				t.Errorf("%s: input %d element %d: analytic %.6g, numeric %.6g", name, k, i, got, num)
				return
			}
		}
	}
	if kinks*4 > total {
		t.Errorf("%s: %d of %d elements sit on a kink", name, kinks, total)
	}
}

func TestGradConv2D(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ n, cin, h, w, cout, k, s, p int }{
		{2, 2, 5, 5, 3, 3, 2, 1}, {1, 3, 4, 5, 2, 3, 1, 1}, {2, 3, 3, 4, 2, 1, 1, 0}, {1, 2, 5, 3, 2, 1, 2, 0}, {1, 2, 6, 6, 2, 3, 2, 1},
	} {
		x, w := randParam(r, c.n, c.cin, c.h, c.w), randParam(r, c.cout, c.cin, c.k, c.k)
		gradCheck(t, fmt.Sprintf("conv %+v", c), []*Var{x, w}, func(tp *Tape, in []*Var) *Var {
			return tp.Conv2D(in[0], in[1], c.s, c.p)
		})
	}
}

func TestGradBatchNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, train := range []bool{true, false} {
		for _, act := range []conv.Activation{conv.Linear, conv.Leaky} {
			x := randParam(r, 2, 3, 3, 5)
			bn := NewBatchNorm(3)
			for i := range 3 {
				bn.Gamma.Value.Data[i] = 0.5 + r.Float32()
				bn.Beta.Value.Data[i] = r.Float32() - 0.5
				bn.Mean[i], bn.Var[i] = 0.2*r.Float32(), 0.3+r.Float32()
			}
			name := fmt.Sprintf("batchnorm train=%v act=%d", train, act)
			gradCheck(t, name, []*Var{x, bn.Gamma, bn.Beta}, func(tp *Tape, in []*Var) *Var {
				return tp.BatchNorm(in[0], bn, train, act)
			})
		}
	}
}

func TestGradElementwise(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := randParam(r, 2, 3, 4, 5)
	for i, v := range x.Value.Data { // keep away from the kink at 0
		x.Value.Data[i] = float32(math.Copysign(0.05+math.Abs(float64(v)), float64(v)))
	}
	gradCheck(t, "leaky", []*Var{x}, func(tp *Tape, in []*Var) *Var { return tp.Leaky(in[0]) })

	a, b := randParam(r, 2, 3, 3, 3), randParam(r, 2, 3, 3, 3)
	gradCheck(t, "add", []*Var{a, b}, func(tp *Tape, in []*Var) *Var { return tp.Add(in[0], in[1]) })

	c1, c2, c3 := randParam(r, 2, 1, 3, 2), randParam(r, 2, 3, 3, 2), randParam(r, 2, 2, 3, 2)
	gradCheck(t, "concat", []*Var{c1, c2, c3}, func(tp *Tape, in []*Var) *Var { return tp.Concat(in...) })

	u := randParam(r, 2, 2, 3, 5)
	gradCheck(t, "upsample", []*Var{u}, func(tp *Tape, in []*Var) *Var { return tp.Upsample2x(in[0]) })

	for _, s := range []int{1, 2} {
		for _, hw := range [][2]int{{4, 6}, {5, 3}} {
			m := randParam(r, 2, 2, hw[0], hw[1])
			gradCheck(t, fmt.Sprintf("maxpool stride %d %v", s, hw), []*Var{m}, func(tp *Tape, in []*Var) *Var { return tp.MaxPool(in[0], 2, s) })
		}
	}

	xb, bias := randParam(r, 2, 3, 2, 3), randParam(r, 3)
	gradCheck(t, "bias", []*Var{xb, bias}, func(tp *Tape, in []*Var) *Var { return tp.AddBias(in[0], in[1]) })
}

func TestGradConvBN(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, train := range []bool{true, false} {
		for _, act := range []conv.Activation{conv.Linear, conv.Leaky} {
			x, w := randParam(r, 2, 3, 5, 4), randParam(r, 3, 3, 3, 3)
			bn := NewBatchNorm(3)
			for i := range 3 {
				bn.Gamma.Value.Data[i] = 0.5 + r.Float32()
				bn.Beta.Value.Data[i] = r.Float32() - 0.5
				bn.Mean[i], bn.Var[i] = 0.2*r.Float32(), 0.3+r.Float32()
			}
			bn.Gamma.Value.Data[2] = -bn.Gamma.Value.Data[2] // a negative scale must work too
			name := fmt.Sprintf("convbn train=%v act=%d", train, act)
			gradCheck(t, name, []*Var{x, w, bn.Gamma, bn.Beta}, func(tp *Tape, in []*Var) *Var {
				return tp.ConvBN(in[0], in[1], 2, 1, bn, train, act)
			})
		}
	}
}

// TestConvBNEqualsUnfused: the fused unit gives the values and gradients
// of Conv2D then BatchNorm.
func TestConvBNEqualsUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	x, w := randParam(r, 2, 4, 6, 6), randParam(r, 5, 4, 3, 3)
	seed := mat.New(2, 5, 6, 6)
	for i := range seed.Data {
		seed.Data[i] = r.Float32() - 0.5
	}
	var vals, grads [2][]float32
	for k, fused := range []bool{false, true} {
		bn := NewBatchNorm(5)
		ZeroGrad(x, w)
		tp := NewTape(conv.NewWorkspace(1))
		var y *Var
		if fused {
			y = tp.ConvBN(x, w, 1, 1, bn, true, conv.Leaky)
		} else {
			y = tp.BatchNorm(tp.Conv2D(x, w, 1, 1), bn, true, conv.Leaky)
		}
		vals[k] = append(y.Value.Data[:0:0], y.Value.Data...)
		tp.Backward([]*Var{y}, []*mat.Tensor{seed})
		grads[k] = append(append(append([]float32(nil), x.Grad.Data...), w.Grad.Data...), bn.Gamma.Grad.Data...)
		grads[k] = append(grads[k], bn.Beta.Grad.Data...)
	}
	for _, c := range []struct {
		name string
		a, b []float32
	}{{"value", vals[0], vals[1]}, {"gradient", grads[0], grads[1]}} {
		for i := range c.a {
			if d := math.Abs(float64(c.a[i] - c.b[i])); d > 1e-4*(1+math.Abs(float64(c.a[i]))) {
				t.Fatalf("%s %d: unfused %g, fused %g", c.name, i, c.a[i], c.b[i])
			}
		}
	}
}

// TestGradBlock runs a residual YOLOv3 unit end to end: conv 1×1 → BN+leaky
// → conv 3×3 → BN+leaky → add x; x is used twice (conv input and shortcut).
func TestGradBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := randParam(r, 2, 4, 5, 5)
	w1, w2 := randParam(r, 2, 4, 1, 1), randParam(r, 4, 2, 3, 3)
	bn1, bn2 := NewBatchNorm(2), NewBatchNorm(4)
	gradCheck(t, "residual block", []*Var{x, w1, w2, bn1.Gamma, bn2.Beta}, func(tp *Tape, in []*Var) *Var {
		y := tp.BatchNorm(tp.Conv2D(in[0], in[1], 1, 0), bn1, true, conv.Leaky)
		y = tp.ConvBN(y, in[2], 1, 1, bn2, true, conv.Leaky)
		return tp.Add(in[0], y)
	})
}

// TestGradPassedGradients covers the ops that hand their output gradient
// to an input no gradient has reached yet instead of adding it to a zeroed
// one (Add, AddBias): the shortcut of an intermediate variable, the same
// intermediate added to itself, and a bias after a convolution.
func TestGradPassedGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	x := randParam(r, 2, 2, 4, 4)
	w0, w1, w2, b := randParam(r, 3, 2, 3, 3), randParam(r, 3, 3, 1, 1), randParam(r, 2, 3, 1, 1), randParam(r, 2)
	bn := NewBatchNorm(3)
	gradCheck(t, "passed gradients", []*Var{x, w0, w1, w2, b}, func(tp *Tape, in []*Var) *Var {
		y := tp.Leaky(tp.Conv2D(in[0], in[1], 1, 1))
		z := tp.Add(y, tp.ConvBN(y, in[2], 1, 0, bn, false, conv.Leaky))
		z = tp.Add(z, z)
		return tp.AddBias(tp.Conv2D(z, in[3], 1, 0), in[4])
	})
}

func TestVarUsedTwiceSumsGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randParam(r, 1, 2, 3, 3)
	tp := NewTape(conv.NewWorkspace(1))
	y := tp.Add(x, x) // y = 2x: dx = 2·dy
	dy := mat.New(y.Value.Shape...)
	for i := range dy.Data {
		dy.Data[i] = float32(i)
	}
	tp.Backward([]*Var{y}, []*mat.Tensor{dy})
	for i, g := range x.Grad.Data {
		if g != 2*float32(i) {
			t.Fatalf("dx[%d] = %g, want %g", i, g, 2*float32(i))
		}
	}
}

func TestUnusedInputGetsZeroGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x, unused, w := randParam(r, 1, 2, 4, 4), randParam(r, 1, 2, 4, 4), randParam(r, 3, 2, 3, 3)
	img := Const(x.Value.Clone())
	tp := NewTape(conv.NewWorkspace(1))
	y := tp.Conv2D(x, w, 1, 1)
	z := tp.Conv2D(img, w, 2, 1) // Const input: no gradient, but w still gets one
	_ = tp.Leaky(unused)         // recorded, but nothing downstream reaches it
	if img.RequiresGrad() || !z.RequiresGrad() {
		t.Fatalf("RequiresGrad: const %v, conv of const with param %v", img.RequiresGrad(), z.RequiresGrad())
	}
	tp.Backward([]*Var{y}, []*mat.Tensor{mat.New(y.Value.Shape...)})
	for i, g := range unused.Grad.Data {
		if g != 0 {
			t.Fatalf("unused input grad[%d] = %g, want 0", i, g)
		}
	}
	if img.Grad != nil {
		t.Fatalf("const input received a gradient")
	}
}

// TestResetReusesBuffers runs the same step twice through one tape: the
// second step reuses the pooled tensors and must give identical gradients,
// and allocate (almost) nothing large.
func TestResetReusesBuffers(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	x := Const(randParam(r, 2, 3, 8, 8).Value)
	w1, w2 := randParam(r, 4, 3, 3, 3), randParam(r, 4, 4, 1, 1)
	bn := NewBatchNorm(4)
	tp := NewTape(conv.NewWorkspace(1))
	step := func() []float32 {
		ZeroGrad(w1, w2, bn.Gamma, bn.Beta)
		y := tp.BatchNorm(tp.Conv2D(x, w1, 2, 1), bn, true, conv.Leaky)
		y = tp.MaxPool(tp.Add(y, tp.Conv2D(y, w2, 1, 0)), 2, 1)
		dy := mat.New(y.Value.Shape...)
		for i := range dy.Data {
			dy.Data[i] = float32(i%7) - 3
		}
		tp.Backward([]*Var{y}, []*mat.Tensor{dy})
		tp.Reset()
		return append(append([]float32(nil), w1.Grad.Data...), bn.Gamma.Grad.Data...)
	}
	first := step()
	free := tp.FreeBytes()
	second := step()
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("gradient %d differs after Reset: %g then %g", i, first[i], second[i])
		}
	}
	if got := tp.FreeBytes(); got != free {
		t.Errorf("pool holds %d bytes after the second step, %d after the first", got, free)
	}
}

// TestNoGradRecordsNothing: in no-grad mode ops compute the same values,
// record no closures, and Reset returns their outputs to the pool.
func TestNoGradRecordsNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	x, w := randParam(r, 2, 3, 6, 6), randParam(r, 4, 3, 3, 3)
	bn := NewBatchNorm(4)
	run := func(tp *Tape) []float32 {
		y := tp.ConvBN(x, w, 2, 1, bn, false, conv.Leaky)
		y = tp.MaxPool(tp.Upsample2x(y), 2, 2)
		return append([]float32(nil), y.Value.Data...)
	}
	want := run(NewTape(conv.NewWorkspace(1)))
	tp := NewTape(conv.NewWorkspace(1))
	tp.NoGrad = true
	got := run(tp)
	if len(tp.backward) != 0 {
		t.Fatalf("no-grad tape recorded %d ops", len(tp.backward))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("no-grad value %d = %g, want %g", i, got[i], want[i])
		}
	}
	if tp.FreeBytes() != 0 {
		t.Fatalf("pool holds %d bytes before Reset", tp.FreeBytes())
	}
	tp.Reset()
	if tp.FreeBytes() == 0 || tp.FreeBytes() != tp.PeakBytes() {
		t.Fatalf("after Reset the pool holds %d bytes, peak was %d", tp.FreeBytes(), tp.PeakBytes())
	}
}
