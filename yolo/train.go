package yolo

import (
	"fmt"

	"darkgo/autograd"
	"darkgo/conv"
	"darkgo/mat"
)

// TrainNet is a model's forward pass on an autograd tape, for training and
// validation. Its Vars share memory with the Model's tensors: an optimizer
// step on Params() updates the Model, and Model.SaveWeights writes the
// current state (running statistics included) as a darknet checkpoint.
type TrainNet struct {
	Model *Model
	W     []*autograd.Var       // per conv: kernel [Cout, Cin, k, k]
	Bias  []*autograd.Var       // per conv: BN β (BN convs) or the head bias [Cout]
	BN    []*autograd.BatchNorm // per conv: γ (a Param), β (= Bias[i]), running mean and var; nil for head convs
}

// NewTrainNet wraps m's parameters as trainable Vars (with zero gradients).
func NewTrainNet(m *Model) *TrainNet {
	n := &TrainNet{Model: m, W: make([]*autograd.Var, len(m.Convs)),
		Bias: make([]*autograd.Var, len(m.Convs)), BN: make([]*autograd.BatchNorm, len(m.Convs))}
	for i := range m.Convs {
		c := &m.Convs[i]
		n.W[i] = autograd.Param(c.W)
		n.Bias[i] = autograd.Param(c.Bias)
		if c.BN() {
			n.BN[i] = &autograd.BatchNorm{Gamma: autograd.Param(c.Gamma), Beta: n.Bias[i], Mean: c.Mean.Data, Var: c.Var.Data}
		}
	}
	return n
}

// Params returns the trainable Vars in .weights order: per conv W, then β
// and γ (BN convs) or the bias (head convs). This is the same order as
// Model.Params.
func (n *TrainNet) Params() []*autograd.Var {
	var ps []*autograd.Var
	for i := range n.W {
		ps = append(ps, n.W[i], n.Bias[i])
		if n.BN[i] != nil {
			ps = append(ps, n.BN[i].Gamma)
		}
	}
	return ps
}

// Forward records the network on t for x [N, 3, H, W] (H, W multiples of
// 32) and returns the raw head outputs as Vars, in Arch.Heads order
// (increasing stride: yolov3 8, 16, 32; tiny 16, 32), each
// [N, 3·(5+K), H/stride, W/stride], channel a·(5+K) + field. With train,
// batch norm uses the batch statistics and updates the running ones (the
// upstream's training step); otherwise the running statistics (validation).
// Seed Backward with the loss's dRaw for each returned Var.
func (n *TrainNet) Forward(t *autograd.Tape, x *mat.Tensor, train bool) ([]*autograd.Var, error) {
	a := n.Model.Arch
	if len(x.Shape) != 4 || x.Shape[1] != 3 || x.Shape[0] < 1 {
		return nil, fmt.Errorf("yolo: forward: input shape %v, want [N, 3, H, W]", x.Shape)
	}
	if _, err := a.NewPlan(x.Shape[2], x.Shape[3]); err != nil {
		return nil, err
	}
	outs := make([]*autograd.Var, len(a.Layers))
	prev := autograd.Const(x)
	for i, l := range a.Layers {
		var y *autograd.Var
		switch l.Kind {
		case Convolutional:
			if l.BN { // one fused op: keeps one activation-sized tensor, not two
				y = t.ConvBN(prev, n.W[l.Conv], l.Stride, l.Size/2, n.BN[l.Conv], train, conv.Leaky)
			} else {
				y = t.AddBias(t.Conv2D(prev, n.W[l.Conv], l.Stride, l.Size/2), n.Bias[l.Conv])
			}
		case Shortcut:
			y = t.Add(prev, outs[l.From])
		case Route:
			if len(l.Layers) == 1 {
				y = outs[l.Layers[0]]
			} else {
				xs := make([]*autograd.Var, len(l.Layers))
				for j, src := range l.Layers {
					xs[j] = outs[src]
				}
				y = t.Concat(xs...)
			}
		case Upsample:
			y = t.Upsample2x(prev)
		case MaxPool:
			y = t.MaxPool(prev, l.Size, l.Stride)
		case YOLO:
			y = prev
		}
		outs[i] = y
		prev = y
	}
	heads := make([]*autograd.Var, len(a.Heads))
	for h, hd := range a.Heads {
		heads[h] = outs[a.Convs[hd.Conv]]
	}
	return heads, nil
}
