//go:build !purego

#include "textflag.h"

// NEON GEMM micro-kernel: an 8×8 tile of C in 16 vector registers.
// gemmTileGeneric (gemm_generic.go) is the definition it is tested against.

// FMAROW: acc[i][0:4] += a[i, p]·V16, acc[i][4:8] += a[i, p]·V17, with
// a[i, p] broadcast into va by a load-and-replicate from row pointer ra,
// which then moves to step p+1.
#define FMAROW(ra, va, acc0, acc1) \
	VLD1R.P (ra)(R9), [va.S4]; \
	VFMLA   va.S4, V16.S4, acc0.S4; \
	VFMLA   va.S4, V17.S4, acc1.S4

// MERGE writes one row, c = alpha·acc + beta·c: V28, V29 start at zero and
// take alpha·acc, then beta·c, by multiply-adds (Go's assembler has no
// vector multiply).
#define MERGE(acc0, acc1) \
	VEOR  V28.B16, V28.B16, V28.B16; \
	VEOR  V29.B16, V29.B16, V29.B16; \
	VFMLA V26.S4, acc0.S4, V28.S4; \
	VFMLA V26.S4, acc1.S4, V29.S4; \
	VLD1  (R2), [V30.S4, V31.S4]; \
	VFMLA V27.S4, V30.S4, V28.S4; \
	VFMLA V27.S4, V31.S4, V29.S4; \
	VST1  [V28.S4, V29.S4], (R2); \
	ADD   R3, R2, R2

// STORE is MERGE for beta = 0: c = alpha·acc, C is not read.
#define STORE(acc0, acc1) \
	VEOR  V28.B16, V28.B16, V28.B16; \
	VEOR  V29.B16, V29.B16, V29.B16; \
	VFMLA V26.S4, acc0.S4, V28.S4; \
	VFMLA V26.S4, acc1.S4, V29.S4; \
	VST1  [V28.S4, V29.S4], (R2); \
	ADD   R3, R2, R2

// func gemmNEON(mr, nr, kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: ASIMD
//
// C[8×8] = alpha · A[8×kc] · B[kc×8] + beta · C with A[i, p] at
// a[i·rsa + p·csa] and B rows ldb apart; full tiles only (mr = nr = 8; the
// driver handles edges).
// V0–V15: acc, row i in V(2i) (columns 0–3) and V(2i+1) (4–7);
// V16, V17: one row of B; V18–V25: a[0..7, p] broadcast; V26: alpha; V27: beta;
// R10–R15, R19, R20: rows 0–7 of A at step p; R9: csa in bytes.
TEXT ·gemmNEON(SB), NOSPLIT, $0-136
	MOVD kc+16(FP), R6
	MOVD a_base+24(FP), R10
	MOVD rsa+48(FP), R8
	LSL  $2, R8, R8                  // A row stride in bytes
	MOVD csa+56(FP), R9
	LSL  $2, R9, R9                  // A step stride in bytes
	ADD  R8, R10, R11
	ADD  R8, R11, R12
	ADD  R8, R12, R13
	ADD  R8, R13, R14
	ADD  R8, R14, R15
	ADD  R8, R15, R19
	ADD  R8, R19, R20
	MOVD b_base+64(FP), R1
	MOVD ldb+88(FP), R4
	LSL  $2, R4, R4                  // B row stride in bytes
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	CBZ  R6, merge

steps:
	VLD1   (R1), [V16.S4, V17.S4]    // V16, V17 = b[p·ldb : p·ldb+8]
	ADD    R4, R1, R1                // b += ldb
	FMAROW(R10, V18, V0, V1)
	FMAROW(R11, V19, V2, V3)
	FMAROW(R12, V20, V4, V5)
	FMAROW(R13, V21, V6, V7)
	FMAROW(R14, V22, V8, V9)
	FMAROW(R15, V23, V10, V11)
	FMAROW(R19, V24, V12, V13)
	FMAROW(R20, V25, V14, V15)
	SUBS   $1, R6, R6
	BNE    steps

merge:
	MOVD  c_base+96(FP), R2
	MOVD  ldc+120(FP), R3
	LSL   $2, R3, R3                 // C row stride in bytes
	FMOVS alpha+128(FP), F26
	VDUP  V26.S[0], V26.S4
	MOVWU beta+132(FP), R5
	AND   $0x7fffffff, R5, R5
	CBZ   R5, betazero               // beta == ±0: do not read C
	FMOVS beta+132(FP), F27
	VDUP  V27.S[0], V27.S4
	MERGE(V0, V1)
	MERGE(V2, V3)
	MERGE(V4, V5)
	MERGE(V6, V7)
	MERGE(V8, V9)
	MERGE(V10, V11)
	MERGE(V12, V13)
	MERGE(V14, V15)
	RET

betazero:
	STORE(V0, V1)
	STORE(V2, V3)
	STORE(V4, V5)
	STORE(V6, V7)
	STORE(V8, V9)
	STORE(V10, V11)
	STORE(V12, V13)
	STORE(V14, V15)
	RET
