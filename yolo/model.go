package yolo

import (
	"math/rand/v2"

	"darkgo/mat"
)

// Conv holds one convolution's parameters, shaped and ordered as darknet
// stores them, so a .weights file is copied in without any permutation.
type Conv struct {
	W    *mat.Tensor // [Cout, Cin, k, k]
	Bias *mat.Tensor // [Cout]: BN β for a BN conv, the additive bias for a linear head conv
	// BatchNorm, nil for the linear head convs:
	// y = γ·(x − mean)/√(var + ε) + β in inference.
	Gamma, Mean, Var *mat.Tensor // [Cout]
}

// BN reports whether the conv is followed by batch normalisation.
func (c *Conv) BN() bool { return c.Gamma != nil }

// Model is an architecture with its parameters: one Conv per conv layer, in
// the .weights order. It is independent of the input size.
type Model struct {
	Arch  *Arch
	Convs []Conv
}

// ConvDims returns Cin, Cout and k of conv i. Cin is the real input depth,
// e.g. 768 and 384 for yolov3's concat convs.
func (a *Arch) ConvDims(i int) (cin, cout, k int) {
	p := a.channelPlan()
	l := a.Convs[i]
	return p.In[l].C, a.Layers[l].Filters, a.Layers[l].Size
}

// channelPlan lays the network out for a 32×32 input: channel counts do not
// depend on the input size.
func (a *Arch) channelPlan() *Plan {
	p, err := a.NewPlan(32, 32)
	if err != nil {
		panic(err) // unreachable: 32×32 is valid
	}
	return p
}

// NewModel allocates the parameters of arch with the upstream's initial
// values for everything but the kernels (which are zero; see InitRandom):
// β = 0, γ = 1, running mean 0, running variance 1, head biases 0.
func NewModel(arch *Arch) *Model {
	m := &Model{Arch: arch, Convs: make([]Conv, len(arch.Convs))}
	p := arch.channelPlan()
	for i, li := range arch.Convs {
		l := arch.Layers[li]
		cin := p.In[li].C
		c := &m.Convs[i]
		c.W = mat.New(l.Filters, cin, l.Size, l.Size)
		c.Bias = mat.New(l.Filters)
		if l.BN {
			c.Gamma, c.Mean, c.Var = mat.New(l.Filters), mat.New(l.Filters), mat.New(l.Filters)
			for o := range l.Filters {
				c.Gamma.Data[o], c.Var.Data[o] = 1, 1
			}
		}
	}
	return m
}

// InitRandom draws every conv kernel from N(0, 0.01²) (SPEC §2.1, plain
// normal, not truncated), in .weights order.
func (m *Model) InitRandom(rng *rand.Rand) {
	for i := range m.Convs {
		for j := range m.Convs[i].W.Data {
			m.Convs[i].W.Data[j] = float32(0.01 * rng.NormFloat64())
		}
	}
}

// Params returns every trainable tensor, in .weights order: per conv, the
// kernel W, then β and γ (BN convs) or the bias (head convs).
func (m *Model) Params() []*mat.Tensor {
	var ps []*mat.Tensor
	for i := range m.Convs {
		c := &m.Convs[i]
		ps = append(ps, c.W, c.Bias)
		if c.BN() {
			ps = append(ps, c.Gamma)
		}
	}
	return ps
}

// Counts is the number of parameters of a model, as in SPEC §13.2.
type Counts struct {
	Total        int64 // = floats in a darknet .weights file
	Trainable    int64 // kernels, γ, β, head biases
	NonTrainable int64 // BN running means and variances
	Kernel       int64 // conv kernel weights
	BNFloats     int64 // β, γ, mean, var of every BN conv
	HeadBias     int64 // biases of the linear output convs
	BNChannels   int64
}

// Counts computes the parameter counts of arch without allocating it.
func (a *Arch) Counts() Counts {
	var n Counts
	p := a.channelPlan()
	for _, li := range a.Convs {
		l := a.Layers[li]
		f := int64(l.Filters)
		n.Kernel += f * int64(p.In[li].C*l.Size*l.Size)
		if l.BN {
			n.BNFloats += 4 * f
			n.BNChannels += f
		} else {
			n.HeadBias += f
		}
	}
	n.Total = n.Kernel + n.BNFloats + n.HeadBias
	n.NonTrainable = 2 * n.BNChannels
	n.Trainable = n.Total - n.NonTrainable
	return n
}
