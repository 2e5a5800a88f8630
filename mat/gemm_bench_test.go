package mat

import (
	"fmt"
	"testing"
)

// BenchmarkKernel times each micro-kernel alone on panels that stay in L1,
// the ceiling of what the blocked driver can reach; compare with the peak
// loop of the same instruction set in the same run.
func BenchmarkKernel(b *testing.B) {
	for _, k := range gemmKernels {
		if !k.available {
			continue
		}
		kc := k.kc
		a, bp := make([]float32, k.mr*kc), make([]float32, k.nr*kc)
		c := make([]float32, k.mr*k.nr)
		b.Run(fmt.Sprintf("impl=%s/kc=%d", k.name, kc), func(b *testing.B) {
			for b.Loop() {
				k.fn(k.mr, k.nr, kc, a, 1, k.mr, bp, k.nr, c, k.nr, 1, 1)
			}
			b.ReportMetric(2*float64(k.mr*k.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
	for _, p := range peakLoops {
		if p.available {
			b.Run("peak="+p.name, func(b *testing.B) {
				for b.Loop() {
					p.fn(1000)
				}
				b.ReportMetric(p.flops*1000*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkCopyRuns times each panel copy packing a depth block of a
// 1024-wide operand (the Aᵀ of TN 1024³ into 8-row panels, a B of NN
// 1024³ into 48-column panels), with the panels panelStride apart and, for
// comparison, packed back to back (ps = kc·w): then every panel starts at
// the same L1 set and the copy evicts its own lines.
func BenchmarkCopyRuns(b *testing.B) {
	const ld, kc = 1024, 256
	src := make([]float32, kc*ld)
	for _, k := range packKernels {
		if !k.available {
			continue
		}
		for _, w := range []int{8, 48} {
			runs := ld / w
			for _, padded := range []bool{true, false} {
				ps := kc * w
				if padded {
					ps = panelStride(kc, w)
				}
				dst := make([]float32, runs*ps)
				b.Run(fmt.Sprintf("impl=%s/w=%d/padded=%v", k.name, w, padded), func(b *testing.B) {
					for b.Loop() {
						k.copyRuns(dst, ps, src, ld, kc, runs, w)
					}
					b.ReportMetric(float64(4*kc*runs*w)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				})
			}
		}
	}
}
