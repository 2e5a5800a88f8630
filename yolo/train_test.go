package yolo

import (
	"math"
	"testing"

	"darkgo/autograd"
	"darkgo/conv"
	"darkgo/mat"
)

// TestGoldenTape runs the tape forward in evaluation mode (running
// statistics) on the golden cases: it must match the reference like the
// fused inference path.
func TestGoldenTape(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.dir, func(t *testing.T) {
			if gc.big && testing.Short() {
				t.Skip("yolov3 golden forward (3.5 GFLOP) in -short mode")
			}
			_, m, x, refs := goldenForward(t, gc.dir)
			tape := autograd.NewTape(conv.NewWorkspace(0))
			tape.NoGrad = true
			heads, err := NewTrainNet(m).Forward(tape, x, false)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]*mat.Tensor, len(heads))
			for h := range heads {
				got[h] = heads[h].Value
			}
			checkHeads(t, "tape eval", got, refs)
		})
	}
}

// TestTrainBackward checks, on yolov3-tiny at 32×32 with batch 2, that the
// gradient of L = Σ_h Σ dOut_h·raw_h reaches every parameter, equals the
// analytic value for the head biases (Σ over N, rows, cols of dOut), and
// matches a central difference for one kernel weight of each head conv and
// one BN γ; and that training mode moves the running statistics.
func TestTrainBackward(t *testing.T) {
	m := randomModel(t, 2)
	for i := range m.Convs {
		if c := &m.Convs[i]; c.BN() {
			for j := range c.Mean.Data {
				c.Mean.Data[j], c.Var.Data[j] = 0, 1
			}
		}
		// Keep activations O(1): scale kernels by 1/√fan-in.
		c := &m.Convs[i]
		s := float32(1 / math.Sqrt(float64(c.W.Len()/c.W.Shape[0])))
		for j := range c.W.Data {
			c.W.Data[j] *= s
		}
	}
	x := mat.New(2, 3, 32, 32)
	for i := range x.Data {
		x.Data[i] = float32(i%97) / 97
	}
	net := NewTrainNet(m)
	tape := autograd.NewTape(conv.NewWorkspace(1))
	loss := func(train bool) float64 {
		tape.NoGrad = true
		heads, err := net.Forward(tape, x, train)
		if err != nil {
			t.Fatal(err)
		}
		var l float64
		for h, v := range heads {
			for j, y := range v.Value.Data {
				l += float64(y) * seed(h, j)
			}
		}
		tape.Reset()
		return l
	}
	mean0 := append([]float32(nil), m.Convs[0].Mean.Data...)
	tape.NoGrad = false
	heads, err := net.Forward(tape, x, false)
	if err != nil {
		t.Fatal(err)
	}
	dOuts := make([]*mat.Tensor, len(heads))
	for h, v := range heads {
		dOuts[h] = mat.New(v.Value.Shape...)
		for j := range dOuts[h].Data {
			dOuts[h].Data[j] = float32(seed(h, j))
		}
	}
	tape.Backward(heads, dOuts)
	tape.Reset()
	if m.Convs[0].Mean.Data[0] != mean0[0] {
		t.Error("evaluation mode changed the running mean")
	}
	for i, p := range net.Params() {
		nz := false
		for _, g := range p.Grad.Data {
			nz = nz || g != 0
		}
		if !nz {
			t.Errorf("param %d %v has a zero gradient", i, p.Value.Shape)
		}
	}
	for h, hd := range m.Arch.Heads {
		g := net.Bias[hd.Conv].Grad.Data
		s := dOuts[h].Shape
		hw := s[2] * s[3]
		for c := range s[1] {
			var want float64
			for n := range s[0] {
				for j := range hw {
					want += float64(dOuts[h].Data[(n*s[1]+c)*hw+j])
				}
			}
			if math.Abs(float64(g[c])-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Fatalf("head %d bias %d: grad %g, want %g", h, c, g[c], want)
			}
		}
	}
	// Central differences in float32 are noisy: use a large step on
	// parameters whose effect is (close to) linear and a loose tolerance.
	check := func(name string, p *autograd.Var, j int, eps float32) {
		v := p.Value.Data[j]
		p.Value.Data[j] = v + eps
		lp := loss(false)
		p.Value.Data[j] = v - eps
		lm := loss(false)
		p.Value.Data[j] = v
		fd := (lp - lm) / (2 * float64(eps))
		g := float64(p.Grad.Data[j])
		if math.Abs(fd-g) > 2e-2*math.Max(1, math.Abs(g)) {
			t.Errorf("%s[%d]: grad %g, central difference %g", name, j, g, fd)
		}
	}
	check("W9", net.W[9], 5, 1e-2)
	check("W12", net.W[12], 17, 1e-2)
	check("gamma11", net.BN[11].Gamma, 3, 1e-2)
	check("W0", net.W[0], 2, 1e-2)
	loss(true)
	if m.Convs[0].Mean.Data[0] == mean0[0] {
		t.Error("training mode did not update the running mean")
	}
}

// seed is a fixed pseudo-random upstream gradient in [-1, 1).
func seed(h, j int) float64 {
	return float64((h*7919+j*104729)%2003)/1001.5 - 1
}
