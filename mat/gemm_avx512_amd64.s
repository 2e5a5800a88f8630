//go:build !purego

#include "textflag.h"

// AVX-512 GEMM micro-kernel: an 8×48 tile of C in 24 ZMM registers. Eight
// rows divide every channel count of Darknet-53, so row tiles are never
// partial there.
// gemmTileGeneric (gemm_generic.go) is the definition it is tested against.

// FMAROW multiplies a[i, p] (one broadcast float, at address addr) by the 48
// B values of this step: acc[i][16t : 16t+16] += a[i, p]·Z(24+t), t = 0, 1, 2.
#define FMAROW(addr, acc0, acc1, acc2) \
	VBROADCASTSS addr, Z30; \
	VFMADD231PS  Z30, Z24, acc0; \
	VFMADD231PS  Z30, Z25, acc1; \
	VFMADD231PS  Z30, Z26, acc2

// FMAROW2 and FMAROW1 are FMAROW for a tile at most 32 and 16 columns wide:
// the FMAs of the columns past nr would only add zeros.
#define FMAROW2(addr, acc0, acc1) \
	VBROADCASTSS addr, Z30; \
	VFMADD231PS  Z30, Z24, acc0; \
	VFMADD231PS  Z30, Z25, acc1

#define FMAROW1(addr, acc0) \
	VBROADCASTSS addr, Z30; \
	VFMADD231PS  Z30, Z24, acc0

// NEXTSTEP moves A and B to the next step and loops to label while steps
// remain.
#define NEXTSTEP(label) \
	ADDQ R14, SI; \
	ADDQ R14, R11; \
	ADDQ R14, R12; \
	ADDQ R9, DI; \
	DECQ CX; \
	JNZ  label

// MERGE writes one row: c = alpha·acc + beta·c on the columns in K1–K3,
// then moves to the next row and leaves when mr rows are done.
#define MERGE(acc0, acc1, acc2) \
	VMULPS      Z28, acc0, acc0; \
	VMULPS      Z28, acc1, acc1; \
	VMULPS      Z28, acc2, acc2; \
	VMOVUPS.Z   (DX), K1, Z30; \
	VFMADD231PS Z30, Z29, acc0; \
	VMOVUPS.Z   64(DX), K2, Z31; \
	VFMADD231PS Z31, Z29, acc1; \
	VMOVUPS.Z   128(DX), K3, Z30; \
	VFMADD231PS Z30, Z29, acc2; \
	VMOVUPS     acc0, K1, (DX); \
	VMOVUPS     acc1, K2, 64(DX); \
	VMOVUPS     acc2, K3, 128(DX); \
	ADDQ        R8, DX; \
	DECQ        BX; \
	JZ          done

// STORE is MERGE for beta = 0: c = alpha·acc, C is not read.
#define STORE(acc0, acc1, acc2) \
	VMULPS  Z28, acc0, acc0; \
	VMULPS  Z28, acc1, acc1; \
	VMULPS  Z28, acc2, acc2; \
	VMOVUPS acc0, K1, (DX); \
	VMOVUPS acc1, K2, 64(DX); \
	VMOVUPS acc2, K3, 128(DX); \
	ADDQ    R8, DX; \
	DECQ    BX; \
	JZ      done

// STREAM is STORE for a full-width tile with 64-byte aligned rows, with
// non-temporal stores.
#define STREAM(acc0, acc1, acc2) \
	VMULPS   Z28, acc0, acc0; \
	VMULPS   Z28, acc1, acc1; \
	VMULPS   Z28, acc2, acc2; \
	VMOVNTPS acc0, (DX); \
	VMOVNTPS acc1, 64(DX); \
	VMOVNTPS acc2, 128(DX); \
	ADDQ     R8, DX; \
	DECQ     BX; \
	JZ       done

// MASK sets k to the lanes of 16 columns starting at column base that lie
// below nr (in CX): (1 << clamp(nr − base, 0, 16)) − 1.
#define MASK(base, k) \
	MOVQ  CX, AX; \
	SUBQ  $base, AX; \
	MOVQ  $0, R10; \
	CMOVQLT R10, AX; \
	MOVQ  $16, R10; \
	CMPQ  AX, R10; \
	CMOVQGT R10, AX; \
	MOVQ  $1, R10; \
	SHLXQ AX, R10, R10; \
	DECQ  R10; \
	KMOVW R10, k

// func gemmAVX512(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: AVX512F, BMI2
//
// C[mr×nr] = alpha · A[8×kc] · B[kc×nr] + beta · C with A[i, p] at
// a[i·rsa + p·csa] (packed: rsa = 1, csa = 8; row-major in place: rsa = lda,
// csa = 1) and B rows ldb apart (packed: ldb = 48); mr ≤ 8, nr ≤ 48.
// Z0–Z23: acc, row i in Z(3i), Z(3i+1), Z(3i+2) (columns 0–15, 16–31, 32–47);
// Z24–Z26: one row of B; Z30: broadcast a[i, p]; Z28: alpha; Z29: beta;
// SI, R11, R12: rows 0, 3, 6 of A at step p; R13: rsa in bytes; R14: csa in bytes;
// K1–K3: the nr columns of B and C to touch.
TEXT ·gemmAVX512(SB), NOSPLIT, $0-136
	KXORW K4, K4, K4           // K4 = 0: store C through the caches
	JMP   ·gemmAVX512Body(SB)

// func gemmAVX512Stream(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: AVX512F, BMI2
//
// gemmAVX512 that, with beta = 0, writes a full-width tile whose rows are
// 64-byte aligned with non-temporal stores (past the caches, without
// reading C's lines in first) and does not prefetch C. The caller runs
// sfence before another goroutine reads C.
TEXT ·gemmAVX512Stream(SB), NOSPLIT, $0-136
	KXNORW K4, K4, K4          // K4 = all ones: stream C
	JMP    ·gemmAVX512Body(SB)

// func gemmAVX512Body(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: AVX512F, BMI2
//
// The body of both entries above; K4 says which (KORTESTW sets CF when it
// is all ones).
TEXT ·gemmAVX512Body(SB), NOSPLIT, $0-136
	MOVQ nr+8(FP), CX
	MASK(0, K1)
	MASK(16, K2)
	MASK(32, K3)

	MOVQ kc+16(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ rsa+48(FP), R13
	SHLQ $2, R13               // A row stride in bytes
	MOVQ csa+56(FP), R14
	SHLQ $2, R14               // A step stride in bytes
	LEAQ (R13)(R13*2), R11
	ADDQ SI, R11               // R11 = row 3
	LEAQ (R11)(R13*2), R12
	ADDQ R13, R12              // R12 = row 6
	MOVQ b_base+64(FP), DI
	MOVQ ldb+88(FP), R9
	SHLQ $2, R9                // B row stride in bytes

	// Fetch the C tile now so that the merge at the end does not wait for it.
	MOVQ mr+0(FP), BX
	MOVQ c_base+96(FP), DX
	MOVQ ldc+120(FP), R8
	SHLQ $2, R8
	KORTESTW K4, K4
	JCC      fetchc            // not streaming
	MOVL     beta+132(FP), AX
	ANDL     $0x7fffffff, AX
	JZ       zeroacc           // streaming a C that is not read: do not fetch it
fetchc:
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	PREFETCHT0 128(DX)
	ADDQ R8, DX
	DECQ BX
	JNZ  fetchc
zeroacc:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	TESTQ CX, CX
	JZ    merge
	MOVQ  nr+8(FP), AX         // a narrow tile skips the FMAs of empty columns
	CMPQ  AX, $16
	JLE   steps16
	CMPQ  AX, $32
	JLE   steps32

steps:
	VMOVUPS.Z (DI), K1, Z24    // Z24–Z26 = b[p·ldb : p·ldb+nr], zero past nr
	VMOVUPS.Z 64(DI), K2, Z25
	VMOVUPS.Z 128(DI), K3, Z26
	PREFETCHT0 (DI)(R9*8)      // the row of B eight steps ahead
	PREFETCHT0 64(DI)(R9*8)
	PREFETCHT0 128(DI)(R9*8)
	FMAROW((SI), Z0, Z1, Z2)
	FMAROW((SI)(R13*1), Z3, Z4, Z5)
	FMAROW((SI)(R13*2), Z6, Z7, Z8)
	FMAROW((R11), Z9, Z10, Z11)
	FMAROW((R11)(R13*1), Z12, Z13, Z14)
	FMAROW((R11)(R13*2), Z15, Z16, Z17)
	FMAROW((R12), Z18, Z19, Z20)
	FMAROW((R12)(R13*1), Z21, Z22, Z23)
	NEXTSTEP(steps)
	JMP merge

steps32:                           // nr ≤ 32: columns 0–31 only
	VMOVUPS.Z (DI), K1, Z24
	VMOVUPS.Z 64(DI), K2, Z25
	PREFETCHT0 (DI)(R9*8)
	PREFETCHT0 64(DI)(R9*8)
	FMAROW2((SI), Z0, Z1)
	FMAROW2((SI)(R13*1), Z3, Z4)
	FMAROW2((SI)(R13*2), Z6, Z7)
	FMAROW2((R11), Z9, Z10)
	FMAROW2((R11)(R13*1), Z12, Z13)
	FMAROW2((R11)(R13*2), Z15, Z16)
	FMAROW2((R12), Z18, Z19)
	FMAROW2((R12)(R13*1), Z21, Z22)
	NEXTSTEP(steps32)
	JMP merge

steps16:                           // nr ≤ 16: columns 0–15 only
	VMOVUPS.Z (DI), K1, Z24
	PREFETCHT0 (DI)(R9*8)
	FMAROW1((SI), Z0)
	FMAROW1((SI)(R13*1), Z3)
	FMAROW1((SI)(R13*2), Z6)
	FMAROW1((R11), Z9)
	FMAROW1((R11)(R13*1), Z12)
	FMAROW1((R11)(R13*2), Z15)
	FMAROW1((R12), Z18)
	FMAROW1((R12)(R13*1), Z21)
	NEXTSTEP(steps16)

merge:
	MOVQ         mr+0(FP), BX
	MOVQ         c_base+96(FP), DX
	MOVQ         ldc+120(FP), R8
	SHLQ         $2, R8        // C row stride in bytes
	VBROADCASTSS alpha+128(FP), Z28
	MOVL         beta+132(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           betazero      // beta == ±0: do not read C
	VBROADCASTSS beta+132(FP), Z29
	MERGE(Z0, Z1, Z2)
	MERGE(Z3, Z4, Z5)
	MERGE(Z6, Z7, Z8)
	MERGE(Z9, Z10, Z11)
	MERGE(Z12, Z13, Z14)
	MERGE(Z15, Z16, Z17)
	MERGE(Z18, Z19, Z20)
	MERGE(Z21, Z22, Z23)
	JMP done

betazero:
	KORTESTW K4, K4
	JCC      store             // not streaming
	MOVQ     nr+8(FP), AX
	CMPQ     AX, $48
	JNE      store             // a narrow tile: masked stores
	MOVQ     DX, AX
	ORQ      R8, AX
	TESTQ    $63, AX
	JNZ      store             // rows not 64-byte aligned
	STREAM(Z0, Z1, Z2)
	STREAM(Z3, Z4, Z5)
	STREAM(Z6, Z7, Z8)
	STREAM(Z9, Z10, Z11)
	STREAM(Z12, Z13, Z14)
	STREAM(Z15, Z16, Z17)
	STREAM(Z18, Z19, Z20)
	STREAM(Z21, Z22, Z23)
	JMP done

store:
	STORE(Z0, Z1, Z2)
	STORE(Z3, Z4, Z5)
	STORE(Z6, Z7, Z8)
	STORE(Z9, Z10, Z11)
	STORE(Z12, Z13, Z14)
	STORE(Z15, Z16, Z17)
	STORE(Z18, Z19, Z20)
	STORE(Z21, Z22, Z23)

done:
	VZEROUPPER
	RET

// func sfence()
// Requires: SSE
//
// sfence orders the non-temporal stores before it before every store after
// it (the hand-over that tells another goroutine C is ready).
TEXT ·sfence(SB), NOSPLIT, $0-0
	SFENCE
	RET
