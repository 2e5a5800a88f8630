// Package mat implements darkgo's dense float32 tensors and the matrix
// product every convolution reduces to.
//
// # Layout
//
// Tensors are row-major: the last dimension is contiguous. Images are NCHW.
// A matrix with leading dimension ld stores element (i, j) at i·ld + j, so a
// sub-matrix is the same slice with an offset and the parent's ld:
//
//	ld = 7, a 3×4 sub-matrix starting at (1, 2):
//	. . . . . . .
//	. . x x x x .      offset 1·7 + 2 = 9
//	. . x x x x .
//	. . x x x x .
//
// # GEMM
//
// Gemm.Sgemm computes C = alpha·op(A)·op(B) + beta·C for op ∈ {X, Xᵀ}. It
// follows the Goto/BLIS design: op(B) is packed into kc×nc blocks of
// NR-wide column panels (kept in L2), and a register-tiled micro-kernel
// multiplies an MR-row panel of op(A) (kept in L1) by a B panel into an
// MR×NR tile of C:
//
//	         kc          NR
//	      ┌──────┐    ┌──┐
//	MR    │  A   │ ·  │B │ kc     →  MR×NR tile of C, in registers
//	      └──────┘    │  │
//	                  └──┘
//
// The kernels take A and B through strides, A(i, p) at a[i·rsa + p·csa] and
// B(p, j) at b[p·ldb + j], so op(A) is read in place (only a last, partial
// panel is packed, zero-padded; and a wide band of Aᵀ, see run), and a
// row-major op(B) is read in place when C has at most directMaxM rows (few
// A panels to share a packed copy). Packed panels lie panelStride apart,
// one cache line more than their size, so that a copy writing step p of
// every panel in turn does not crowd them into one L1 set.
//
// Blocking, edge tiles and threading are Go (gemm.go). The micro-kernels
// and the two packing copies (pack.go: the 8×8 blocked transpose and the
// panel copy) are assembly, each beside a pure-Go twin with the same
// contract (gemmGeneric, transposeBlocksGeneric, copyRunsGeneric);
// gemmKernels and packKernels, built once at start-up from
// golang.org/x/sys/cpu, list them best first. The micro-kernels:
//
//	amd64: AVX512 (AVX-512F + BMI2, 8×48), AVX2 (AVX2+FMA, 6×16), Generic (4×4)
//	arm64: NEON (ASIMD, 8×8), Generic
//	other, or -tags purego: Generic
//
// Gemm.SgemmStream is Sgemm for a C that nothing reads again soon (a
// convolution's output): where a tile of C is written whole in one pass,
// the AVX-512 kernel stores it with non-temporal stores
// (gemmAVX512Stream), which skip reading C's lines into the caches only to
// overwrite them; the other kernels store as usual. The bits are the same.
//
// GODEBUG=cpu.avx512f=off (or cpu.avx2=off) hides a kernel for a whole run
// on amd64; tests range over the table instead, so every kernel the CPU has
// is tested in every run.
//
// # Workers and determinism
//
// A Gemm splits C into bands of whole register tiles, one per worker, so
// each element of C is computed by one worker with the same sequence of
// operations whatever the worker count: results are bit-identical for 1 or
// many workers. Worker 0 is the calling goroutine; the others are helper
// goroutines that spin for a while between calls before they park
// (internal/handoff), because a goroutine woken through a channel first runs on
// its waker's processor, after the waker's own share.
//
// Reading order: tensor.go, gemm.go (driver), gemm_generic.go (the kernel
// contract in Go), pack.go, depth.go, then gemm_<goarch>.go and
// the .s files.
package mat
