package mat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

const guard = 12345.678 // sentinel around every output

// refGemm is the float64 definition of Sgemm. It also returns, per element,
// the bound γₖ·Σ|alpha·aᵢₚ·bₚⱼ| + |beta·cᵢⱼ|·u on the float32 rounding error.
func refGemm(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, tol []float64) {
	want, tol = make([]float64, m*n), make([]float64, m*n)
	const u = 1.0 / (1 << 24)
	gamma := float64(k+2) * u / (1 - float64(k+2)*u)
	for i := range m {
		for j := range n {
			var s, abs float64
			for p := range k {
				var av, bv float32
				if tA == Trans {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB == Trans {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			w := float64(alpha) * s
			t := gamma*math.Abs(float64(alpha))*abs + 2*u*math.Abs(w)
			if beta != 0 {
				cv := float64(beta) * float64(c[i*ldc+j])
				w += cv
				t += 2 * u * math.Abs(cv)
			}
			want[i*n+j], tol[i*n+j] = w, t+1e-30
		}
	}
	return want, tol
}

// randMat returns rows×cols values with leading dimension ld inside a slice
// that starts at offset off; the padding holds values that must never be read
// into the result (large, so a stray read shows).
func randMat(r *rand.Rand, rows, cols, ld, off int) []float32 {
	s := make([]float32, off+max(0, (rows-1)*ld+cols))
	for i := range s {
		s[i] = 1e6
	}
	for i := range rows {
		for j := range cols {
			s[off+i*ld+j] = float32(r.NormFloat64())
		}
	}
	return s
}

type gemmCase struct {
	tA, tB      Transpose
	m, n, k     int
	alpha, beta float32
	pad, off    int // extra leading-dimension columns; offset of each operand
}

func (tc gemmCase) String() string {
	t := func(x Transpose) string {
		if x == Trans {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d,off=%d", t(tc.tA), t(tc.tB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad, tc.off)
}

// check runs one case through g and compares with refGemm, including the
// guard band around C, NaN-filled C when beta == 0, and unchanged inputs.
func (tc gemmCase) check(t *testing.T, g *Gemm, r *rand.Rand) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.tA == Trans {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.tB == Trans {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := max(1, ac+tc.pad), max(1, bc+tc.pad), max(1, tc.n+tc.pad)
	a := randMat(r, ar, ac, lda, tc.off)
	b := randMat(r, br, bc, ldb, tc.off)
	cLen := max(0, (tc.m-1)*ldc+tc.n)
	c := make([]float32, tc.off+cLen+16)
	for i := range c {
		c[i] = guard
	}
	for i := range tc.m {
		for j := range tc.n {
			if tc.beta == 0 {
				c[tc.off+i*ldc+j] = float32(math.NaN())
			} else {
				c[tc.off+i*ldc+j] = float32(r.NormFloat64())
			}
		}
	}
	a0, b0, c0 := append([]float32(nil), a...), append([]float32(nil), b...), append([]float32(nil), c...)
	want, tol := refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a[tc.off:], lda, b[tc.off:], ldb, tc.beta, c0[tc.off:], ldc)

	g.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a[tc.off:], lda, b[tc.off:], ldb, tc.beta, c[tc.off:], ldc)

	for i := range a {
		if a[i] != a0[i] {
			t.Fatalf("%s %v: A modified at %d", g.Kernel(), tc, i)
		}
	}
	for i := range b {
		if b[i] != b0[i] {
			t.Fatalf("%s %v: B modified at %d", g.Kernel(), tc, i)
		}
	}
	inC := func(x int) (int, int, bool) {
		x -= tc.off
		if x < 0 || tc.m == 0 || tc.n == 0 {
			return 0, 0, false
		}
		i, j := x/ldc, x%ldc
		return i, j, i < tc.m && j < tc.n
	}
	for x := range c {
		i, j, ok := inC(x)
		if !ok {
			if c[x] != c0[x] {
				t.Fatalf("%s %v: wrote outside C at %d: %v", g.Kernel(), tc, x, c[x])
			}
			continue
		}
		got, w := float64(c[x]), want[i*tc.n+j]
		if math.IsNaN(got) || math.Abs(got-w) > tol[i*tc.n+j] {
			t.Fatalf("%s %v: C[%d,%d] = %v, want %v ± %g", g.Kernel(), tc, i, j, got, w, tol[i*tc.n+j])
		}
	}
}

func forEachKernel(t *testing.T, workers int, f func(t *testing.T, g *Gemm)) {
	for _, k := range gemmKernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			g, err := NewGemmKernel(k.name, workers)
			if err != nil {
				t.Fatal(err)
			}
			f(t, g)
		})
	}
}

var transposes = [][2]Transpose{{NoTrans, NoTrans}, {NoTrans, Trans}, {Trans, NoTrans}, {Trans, Trans}}

// TestGemmSmall runs every m, n, k in 0..maxDim, all transposes.
func TestGemmSmall(t *testing.T) {
	maxDim := 33
	if testing.Short() {
		maxDim = 17
	}
	forEachKernel(t, 1, func(t *testing.T, g *Gemm) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, tr := range transposes {
			for m := 0; m <= maxDim; m++ {
				for n := 0; n <= maxDim; n++ {
					for k := 0; k <= maxDim; k += 1 + k/8 {
						gemmCase{tA: tr[0], tB: tr[1], m: m, n: n, k: k, alpha: 1, beta: 0, pad: (m + n) % 3, off: k % 4}.check(t, g, r)
					}
				}
			}
		}
	})
}

// TestGemmShapes covers tile edges, several depth blocks, alpha and beta,
// leading dimensions wider than the rows, and 1 and 3 workers.
func TestGemmShapes(t *testing.T) {
	dims := []int{1, 5, 11, 12, 13, 31, 32, 33, 47, 97, 130}
	depths := []int{1, 7, 64, 255, 257, 400, 600}
	if testing.Short() {
		dims = []int{1, 13, 33, 97}
		depths = []int{7, 257, 600}
	}
	ab := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {2, 0}}
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			forEachKernel(t, workers, func(t *testing.T, g *Gemm) {
				r := rand.New(rand.NewPCG(3, 4))
				i := 0
				for _, tr := range transposes {
					for _, m := range dims {
						for _, n := range dims {
							k := depths[i%len(depths)]
							x := ab[i%len(ab)]
							i++
							gemmCase{tA: tr[0], tB: tr[1], m: m, n: n, k: k, alpha: x[0], beta: x[1], pad: i % 5, off: i % 3}.check(t, g, r)
						}
					}
				}
			})
		})
	}
}

// TestGemmLarge crosses every blocking boundary (kc, mc, nc) of every kernel.
func TestGemmLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes are slow under emulation")
	}
	forEachKernel(t, 2, func(t *testing.T, g *Gemm) {
		r := rand.New(rand.NewPCG(5, 6))
		for i, tr := range transposes {
			gemmCase{tA: tr[0], tB: tr[1], m: 3*g.k.mr + 5, n: g.k.nc + 37, k: 2*g.k.kc + 5, alpha: 1, beta: float32(i % 2), pad: 3, off: 1}.check(t, g, r)
		}
	})
}

// TestGemmPackedA covers op(A) = Aᵀ packed whole (n ≥ packAT): a partial
// last panel, several depth blocks, and bands of 1 and 2 workers.
func TestGemmPackedA(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			forEachKernel(t, workers, func(t *testing.T, g *Gemm) {
				r := rand.New(rand.NewPCG(11, 12))
				for i, m := range []int{g.k.mr - 1, 5*g.k.mr + 3} {
					gemmCase{tA: Trans, tB: NoTrans, m: m, n: g.k.packAT + 37, k: g.k.kc + 5, alpha: 1.5, beta: float32(i), pad: 2, off: 1}.check(t, g, r)
					gemmCase{tA: Trans, tB: Trans, m: m, n: 2*g.k.packAT + 1, k: 33, alpha: 1, beta: 0, pad: 0, off: 2}.check(t, g, r)
				}
			})
		})
	}
}

// TestGemmDeepNT covers a weight-gradient product deep enough that swapNT
// computes Cᵀ = B·Aᵀ even though m ends in a narrow column tile. At this
// depth the rounding bound of refGemm is coarse, so the operands are small
// integers instead: every partial sum is then exact in float32 (below 2²⁴),
// and the result must equal the float64 reference bit for bit.
func TestGemmDeepNT(t *testing.T) {
	if testing.Short() {
		t.Skip("a deep product is slow under emulation")
	}
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			forEachKernel(t, workers, func(t *testing.T, g *Gemm) {
				m, n, k := 64, 100, swapDeep+37
				lda, ldb, ldc := k+3, k+1, n+2
				if !g.swapNT(NoTrans, Trans, m, n, k) {
					t.Fatalf("swapNT(%d, %d, %d) = false: the case misses the swapped path", m, n, k)
				}
				small := func(i, mod int) float32 { return float32((i*7919)%mod - mod/2) }
				a, b := make([]float32, m*lda), make([]float32, n*ldb)
				for i := range a {
					a[i] = small(i, 7) // −3…3
				}
				for i := range b {
					b[i] = small(i+1, 5) // −2…2
				}
				for _, beta := range []float32{0, 2} {
					c := make([]float32, m*ldc)
					for i := range c {
						c[i] = small(i, 9)
					}
					want, _ := refGemm(NoTrans, Trans, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
					g.Sgemm(NoTrans, Trans, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
					for i := range m {
						for j := range n {
							if got := float64(c[i*ldc+j]); got != want[i*n+j] {
								t.Fatalf("beta=%v: C[%d,%d] = %v, want %v", beta, i, j, got, want[i*n+j])
							}
						}
					}
				}
			})
		})
	}
}

// TestGemmDeterministic checks that the worker count does not change a bit.
func TestGemmDeterministic(t *testing.T) {
	for _, name := range KernelNames() {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			m, n, k := 203, 1111, 300
			a, b := randMat(r, m, k, k, 0), randMat(r, k, n, n, 0)
			at := randMat(r, k, m, m, 0)
			var first []float32
			for _, w := range []int{1, 2, 3, 5} {
				g, _ := NewGemmKernel(name, w)
				c := make([]float32, 2*m*n)
				g.Sgemm(NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
				g.Sgemm(Trans, NoTrans, m, n, k, 1, at, m, b, n, 0, c[m*n:], n) // op(A) packed
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if c[i] != first[i] {
						t.Fatalf("workers=%d: C[%d] = %v, with 1 worker %v", w, i, c[i], first[i])
					}
				}
			}
		})
	}
}

// TestGemmNoAlloc checks that steady-state calls do not allocate.
func TestGemmNoAlloc(t *testing.T) {
	g := NewGemm(2)
	r := rand.New(rand.NewPCG(9, 10))
	m, n, k := 64, 900, 100
	a, b, c := randMat(r, m, k, k, 0), randMat(r, k, n, n, 0), make([]float32, m*n)
	allocs := testing.AllocsPerRun(10, func() {
		g.Sgemm(NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
	})
	if allocs != 0 {
		t.Fatalf("Sgemm allocates %v times per call", allocs)
	}
}

func TestGemmPanics(t *testing.T) {
	g := NewGemm(1)
	for _, f := range []func(){
		func() { g.Sgemm(NoTrans, NoTrans, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) },
		func() {
			g.Sgemm(NoTrans, NoTrans, 2, 2, 2, 1, make([]float32, 4), 1, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		},
		func() {
			g.Sgemm(NoTrans, NoTrans, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on a bad argument")
				}
			}()
			f()
		}()
	}
}

// TestKernelTwins runs each micro-kernel and its twin, gemmTileGeneric at the
// kernel's MR×NR, on the same packed panels: every depth 0..70, every partial
// tile the kernel accepts, beta zero and not, C inside a guard band.
func TestKernelTwins(t *testing.T) {
	for _, k := range gemmKernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			r := rand.New(rand.NewPCG(11, 12))
			maxK := 70
			if testing.Short() {
				maxK = 20
			}
			for kc := 0; kc <= maxK; kc++ {
				mrs, nrs := []int{k.mr}, []int{k.nr}
				if k.partial {
					mrs, nrs = []int{1, k.mr / 2, k.mr - 1, k.mr}, []int{1, k.nr/2 - 1, k.nr/2 + 1, k.nr - 1, k.nr}
				}
				for _, mr := range mrs {
					for _, nr := range nrs {
						for _, beta := range []float32{0, 0.5} {
							checkTwin(t, &k, k.fn, r, mr, nr, kc, beta, false)
							if k.stream != nil { // C 64-byte aligned (streamed when nr = NR) and not
								checkTwin(t, &k, k.stream, r, mr, nr, kc, beta, true)
								checkTwin(t, &k, k.stream, r, mr, nr, kc, beta, false)
							}
						}
					}
				}
			}
		})
	}
}

// checkTwin runs fn, k's kernel or its streaming variant, against the
// twin. aligned puts C's rows on 64-byte boundaries, where the streaming
// variant stores a full-width tile past the caches.
func checkTwin(t *testing.T, k *kernel, fn func(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32), r *rand.Rand, mr, nr, kc int, beta float32, aligned bool) {
	t.Helper()
	a, b := randMat(r, 1, k.mr*kc, 0, 0), randMat(r, 1, k.nr*kc, 0, 0)
	ldc := k.nr + 3
	if aligned {
		ldc = (k.nr + 31) &^ 15 // a multiple of 16 floats, wider than the tile
	}
	got := alignedFloats((k.mr+1)*ldc, aligned)
	for i := range got {
		got[i] = guard
	}
	for i := range mr {
		for j := range nr {
			if beta == 0 {
				got[i*ldc+j] = float32(math.NaN())
			} else {
				got[i*ldc+j] = float32(r.NormFloat64())
			}
		}
	}
	want := append([]float32(nil), got...)
	ldb := k.nr
	if k.partial {
		ldb = k.nr + 5 // B read in place: rows wider than the tile
		b = randMat(r, 1, ldb*kc, 0, 0)
	}
	// A packed (rsa = 1, csa = MR) and, with kc steps per row, in place.
	rsa, csa := 1, k.mr
	if kc%2 == 1 {
		rsa, csa = kc, 1
	}
	fn(mr, nr, kc, a, rsa, csa, b, ldb, got, ldc, 1.5, beta)
	gemmTileGeneric(mr, nr, kc, a, rsa, csa, b, ldb, want, ldc, 1.5, beta)
	const u = 1.0 / (1 << 24)
	for x := range got {
		i, j := x/ldc, x%ldc
		if i >= mr || j >= nr {
			if got[x] != guard {
				t.Fatalf("%s mr=%d nr=%d kc=%d: wrote outside the tile at (%d,%d)", k.name, mr, nr, kc, i, j)
			}
			continue
		}
		var abs float64
		for p := range kc {
			abs += math.Abs(float64(a[i*rsa+p*csa]) * float64(b[p*ldb+j]))
		}
		tol := 2*float64(kc+3)*u*(1.5*abs+math.Abs(float64(want[x]))) + 1e-30
		if d := math.Abs(float64(got[x]) - float64(want[x])); !(d <= tol) {
			t.Fatalf("%s mr=%d nr=%d kc=%d beta=%g: C[%d,%d] = %v, twin %v", k.name, mr, nr, kc, beta, i, j, got[x], want[x])
		}
	}
}

// alignedFloats returns n floats starting on a 64-byte boundary, or, if not
// aligned, 4 bytes past one.
func alignedFloats(n int, aligned bool) []float32 {
	buf := make([]float32, n+17)
	off := int(-uintptr(unsafe.Pointer(&buf[0])) & 63 / 4)
	if !aligned {
		off++
	}
	return buf[off : off+n : off+n]
}

// TestSgemmStream checks that SgemmStream gives the bits of Sgemm, on C
// with 64-byte aligned rows (full-width tiles streamed) and not, over one
// depth block and several (not streamed), in every transpose, on 1 and 2
// workers, with beta = 0 over a C full of NaN and beta ≠ 0.
func TestSgemmStream(t *testing.T) {
	for _, workers := range []int{1, 2} {
		forEachKernel(t, workers, func(t *testing.T, g *Gemm) {
			r := rand.New(rand.NewPCG(31, 32))
			for _, s := range []gemmShape{{17, 5*48 + 7, 27}, {32, 1000, 64}, {8, 96, 1}, {24, 200, 300}, {3, 50, 200}} {
				for _, tr := range transposes {
					for _, beta := range []float32{0, 0.5} {
						for _, aligned := range []bool{true, false} {
							lda, ldb, ldc := s.k, s.n, (s.n+31)&^15
							if tr[0] == Trans {
								lda = s.m
							}
							if tr[1] == Trans {
								ldb = s.k
							}
							a, b := randMat(r, 1, s.m*s.k, 0, 0), randMat(r, 1, s.k*s.n, 0, 0)
							want, got := make([]float32, s.m*ldc), alignedFloats(s.m*ldc, aligned)
							for i := range want {
								want[i] = float32(r.NormFloat64())
								if beta == 0 && i%ldc < s.n {
									want[i] = float32(math.NaN())
								}
							}
							copy(got, want)
							g.Sgemm(tr[0], tr[1], s.m, s.n, s.k, 1.5, a, lda, b, ldb, beta, want, ldc)
							g.SgemmStream(tr[0], tr[1], s.m, s.n, s.k, 1.5, a, lda, b, ldb, beta, got, ldc)
							for i := range want {
								if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
									t.Fatalf("%v %v beta=%g aligned=%v: C[%d] = %v, Sgemm %v", s, tr, beta, aligned, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		})
	}
}

func TestPeakLoops(t *testing.T) {
	for _, p := range peakLoops {
		t.Run(p.name, func(t *testing.T) {
			if !p.available {
				t.Skipf("CPU lacks %s", p.name)
			}
			for _, n := range []int{0, 1, 7, 1000} {
				if got := p.fn(n); got != float32(n) {
					t.Fatalf("%s(%d) = %v", p.name, n, got)
				}
			}
		})
	}
}

// TestGemmHelpersEnd checks that a dropped Gemm's helper goroutines end.
func TestGemmHelpersEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 10 {
		g := NewGemm(3)
		g.Sgemm(NoTrans, NoTrans, 100, 100, 100, 1, make([]float32, 1e4), 100, make([]float32, 1e4), 100, 0, make([]float32, 1e4), 100)
	}
	for range 50 {
		runtime.GC()
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutines before, %d after dropping 10 Gemms", before, runtime.NumGoroutine())
}

// TestTransposeTwins runs each blocked transpose against
// transposeBlocksGeneric, over one block and several, with strides wider
// than the blocks, inside guard bands.
func TestTransposeTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, k := range packKernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			for _, c := range []struct{ cols, kc, ldd, lds int }{
				{8, 8, 8, 8}, {8, 8, 9, 13}, {8, 8, 17, 8}, {48, 256, 48, 300},
				{16, 24, 21, 29}, {24, 8, 37, 8}, {0, 16, 8, 16}, {16, 0, 16, 8},
			} {
				src := randMat(r, 1, c.cols*c.lds+5, 0, 0)
				got := make([]float32, c.kc*c.ldd+5)
				for i := range got {
					got[i] = guard
				}
				want := append([]float32(nil), got...)
				k.transpose(got[2:], c.ldd, src[3:], c.lds, c.cols, c.kc)
				transposeBlocksGeneric(want[2:], c.ldd, src[3:], c.lds, c.cols, c.kc)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s %+v: dst[%d] = %v, want %v", k.name, c, i, got[i], want[i])
					}
				}
				// The definition itself, element by element.
				for j := range c.cols {
					for p := range c.kc {
						if v, w := want[2+p*c.ldd+j], src[3+j*c.lds+p]; v != w {
							t.Fatalf("%+v: dst[%d·ldd+%d] = %v, want %v", c, p, j, v, w)
						}
					}
				}
			}
		})
	}
}

// TestCopyRunsTwins runs each panel copy against copyRunsGeneric: runs of
// 8, 16 and 48 floats (the kernels' panel widths that are multiples of 8),
// one run and several, source strides wider than the rows, panels further
// apart than their rows, inside guard bands; and checks the definition
// element by element.
func TestCopyRunsTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, k := range packKernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.available {
				t.Skipf("CPU lacks %s", k.name)
			}
			for _, c := range []struct{ rows, runs, w, ld, ps int }{
				{1, 1, 8, 8, 8}, {3, 5, 8, 45, 40}, {256, 128, 8, 1024, 256*8 + 16},
				{7, 3, 16, 50, 7*16 + 5}, {256, 10, 48, 480, 256*48 + 16}, {5, 2, 48, 101, 5 * 48},
				{0, 4, 8, 32, 8}, {4, 0, 8, 32, 32},
			} {
				src := randMat(r, 1, max(c.rows*c.ld, 1)+5, 0, 0)
				n := max(c.runs*c.ps, 1) + 5
				got := make([]float32, n)
				for i := range got {
					got[i] = guard
				}
				want := append([]float32(nil), got...)
				k.copyRuns(got[2:], c.ps, src[3:], c.ld, c.rows, c.runs, c.w)
				copyRunsGeneric(want[2:], c.ps, src[3:], c.ld, c.rows, c.runs, c.w)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s %+v: dst[%d] = %v, want %v", k.name, c, i, got[i], want[i])
					}
				}
				for s := range c.runs {
					for p := range c.rows {
						for j := range c.w {
							if v, w := want[2+s*c.ps+p*c.w+j], src[3+p*c.ld+s*c.w+j]; v != w {
								t.Fatalf("%+v: dst[%d·ps+%d·w+%d] = %v, want %v", c, s, p, j, v, w)
							}
						}
					}
				}
			}
		})
	}
}

// TestGemmHelperParks: a helper left idle parks, and the next product
// wakes it and is still right (the path a spinning helper skips).
func TestGemmHelperParks(t *testing.T) {
	g, _ := NewGemmKernel("Generic", 2)
	r := rand.New(rand.NewPCG(13, 14))
	// Enough multiply-adds (minWorkPerWorker) for both workers.
	tc := gemmCase{tA: NoTrans, tB: NoTrans, m: 64, n: 70, k: 130, alpha: 1, beta: 0}
	h := &g.workers[1].Handoff
	for round := range 3 {
		before := h.Finished()
		tc.check(t, g, r)
		if h.Finished() != before+1 {
			t.Fatalf("round %d: the helper did not take a share", round)
		}
		for deadline := time.Now().Add(5 * time.Second); !h.Parked(); {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the idle helper did not park", round)
			}
			time.Sleep(time.Millisecond)
		}
	}
}
