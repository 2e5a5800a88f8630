//go:build !purego

package mat

import "golang.org/x/sys/cpu"

// gemmNEON computes a full 8×8 tile; implemented in gemm_neon_arm64.s.
// gemmTileGeneric with mr = nr = 8 is its definition.
//
//go:noescape
func gemmNEON(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// gemmKernels is the dispatch table, best first, fixed at start-up.
var gemmKernels = []kernel{
	{
		name: "NEON", available: cpu.ARM64.HasASIMD,
		mr: 8, nr: 8,
		kc: 256, nc: 1024, packAT: 1024, // packAT: not measured on arm64 hardware
		fn: gemmNEON,
	},
	genericKernel,
}

// packKernels has only the pure-Go packing copies here.
var packKernels = []packKernel{genericPack}
