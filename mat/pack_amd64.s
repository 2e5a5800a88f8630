//go:build !purego

#include "textflag.h"

// func transposeBlocksAVX(dst []float32, ldd int, src []float32, lds, cols, kc int)
// Requires: AVX
//
// dst[p·ldd + j] = src[j·lds + p] for j < cols, p < kc (multiples of 8): the
// transposing copy of GEMM packing, in 8×8 blocks transposed in registers,
// eight rows of src at a time, left to right (transposeBlocksGeneric is the
// definition).
// Each block prefetches the same columns of the next eight rows. Those rows
// are eight streams of a few cache lines each (a depth block of a transposed
// operand), too short for the hardware prefetcher to catch up.
// Y0–Y7: the rows of src, then the 4×2 interleaves; Y8–Y15: pairs, then the
// rows of dst. R12, R13: the block in src and dst; SI, DI: the group's first.
TEXT ·transposeBlocksAVX(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ ldd+24(FP), R8
	SHLQ $2, R8                // dst row stride in bytes
	MOVQ src_base+32(FP), SI
	MOVQ lds+56(FP), R9
	SHLQ $2, R9                // src row stride in bytes
	LEAQ (R9)(R9*2), AX        // three src rows
	LEAQ (R8)(R8*2), R14       // three dst rows
	MOVQ cols+64(FP), CX
	SHRQ $3, CX                // groups of eight src rows
	JZ   done

group:
	MOVQ kc+72(FP), BX
	SHRQ $3, BX                // blocks in the group
	JZ   done
	MOVQ SI, R12
	MOVQ DI, R13

block:
	LEAQ    (R12)(R9*4), DX    // rows 4–7
	VMOVUPS (R12), Y0          // r0
	VMOVUPS (R12)(R9*1), Y1    // r1
	VMOVUPS (R12)(R9*2), Y2    // r2
	VMOVUPS (R12)(AX*1), Y3    // r3
	VMOVUPS (DX), Y4           // r4
	VMOVUPS (DX)(R9*1), Y5     // r5
	VMOVUPS (DX)(R9*2), Y6     // r6
	VMOVUPS (DX)(AX*1), Y7     // r7

	LEAQ       (R12)(R9*8), R10 // rows 8–11
	LEAQ       (R10)(R9*4), R11 // rows 12–15
	PREFETCHT0 (R10)
	PREFETCHT0 (R10)(R9*1)
	PREFETCHT0 (R10)(R9*2)
	PREFETCHT0 (R10)(AX*1)
	PREFETCHT0 (R11)
	PREFETCHT0 (R11)(R9*1)
	PREFETCHT0 (R11)(R9*2)
	PREFETCHT0 (R11)(AX*1)

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

	LEAQ    (R13)(R8*4), DX
	VMOVUPS Y8, (R13)
	VMOVUPS Y9, (R13)(R8*1)
	VMOVUPS Y10, (R13)(R8*2)
	VMOVUPS Y11, (R13)(R14*1)
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, (DX)(R8*1)
	VMOVUPS Y14, (DX)(R8*2)
	VMOVUPS Y15, (DX)(R14*1)

	ADDQ $32, R12              // next eight columns of src
	LEAQ (R13)(R8*8), R13      // next eight rows of dst
	DECQ BX
	JNZ  block

	LEAQ (SI)(R9*8), SI        // next eight rows of src
	ADDQ $32, DI               // next eight columns of dst
	DECQ CX
	JNZ  group

done:
	VZEROUPPER
	RET

// func copyRunsAVX(dst []float32, ps int, src []float32, ld, rows, runs, w int)
// Requires: AVX
//
// dst[s·ps + p·w + j] = src[p·ld + s·w + j] for p < rows, s < runs, j < w
// (w a multiple of 8): the panel copy of GEMM packing, one source row at a
// time, each run in 8-float vectors (copyRunsGeneric is the definition).
// SI, DI: row p of src and its place in panel 0; R11, R12: run s;
// AX: bytes into the run; R8: panel stride, R9: src row stride, R10: run
// length, all in bytes.
TEXT ·copyRunsAVX(SB), NOSPLIT, $0-88
	MOVQ dst_base+0(FP), DI
	MOVQ ps+24(FP), R8
	SHLQ $2, R8
	MOVQ src_base+32(FP), SI
	MOVQ ld+56(FP), R9
	SHLQ $2, R9
	MOVQ rows+64(FP), BX
	MOVQ w+80(FP), R10
	SHLQ $2, R10
	TESTQ BX, BX
	JZ    copydone
	MOVQ  runs+72(FP), CX
	TESTQ CX, CX
	JZ    copydone
	TESTQ R10, R10
	JZ    copydone

copyrow:
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ runs+72(FP), CX

copyrun:
	XORQ AX, AX

copyvec:
	VMOVUPS (R11)(AX*1), Y0
	VMOVUPS Y0, (R12)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, R10
	JB      copyvec
	ADDQ    R10, R11           // next run of the row
	ADDQ    R8, R12            // the same step of the next panel
	DECQ    CX
	JNZ     copyrun

	ADDQ R9, SI                // next row of src
	ADDQ R10, DI               // next step of every panel
	DECQ BX
	JNZ  copyrow

copydone:
	VZEROUPPER
	RET
