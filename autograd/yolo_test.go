package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"darkgo/conv"
	"darkgo/mat"
)

// miniYOLOv3 builds the YOLOv3 graph of SPEC §2.3–2.4 (Darknet-53, the
// three-scale head with its upsample-and-route branches) with every channel
// count divided by div, so that its activation memory is that of YOLOv3
// divided by div at the same input size.
type miniYOLOv3 struct {
	div   int
	r     *rand.Rand
	cache map[int]*Var // weights by creation index, so later steps reuse them
	convs int          // convolutions created in this forward pass
	flops float64      // forward FLOPs of the last pass: Σ 2·N·Cout·Cin·k²·Ho·Wo
}

// weights returns the next convolution's weights, created on first use.
func (m *miniYOLOv3) weights(shape ...int) *Var {
	if m.cache == nil {
		m.cache = map[int]*Var{}
	}
	w, ok := m.cache[m.convs]
	if !ok {
		w = randParam(m.r, shape...)
		for i := range w.Value.Data {
			w.Value.Data[i] *= 0.1
		}
		m.cache[m.convs] = w
	}
	m.convs++
	return w
}

func (m *miniYOLOv3) count(y *Var, cin, k int) {
	s := y.Value.Shape
	m.flops += 2 * float64(s[0]*s[1]*s[2]*s[3]*cin*k*k)
}

func (m *miniYOLOv3) unit(tp *Tape, x *Var, cout, k, s int) *Var {
	cin := x.Value.Shape[1]
	w := m.weights(cout/m.div, cin, k, k)
	bn := NewBatchNorm(cout / m.div)
	y := tp.ConvBN(x, w, s, k/2, bn, true, conv.Leaky)
	m.count(y, cin, k)
	return y
}

func (m *miniYOLOv3) linear(tp *Tape, x *Var, cout int) *Var {
	w, b := m.weights(cout, x.Value.Shape[1], 1, 1), Param(mat.New(cout))
	y := tp.AddBias(tp.Conv2D(x, w, 1, 0), b)
	m.count(y, x.Value.Shape[1], 1)
	return y
}

func (m *miniYOLOv3) forward(tp *Tape, img *Var) []*Var {
	m.convs, m.flops = 0, 0
	x := m.unit(tp, img, 32, 3, 1)
	var routes []*Var
	for i, blocks := range []int{1, 2, 8, 8, 4} {
		c := 64 << i
		x = m.unit(tp, x, c, 3, 2)
		for range blocks {
			x = tp.Add(x, m.unit(tp, m.unit(tp, x, c/2, 1, 1), c, 3, 1))
		}
		routes = append(routes, x)
	}
	var outs []*Var
	for i, c := range []int{512, 256, 128} {
		if i > 0 { // upsample the branch and route the backbone skip after it
			x = tp.Concat(tp.Upsample2x(m.unit(tp, x, c, 1, 1)), routes[4-i])
		}
		for range 2 {
			x = m.unit(tp, m.unit(tp, x, c, 1, 1), 2*c, 3, 1)
		}
		x = m.unit(tp, x, c, 1, 1)
		outs = append(outs, m.linear(tp, m.unit(tp, x, 2*c, 3, 1), 21))
	}
	return outs
}

// TestYOLOv3StepMemory runs training steps of YOLOv3 at 1/8 of its channels
// on 416×416 images, batch 4, and checks that the tape's activation peak,
// scaled back by 8, stays within the 2.7 GB budget of a full step (leaving
// room for parameters, gradients and optimizer state), and that the second
// step reuses the first step's tensors.
func TestYOLOv3StepMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a YOLOv3-shaped training step takes a few seconds")
	}
	const div, n, side = 8, 4, 416
	m := &miniYOLOv3{div: div, r: rand.New(rand.NewPCG(1, 2))}
	img := Const(mat.New(n, 3, side, side))
	tp := NewTape(conv.NewWorkspace(0))
	var free int
	for step := range 2 {
		outs := m.forward(tp, img)
		seeds := make([]*mat.Tensor, len(outs))
		for i, o := range outs {
			seeds[i] = mat.New(o.Value.Shape...)
			seeds[i].Data[0] = 1
		}
		tp.Backward(outs, seeds)
		tp.Reset()
		if step == 0 {
			free = tp.FreeBytes()
		}
	}
	if got := tp.FreeBytes(); got != free {
		t.Errorf("pool grew from %d to %d bytes in the second step", free, got)
	}
	full := float64(tp.PeakBytes()) * div / 1e9
	t.Logf("activation peak %.1f MB at 1/%d width; about %.2f GB for YOLOv3 batch %d at %d", float64(tp.PeakBytes())/1e6, div, full, n, side)
	if full > 1.2 {
		t.Errorf("YOLOv3 activations would peak at %.2f GB, want ≤ 1.2 GB", full)
	}
}

// BenchmarkYOLOv3Step is one training step (forward with batch statistics,
// backward to every weight) of the full-width YOLOv3 graph at 416×416,
// reporting GFLOP/s over the convolutions' forward FLOPs × 3 (forward, dW,
// dX). The weights are created before the timer starts.
func BenchmarkYOLOv3Step(b *testing.B) {
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			m := &miniYOLOv3{div: 1, r: rand.New(rand.NewPCG(1, 2))}
			img := Const(mat.New(n, 3, 416, 416))
			tp := NewTape(conv.NewWorkspace(0))
			step := func() {
				outs := m.forward(tp, img)
				seeds := make([]*mat.Tensor, len(outs))
				for i, o := range outs {
					seeds[i] = mat.New(o.Value.Shape...)
				}
				tp.Backward(outs, seeds)
				tp.Reset()
			}
			step() // create the weights and fill the pool
			for b.Loop() {
				step()
			}
			b.ReportMetric(3*m.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(tp.PeakBytes())/1e9, "peak-GB")
		})
	}
}
