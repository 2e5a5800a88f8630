package yolo

import (
	"fmt"

	"darkgo/conv"
	"darkgo/mat"
)

// Inference runs a model's forward pass for detection: batch norm folded
// into the conv weights (W' = γ/√(var+ε)·W, b' = β − γ·mean/√(var+ε)), bias
// and leaky ReLU fused after each GEMM, a residual add fused too when a conv
// feeds only the shortcut after it, and activation buffers reused between
// calls and between layers whose outputs are no longer needed.
// It snapshots the parameters when created: call NewInference again after
// changing the model. An Inference is not safe for concurrent use.
type Inference struct {
	Arch *Arch
	w    []*mat.Tensor // per conv: folded kernel [Cout, Cin, k, k]
	b    [][]float32   // per conv: folded bias (BN) or the head bias [Cout]
	u    []*mat.Tensor // per conv: Winograd weights [16, Cout, Cin] where it pays, else nil
	ws   *conv.Workspace

	// winograd says which 3×3 stride-1 convolutions use F(2×2, 3×3):
	// where conv.WinogradPays (the default), everywhere (tests), or nowhere.
	winograd winoMode

	// Buffers for the last input shape seen.
	n, h, wd int
	plan     *Plan
	fused    []bool      // per layer: a conv that also does the shortcut after it
	slot     []int       // per layer: buffer index holding its output
	bufs     [][]float32 // activation buffers, shared by layers that do not overlap in time
	outs     []*mat.Tensor
}

// NewInference folds m's batch norms and prepares a forward pass whose GEMMs
// use the given number of workers (≤ 0: runtime.GOMAXPROCS(0)).
func NewInference(m *Model, workers int) *Inference {
	inf := &Inference{Arch: m.Arch, ws: conv.NewWorkspace(workers),
		w: make([]*mat.Tensor, len(m.Convs)), b: make([][]float32, len(m.Convs))}
	for i := range m.Convs {
		c := &m.Convs[i]
		if c.BN() {
			inf.w[i], inf.b[i] = conv.FoldBatchNorm(c.W, c.Gamma.Data, c.Bias.Data, c.Mean.Data, c.Var.Data)
		} else {
			inf.w[i], inf.b[i] = c.W.Clone(), append([]float32(nil), c.Bias.Data...)
		}
	}
	return inf
}

// Forward runs the network on x [N, 3, H, W] (RGB in [0, 1], H and W
// multiples of 32) and returns the raw head outputs, before any sigmoid or
// exp, ordered as Arch.Heads (increasing stride: yolov3 8, 16, 32; tiny 16,
// 32), each [N, 3·(5+K), H/stride, W/stride] with channel a·(5+K) + field
// (darknet's layout). The returned tensors are owned by inf and overwritten
// by the next call.
func (inf *Inference) Forward(x *mat.Tensor) ([]*mat.Tensor, error) {
	if len(x.Shape) != 4 || x.Shape[1] != 3 || x.Shape[0] < 1 {
		return nil, fmt.Errorf("yolo: forward: input shape %v, want [N, 3, H, W]", x.Shape)
	}
	if err := inf.prepare(x.Shape[0], x.Shape[2], x.Shape[3]); err != nil {
		return nil, err
	}
	a := inf.Arch
	prev := x
	for i, l := range a.Layers {
		y := inf.outs[i]
		switch l.Kind {
		case Convolutional:
			var res *mat.Tensor // y = act(conv) + out[From] of the next layer
			if inf.fused[i] {
				res = inf.outs[a.Layers[i+1].From]
			}
			if u := inf.u[l.Conv]; u != nil {
				conv.Conv2DWinograd(inf.ws, y, prev, u, inf.b[l.Conv], activation(l), res)
			} else {
				conv.Conv2DInferAdd(inf.ws, y, prev, inf.w[l.Conv], inf.b[l.Conv], l.Stride, l.Size/2, activation(l), res)
			}
		case Shortcut:
			if !inf.fused[i-1] {
				conv.Add(y, prev, inf.outs[l.From])
			}
		case Route:
			if len(l.Layers) > 1 {
				xs := make([]*mat.Tensor, len(l.Layers))
				for j, src := range l.Layers {
					xs[j] = inf.outs[src]
				}
				conv.Concat(y, xs...)
			}
		case Upsample:
			conv.Upsample2x(y, prev)
		case MaxPool:
			conv.MaxPool(y, prev, l.Size, l.Stride)
		}
		prev = y
	}
	heads := make([]*mat.Tensor, len(a.Heads))
	for h := range a.Heads {
		heads[h] = inf.outs[a.Convs[a.Heads[h].Conv]]
	}
	return heads, nil
}

type winoMode int

const (
	winoWherePays winoMode = iota
	winoEverywhere
	winoNowhere
)

// SetWinograd turns the F(2×2, 3×3) path of the 3×3 stride-1 convolutions
// on (where conv.WinogradPays, the default) or off (im2col + GEMM for all,
// which rounds like the training path).
func (inf *Inference) SetWinograd(on bool) {
	inf.winograd = winoNowhere
	if on {
		inf.winograd = winoWherePays
	}
	inf.plan = nil // lay out again
}

// useWinograd reports whether conv layer l, on input shape in with a batch
// of n images, takes the Winograd path.
func (inf *Inference) useWinograd(l Layer, in Shape, n int) bool {
	if l.Kind != Convolutional || l.Size != 3 || l.Stride != 1 {
		return false
	}
	switch inf.winograd {
	case winoEverywhere:
		return true
	case winoWherePays:
		return conv.WinogradPays(n, in.C, in.H, in.W)
	}
	return false
}

func activation(l Layer) conv.Activation {
	if l.BN {
		return conv.Leaky
	}
	return conv.Linear
}

// prepare lays out the activation buffers for an N×3×H×W input. A layer's
// output lives from the layer until its last reader; buffers are handed
// out greedily and returned when their layer's output dies. YOLO layers and
// one-input routes alias the output they pass on.
func (inf *Inference) prepare(n, h, w int) error {
	if inf.plan != nil && inf.n == n && inf.h == h && inf.wd == w {
		return nil
	}
	p, err := inf.Arch.NewPlan(h, w)
	if err != nil {
		return err
	}
	a := inf.Arch
	L := len(a.Layers)
	readers := make([]int, L) // layers reading each layer's output
	for i, l := range a.Layers {
		if i > 0 && l.Kind != Route {
			readers[i-1]++
		}
		switch l.Kind {
		case Shortcut:
			readers[l.From]++
		case Route:
			for _, src := range l.Layers {
				readers[src]++
			}
		}
	}
	// A conv read only by the shortcut right after it writes the sum: the
	// shortcut's output is the conv's buffer, and its residual input must
	// live while the conv runs.
	inf.fused = make([]bool, L)
	for i, l := range a.Layers[:L-1] {
		next := a.Layers[i+1]
		inf.fused[i] = l.Kind == Convolutional && next.Kind == Shortcut && next.From != i && readers[i] == 1
	}
	root := make([]int, L) // the layer whose buffer holds layer i's output
	for i, l := range a.Layers {
		root[i] = i
		switch {
		case l.Kind == YOLO, l.Kind == Shortcut && inf.fused[i-1]:
			root[i] = root[i-1]
		case l.Kind == Route && len(l.Layers) == 1:
			root[i] = root[l.Layers[0]]
		}
	}
	last := make([]int, L) // last layer reading each root's buffer
	use := func(src, at int) { last[root[src]] = max(last[root[src]], at) }
	for i, l := range a.Layers {
		last[i] = max(last[i], i)
		if i > 0 && l.Kind != Route {
			use(i-1, i)
		}
		switch l.Kind {
		case Shortcut:
			use(l.From, i)
		case Route:
			for _, src := range l.Layers {
				use(src, i)
			}
		}
		if inf.fused[i] {
			use(a.Layers[i+1].From, i)
		}
	}
	for _, hd := range a.Heads {
		last[root[a.Convs[hd.Conv]]] = L // heads survive the pass
	}
	var free []int // buffer indices
	var sizes []int
	inf.slot = make([]int, L)
	for i := range a.Layers {
		if root[i] == i {
			inf.slot[i] = take(&free, &sizes, n*p.Out[i].Size())
		} else {
			inf.slot[i] = inf.slot[root[i]]
		}
		// Release the buffers whose last reader is this layer. Layer i's
		// output is written while its inputs are read, so inputs are
		// released only after the output has its own buffer.
		for j := range i {
			if root[j] == j && last[j] == i {
				free = append(free, inf.slot[j])
			}
		}
	}
	inf.bufs = make([][]float32, len(sizes))
	for b, s := range sizes {
		inf.bufs[b] = make([]float32, s)
	}
	inf.outs = make([]*mat.Tensor, L)
	for i := range a.Layers {
		s := p.Out[i]
		inf.outs[i] = mat.FromData(inf.bufs[inf.slot[i]][:n*s.Size()], n, s.C, s.H, s.W)
	}
	// Winograd weights for the convolutions that take that path at this
	// size; kept across sizes, dropped where no longer used.
	if inf.u == nil {
		inf.u = make([]*mat.Tensor, len(inf.w))
	}
	for i, l := range a.Layers {
		if l.Kind != Convolutional {
			continue
		}
		switch use := inf.useWinograd(l, p.In[i], n); {
		case use && inf.u[l.Conv] == nil:
			inf.u[l.Conv] = conv.WinogradWeights(inf.w[l.Conv])
		case !use:
			inf.u[l.Conv] = nil
		}
	}
	inf.plan, inf.n, inf.h, inf.wd = p, n, h, w
	return nil
}

// take removes from free the buffer to use for need floats: the smallest
// free buffer big enough, else the largest (grown to need), else a new one.
func take(free *[]int, sizes *[]int, need int) int {
	best := -1
	for j, b := range *free {
		switch {
		case best < 0:
			best = j
		case (*sizes)[b] >= need:
			if bb := (*sizes)[(*free)[best]]; bb < need || (*sizes)[b] < bb {
				best = j
			}
		case (*sizes)[(*free)[best]] < need && (*sizes)[b] > (*sizes)[(*free)[best]]:
			best = j
		}
	}
	if best < 0 {
		*sizes = append(*sizes, need)
		return len(*sizes) - 1
	}
	b := (*free)[best]
	*free = append((*free)[:best], (*free)[best+1:]...)
	(*sizes)[b] = max((*sizes)[b], need)
	return b
}

// ActivationBytes is the memory held by the activation buffers for the
// last input shape.
func (inf *Inference) ActivationBytes() int {
	t := 0
	for _, b := range inf.bufs {
		t += 4 * len(b)
	}
	return t
}
