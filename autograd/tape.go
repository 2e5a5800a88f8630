package autograd

import (
	"darkgo/conv"
	"darkgo/mat"
)

// Var is a value on the tape and, after Backward, its gradient.
type Var struct {
	Value *mat.Tensor
	Grad  *mat.Tensor // same shape as Value; nil until a gradient reaches it
	needs bool        // a gradient must flow to this variable
}

// Const wraps a tensor that needs no gradient (an input image, a target).
func Const(value *mat.Tensor) *Var { return &Var{Value: value} }

// Param wraps a trainable tensor and gives it a zero gradient of the same
// shape. Its Grad belongs to the caller (the tape never recycles it) and
// accumulates over Backward calls until ZeroGrad.
func Param(value *mat.Tensor) *Var {
	return &Var{Value: value, Grad: mat.New(value.Shape...), needs: true}
}

// RequiresGrad reports whether gradients flow to v.
func (v *Var) RequiresGrad() bool { return v.needs }

// ZeroGrad clears the gradients of the given parameters.
func ZeroGrad(params ...*Var) {
	for _, p := range params {
		p.Grad.Zero()
	}
}

// Tape records, in execution order, one backward closure per op whose
// inputs need a gradient. Execution order is a topological order, so
// Backward just runs the closures in reverse. The tape also owns the
// activations and gradients of the variables it creates, recycled through
// a pool keyed by shape so that a training step reuses the previous step's
// buffers. A Tape is not safe for concurrent use.
type Tape struct {
	NoGrad bool // record nothing (validation, inference); ops still run

	ws       *conv.Workspace
	backward []func() // backward[i] propagates outs[i].Grad to the inputs of op i
	outs     []*Var
	vars     []*Var // every Var created since Reset
	pool     pool
}

// NewTape returns an empty tape whose ops use ws for their scratch memory.
func NewTape(ws *conv.Workspace) *Tape {
	return &Tape{ws: ws, pool: pool{free: map[shapeKey][]*mat.Tensor{}, lent: map[*mat.Tensor]bool{}}}
}

// newVar returns a tape-owned variable of the given shape; its value is
// not cleared (every op overwrites its output).
func (t *Tape) newVar(shape ...int) *Var {
	v := &Var{Value: t.pool.get(false, shape...)}
	t.vars = append(t.vars, v)
	return v
}

// record appends the backward closure of the op that produced out from
// ins, unless no input needs a gradient or the tape is in no-grad mode.
func (t *Tape) record(out *Var, backward func(), ins ...*Var) {
	for _, in := range ins {
		out.needs = out.needs || in.needs
	}
	if t.NoGrad || !out.needs {
		out.needs = false
		return
	}
	t.backward = append(t.backward, backward)
	t.outs = append(t.outs, out)
}

// grad returns v.Grad, creating a zero one, or nil if v needs no gradient
// (the kernels skip nil gradients).
func (t *Tape) grad(v *Var) *mat.Tensor {
	if !v.needs {
		return nil
	}
	if v.Grad == nil {
		v.Grad = t.pool.get(true, v.Value.Shape...)
	}
	return v.Grad
}

// addGrad accumulates g into v's gradient if v needs one: v.Grad += g, or,
// when no gradient has reached v yet, v.Grad = a copy of g (which saves
// zeroing a new gradient only to add g to it).
func (t *Tape) addGrad(v *Var, g *mat.Tensor) {
	switch {
	case !v.needs:
	case v.Grad == nil:
		v.Grad = t.pool.get(false, v.Value.Shape...)
		copy(v.Grad.Data, g.Data)
	default:
		conv.AddTo(v.Grad, g)
	}
}

// passGrad is addGrad for the gradient of out, an op's output whose closure
// is running, to an input v of the same shape: when no gradient has reached
// v yet, out's gradient itself becomes v's (no copy, no zeroing) and
// out.Grad is set to nil, so Backward does not recycle it; v's own closure
// (or Reset) returns it to the pool later. It reports whether it did so;
// out.Grad must not be used afterwards if it did.
func (t *Tape) passGrad(v, out *Var) bool {
	if v.needs && v.Grad == nil {
		v.Grad, out.Grad = out.Grad, nil
		return true
	}
	t.addGrad(v, out.Grad)
	return false
}

// Backward adds dOuts[i] to the gradient of outs[i] (dOuts[i] has
// outs[i]'s shape; for a loss it is ∂loss/∂out) and runs the recorded
// closures in reverse, so every Param reached accumulates its gradient
// with +=. Each op's output value and gradient are recycled as soon as its
// closure has run: afterwards only Param gradients (and Const values) are
// valid, so read anything else before calling Backward. The tape is then
// empty; call Reset before the next step.
func (t *Tape) Backward(outs []*Var, dOuts []*mat.Tensor) {
	if len(outs) != len(dOuts) {
		panic("autograd: Backward: outs and dOuts differ in length")
	}
	for i, o := range outs {
		t.addGrad(o, dOuts[i])
	}
	for i := len(t.backward) - 1; i >= 0; i-- {
		out := t.outs[i]
		if out.Grad != nil { // else no gradient reached this op
			t.backward[i]()
		}
		t.pool.put(out.Grad)
		t.pool.put(out.Value)
		out.Grad, out.Value = nil, nil
	}
	t.backward, t.outs = t.backward[:0], t.outs[:0]
}

// Reset forgets the recorded ops and returns every tensor the tape lent
// (values, gradients, saved statistics) to its pool; the Vars created since
// the last Reset must not be used afterwards. Param and Const tensors are
// untouched.
func (t *Tape) Reset() {
	clear(t.backward)
	clear(t.outs)
	t.backward, t.outs = t.backward[:0], t.outs[:0]
	for _, v := range t.vars {
		v.Value, v.Grad = nil, nil
	}
	clear(t.vars)
	t.vars = t.vars[:0]
	t.pool.putAll()
}
