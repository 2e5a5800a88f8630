//go:build !purego

package mat

import "golang.org/x/sys/cpu"

// gemmAVX512 computes an 8×48 tile (or its first mr rows and nr columns),
// reading B only in the first nr columns; implemented in
// gemm_avx512_amd64.s. gemmTileGeneric with MR = 8 is its definition.
//
//go:noescape
func gemmAVX512(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// gemmAVX512Stream is gemmAVX512 with non-temporal stores of C (see
// kernel.stream); gemmAVX512Body is the body both jump to. gemmTileGeneric
// with MR = 8 is their definition.
//
//go:noescape
func gemmAVX512Stream(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

//go:noescape
func gemmAVX512Body(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// sfence makes the non-temporal stores before it visible before any store
// after it; implemented in gemm_avx512_amd64.s. Its pure-Go twin, for the
// kernels that store through the caches, does nothing.
func sfence()

// gemmAVX2 computes a full 6×16 tile; implemented in gemm_avx2_amd64.s.
// gemmTileGeneric with mr = 6, nr = 16 is its definition.
//
//go:noescape
func gemmAVX2(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// gemmKernels is the dispatch table, best first, fixed at start-up. The
// blocking sizes were chosen by measurement (BenchmarkSgemm and the conv
// benchmarks): kc·nr floats of B stream from L2 per call, 8 rows of A stay
// in L1; mc and nc are multiples of MR and NR. packAT, measured on TN
// (BenchmarkSgemm, 1 and 2 workers): packing Aᵀ gains 33–47 % on AVX2 at
// n = 1024 and 2048 and 3 % at 512, loses 15 % at 256; on AVX-512 it gains
// 7–13 % at 2048, is level at 1024 and loses 7–11 % at 512. At n = 676
// (TN 2304×676×512, a 3×3 dX product at 26×26, its lda a row of 2304
// floats whose panels crowd into 4 of L1's 64 sets) it gains 8.5 % on one
// worker and is level on two (medians of 6 alternating rounds); the conv
// backward cells at 26×26 move by −4…+4 % (three rounds), within noise.
var gemmKernels = []kernel{
	{
		name: "AVX512", available: cpu.X86.HasAVX512F && cpu.X86.HasBMI2, partial: true,
		mr: 8, nr: 48,
		kc: 256, nc: 480, packAT: 640,
		fn: gemmAVX512, stream: gemmAVX512Stream, fence: sfence,
	},
	{
		name: "AVX2", available: cpu.X86.HasAVX2 && cpu.X86.HasFMA,
		mr: 6, nr: 16,
		kc: 256, nc: 1024, packAT: 512,
		fn: gemmAVX2,
	},
	genericKernel,
}

// transposeBlocksAVX and copyRunsAVX are implemented in pack_amd64.s;
// transposeBlocksGeneric and copyRunsGeneric are their definitions.
//
//go:noescape
func transposeBlocksAVX(dst []float32, ldd int, src []float32, lds, cols, kc int)

//go:noescape
func copyRunsAVX(dst []float32, ps int, src []float32, ld, rows, runs, w int)

var packKernels = []packKernel{
	{name: "AVX", available: cpu.X86.HasAVX, transpose: transposeBlocksAVX, copyRuns: copyRunsAVX},
	genericPack,
}
