//go:build !purego

#include "textflag.h"

// AVX-512 GEMM micro-kernel: a 12×32 tile of C in 24 ZMM registers.
// gemmTileGeneric (gemm_generic.go) is the definition it is tested against.

// FMAROW multiplies row i of the A panel (one broadcast float) by the 32
// B values of this step: acc[i][0:16] += a[i]·Z24, acc[i][16:32] += a[i]·Z25.
#define FMAROW(off, acc0, acc1) \
	VBROADCASTSS off(SI), Z28; \
	VFMADD231PS  Z28, Z24, acc0; \
	VFMADD231PS  Z28, Z25, acc1

// MERGE writes one row: c = alpha·acc + beta·c on the columns in K1, K2,
// then moves to the next row and leaves when mr rows are done.
#define MERGE(acc0, acc1) \
	VMULPS      Z26, acc0, acc0; \
	VMULPS      Z26, acc1, acc1; \
	VMOVUPS.Z   (DX), K1, Z28; \
	VMOVUPS.Z   64(DX), K2, Z29; \
	VFMADD231PS Z28, Z27, acc0; \
	VFMADD231PS Z29, Z27, acc1; \
	VMOVUPS     acc0, K1, (DX); \
	VMOVUPS     acc1, K2, 64(DX); \
	ADDQ        R8, DX; \
	DECQ        BX; \
	JZ          done

// STORE is MERGE for beta = 0: c = alpha·acc, C is not read.
#define STORE(acc0, acc1) \
	VMULPS  Z26, acc0, acc0; \
	VMULPS  Z26, acc1, acc1; \
	VMOVUPS acc0, K1, (DX); \
	VMOVUPS acc1, K2, 64(DX); \
	ADDQ    R8, DX; \
	DECQ    BX; \
	JZ      done

// func gemmAVX512(mr, nr, kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
// Requires: AVX512F
//
// C[mr×nr] = alpha · A[12×kc] · B[kc×nr] + beta · C; A packed, B rows ldb
// apart (packed: ldb = 32); mr ≤ 12, nr ≤ 32.
// Z0–Z23: acc, row i in Z(2i) (columns 0–15) and Z(2i+1) (16–31);
// Z24, Z25: one row of B; Z28: broadcast a[i]; Z26: alpha; Z27: beta;
// K1, K2: the nr columns of B and C to touch (low 16, high 16).
TEXT ·gemmAVX512(SB), NOSPLIT, $0-120
	// K1, K2 = masks of the first nr columns.
	MOVQ nr+8(FP), CX
	MOVL $0xffff, R9
	XORL R10, R10
	CMPQ CX, $16
	JGE  wide
	MOVL $1, R9
	SHLL CX, R9
	DECL R9                    // R9 = 1<<nr − 1
	JMP  masks
wide:
	SUBQ $16, CX
	MOVL $1, R10
	SHLL CX, R10
	DECL R10                   // R10 = 1<<(nr−16) − 1
masks:
	KMOVW R9, K1
	KMOVW R10, K2

	MOVQ kc+16(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DI
	MOVQ ldb+72(FP), R9
	SHLQ $2, R9                // B row stride in bytes
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

steps:
	VMOVUPS.Z (DI), K1, Z24    // Z24, Z25 = b[p·ldb : p·ldb+nr], zero past nr
	VMOVUPS.Z 64(DI), K2, Z25
	PREFETCHT0 (DI)(R9*4)      // the row four steps ahead
	PREFETCHT0 64(DI)(R9*4)
	FMAROW(0, Z0, Z1)
	FMAROW(4, Z2, Z3)
	FMAROW(8, Z4, Z5)
	FMAROW(12, Z6, Z7)
	FMAROW(16, Z8, Z9)
	FMAROW(20, Z10, Z11)
	FMAROW(24, Z12, Z13)
	FMAROW(28, Z14, Z15)
	FMAROW(32, Z16, Z17)
	FMAROW(36, Z18, Z19)
	FMAROW(40, Z20, Z21)
	FMAROW(44, Z22, Z23)
	ADDQ    $48, SI            // a += 12
	ADDQ    R9, DI             // b += ldb
	DECQ    CX
	JNZ     steps

merge:
	MOVQ         mr+0(FP), BX
	MOVQ         c_base+80(FP), DX
	MOVQ         ldc+104(FP), R8
	SHLQ         $2, R8        // C row stride in bytes
	VBROADCASTSS alpha+112(FP), Z26
	MOVL         beta+116(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           betazero      // beta == ±0: do not read C
	VBROADCASTSS beta+116(FP), Z27
	MERGE(Z0, Z1)
	MERGE(Z2, Z3)
	MERGE(Z4, Z5)
	MERGE(Z6, Z7)
	MERGE(Z8, Z9)
	MERGE(Z10, Z11)
	MERGE(Z12, Z13)
	MERGE(Z14, Z15)
	MERGE(Z16, Z17)
	MERGE(Z18, Z19)
	MERGE(Z20, Z21)
	MERGE(Z22, Z23)
	JMP done

betazero:
	STORE(Z0, Z1)
	STORE(Z2, Z3)
	STORE(Z4, Z5)
	STORE(Z6, Z7)
	STORE(Z8, Z9)
	STORE(Z10, Z11)
	STORE(Z12, Z13)
	STORE(Z14, Z15)
	STORE(Z16, Z17)
	STORE(Z18, Z19)
	STORE(Z20, Z21)
	STORE(Z22, Z23)

done:
	VZEROUPPER
	RET
