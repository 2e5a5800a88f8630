//go:build !purego

#include "textflag.h"

// AVX2+FMA GEMM micro-kernel: a 6×16 tile of C in 12 YMM registers.
// gemmTileGeneric (gemm_generic.go) is the definition it is tested against.

// FMAROW: acc[i][0:8] += a[i, p]·Y12, acc[i][8:16] += a[i, p]·Y13, with
// a[i, p] at addr.
#define FMAROW(addr, acc0, acc1) \
	VBROADCASTSS addr, Y14; \
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

// func gemmAVX2(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: AVX, AVX2, FMA3
//
// C[6×16] = alpha · A[6×kc] · B[kc×16] + beta · C with A[i, p] at
// a[i·rsa + p·csa] and B rows ldb apart; full tiles only (mr = 6, nr = 16;
// the driver handles edges).
// Y0–Y11: acc, row i in Y(2i) (columns 0–7) and Y(2i+1) (8–15);
// Y12, Y13: one row of B; Y14: broadcast a[i, p], then alpha; Y15: beta;
// SI, R11: rows 0 and 3 of A at step p; R13: rsa in bytes; R14: csa in bytes.
TEXT ·gemmAVX2(SB), NOSPLIT, $0-136
	MOVQ kc+16(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ rsa+48(FP), R13
	SHLQ $2, R13               // A row stride in bytes
	MOVQ csa+56(FP), R14
	SHLQ $2, R14               // A step stride in bytes
	LEAQ (R13)(R13*2), R11
	ADDQ SI, R11               // R11 = row 3
	MOVQ b_base+64(FP), DI
	MOVQ ldb+88(FP), R9
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
	FMAROW((SI), Y0, Y1)
	FMAROW((SI)(R13*1), Y2, Y3)
	FMAROW((SI)(R13*2), Y4, Y5)
	FMAROW((R11), Y6, Y7)
	FMAROW((R11)(R13*1), Y8, Y9)
	FMAROW((R11)(R13*2), Y10, Y11)
	ADDQ    R14, SI            // next step of A
	ADDQ    R14, R11
	ADDQ    R9, DI             // b += ldb
	DECQ    CX
	JNZ     steps

merge:
	MOVQ         c_base+96(FP), DX
	MOVQ         ldc+120(FP), R8
	SHLQ         $2, R8        // C row stride in bytes
	VBROADCASTSS alpha+128(FP), Y14
	MOVL         beta+132(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           betazero      // beta == ±0: do not read C
	VBROADCASTSS beta+132(FP), Y15
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
