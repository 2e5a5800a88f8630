//go:build !purego

package mat

import "golang.org/x/sys/cpu"

// peakAVX512 and peakAVX2 are implemented in peak_amd64.s; peakGeneric is
// their definition.
//
//go:noescape
func peakAVX512(n int) float32

//go:noescape
func peakAVX2(n int) float32

var peakLoops = []peakLoop{
	{name: "AVX512", available: cpu.X86.HasAVX512F, flops: 24 * 16 * 2, fn: peakAVX512},
	{name: "AVX2", available: cpu.X86.HasAVX2 && cpu.X86.HasFMA, flops: 12 * 8 * 2, fn: peakAVX2},
	genericPeak,
}
