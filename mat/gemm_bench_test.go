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
