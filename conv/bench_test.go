package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

// layerShape is one convolution of Darknet-53: cin → cout channels, k×k
// kernel, stride s, on an h×h input.
type layerShape struct{ cin, cout, k, s, h int }

func (l layerShape) String() string {
	return fmt.Sprintf("cin=%d,cout=%d,k=%d,s=%d,h=%d", l.cin, l.cout, l.k, l.s, l.h)
}

// darknet53Shapes lists the distinct convolution shapes of Darknet-53 at a
// 416×416 input (SPEC §2.3), built from the stage table: the stem, then per
// stage a stride-2 3×3 downsample and residual blocks of a 1×1 (c → c/2)
// and a 3×3 (c/2 → c).
func darknet53Shapes() []layerShape {
	side := 416
	shapes := []layerShape{{3, 32, 3, 1, side}}
	c := 32
	for range 5 { // stages of 64, 128, 256, 512, 1024 channels
		shapes = append(shapes, layerShape{c, 2 * c, 3, 2, side})
		c, side = 2*c, side/2
		shapes = append(shapes, layerShape{c, c / 2, 1, 1, side}, layerShape{c / 2, c, 3, 1, side})
	}
	return shapes
}

// flops is the napkin count of one forward pass: 2·N·Cout·Cin·k²·Ho·Wo.
func (l layerShape) flops(n int) float64 {
	ho := OutSize(l.h, l.k, l.s, l.k/2)
	return 2 * float64(n*l.cout*l.cin*l.k*l.k*ho*ho)
}

func reportGFLOPs(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkConv2D measures forward and backward (dW and dX together, about
// twice the forward FLOPs) on every distinct Darknet-53 shape, batch 1 and 4,
// and the bare GEMM of the same shape (per image, Cout×HW×Cin·k²) as the
// yardstick.
func BenchmarkConv2D(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range darknet53Shapes() {
		for _, n := range []int{1, 4} {
			ho := OutSize(l.h, l.k, l.s, l.k/2)
			x, w := randTensor(r, n, l.cin, l.h, l.h), randTensor(r, l.cout, l.cin, l.k, l.k)
			y, dy := mat.New(n, l.cout, ho, ho), randTensor(r, n, l.cout, ho, ho)
			dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
			ws := NewWorkspace(0)
			b.Run(fmt.Sprintf("dir=fwd/n=%d/%v", n, l), func(b *testing.B) {
				b.ReportAllocs()
				Conv2DForward(ws, y, x, w, l.s, l.k/2) // untimed: grows the workspace
				for b.Loop() {
					Conv2DForward(ws, y, x, w, l.s, l.k/2)
				}
				reportGFLOPs(b, l.flops(n))
			})
			b.Run(fmt.Sprintf("dir=bwd/n=%d/%v", n, l), func(b *testing.B) {
				b.ReportAllocs()
				Conv2DBackward(ws, dx, dw, dy, x, w, l.s, l.k/2) // untimed: grows the workspace
				for b.Loop() {
					Conv2DBackward(ws, dx, dw, dy, x, w, l.s, l.k/2)
				}
				reportGFLOPs(b, 2*l.flops(n))
			})
			b.Run(fmt.Sprintf("dir=gemm/n=%d/%v", n, l), func(b *testing.B) {
				m, nn, k := l.cout, ho*ho, l.cin*l.k*l.k
				// Random operands (untouched zero pages would make B free to
				// read), a B and a C per image: the convolution reads n
				// images, so one B reused n times would stay in cache where
				// the convolution's inputs do not.
				a, bb, c := randTensor(r, m*k).Data, randTensor(r, n, k*nn).Data, make([]float32, n*m*nn)
				ws.gemm.Sgemm(mat.NoTrans, mat.NoTrans, m, nn, k, 1, a, k, bb, nn, 0, c, nn) // untimed
				for b.Loop() {
					for i := range n {
						ws.gemm.Sgemm(mat.NoTrans, mat.NoTrans, m, nn, k, 1, a, k, bb[i*k*nn:], nn, 0, c[i*m*nn:], nn)
					}
				}
				reportGFLOPs(b, l.flops(n))
			})
		}
	}
}

// BenchmarkKernels measures each elementwise kernel of every available
// table entry on one 208×208 channel row.
func BenchmarkKernels(b *testing.B) {
	const n = 208 * 208
	x, y, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	for _, k := range kernelTable {
		if !k.available {
			continue
		}
		for _, op := range []struct {
			name string
			fn   func()
		}{
			{"affineLeaky", func() { k.affineLeaky(dst, x, 1.5, 0.5) }},
			{"leakyGrad", func() { k.leakyGrad(dst, x, y) }},
			{"addTo", func() { k.addTo(dst, x) }},
			{"sumSqDev", func() { k.sumSqDev(x, 0.5) }},
			{"bnGrad", func() { k.bnGrad(dst, x, y, 1, 2, 3) }},
			{"gather2", func() { k.gather2(dst[:n/2], x) }},
			{"scatterAdd2", func() { k.scatterAdd2(dst, x[:n/2]) }},
			{"unzipRows", func() { k.unzipRows(dst[:n/2], dst[n/2:], 104, x, 208, 208, 104) }},
			{"zipAddRows", func() { k.zipAddRows(dst, 208, x[:n/2], x[n/2:], 104, 208, 104) }},
		} {
			b.Run(fmt.Sprintf("op=%s/impl=%s", op.name, k.name), func(b *testing.B) {
				b.SetBytes(4 * n)
				for b.Loop() {
					op.fn()
				}
			})
		}
	}
}

// BenchmarkIm2col times one col tile of every 3×3 Darknet-53 shape (batch
// 1, the tile the convolution uses), im2col and its adjoint col2im, on one
// worker; GB/s counts the col's bytes.
func BenchmarkIm2col(b *testing.B) {
	for _, l := range darknet53Shapes() {
		if l.k != 3 {
			continue
		}
		ho := OutSize(l.h, l.k, l.s, l.k/2)
		g := geom{n: 1, cin: l.cin, h: l.h, w: l.h, cout: l.cout, k: l.k, s: l.s, p: l.k / 2, ho: ho, wo: ho}
		nb := g.tile()
		col, x := make([]float32, l.cin*9*colLd(nb)), make([]float32, l.cin*l.h*l.h)
		scratch := make([]float32, g.s2ScratchLen(nb))
		for _, dir := range []string{"im2col", "col2im"} {
			b.Run(fmt.Sprintf("dir=%s/%v", dir, l), func(b *testing.B) {
				b.SetBytes(int64(4 * l.cin * 9 * nb))
				for b.Loop() {
					if dir == "im2col" {
						g.im2col(col, x, scratch, 0, l.cin, 0, nb)
					} else {
						g.col2im(x, col, scratch, 0, l.cin, 0, nb)
					}
				}
			})
		}
	}
}

// BenchmarkWinograd compares the two inference paths of the 3×3 stride-1
// Darknet-53 shapes, bias and leaky included: im2col + GEMM
// (Conv2DInfer) and F(2×2, 3×3) (Conv2DWinograd). GFLOP/s counts the
// direct convolution's 2·Cout·Cin·9·H·W for both, so the figures compare
// times.
func BenchmarkWinograd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range darknet53Shapes() {
		if l.k != 3 || l.s != 1 || l.cin < 32 {
			continue
		}
		for _, n := range []int{1, 4} {
			x, w := randTensor(r, n, l.cin, l.h, l.h), randTensor(r, l.cout, l.cin, 3, 3)
			u, bias := WinogradWeights(w), randTensor(r, l.cout).Data
			y := mat.New(n, l.cout, l.h, l.h)
			ws := NewWorkspace(0)
			run := map[string]func(){
				"im2col":   func() { Conv2DInfer(ws, y, x, w, bias, 1, 1, Leaky) },
				"winograd": func() { Conv2DWinograd(ws, y, x, u, bias, Leaky, nil) },
			}
			for _, impl := range []string{"im2col", "winograd"} {
				b.Run(fmt.Sprintf("impl=%s/n=%d/%v", impl, n, l), func(b *testing.B) {
					b.ReportAllocs()
					run[impl]() // untimed: grows the workspace
					for b.Loop() {
						run[impl]()
					}
					reportGFLOPs(b, l.flops(n))
				})
			}
		}
	}
}
