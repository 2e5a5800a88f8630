//go:build !purego

package mat

import "golang.org/x/sys/cpu"

// gemmAVX512 computes a 12×32 tile (or its first mr rows and nr columns);
// implemented in gemm_avx512_amd64.s. gemmTileGeneric with MR = 12, NR = 32
// is its definition.
//
//go:noescape
func gemmAVX512(mr, nr, kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// gemmAVX2 computes a full 6×16 tile; implemented in gemm_avx2_amd64.s.
// gemmTileGeneric with MR = mr = 6, NR = nr = 16 is its definition.
//
//go:noescape
func gemmAVX2(mr, nr, kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// gemmKernels is the dispatch table, best first, fixed at start-up.
var gemmKernels = []kernel{
	{
		name: "AVX512", available: cpu.X86.HasAVX512F, partial: true,
		mr: 12, nr: 32,
		kc: 384, mc: 192, nc: 384,
		fn: gemmAVX512,
	},
	{
		name: "AVX2", available: cpu.X86.HasAVX2 && cpu.X86.HasFMA,
		mr: 6, nr: 16,
		kc: 256, mc: 96, nc: 1024,
		fn: gemmAVX2,
	},
	genericKernel,
}
