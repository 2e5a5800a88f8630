//go:build !purego

#include "textflag.h"

// func transpose8AVX(dst []float32, ldd int, src []float32, lds int)
// Requires: AVX
//
// dst[i·ldd + j] = src[j·lds + i] for i, j < 8: an 8×8 block transposed in
// registers, the transposing copy of GEMM packing (transpose8Generic is the
// definition).
// Y0–Y7: the rows of src, then the 4×2 interleaves; Y8–Y15: pairs, then the
// rows of dst.
TEXT ·transpose8AVX(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ ldd+24(FP), R8
	SHLQ $2, R8
	MOVQ src_base+32(FP), SI
	MOVQ lds+56(FP), R9
	SHLQ $2, R9
	LEAQ (SI)(R9*4), DX        // rows 4–7

	VMOVUPS (SI), Y0           // r0
	VMOVUPS (SI)(R9*1), Y1     // r1
	VMOVUPS (SI)(R9*2), Y2     // r2
	LEAQ    (R9)(R9*2), AX
	VMOVUPS (SI)(AX*1), Y3     // r3
	VMOVUPS (DX), Y4           // r4
	VMOVUPS (DX)(R9*1), Y5     // r5
	VMOVUPS (DX)(R9*2), Y6     // r6
	VMOVUPS (DX)(AX*1), Y7     // r7

	VUNPCKLPS Y1, Y0, Y8       // r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]
	VUNPCKHPS Y1, Y0, Y9       // r0[2] r1[2] r0[3] r1[3] | r0[6] …
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0 // r0[0] r1[0] r2[0] r3[0] | r0[4] r1[4] r2[4] r3[4]
	VSHUFPS $0xEE, Y10, Y8, Y1 // … [1] | … [5]
	VSHUFPS $0x44, Y11, Y9, Y2 // … [2] | … [6]
	VSHUFPS $0xEE, Y11, Y9, Y3 // … [3] | … [7]
	VSHUFPS $0x44, Y14, Y12, Y4 // the same for rows 4–7
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8  // column 0: low halves of Y0 and Y4
	VPERM2F128 $0x20, Y5, Y1, Y9  // column 1
	VPERM2F128 $0x20, Y6, Y2, Y10 // column 2
	VPERM2F128 $0x20, Y7, Y3, Y11 // column 3
	VPERM2F128 $0x31, Y4, Y0, Y12 // column 4: high halves
	VPERM2F128 $0x31, Y5, Y1, Y13 // column 5
	VPERM2F128 $0x31, Y6, Y2, Y14 // column 6
	VPERM2F128 $0x31, Y7, Y3, Y15 // column 7

	LEAQ    (R8)(R8*2), AX
	LEAQ    (DI)(R8*4), DX
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R8*1)
	VMOVUPS Y10, (DI)(R8*2)
	VMOVUPS Y11, (DI)(AX*1)
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, (DX)(R8*1)
	VMOVUPS Y14, (DX)(R8*2)
	VMOVUPS Y15, (DX)(AX*1)
	VZEROUPPER
	RET
