package mat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// depthCases take the depth split (asserted): 4, 2 and 3 pieces, C with
// partial tiles.
var depthCases = []gemmShape{{5, 7, 4*minDepthPiece + 13}, {32, 27, 2*minDepthPiece + 3}, {17, 64, 3 * minDepthPiece}}

type gemmShape struct{ m, n, k int }

// TestGemmDepthSplit checks split products against the float64 reference
// (guard bands, NaN-filled C for beta = 0, alpha and beta), on 1, 2 and 3
// workers, in every transpose.
func TestGemmDepthSplit(t *testing.T) {
	for _, workers := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			forEachKernel(t, workers, func(t *testing.T, g *Gemm) {
				r := rand.New(rand.NewPCG(21, 22))
				for i, s := range depthCases {
					if depthPieces(s.m, s.n, s.k) < 2 {
						t.Fatalf("%v: not split", s)
					}
					for j, tr := range transposes {
						ab := [][2]float32{{1.5, 0}, {1, 2}}[(i+j)%2]
						gemmCase{tA: tr[0], tB: tr[1], m: s.m, n: s.n, k: s.k, alpha: ab[0], beta: ab[1], pad: j, off: i % 3}.check(t, g, r)
					}
				}
			})
		})
	}
}

// TestGemmDepthSplitExact uses small integer operands, so that every partial
// sum is exact in float32 and the result must equal the float64 reference
// bit for bit (the rounding bound of refGemm is coarse at these depths: a
// lost piece or a wrong beta term would pass it), and random operands, with
// which 1, 2 and 3 workers must agree to the bit.
func TestGemmDepthSplitExact(t *testing.T) {
	small := func(i, mod int) float32 { return float32((i*7919)%mod - mod/2) }
	for _, kern := range gemmKernels {
		if !kern.available {
			continue
		}
		for _, s := range depthCases {
			for _, tr := range transposes {
				ar, br := s.m*s.k, s.k*s.n
				a, b := make([]float32, ar), make([]float32, br)
				fa, fb := make([]float32, ar), make([]float32, br)
				r := rand.New(rand.NewPCG(uint64(s.k), 3))
				for i := range a {
					a[i], fa[i] = small(i, 7), float32(r.NormFloat64())
				}
				for i := range b {
					b[i], fb[i] = small(i+1, 5), float32(r.NormFloat64())
				}
				lda, ldb := s.k, s.n
				if tr[0] == Trans {
					lda = s.m
				}
				if tr[1] == Trans {
					ldb = s.k
				}
				c0 := make([]float32, s.m*s.n)
				for i := range c0 {
					c0[i] = small(i, 9)
				}
				want, _ := refGemm(tr[0], tr[1], s.m, s.n, s.k, 1, a, lda, b, ldb, 2, c0, s.n)
				var first []float32
				for _, workers := range []int{1, 2, 3} {
					g, err := NewGemmKernel(kern.name, workers)
					if err != nil {
						t.Fatal(err)
					}
					c := append([]float32(nil), c0...)
					g.Sgemm(tr[0], tr[1], s.m, s.n, s.k, 1, a, lda, b, ldb, 2, c, s.n)
					for e := range c {
						if float64(c[e]) != want[e] {
							t.Fatalf("%s %v %v workers=%d: C[%d] = %v, want %v", kern.name, tr, s, workers, e, c[e], want[e])
						}
					}
					c = append([]float32(nil), c0...)
					g.Sgemm(tr[0], tr[1], s.m, s.n, s.k, 0.5, fa, lda, fb, ldb, 1, c, s.n)
					if first == nil {
						first = c
						continue
					}
					for e := range c {
						if math.Float32bits(c[e]) != math.Float32bits(first[e]) {
							t.Fatalf("%s %v %v: workers=%d differs from 1 worker at %d", kern.name, tr, s, workers, e)
						}
					}
				}
			}
		}
	}
}
