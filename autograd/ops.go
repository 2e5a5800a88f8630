package autograd

import (
	"darkgo/conv"
	"darkgo/mat"
)

// Each op computes its forward result with package conv and records one
// closure that accumulates the gradients of its inputs with +=. Shapes use
// conv's legend: N batch, C channels, H×W sides, k kernel, s stride.

// Conv2D is y = conv(x, w) without bias (darknet padding, see conv.OutSize):
//
//	x [N, Cin, H, W], w [Cout, Cin, k, k] → y [N, Cout, Ho, Wo]
//	backward: dW += dY·colᵀ, dX += col2im(Wᵀ·dY)
func (t *Tape) Conv2D(x, w *Var, stride, pad int) *Var {
	xs, k := x.Value.Shape, w.Value.Shape[2]
	y := t.newVar(xs[0], w.Value.Shape[0], conv.OutSize(xs[2], k, stride, pad), conv.OutSize(xs[3], k, stride, pad))
	conv.Conv2DForward(t.ws, y.Value, x.Value, w.Value, stride, pad)
	t.record(y, func() {
		conv.Conv2DBackward(t.ws, t.grad(x), t.grad(w), y.Grad, x.Value, w.Value, stride, pad)
	}, x, w)
	return y
}

// BatchNorm is one batch-normalisation layer: trainable scale and shift and
// the running statistics that evaluation uses.
type BatchNorm struct {
	Gamma, Beta *Var      // [C] γ and β, parameters
	Mean, Var   []float32 // [C] running mean and variance, updated in training mode
}

// NewBatchNorm returns the initial layer of SPEC §2.1: γ = 1, β = 0,
// running mean 0 and variance 1.
func NewBatchNorm(c int) *BatchNorm {
	bn := &BatchNorm{Gamma: Param(mat.New(c)), Beta: Param(mat.New(c)), Mean: make([]float32, c), Var: make([]float32, c)}
	for i := range c {
		bn.Gamma.Value.Data[i], bn.Var[i] = 1, 1
	}
	return bn
}

// BatchNorm is y = act(γ·x̂ + β) over x [N, C, H, W], with x̂ normalised by
// the batch statistics (train, which also updates bn.Mean and bn.Var) or by
// the running statistics (!train); see conv.BatchNormTrain. Fusing the
// activation (act = conv.Leaky) saves one activation-sized tensor per layer
// against a separate Leaky op: the backward pass needs only x and y.
func (t *Tape) BatchNorm(x *Var, bn *BatchNorm, train bool, act conv.Activation) *Var {
	c := x.Value.Shape[1]
	y := t.newVar(x.Value.Shape...)
	mean, invStd := bn.Mean, t.pool.get(false, c).Data // saved for backward: μ, 1/√(σ²+ε)
	if train {
		mean = t.pool.get(false, c).Data
		conv.BatchNormTrain(y.Value, x.Value, bn.Gamma.Value.Data, bn.Beta.Value.Data, bn.Mean, bn.Var, mean, invStd, act)
	} else {
		conv.BatchNormEval(y.Value, x.Value, bn.Gamma.Value.Data, bn.Beta.Value.Data, bn.Mean, bn.Var, invStd, act)
		mean = append(t.pool.get(false, c).Data[:0], bn.Mean...) // the running mean may change before backward
	}
	t.record(y, func() {
		conv.BatchNormBackward(t.grad(x), y.Grad, y.Value, x.Value, data(t.grad(bn.Gamma)), data(t.grad(bn.Beta)),
			bn.Gamma.Value.Data, mean, invStd, train, act)
	}, x, bn.Gamma, bn.Beta)
	return y
}

// ConvBN is the YOLOv3 convolution unit y = act(BatchNorm(Conv2D(x, w)))
// as one op. It normalises the convolution output in place, so it keeps
// one activation-sized tensor (y) where Conv2D then BatchNorm keep two;
// backward recovers x̂ from y (conv.BatchNormBackwardInPlace) and feeds
// the resulting dConv straight to conv.Conv2DBackward.
func (t *Tape) ConvBN(x, w *Var, stride, pad int, bn *BatchNorm, train bool, act conv.Activation) *Var {
	xs, k, c := x.Value.Shape, w.Value.Shape[2], w.Value.Shape[0]
	y := t.newVar(xs[0], c, conv.OutSize(xs[2], k, stride, pad), conv.OutSize(xs[3], k, stride, pad))
	conv.Conv2DForward(t.ws, y.Value, x.Value, w.Value, stride, pad)
	invStd := t.pool.get(false, c).Data
	if train {
		mean := t.pool.get(false, c).Data
		conv.BatchNormTrain(y.Value, y.Value, bn.Gamma.Value.Data, bn.Beta.Value.Data, bn.Mean, bn.Var, mean, invStd, act)
	} else {
		conv.BatchNormEval(y.Value, y.Value, bn.Gamma.Value.Data, bn.Beta.Value.Data, bn.Mean, bn.Var, invStd, act)
	}
	t.record(y, func() {
		// y.Grad becomes dConv and y.Value the pre-activation: both are
		// this op's own and recycled right after.
		conv.BatchNormBackwardInPlace(y.Grad, y.Value, data(t.grad(bn.Gamma)), data(t.grad(bn.Beta)),
			bn.Gamma.Value.Data, bn.Beta.Value.Data, invStd, train, act)
		conv.Conv2DBackward(t.ws, t.grad(x), t.grad(w), y.Grad, x.Value, w.Value, stride, pad)
	}, x, w, bn.Gamma, bn.Beta)
	return y
}

func data(t *mat.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data
}

// Leaky is y = max(x, 0.1·x); backward: dx += dy·(1 if y > 0 else 0.1).
func (t *Tape) Leaky(x *Var) *Var {
	y := t.newVar(x.Value.Shape...)
	conv.LeakyForward(y.Value, x.Value)
	t.record(y, func() {
		if dx := t.grad(x); dx != nil {
			conv.LeakyBackward(dx, y.Grad, y.Value)
		}
	}, x)
	return y
}

// Add is y = a + b (the residual shortcut); backward: da += dy, db += dy.
func (t *Tape) Add(a, b *Var) *Var {
	y := t.newVar(a.Value.Shape...)
	conv.Add(y.Value, a.Value, b.Value)
	t.record(y, func() {
		// dy becomes the gradient of the first input none has reached yet
		// (in a residual block, usually both): one copy at most, no zeroing.
		if dy := y.Grad; t.passGrad(a, y) {
			t.addGrad(b, dy) // dy is a's gradient now: read it, do not keep it
		} else {
			t.passGrad(b, y)
		}
	}, a, b)
	return y
}

// Concat joins xs along the channels in argument order (darknet's route):
// xs[i] [N, Ci, H, W] → y [N, ΣCi, H, W]; backward: each dxs[i] += its slice.
func (t *Tape) Concat(xs ...*Var) *Var {
	s := xs[0].Value.Shape
	c := 0
	vals := make([]*mat.Tensor, len(xs))
	for i, x := range xs {
		c += x.Value.Shape[1]
		vals[i] = x.Value
	}
	y := t.newVar(s[0], c, s[2], s[3])
	conv.Concat(y.Value, vals...)
	t.record(y, func() {
		dxs := make([]*mat.Tensor, len(xs))
		for i, x := range xs {
			dxs[i] = t.grad(x)
		}
		conv.ConcatBackward(dxs, vals, y.Grad)
	}, xs...)
	return y
}

// Upsample2x is nearest ×2 upsampling: x [N, C, H, W] → y [N, C, 2H, 2W];
// backward: each dx pixel += the sum of its four copies' dy.
func (t *Tape) Upsample2x(x *Var) *Var {
	s := x.Value.Shape
	y := t.newVar(s[0], s[1], 2*s[2], 2*s[3])
	conv.Upsample2x(y.Value, x.Value)
	t.record(y, func() {
		if dx := t.grad(x); dx != nil {
			conv.Upsample2xBackward(dx, y.Grad)
		}
	}, x)
	return y
}

// MaxPool is darknet's max pool (size×size windows, stride s, cells outside
// the image skipped; see conv.MaxPool); backward routes dy to each window's
// argmax.
func (t *Tape) MaxPool(x *Var, size, stride int) *Var {
	s := x.Value.Shape
	y := t.newVar(s[0], s[1], conv.PoolOutSize(s[2], size, stride), conv.PoolOutSize(s[3], size, stride))
	conv.MaxPool(y.Value, x.Value, size, stride)
	t.record(y, func() {
		if dx := t.grad(x); dx != nil {
			conv.MaxPoolBackward(dx, y.Grad, x.Value, size, stride)
		}
	}, x)
	return y
}

// AddBias is y[n, c, :, :] = x[n, c, :, :] + b[c] for the linear head
// convolutions; backward: dx += dy, db[c] += Σ_{n,h,w} dy.
func (t *Tape) AddBias(x, b *Var) *Var {
	y := t.newVar(x.Value.Shape...)
	conv.AddBias(y.Value, x.Value, b.Value.Data)
	t.record(y, func() {
		if db := t.grad(b); db != nil {
			conv.AddBiasBackward(db.Data, y.Grad)
		}
		t.passGrad(x, y) // last: it may take y.Grad
	}, x, b)
	return y
}
