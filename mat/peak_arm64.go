//go:build !purego

package mat

import "golang.org/x/sys/cpu"

// peakNEON is implemented in peak_arm64.s; peakGeneric is its definition.
//
//go:noescape
func peakNEON(n int) float32

var peakLoops = []peakLoop{
	{name: "NEON", available: cpu.ARM64.HasASIMD, flops: 16 * 4 * 2, fn: peakNEON},
	genericPeak,
}
