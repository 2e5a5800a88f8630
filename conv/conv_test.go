package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

func randTensor(r *rand.Rand, shape ...int) *mat.Tensor {
	t := mat.New(shape...)
	for i := range t.Data {
		t.Data[i] = 2*r.Float32() - 1
	}
	return t
}

// naiveConv is the direct convolution in float64, with darknet padding:
// y[n, o, oy, ox] = Σ_{c,i,j} w[o, c, i, j]·x[n, c, oy·s−p+i, ox·s−p+j].
// It also returns, per output, Σ|w·x| for the error bound.
func naiveConv(x, w *mat.Tensor, s, p int) (y, mag []float64, shape []int) {
	n, cin, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout, k := w.Shape[0], w.Shape[2]
	ho, wo := (h+2*p-k)/s+1, (wd+2*p-k)/s+1
	y = make([]float64, n*cout*ho*wo)
	mag = make([]float64, len(y))
	for b := range n {
		for o := range cout {
			for oy := range ho {
				for ox := range wo {
					var acc, m float64
					for c := range cin {
						for i := range k {
							for j := range k {
								iy, ix := oy*s-p+i, ox*s-p+j
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								v := float64(w.Data[((o*cin+c)*k+i)*k+j]) * float64(x.Data[((b*cin+c)*h+iy)*wd+ix])
								acc += v
								m += math.Abs(v)
							}
						}
					}
					idx := ((b*cout+o)*ho+oy)*wo + ox
					y[idx], mag[idx] = acc, m
				}
			}
		}
	}
	return y, mag, []int{n, cout, ho, wo}
}

// gamma is the dot-product rounding bound γ_k = k·u/(1−k·u), u = 2⁻²⁴,
// with a little slack for the final float32 rounding.
func gamma(k int) float64 {
	u := math.Ldexp(1, -24)
	return float64(k+2) * u / (1 - float64(k+2)*u)
}

type convCase struct{ n, cin, h, w, cout, k, s, p int }

func convCases() []convCase {
	var cs []convCase
	for _, k := range []int{1, 3} {
		for _, s := range []int{1, 2} {
			for _, hw := range [][2]int{{5, 5}, {6, 8}, {7, 4}, {1, 3}} {
				cs = append(cs, convCase{2, 3, hw[0], hw[1], 4, k, s, k / 2})
			}
		}
	}
	cs = append(cs, convCase{1, 2, 9, 7, 3, 5, 2, 2}, convCase{3, 1, 4, 4, 2, 3, 1, 0}, convCase{1, 5, 3, 3, 2, 1, 2, 1})
	// More than minTile output pixels: several col tiles, with tile edges
	// in the middle of an output row.
	return append(cs, convCase{2, 32, 37, 41, 3, 3, 1, 1}, convCase{1, 32, 75, 83, 2, 3, 2, 1}, convCase{1, 300, 70, 70, 2, 1, 2, 0}, convCase{2, 300, 33, 33, 2, 1, 1, 0})
}

func TestTiledCases(t *testing.T) {
	tiled := 0
	for _, c := range convCases() {
		g := geom{cin: c.cin, k: c.k, ho: OutSize(c.h, c.k, c.s, c.p), wo: OutSize(c.w, c.k, c.s, c.p)}
		if nb := g.tile(); nb < g.ho*g.wo {
			tiled++
			if nb%g.wo == 0 {
				t.Errorf("%+v: tile %d ends on a row boundary", c, nb)
			}
		}
	}
	if tiled != 4 {
		t.Errorf("%d cases use several col tiles, want 4", tiled)
	}
}

func TestConv2DForwardMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ws := NewWorkspace(2)
	for _, c := range convCases() {
		name := fmt.Sprintf("%+v", c)
		x := randTensor(r, c.n, c.cin, c.h, c.w)
		w := randTensor(r, c.cout, c.cin, c.k, c.k)
		want, mag, shape := naiveConv(x, w, c.s, c.p)
		y := mat.New(shape...)
		for i := range y.Data {
			y.Data[i] = float32(math.NaN()) // must be overwritten
		}
		Conv2DForward(ws, y, x, w, c.s, c.p)
		bound := gamma(c.cin * c.k * c.k)
		for i, g := range y.Data {
			if d := math.Abs(float64(g) - want[i]); !(d <= bound*mag[i]) {
				t.Fatalf("%s: y[%d] = %g, want %g", name, i, g, want[i])
			}
		}
	}
}

// sideBySideCase is a 1×1 layer whose backward products run side by side
// on a two-worker crew (sideBySide).
var sideBySideCase = convCase{1, 128, 46, 46, 64, 1, 1, 0}

// TestConv2DBackwardMatchesNaive checks dW and dX against the adjoint of the
// direct convolution, in float64, and that both accumulate.
func TestConv2DBackwardMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ws := NewWorkspace(2)
	c := sideBySideCase
	if g := (geom{n: c.n, cin: c.cin, cout: c.cout, k: c.k, s: c.s, ho: c.h, wo: c.w}); !g.sideBySide() {
		t.Fatalf("%+v: not side by side", c)
	}
	for _, c := range append(convCases(), sideBySideCase) {
		name := fmt.Sprintf("%+v", c)
		x := randTensor(r, c.n, c.cin, c.h, c.w)
		w := randTensor(r, c.cout, c.cin, c.k, c.k)
		ho, wo := OutSize(c.h, c.k, c.s, c.p), OutSize(c.w, c.k, c.s, c.p)
		dy := randTensor(r, c.n, c.cout, ho, wo)
		dx0, dw0 := randTensor(r, x.Shape...), randTensor(r, w.Shape...)
		dx, dw := dx0.Clone(), dw0.Clone()
		Conv2DBackward(ws, dx, dw, dy, x, w, c.s, c.p)

		wantDx, wantDw := make([]float64, len(dx.Data)), make([]float64, len(dw.Data))
		magDx, magDw := make([]float64, len(dx.Data)), make([]float64, len(dw.Data))
		for i, v := range dx0.Data {
			wantDx[i], magDx[i] = float64(v), math.Abs(float64(v))
		}
		for i, v := range dw0.Data {
			wantDw[i], magDw[i] = float64(v), math.Abs(float64(v))
		}
		for b := range c.n {
			for o := range c.cout {
				for oy := range ho {
					for ox := range wo {
						g := float64(dy.Data[((b*c.cout+o)*ho+oy)*wo+ox])
						for ci := range c.cin {
							for i := range c.k {
								for j := range c.k {
									iy, ix := oy*c.s-c.p+i, ox*c.s-c.p+j
									if iy < 0 || iy >= c.h || ix < 0 || ix >= c.w {
										continue
									}
									xi, wi := ((b*c.cin+ci)*c.h+iy)*c.w+ix, ((o*c.cin+ci)*c.k+i)*c.k+j
									wantDw[wi] += g * float64(x.Data[xi])
									magDw[wi] += math.Abs(g * float64(x.Data[xi]))
									wantDx[xi] += g * float64(w.Data[wi])
									magDx[xi] += math.Abs(g * float64(w.Data[wi]))
								}
							}
						}
					}
				}
			}
		}
		bound := gamma(c.n*ho*wo + c.cout*c.k*c.k + 2)
		for i, g := range dw.Data {
			if d := math.Abs(float64(g) - wantDw[i]); !(d <= bound*magDw[i]) {
				t.Fatalf("%s: dW[%d] = %g, want %g", name, i, g, wantDw[i])
			}
		}
		for i, g := range dx.Data {
			if d := math.Abs(float64(g) - wantDx[i]); !(d <= bound*magDx[i]) {
				t.Fatalf("%s: dX[%d] = %g, want %g", name, i, g, wantDx[i])
			}
		}
		// nil gradients are skipped.
		Conv2DBackward(ws, nil, nil, dy, x, w, c.s, c.p)
	}
}

func TestIm2colCol2imAdjoint(t *testing.T) {
	// <im2col(x), c> = <x, col2im(c)> for every geometry: col2im is the exact adjoint.
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range convCases() {
		g := geom{n: 1, cin: c.cin, h: c.h, w: c.w, cout: 1, k: c.k, s: c.s, p: c.p}
		g.ho, g.wo = OutSize(c.h, c.k, c.s, c.p), OutSize(c.w, c.k, c.s, c.p)
		x := randTensor(r, c.cin*c.h*c.w).Data
		cc := randTensor(r, c.cin*c.k*c.k*colLd(g.ho*g.wo)).Data // past each row's pixels: never read
		col := make([]float32, len(cc))
		scratch := make([]float32, g.s2ScratchLen(g.ho*g.wo))
		g.im2col(col, x, scratch, 0, c.cin, 0, g.ho*g.wo)
		dx := make([]float32, len(x))
		g.col2im(dx, cc, scratch, 0, c.cin, 0, g.ho*g.wo)
		var a, b float64
		for i := range col {
			a += float64(col[i]) * float64(cc[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(dx[i])
		}
		if math.Abs(a-b) > 1e-4*(1+math.Abs(a)) {
			t.Errorf("%+v: <im2col x, c> = %g, <x, col2im c> = %g", c, a, b)
		}
	}
}

func TestWorkspaceNoAllocSteadyState(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, workers := range []int{1, 2} { // one worker; a crew sharing the two images
		testNoAlloc(t, r, NewWorkspace(workers))
	}
}

func testNoAlloc(t *testing.T, r *rand.Rand, ws *Workspace) {
	x, w := randTensor(r, 2, 4, 9, 9), randTensor(r, 8, 4, 3, 3)
	y, dy := mat.New(2, 8, 5, 5), randTensor(r, 2, 8, 5, 5)
	dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
	bias := make([]float32, 8)
	u, ys, res := WinogradWeights(w), mat.New(2, 8, 9, 9), randTensor(r, 2, 8, 9, 9)
	run := func() {
		Conv2DForward(ws, y, x, w, 2, 1)
		Conv2DBackward(ws, dx, dw, dy, x, w, 2, 1)
		Conv2DInfer(ws, y, x, w, bias, 2, 1, Leaky)
		Conv2DInferAdd(ws, y, x, w, bias, 2, 1, Leaky, dy)
		Conv2DWinograd(ws, ys, x, u, bias, Leaky, res)
	}
	run()
	if a := testing.AllocsPerRun(5, run); a != 0 {
		t.Errorf("%v allocations per forward+backward, want 0", a)
	}
}

// TestInferAddEqualsInferThenAdd: the residual fused into the epilogue gives
// the bits of Conv2DInfer followed by Add, on batches that span several
// tiles, for one worker and a crew of two.
func TestInferAddEqualsInferThenAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, workers := range []int{1, 2} {
		ws := NewWorkspace(workers)
		for _, c := range []convCase{{2, 3, 8, 8, 5, 3, 1, 1}, {3, 16, 70, 90, 8, 3, 1, 1}, {2, 24, 64, 64, 12, 1, 1, 0}, {1, 8, 33, 31, 16, 3, 2, 1}} {
			x, w := randTensor(r, c.n, c.cin, c.h, c.w), randTensor(r, c.cout, c.cin, c.k, c.k)
			bias := randTensor(r, c.cout).Data
			ho, wo := OutSize(c.h, c.k, c.s, c.p), OutSize(c.w, c.k, c.s, c.p)
			res := randTensor(r, c.n, c.cout, ho, wo)
			want, got := mat.New(c.n, c.cout, ho, wo), mat.New(c.n, c.cout, ho, wo)
			Conv2DInfer(ws, want, x, w, bias, c.s, c.p, Leaky)
			Add(want, want, res)
			Conv2DInferAdd(ws, got, x, w, bias, c.s, c.p, Leaky, res)
			for i := range got.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("workers %d %+v: fused y[%d] = %g, infer then add %g", workers, c, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestFusedInferenceEqualsUnfused: Conv2DInfer with FoldBatchNorm weights and
// Leaky equals Conv2DForward → BatchNormEval → LeakyForward.
func TestFusedInferenceEqualsUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ws := NewWorkspace(2)
	for _, c := range []convCase{{2, 3, 8, 8, 5, 3, 1, 1}, {1, 4, 7, 7, 6, 3, 2, 1}, {2, 6, 5, 4, 3, 1, 1, 0}, {1, 32, 37, 41, 3, 3, 1, 1}, {1, 300, 40, 40, 4, 1, 1, 0}} {
		x, w := randTensor(r, c.n, c.cin, c.h, c.w), randTensor(r, c.cout, c.cin, c.k, c.k)
		gm, bt, mu, vr := make([]float32, c.cout), make([]float32, c.cout), make([]float32, c.cout), make([]float32, c.cout)
		for i := range gm {
			gm[i], bt[i], mu[i], vr[i] = 0.5+r.Float32(), r.Float32()-0.5, r.Float32()-0.5, 0.2+r.Float32()
		}
		ho, wo := OutSize(c.h, c.k, c.s, c.p), OutSize(c.w, c.k, c.s, c.p)
		want := mat.New(c.n, c.cout, ho, wo)
		Conv2DForward(ws, want, x, w, c.s, c.p)
		BatchNormEval(want, want, gm, bt, mu, vr, nil, Leaky)
		for _, act := range []Activation{Linear, Leaky} {
			wf, bf := FoldBatchNorm(w, gm, bt, mu, vr)
			got := mat.New(want.Shape...)
			Conv2DInfer(ws, got, x, wf, bf, c.s, c.p, act)
			for i := range got.Data {
				wv := want.Data[i]
				if act == Linear { // undo the activation on the reference
					if wv < 0 {
						wv /= LeakySlope
					}
				}
				if d := math.Abs(float64(got.Data[i] - wv)); d > 1e-4*(1+math.Abs(float64(wv))) {
					t.Fatalf("%+v act %d: fused y[%d] = %g, unfused %g", c, act, i, got.Data[i], wv)
				}
			}
		}
	}
}

// TestIm2colSameMatchesRows checks the contiguous "same" paths against the
// row-by-row ones on tiles that start and end mid-row: im2col must give
// the same col, col2im the same dX (up to the sign of zero: the same path
// adds zeros where the other skips).
func TestIm2colSameMatchesRows(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, c := range [][3]int{{3, 5, 7}, {3, 1, 4}, {3, 6, 1}, {3, 2, 2}, {5, 6, 9}, {1, 3, 3}, {3, 13, 13}} {
		k, h, w := c[0], c[1], c[2]
		g := geom{n: 1, cin: 2, h: h, w: w, cout: 1, k: k, s: 1, p: k / 2, ho: h, wo: w}
		if !g.same() {
			t.Fatalf("%v: not a same geometry", c)
		}
		x := randTensor(r, 2*h*w).Data
		for range 6 {
			p0 := r.IntN(h * w)
			p1 := p0 + 1 + r.IntN(h*w-p0)
			ld := colLd(p1 - p0) // the sentinels past each row's pixels must stay
			got, want := make([]float32, 2*k*k*ld), make([]float32, 2*k*k*ld)
			for i := range got {
				got[i], want[i] = sentinel, sentinel
			}
			g.im2colSame(got, x, 0, 2, p0, p1)
			g.im2colRows(want, x, 0, 2, p0, p1)
			if !same(got, want) {
				t.Fatalf("k=%d %d×%d tile [%d, %d): im2col %v, want %v", k, h, w, p0, p1, got, want)
			}
			cc := randTensor(r, len(got)).Data
			dx, dxWant := randTensor(r, 2*h*w).Data, make([]float32, 2*h*w)
			copy(dxWant, dx)
			g.col2imRows(dxWant, append([]float32(nil), cc...), 0, 2, p0, p1)
			g.col2imSame(dx, cc, 0, 2, p0, p1)
			for i := range dx {
				if dx[i] != dxWant[i] {
					t.Fatalf("k=%d %d×%d tile [%d, %d): col2im dx[%d] = %g, want %g", k, h, w, p0, p1, i, dx[i], dxWant[i])
				}
			}
		}
	}
}
