package autograd

import "darkgo/mat"

// shapeKey identifies a tensor shape of rank ≤ 4 (rank first).
type shapeKey [5]int

func keyOf(shape []int) shapeKey {
	if len(shape) > 4 {
		panic("autograd: tensors of rank > 4 are not supported")
	}
	k := shapeKey{len(shape)}
	copy(k[1:], shape)
	return k
}

// pool recycles tensors by shape. YOLOv3 at 416×416, batch 4, holds about
// 1.5 GB of activations during a training step; every step has the same
// shapes, so after the first step get finds every tensor in free.
type pool struct {
	free map[shapeKey][]*mat.Tensor
	lent map[*mat.Tensor]bool // handed out since the last putAll

	lentBytes, peakBytes int // bytes lent now, and the most ever lent at once
}

// get returns a tensor of the given shape, zeroed if zero is set.
func (p *pool) get(zero bool, shape ...int) *mat.Tensor {
	k := keyOf(shape)
	var t *mat.Tensor
	if l := p.free[k]; len(l) > 0 {
		t, p.free[k] = l[len(l)-1], l[:len(l)-1]
		if zero {
			t.Zero()
		}
	} else {
		t = mat.New(shape...)
	}
	p.lent[t] = true
	p.lentBytes += 4 * len(t.Data)
	p.peakBytes = max(p.peakBytes, p.lentBytes)
	return t
}

// put takes back a tensor that get lent; other tensors (nil, parameters,
// constants, tensors already returned) are ignored.
func (p *pool) put(t *mat.Tensor) {
	if t == nil || !p.lent[t] {
		return
	}
	delete(p.lent, t)
	p.lentBytes -= 4 * len(t.Data)
	k := keyOf(t.Shape)
	p.free[k] = append(p.free[k], t)
}

// putAll takes back every lent tensor.
func (p *pool) putAll() {
	for t := range p.lent {
		p.put(t)
	}
}

// FreeBytes is the memory the pool holds ready for reuse, in bytes.
func (t *Tape) FreeBytes() int {
	n := 0
	for _, l := range t.pool.free {
		for _, x := range l {
			n += 4 * len(x.Data)
		}
	}
	return n
}

// PeakBytes is the most memory the tape has had lent out at once (values,
// gradients and saved statistics of live variables), in bytes: the
// activation memory of a training step, not counting parameters.
func (t *Tape) PeakBytes() int { return t.pool.peakBytes }

// Release drops the pooled tensors so the garbage collector can reclaim
// them (for example between training and a large evaluation run).
func (t *Tape) Release() { clear(t.pool.free) }
