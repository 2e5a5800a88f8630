package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

// bnRef is batch normalisation in float64: per channel, the biased mean and
// variance over (N, H, W), then y = γ·(x − μ)/√(σ² + ε) + β.
func bnRef(x *mat.Tensor, gamma, beta []float32) (y, mu, vr []float64) {
	n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	y, mu, vr = make([]float64, len(x.Data)), make([]float64, c), make([]float64, c)
	for ch := range c {
		var s, ss float64
		for b := range n {
			for _, v := range x.Data[(b*c+ch)*hw : (b*c+ch+1)*hw] {
				s += float64(v)
			}
		}
		mu[ch] = s / float64(n*hw)
		for b := range n {
			for _, v := range x.Data[(b*c+ch)*hw : (b*c+ch+1)*hw] {
				ss += (float64(v) - mu[ch]) * (float64(v) - mu[ch])
			}
		}
		vr[ch] = ss / float64(n*hw)
		for b := range n {
			for i := (b*c + ch) * hw; i < (b*c+ch+1)*hw; i++ {
				y[i] = float64(gamma[ch])*(float64(x.Data[i])-mu[ch])/math.Sqrt(vr[ch]+BNEpsilon) + float64(beta[ch])
			}
		}
	}
	return y, mu, vr
}

func TestBatchNormTrainAndEval(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	n, c, h, w := 3, 4, 5, 7
	x := randTensor(r, n, c, h, w)
	for i := range x.Data {
		x.Data[i] = 3*x.Data[i] + 1.5 // a mean and variance far from 0 and 1
	}
	gm, bt := make([]float32, c), make([]float32, c)
	for i := range gm {
		gm[i], bt[i] = 0.5+r.Float32(), r.Float32()-0.5
	}
	want, mu, vr := bnRef(x, gm, bt)
	runMean, runVar := make([]float32, c), make([]float32, c)
	for i := range runVar {
		runMean[i], runVar[i] = 0.25, 2
	}
	mean, invStd := make([]float32, c), make([]float32, c)
	for _, act := range []Activation{Linear, Leaky} {
		rm, rv := append([]float32(nil), runMean...), append([]float32(nil), runVar...)
		y := mat.New(x.Shape...)
		BatchNormTrain(y, x, gm, bt, rm, rv, mean, invStd, act)
		for i, g := range y.Data {
			wv := want[i]
			if act == Leaky && wv < 0 {
				wv *= LeakySlope
			}
			if math.Abs(float64(g)-wv) > 1e-5*(1+math.Abs(wv)) {
				t.Fatalf("train act %d: y[%d] = %g, want %g", act, i, g, wv)
			}
		}
		m := float64(n * h * w)
		for ch := range c {
			wantRM := 0.99*0.25 + 0.01*mu[ch]
			wantRV := 0.99*2 + 0.01*vr[ch]*m/(m-1)
			if math.Abs(float64(rm[ch])-wantRM) > 1e-6 || math.Abs(float64(rv[ch])-wantRV) > 1e-5 {
				t.Fatalf("running stats of channel %d: %g, %g; want %g, %g", ch, rm[ch], rv[ch], wantRM, wantRV)
			}
			if math.Abs(float64(mean[ch])-mu[ch]) > 1e-6 || math.Abs(float64(invStd[ch])-1/math.Sqrt(vr[ch]+BNEpsilon)) > 1e-5 {
				t.Fatalf("saved statistics of channel %d: %g, %g", ch, mean[ch], invStd[ch])
			}
		}
	}
	// Eval normalises with the running statistics: set them to this batch's
	// (biased) statistics and eval must reproduce the training output; with
	// the initial statistics it must match the float64 formula.
	bm, bv := make([]float32, c), make([]float32, c)
	for ch := range c {
		bm[ch], bv[ch] = float32(mu[ch]), float32(vr[ch])
	}
	y := mat.New(x.Shape...)
	BatchNormEval(y, x, gm, bt, bm, bv, nil, Linear)
	for i, g := range y.Data {
		if math.Abs(float64(g)-want[i]) > 1e-5*(1+math.Abs(want[i])) {
			t.Fatalf("eval with batch statistics: y[%d] = %g, want %g", i, g, want[i])
		}
	}
	BatchNormEval(y, x, gm, bt, runMean, runVar, nil, Linear)
	hw := h * w
	for i, g := range y.Data {
		ch := i / hw % c
		wv := float64(gm[ch])*(float64(x.Data[i])-0.25)/math.Sqrt(2+BNEpsilon) + float64(bt[ch])
		if math.Abs(float64(g)-wv) > 1e-5*(1+math.Abs(wv)) {
			t.Fatalf("eval with running statistics: y[%d] = %g, want %g", i, g, wv)
		}
	}
}

func TestMaxPoolDarknetWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, s := range []int{1, 2} {
		for _, hw := range [][2]int{{4, 4}, {5, 3}, {1, 1}, {6, 7}} {
			x := randTensor(r, 2, 3, hw[0], hw[1])
			// SPEC §2.10: output (i, j) is the max over rows {i·s, i·s+1} and
			// columns {j·s, j·s+1} inside the image.
			ho, wo := (hw[0]+1-2)/s+1, (hw[1]+1-2)/s+1
			y := mat.New(2, 3, ho, wo)
			MaxPool(y, x, 2, s)
			for p := range 6 {
				for i := range ho {
					for j := range wo {
						m := float32(math.Inf(-1))
						for _, yy := range []int{i * s, i*s + 1} {
							for _, xx := range []int{j * s, j*s + 1} {
								if yy < hw[0] && xx < hw[1] {
									m = max(m, x.Data[(p*hw[0]+yy)*hw[1]+xx])
								}
							}
						}
						if got := y.Data[(p*ho+i)*wo+j]; got != m {
							t.Fatalf("stride %d %v: y[%d,%d,%d] = %g, want %g", s, hw, p, i, j, got, m)
						}
					}
				}
			}
		}
	}
}

// TestMaxPoolBackwardWindows checks MaxPoolBackward (size 2, both strides,
// even and odd sides) against routing each dy by hand to the first maximum
// of its window in row-major order, among the cells inside the image; the
// values are drawn from {−1, 0, 1} so that most windows hold ties.
func TestMaxPoolBackwardWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, s := range []int{1, 2} {
		for _, hw := range [][2]int{{4, 4}, {5, 3}, {1, 1}, {6, 7}, {2, 9}, {4, 18}, {3, 21}} {
			h, w := hw[0], hw[1]
			x := mat.New(2, 3, h, w)
			for i := range x.Data {
				x.Data[i] = float32(r.IntN(3) - 1)
			}
			ho, wo := (h-1)/s+1, (w-1)/s+1
			dy := randTensor(r, 2, 3, ho, wo)
			dx := randTensor(r, 2, 3, h, w)
			want := dx.Clone()
			MaxPoolBackward(dx, dy, x, 2, s)
			for p := range 6 {
				for i := range ho {
					for j := range wo {
						best := -1
						for _, yy := range []int{i * s, i*s + 1} {
							for _, xx := range []int{j * s, j*s + 1} {
								if yy < h && xx < w && (best < 0 || x.Data[p*h*w+yy*w+xx] > x.Data[best]) {
									best = p*h*w + yy*w + xx
								}
							}
						}
						want.Data[best] += dy.Data[(p*ho+i)*wo+j]
					}
				}
			}
			for i := range dx.Data {
				if dx.Data[i] != want.Data[i] {
					t.Fatalf("stride %d %v: dx[%d] = %g, want %g", s, hw, i, dx.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestMaxPoolGeneralSize checks the general path (size ≠ 2) against
// darknet's windows rows i·s − (size−1)/2 + [0, size), clipped to the image.
func TestMaxPoolGeneralSize(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, c := range [][3]int{{3, 2, 7}, {3, 1, 4}, {1, 1, 3}, {4, 2, 5}} {
		size, s, side := c[0], c[1], c[2]
		x := randTensor(r, 1, 2, side, side)
		ho := PoolOutSize(side, size, s)
		y := mat.New(1, 2, ho, ho)
		MaxPool(y, x, size, s)
		off := (size - 1) / 2
		for p := range 2 {
			for i := range ho {
				for j := range ho {
					m := float32(math.Inf(-1))
					for yy := i*s - off; yy < i*s-off+size; yy++ {
						for xx := j*s - off; xx < j*s-off+size; xx++ {
							if yy >= 0 && yy < side && xx >= 0 && xx < side {
								m = max(m, x.Data[(p*side+yy)*side+xx])
							}
						}
					}
					if got := y.Data[(p*ho+i)*ho+j]; got != m {
						t.Fatalf("size %d stride %d: y[%d,%d,%d] = %g, want %g", size, s, p, i, j, got, m)
					}
				}
			}
		}
	}
}

func TestUpsampleConcatBias(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	x := randTensor(r, 2, 3, 2, 3)
	up := mat.New(2, 3, 4, 6)
	Upsample2x(up, x)
	for i, v := range up.Data {
		q, rr, pc := i%6, i/6%4, i/24
		if want := x.Data[(pc*2+rr/2)*3+q/2]; v != want {
			t.Fatalf("upsample[%d] = %g, want %g", i, v, want)
		}
	}
	a, b := randTensor(r, 2, 1, 2, 2), randTensor(r, 2, 2, 2, 2)
	y := mat.New(2, 3, 2, 2)
	Concat(y, a, b)
	for n := range 2 {
		for c := range 3 {
			for k := range 4 {
				var want float32
				if c == 0 {
					want = a.Data[n*4+k]
				} else {
					want = b.Data[(n*2+c-1)*4+k]
				}
				if got := y.Data[(n*3+c)*4+k]; got != want {
					t.Fatalf("concat[%d,%d,%d] = %g, want %g", n, c, k, got, want)
				}
			}
		}
	}
	// Add, also in place over either operand; the second shape spans
	// several chunks of the fused copy-and-add, the last one partial.
	for _, shape := range [][]int{{2, 3, 2, 3}, {2, 3, 37, 41}} {
		p, q := randTensor(r, shape...), randTensor(r, shape...)
		for k := range 3 {
			a, b := p.Clone(), q.Clone()
			out := []*mat.Tensor{mat.New(p.Shape...), a, b}[k]
			Add(out, a, b)
			for i, v := range out.Data {
				if want := p.Data[i] + q.Data[i]; v != want {
					t.Fatalf("add %v (output %d): y[%d] = %g, want %g", shape, k, i, v, want)
				}
			}
		}
	}
	bias := []float32{1, -2, 3}
	z := mat.New(x.Shape...)
	AddBias(z, x, bias)
	for i, v := range z.Data {
		if want := x.Data[i] + bias[i/6%3]; v != want {
			t.Fatalf("bias[%d] = %g, want %g", i, v, want)
		}
	}
}
