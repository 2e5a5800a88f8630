// End-to-end benchmarks of darkgo, reporting GFLOP/s so that every figure can
// be compared with the machine's peak measured in the same run:
//
//	go test -run '^$' -bench 'Peak|Sgemm' -benchtime 2s .
package darkgo_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"darkgo/mat"
)

func reportGFLOPs(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkPeak measures the fp32 FMA throughput of each instruction set
// on one worker and on all of them (the benchmark goroutine plus
// GOMAXPROCS−1 others, all running the loop at once).
func BenchmarkPeak(b *testing.B) {
	const iters = 1 << 18 // about 1.5 ms: the hand-over to other goroutines is lost in it
	for _, name := range mat.PeakLoops() {
		for _, workers := range workerCounts() {
			b.Run(fmt.Sprintf("impl=%s/workers=%d", name, workers), func(b *testing.B) {
				for b.Loop() {
					var wg sync.WaitGroup
					for range workers - 1 {
						wg.Go(func() { mat.RunPeak(name, iters) })
					}
					mat.RunPeak(name, iters)
					wg.Wait()
				}
				reportGFLOPs(b, float64(workers)*peakFlops(name, iters))
			})
		}
	}
}

// peakFlops is the work of one call of a peak loop.
func peakFlops(name string, iters int) float64 {
	return mat.RunPeak(name, 1) * float64(iters)
}

func workerCounts() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// gemmShape is one product C[m×n] = op(A)[m×k]·op(B)[k×n].
type gemmShape struct{ m, n, k int }

// darknetShapes are the im2col products of Darknet-53 at 416×416: m = Cout,
// n = Ho·Wo, k = Cin·k·k. Forward is NN; the backward products use the same
// sizes transposed (NT for dW, TN for dX).
var darknetShapes = []gemmShape{
	{32, 173056, 27},  // conv 0: 3→32, 3×3, 416²
	{64, 43264, 288},  // conv 1: 32→64, 3×3 s2, 208²
	{32, 43264, 64},   // 1×1 64→32 at 208²
	{128, 10816, 576}, // 3×3 64→128 s2, 104²
	{256, 2704, 1152}, // 3×3 128→256 s2, 52²
	{512, 676, 2304},  // 3×3 256→512 s2, 26²
	{1024, 169, 4608}, // 3×3 512→1024 s2, 13²
	{512, 169, 1024},  // 1×1 1024→512, 13²
}

// BenchmarkSgemm runs every available kernel over square sizes (all three
// transposes) and the Darknet-53 layers, each in the product it is used for:
// forward y = W·col (NN, m=Cout n=HW k=K), the weight gradient dW = dY·colᵀ
// (NT, m=Cout n=K k=HW) and the column gradient dcol = Wᵀ·dY (TN, m=K n=HW
// k=Cout), on one worker and on all workers.
func BenchmarkSgemm(b *testing.B) {
	type run struct {
		t      string
		tA, tB mat.Transpose
		s      gemmShape
	}
	var runs []run
	for _, n := range []int{256, 512, 1024, 2048} {
		s := gemmShape{n, n, n}
		runs = append(runs, run{"NN", mat.NoTrans, mat.NoTrans, s}, run{"NT", mat.NoTrans, mat.Trans, s}, run{"TN", mat.Trans, mat.NoTrans, s})
	}
	for _, s := range darknetShapes {
		runs = append(runs, run{"NN", mat.NoTrans, mat.NoTrans, s})
	}
	for _, s := range darknetShapes {
		runs = append(runs, run{"NT", mat.NoTrans, mat.Trans, gemmShape{s.m, s.k, s.n}})
	}
	for _, s := range darknetShapes {
		runs = append(runs, run{"TN", mat.Trans, mat.NoTrans, gemmShape{s.k, s.n, s.m}})
	}
	for _, kern := range mat.KernelNames() {
		for _, workers := range workerCounts() {
			g, err := mat.NewGemmKernel(kern, workers)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range runs {
				s := r.s
				if kern == "Generic" && s.m*s.n*s.k > 1<<28 {
					continue // the pure-Go reference point: small shapes suffice
				}
				name := fmt.Sprintf("impl=%s/workers=%d/%s/m=%d,n=%d,k=%d", kern, workers, r.t, s.m, s.n, s.k)
				b.Run(name, func(b *testing.B) {
					a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
					for i := range a {
						a[i] = float32(i%13) - 6
					}
					for i := range bb {
						bb[i] = float32(i%7) - 3
					}
					lda, ldb := s.k, s.n
					if r.tA == mat.Trans {
						lda = s.m
					}
					if r.tB == mat.Trans {
						ldb = s.k
					}
					// One untimed call first, so that page faults on the fresh C
					// are not counted.
					g.Sgemm(r.tA, r.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
					for b.Loop() {
						g.Sgemm(r.tA, r.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
					}
					reportGFLOPs(b, 2*float64(s.m)*float64(s.n)*float64(s.k))
				})
			}
		}
	}
}

// BenchmarkSgemmStream compares Sgemm with SgemmStream on the products of
// Darknet-53 whose C is written in one pass and is larger than the caches
// (forward of the first layer, and of the 1×1 64→32 layer at 208²), with
// the fastest kernel: on AVX-512, SgemmStream stores C past the caches.
func BenchmarkSgemmStream(b *testing.B) {
	for _, s := range []gemmShape{{32, 173056, 27}, {32, 43264, 64}} {
		for _, workers := range workerCounts() {
			g := mat.NewGemm(workers)
			a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
			for i := range a {
				a[i] = float32(i%13) - 6
			}
			for i := range bb {
				bb[i] = float32(i%7) - 3
			}
			for _, stream := range []bool{false, true} {
				f := g.Sgemm
				if stream {
					f = g.SgemmStream
				}
				name := fmt.Sprintf("workers=%d/m=%d,n=%d,k=%d/stream=%v", workers, s.m, s.n, s.k, stream)
				b.Run(name, func(b *testing.B) {
					f(mat.NoTrans, mat.NoTrans, s.m, s.n, s.k, 1, a, s.k, bb, s.n, 0, c, s.n)
					for b.Loop() {
						f(mat.NoTrans, mat.NoTrans, s.m, s.n, s.k, 1, a, s.k, bb, s.n, 0, c, s.n)
					}
					reportGFLOPs(b, 2*float64(s.m)*float64(s.n)*float64(s.k))
				})
			}
		}
	}
}
