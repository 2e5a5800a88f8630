//go:build !purego

#include "textflag.h"

// AVX2+FMA GEMM micro-kernel: a 6×16 tile of C in 12 YMM registers.
// gemmTileGeneric (gemm_generic.go) is the definition it is tested against.

// FMAROW: acc[i][0:8] += a[i]·Y12, acc[i][8:16] += a[i]·Y13.
#define FMAROW(off, acc0, acc1) \
	VBROADCASTSS off(SI), Y14; \
	VFMADD231PS  Y14, Y12, acc0; \
	VFMADD231PS  Y14, Y13, acc1

// MERGE writes one row, c = alpha·acc + beta·c, and moves to the next.
#define MERGE(acc0, acc1) \
	VMULPS      Y14, acc0, acc0; \
	VMULPS      Y14, acc1, acc1; \
	VFMADD231PS (DX), Y15, acc0; \
	VFMADD231PS 32(DX), Y15, acc1; \
	VMOVUPS     acc0, (DX); \
	VMOVUPS     acc1, 32(DX); \
	ADDQ        R8, DX

// STORE is MERGE for beta = 0: c = alpha·acc, C is not read.
#define STORE(acc0, acc1) \
	VMULPS  Y14, acc0, acc0; \
	VMULPS  Y14, acc1, acc1; \
	VMOVUPS acc0, (DX); \
	VMOVUPS acc1, 32(DX); \
	ADDQ    R8, DX

// func gemmAVX2(mr, nr, kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: AVX, AVX2, FMA3
//
// C[6×16] = alpha · A[6×kc] · B[kc×16] + beta · C; A packed, B rows ldb
// apart; full tiles only (mr = 6, nr = 16; the driver handles edges).
// Y0–Y11: acc, row i in Y(2i) (columns 0–7) and Y(2i+1) (8–15);
// Y12, Y13: one row of B; Y14: broadcast a[i], then alpha; Y15: beta.
TEXT ·gemmAVX2(SB), NOSPLIT, $0-120
	MOVQ kc+16(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DI
	MOVQ ldb+72(FP), R9
	SHLQ $2, R9                // B row stride in bytes
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ CX, CX
	JZ    merge

steps:
	VMOVUPS (DI), Y12          // Y12, Y13 = b[p·ldb : p·ldb+16]
	VMOVUPS 32(DI), Y13
	FMAROW(0, Y0, Y1)
	FMAROW(4, Y2, Y3)
	FMAROW(8, Y4, Y5)
	FMAROW(12, Y6, Y7)
	FMAROW(16, Y8, Y9)
	FMAROW(20, Y10, Y11)
	ADDQ    $24, SI            // a += 6
	ADDQ    R9, DI             // b += ldb
	DECQ    CX
	JNZ     steps

merge:
	MOVQ         c_base+80(FP), DX
	MOVQ         ldc+104(FP), R8
	SHLQ         $2, R8        // C row stride in bytes
	VBROADCASTSS alpha+112(FP), Y14
	MOVL         beta+116(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           betazero      // beta == ±0: do not read C
	VBROADCASTSS beta+116(FP), Y15
	MERGE(Y0, Y1)
	MERGE(Y2, Y3)
	MERGE(Y4, Y5)
	MERGE(Y6, Y7)
	MERGE(Y8, Y9)
	MERGE(Y10, Y11)
	VZEROUPPER
	RET

betazero:
	STORE(Y0, Y1)
	STORE(Y2, Y3)
	STORE(Y4, Y5)
	STORE(Y6, Y7)
	STORE(Y8, Y9)
	STORE(Y10, Y11)
	VZEROUPPER
	RET
