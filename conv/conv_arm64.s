//go:build !purego

#include "textflag.h"

// Elementwise kernels for NEON (ASIMD). Each mirrors its pure-Go twin in
// kernels_generic.go (same name with Generic in place of NEON), which is the
// definition. Loops run 16 floats per iteration in four V registers
// (blocks), 4 per iteration (quad), then one at a time (tail); the tail
// loads one float into lane 0 with FMOVS (clearing the other lanes), runs
// the same vector instructions and stores or returns lane 0 only.
//
// The Go assembler has no vector forms of these floating-point
// instructions, so they are encoded here (Vd, Vn, Vm are register numbers;
// all arrangements are .4S):

#define FADD4(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))  // Vd = Vn + Vm
#define FSUB4(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))  // Vd = Vn − Vm
#define FMUL4(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))  // Vd = Vn · Vm
#define FMAX4(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))  // Vd = max(Vn, Vm)
#define FCMGTZ4(d, n) WORD $(0x4EA0C800 | ((n)<<5) | (d))              // Vd = Vn > 0 ? ^0 : 0
#define BSL16(d, n, m) WORD $(0x6E601C00 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vd ? Vn : Vm (bitwise)
#define FADDP4(d, n, m) WORD $(0x6E20D400 | ((m)<<16) | ((n)<<5) | (d)) // pairwise add
#define FADDP2S(d, n) WORD $(0x7E30D800 | ((n)<<5) | (d))              // Sd = Vn[0] + Vn[1]

// func affineNEON(dst, src []float32, a, b float32)
// Requires: ASIMD
// dst[i] = a·src[i] + b.  V28: a; V29: b; V0–V3: src; V4–V7: results.
TEXT ·affineNEON(SB), NOSPLIT, $0-56
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R1
	MOVD  src_base+24(FP), R2
	FMOVS a+48(FP), F28
	FMOVS b+52(FP), F29
	VDUP  V28.S[0], V28.S4
	VDUP  V29.S[0], V29.S4

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R2), [V0.S4, V1.S4, V2.S4, V3.S4]
	VMOV V29.B16, V4.B16
	VMOV V29.B16, V5.B16
	VMOV V29.B16, V6.B16
	VMOV V29.B16, V7.B16
	VFMLA V28.S4, V0.S4, V4.S4 // V4 = b + a·x
	VFMLA V28.S4, V1.S4, V5.S4
	VFMLA V28.S4, V2.S4, V6.S4
	VFMLA V28.S4, V3.S4, V7.S4
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  tail
	VLD1.P 16(R2), [V0.S4]
	VMOV V29.B16, V4.B16
	VFMLA V28.S4, V0.S4, V4.S4
	VST1.P [V4.S4], 16(R0)
	SUB  $4, R1
	B    quad

tail:
	CBZ   R1, done
	FMOVS (R2), F0
	VMOV  V29.B16, V4.B16
	VFMLA V28.S4, V0.S4, V4.S4
	FMOVS F4, (R0)
	ADD   $4, R2
	ADD   $4, R0
	SUB   $1, R1
	B     tail

done:
	RET

// func affineLeakyNEON(dst, src []float32, a, b float32)
// Requires: ASIMD
// v = a·src[i] + b; dst[i] = max(v, 0.1·v).  V28: a; V29: b; V30: 0.1;
// V0–V3: src, then 0.1·v; V4–V7: v.
TEXT ·affineLeakyNEON(SB), NOSPLIT, $0-56
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R1
	MOVD  src_base+24(FP), R2
	FMOVS a+48(FP), F28
	FMOVS b+52(FP), F29
	VDUP  V28.S[0], V28.S4
	VDUP  V29.S[0], V29.S4
	MOVW  $0x3dcccccd, R5 // float32(0.1), LeakySlope
	VDUP  R5, V30.S4

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R2), [V0.S4, V1.S4, V2.S4, V3.S4]
	VMOV V29.B16, V4.B16
	VMOV V29.B16, V5.B16
	VMOV V29.B16, V6.B16
	VMOV V29.B16, V7.B16
	VFMLA V28.S4, V0.S4, V4.S4 // v = b + a·x
	VFMLA V28.S4, V1.S4, V5.S4
	VFMLA V28.S4, V2.S4, V6.S4
	VFMLA V28.S4, V3.S4, V7.S4
	FMUL4(0, 4, 30)            // V0 = 0.1·v
	FMUL4(1, 5, 30)
	FMUL4(2, 6, 30)
	FMUL4(3, 7, 30)
	FMAX4(4, 4, 0)             // v = max(v, 0.1·v)
	FMAX4(5, 5, 1)
	FMAX4(6, 6, 2)
	FMAX4(7, 7, 3)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  tail
	VLD1.P 16(R2), [V0.S4]
	VMOV V29.B16, V4.B16
	VFMLA V28.S4, V0.S4, V4.S4
	FMUL4(0, 4, 30)
	FMAX4(4, 4, 0)
	VST1.P [V4.S4], 16(R0)
	SUB  $4, R1
	B    quad

tail:
	CBZ   R1, done
	FMOVS (R2), F0
	VMOV  V29.B16, V4.B16
	VFMLA V28.S4, V0.S4, V4.S4
	FMUL4(0, 4, 30)
	FMAX4(4, 4, 0)
	FMOVS F4, (R0)
	ADD   $4, R2
	ADD   $4, R0
	SUB   $1, R1
	B     tail

done:
	RET

// func leakyGradNEON(dst, dy, y []float32)
// Requires: ASIMD
// dst[i] = dy[i]·(1 if y[i] > 0 else 0.1).  V30: 0.1; V31: 1;
// V0–V3: y, then the factor; V4–V7: dy.
TEXT ·leakyGradNEON(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	MOVD dy_base+24(FP), R2
	MOVD y_base+48(FP), R3
	MOVW $0x3dcccccd, R5 // float32(0.1)
	VDUP R5, V30.S4
	MOVW $0x3f800000, R5 // float32(1)
	VDUP R5, V31.S4

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R3), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FCMGTZ4(0, 0)      // mask = y > 0
	FCMGTZ4(1, 1)
	FCMGTZ4(2, 2)
	FCMGTZ4(3, 3)
	BSL16(0, 31, 30)   // factor = mask ? 1 : 0.1
	BSL16(1, 31, 30)
	BSL16(2, 31, 30)
	BSL16(3, 31, 30)
	FMUL4(0, 0, 4)     // dy·factor
	FMUL4(1, 1, 5)
	FMUL4(2, 2, 6)
	FMUL4(3, 3, 7)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  tail
	VLD1.P 16(R3), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FCMGTZ4(0, 0)
	BSL16(0, 31, 30)
	FMUL4(0, 0, 4)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R1
	B    quad

tail:
	CBZ   R1, done
	FMOVS (R3), F0
	FMOVS (R2), F4
	FCMGTZ4(0, 0)
	BSL16(0, 31, 30)
	FMUL4(0, 0, 4)
	FMOVS F0, (R0)
	ADD   $4, R3
	ADD   $4, R2
	ADD   $4, R0
	SUB   $1, R1
	B     tail

done:
	RET

// func addToNEON(dst, src []float32)
// Requires: ASIMD
// dst[i] += src[i].  R0 reads dst, R4 writes it; V0–V3: dst; V4–V7: src.
TEXT ·addToNEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	MOVD src_base+24(FP), R2
	MOVD R0, R4

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FADD4(0, 0, 4)
	FADD4(1, 1, 5)
	FADD4(2, 2, 6)
	FADD4(3, 3, 7)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R4)
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  tail
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FADD4(0, 0, 4)
	VST1.P [V0.S4], 16(R4)
	SUB  $4, R1
	B    quad

tail:
	CBZ   R1, done
	FMOVS (R0), F0
	FMOVS (R2), F4
	FADD4(0, 0, 4)
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R2
	SUB   $1, R1
	B     tail

done:
	RET

// REDUCE sums the four partial sums V16–V19 into lane 0 of V16.
#define REDUCE \
	FADD4(16, 16, 17) \
	FADD4(18, 18, 19) \
	FADD4(16, 16, 18) \
	FADDP4(16, 16, 16) \
	FADDP2S(16, 16)

// func sumNEON(x []float32) float32
// Requires: ASIMD
// s = Σ x[i].  V16–V19: partial sums; V0–V3: x.
TEXT ·sumNEON(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), R0
	MOVD x_len+8(FP), R1
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	FADD4(16, 16, 0)
	FADD4(17, 17, 1)
	FADD4(18, 18, 2)
	FADD4(19, 19, 3)
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  reduce
	VLD1.P 16(R0), [V0.S4]
	FADD4(16, 16, 0)
	SUB  $4, R1
	B    quad

reduce:
	REDUCE

tail:
	CBZ   R1, done
	FMOVS (R0), F0
	FADD4(16, 16, 0)
	ADD   $4, R0
	SUB   $1, R1
	B     tail

done:
	FMOVS F16, ret+24(FP)
	RET

// func sumSqDevNEON(x []float32, m float32) float32
// Requires: ASIMD
// s = Σ (x[i] − m)².  V16–V19: partial sums; V24: m; V0–V3: x − m.
TEXT ·sumSqDevNEON(SB), NOSPLIT, $0-36
	MOVD  x_base+0(FP), R0
	MOVD  x_len+8(FP), R1
	FMOVS m+24(FP), F24
	VDUP  V24.S[0], V24.S4
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	FSUB4(0, 0, 24)                // d = x − m
	FSUB4(1, 1, 24)
	FSUB4(2, 2, 24)
	FSUB4(3, 3, 24)
	VFMLA V0.S4, V0.S4, V16.S4     // s += d·d
	VFMLA V1.S4, V1.S4, V17.S4
	VFMLA V2.S4, V2.S4, V18.S4
	VFMLA V3.S4, V3.S4, V19.S4
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  reduce
	VLD1.P 16(R0), [V0.S4]
	FSUB4(0, 0, 24)
	VFMLA V0.S4, V0.S4, V16.S4
	SUB  $4, R1
	B    quad

reduce:
	REDUCE

tail:
	CBZ   R1, done
	FMOVS (R0), F0
	FSUB4(0, 0, 24)
	VFMLA V0.S4, V0.S4, V16.S4
	ADD   $4, R0
	SUB   $1, R1
	B     tail

done:
	FMOVS F16, ret+32(FP)
	RET

// func dotDevNEON(x, y []float32, m float32) float32
// Requires: ASIMD
// s = Σ x[i]·(y[i] − m).  V16–V19: partial sums; V24: m; V0–V3: x;
// V4–V7: y − m.
TEXT ·dotDevNEON(SB), NOSPLIT, $0-60
	MOVD  x_base+0(FP), R0
	MOVD  x_len+8(FP), R1
	MOVD  y_base+24(FP), R2
	FMOVS m+48(FP), F24
	VDUP  V24.S[0], V24.S4
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FSUB4(4, 4, 24)                // y − m
	FSUB4(5, 5, 24)
	FSUB4(6, 6, 24)
	FSUB4(7, 7, 24)
	VFMLA V4.S4, V0.S4, V16.S4     // s += x·(y − m)
	VFMLA V5.S4, V1.S4, V17.S4
	VFMLA V6.S4, V2.S4, V18.S4
	VFMLA V7.S4, V3.S4, V19.S4
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  reduce
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FSUB4(4, 4, 24)
	VFMLA V4.S4, V0.S4, V16.S4
	SUB  $4, R1
	B    quad

reduce:
	REDUCE

tail:
	CBZ   R1, done
	FMOVS (R0), F0
	FMOVS (R2), F4
	FSUB4(4, 4, 24)
	VFMLA V4.S4, V0.S4, V16.S4
	ADD   $4, R0
	ADD   $4, R2
	SUB   $1, R1
	B     tail

done:
	FMOVS F16, ret+56(FP)
	RET

// func bnGradNEON(dst, dy, x []float32, a, b, c float32)
// Requires: ASIMD
// dst[i] += a·dy[i] + b·x[i] + c.  V28: a; V29: b; V27: c; V0–V3: dst;
// V4–V7: dy; V8–V11: x. R0 reads dst, R4 writes it.
TEXT ·bnGradNEON(SB), NOSPLIT, $0-84
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R1
	MOVD  dy_base+24(FP), R2
	MOVD  x_base+48(FP), R3
	MOVD  R0, R4
	FMOVS a+72(FP), F28
	FMOVS b+76(FP), F29
	FMOVS c+80(FP), F27
	VDUP  V28.S[0], V28.S4
	VDUP  V29.S[0], V29.S4
	VDUP  V27.S[0], V27.S4

blocks:
	CMP  $16, R1
	BLT  quad
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R3), [V8.S4, V9.S4, V10.S4, V11.S4]
	FADD4(0, 0, 27)                // dst + c
	FADD4(1, 1, 27)
	FADD4(2, 2, 27)
	FADD4(3, 3, 27)
	VFMLA V28.S4, V4.S4, V0.S4     // += a·dy
	VFMLA V28.S4, V5.S4, V1.S4
	VFMLA V28.S4, V6.S4, V2.S4
	VFMLA V28.S4, V7.S4, V3.S4
	VFMLA V29.S4, V8.S4, V0.S4     // += b·x
	VFMLA V29.S4, V9.S4, V1.S4
	VFMLA V29.S4, V10.S4, V2.S4
	VFMLA V29.S4, V11.S4, V3.S4
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R4)
	SUB  $16, R1
	B    blocks

quad:
	CMP  $4, R1
	BLT  tail
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	VLD1.P 16(R3), [V8.S4]
	FADD4(0, 0, 27)
	VFMLA V28.S4, V4.S4, V0.S4
	VFMLA V29.S4, V8.S4, V0.S4
	VST1.P [V0.S4], 16(R4)
	SUB  $4, R1
	B    quad

tail:
	CBZ   R1, done
	FMOVS (R0), F0
	FMOVS (R2), F4
	FMOVS (R3), F8
	FADD4(0, 0, 27)
	VFMLA V28.S4, V4.S4, V0.S4
	VFMLA V29.S4, V8.S4, V0.S4
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R2
	ADD   $4, R3
	SUB   $1, R1
	B     tail

done:
	RET

// func prefetchNEON(p []float32)
// A hint: PRFM PLDL1KEEP on each 64-byte line of p (R0: next line; R2:
// end); memory is unchanged.
TEXT ·prefetchNEON(SB), NOSPLIT, $0-24
	MOVD p_base+0(FP), R0
	MOVD p_len+8(FP), R1
	ADD  R1<<2, R0, R2

pfline:
	CMP  R2, R0
	BHS  pfdone
	PRFM (R0), PLDL1KEEP
	ADD  $64, R0
	B    pfline

pfdone:
	RET

// func gather2NEON(dst, src []float32)
// Requires: ASIMD
// dst[i] = src[2i] (len(src) ≥ 2·len(dst) − 1).  VLD2 de-interleaves 8
// floats of src into V0 (even elements) and V1 (odd); a quad runs only
// while src has 8 floats left (R1: outputs left; R3: floats left in src).
TEXT ·gather2NEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	MOVD src_base+24(FP), R2
	MOVD src_len+32(FP), R3

quad:
	CMP  $4, R1
	BLT  tail
	CMP  $8, R3
	BLT  tail
	VLD2.P 32(R2), [V0.S4, V1.S4]
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R1
	SUB  $8, R3
	B    quad

tail:
	CBZ   R1, done
	MOVWU (R2), R5
	MOVW  R5, (R0)
	ADD   $8, R2
	ADD   $4, R0
	SUB   $1, R1
	B     tail

done:
	RET

// func scatterAdd2NEON(dst, src []float32)
// Requires: ASIMD
// dst[2i] += src[i] (len(dst) ≥ 2·len(src) − 1).  V0, V1: 8 floats of dst
// de-interleaved (even, odd); V4: 4 floats of src. A quad runs only while
// dst has 8 floats left (R1: src floats left; R3: dst floats left).
TEXT ·scatterAdd2NEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD src_base+24(FP), R2
	MOVD src_len+32(FP), R1

quad:
	CMP  $4, R1
	BLT  tail
	CMP  $8, R3
	BLT  tail
	VLD2 (R0), [V0.S4, V1.S4]
	VLD1.P 16(R2), [V4.S4]
	FADD4(0, 0, 4)                 // even elements += src
	VST2.P [V0.S4, V1.S4], 32(R0)
	SUB  $4, R1
	SUB  $8, R3
	B    quad

tail:
	CBZ   R1, done
	FMOVS (R0), F0
	FMOVS (R2), F4
	FADD4(0, 0, 4)
	FMOVS F0, (R0)
	ADD   $8, R0
	ADD   $4, R2
	SUB   $1, R1
	B     tail

done:
	RET

// func leakySumsNEON(g, y []float32, beta float32) (sg, sgp float32)
// Requires: ASIMD
// Where y[i] ≤ 0: g[i] *= 0.1, y[i] *= 10 (in place); then
// sg = Σ g[i], sgp = Σ g[i]·(y[i] − β).
// V31: 1; V30: 0.1; V29: 10; V28: β; V0, V1: y; V2, V3: g; V4, V5: masks,
// then g factors; V6, V7: y factors; V16, V17: sg partial sums; V18, V19:
// sgp partial sums. R0, R2 read g and y; R5, R4 write them back.
TEXT ·leakySumsNEON(SB), NOSPLIT, $0-64
	MOVD  g_base+0(FP), R0
	MOVD  g_len+8(FP), R1
	MOVD  y_base+24(FP), R2
	MOVD  R0, R5
	MOVD  R2, R4
	FMOVS beta+48(FP), F28
	VDUP  V28.S[0], V28.S4
	MOVW  $0x3f800000, R6 // float32(1)
	VDUP  R6, V31.S4
	MOVW  $0x3dcccccd, R6 // float32(0.1)
	VDUP  R6, V30.S4
	MOVW  $0x41200000, R6 // float32(10)
	VDUP  R6, V29.S4
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16

pairs:
	CMP  $8, R1
	BLT  quad
	VLD1.P 32(R2), [V0.S4, V1.S4]
	VLD1.P 32(R0), [V2.S4, V3.S4]
	FCMGTZ4(4, 0)                  // mask = y > 0
	FCMGTZ4(5, 1)
	VMOV V4.B16, V6.B16
	VMOV V5.B16, V7.B16
	BSL16(4, 31, 30)               // g factor = mask ? 1 : 0.1
	BSL16(5, 31, 30)
	BSL16(6, 31, 29)               // y factor = mask ? 1 : 10
	BSL16(7, 31, 29)
	FMUL4(2, 2, 4)                 // g
	FMUL4(3, 3, 5)
	FMUL4(0, 0, 6)                 // pre
	FMUL4(1, 1, 7)
	VST1.P [V2.S4, V3.S4], 32(R5)
	VST1.P [V0.S4, V1.S4], 32(R4)
	FADD4(16, 16, 2)               // sg += g
	FADD4(17, 17, 3)
	FSUB4(0, 0, 28)                // pre − β
	FSUB4(1, 1, 28)
	VFMLA V0.S4, V2.S4, V18.S4     // sgp += g·(pre − β)
	VFMLA V1.S4, V3.S4, V19.S4
	SUB  $8, R1
	B    pairs

quad:
	FADD4(16, 16, 17)
	FADD4(18, 18, 19)
	CMP  $4, R1
	BLT  reduce
	VLD1.P 16(R2), [V0.S4]
	VLD1.P 16(R0), [V2.S4]
	FCMGTZ4(4, 0)
	VMOV V4.B16, V6.B16
	BSL16(4, 31, 30)
	BSL16(6, 31, 29)
	FMUL4(2, 2, 4)
	FMUL4(0, 0, 6)
	VST1.P [V2.S4], 16(R5)
	VST1.P [V0.S4], 16(R4)
	FADD4(16, 16, 2)
	FSUB4(0, 0, 28)
	VFMLA V0.S4, V2.S4, V18.S4
	SUB  $4, R1

reduce:
	FADDP4(16, 16, 16)
	FADDP2S(16, 16)
	FADDP4(18, 18, 18)
	FADDP2S(18, 18)

tail:
	CBZ   R1, done
	FMOVS (R2), F0
	FMOVS (R0), F2
	FCMGTZ4(4, 0)
	VMOV  V4.B16, V6.B16
	BSL16(4, 31, 30)
	BSL16(6, 31, 29)
	FMUL4(2, 2, 4)
	FMUL4(0, 0, 6)
	FMOVS F2, (R0)
	FMOVS F0, (R2)
	FADD4(16, 16, 2)
	FSUB4(0, 0, 28)
	VFMLA V0.S4, V2.S4, V18.S4
	ADD   $4, R0
	ADD   $4, R2
	SUB   $1, R1
	B     tail

done:
	FMOVS F16, sg+56(FP)
	FMOVS F18, sgp+60(FP)
	RET

#define FCMGE4(d, n, m) WORD $(0x6E20E400 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vn ≥ Vm ? ^0 : 0
#define FCMGT4(d, n, m) WORD $(0x6EA0E400 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vn > Vm ? ^0 : 0

// PICK2 computes, for four windows with cells a, b, c, d in V0–V3, the
// mask of the picked cell (see pool2GradGeneric): V5 for a, V6 for b, V7
// for c, V8 for d. Scratch: V9.
#define PICK2 \
	FCMGE4(5, 0, 1); /* a ≥ b */ \
	FCMGE4(9, 0, 2); /* a ≥ c */ \
	VAND V9.B16, V5.B16, V5.B16; \
	FCMGE4(9, 0, 3); /* a ≥ d */ \
	VAND V9.B16, V5.B16, V5.B16; \
	FCMGT4(6, 1, 0); /* b > a */ \
	FCMGE4(9, 1, 2); /* b ≥ c */ \
	VAND V9.B16, V6.B16, V6.B16; \
	FCMGE4(9, 1, 3); /* b ≥ d */ \
	VAND V9.B16, V6.B16, V6.B16; \
	FCMGT4(7, 2, 0); /* c > a */ \
	FCMGT4(9, 2, 1); /* c > b */ \
	VAND V9.B16, V7.B16, V7.B16; \
	FCMGE4(9, 2, 3); /* c ≥ d */ \
	VAND V9.B16, V7.B16, V7.B16; \
	FCMGT4(8, 3, 0); /* d > a */ \
	FCMGT4(9, 3, 1); /* d > b */ \
	VAND V9.B16, V8.B16, V8.B16; \
	FCMGT4(9, 3, 2); /* d > c */ \
	VAND V9.B16, V8.B16, V8.B16; \
	VAND V4.B16, V5.B16, V5.B16; /* dy where picked, else 0 */ \
	VAND V4.B16, V6.B16, V6.B16; \
	VAND V4.B16, V7.B16, V7.B16; \
	VAND V4.B16, V8.B16, V8.B16

// func pool2GradNEON(d0, d1, r0, r1, dy []float32)
// Requires: ASIMD
// Four windows per iteration: VLD2 splits each row into its even cells
// (a, c) and odd cells (b, d), and VST2 interleaves the sums back. The last
// 0–3 windows go one at a time in lane 0 (FMOVS loads clear the other
// lanes). R0 d0, R1 d1, R2 r0, R3 r1, R4 dy, R5 windows left; V4: dy;
// V10–V13: d0 and d1.
TEXT ·pool2GradNEON(SB), NOSPLIT, $0-120
	MOVD d0_base+0(FP), R0
	MOVD d1_base+24(FP), R1
	MOVD r0_base+48(FP), R2
	MOVD r1_base+72(FP), R3
	MOVD dy_base+96(FP), R4
	MOVD dy_len+104(FP), R5

quad:
	CMP    $4, R5
	BLT    tail
	VLD2.P 32(R2), [V0.S4, V1.S4] // a, b
	VLD2.P 32(R3), [V2.S4, V3.S4] // c, d
	VLD1.P 16(R4), [V4.S4]
	PICK2
	VLD2   (R0), [V10.S4, V11.S4]
	VLD2   (R1), [V12.S4, V13.S4]
	FADD4(10, 10, 5)
	FADD4(11, 11, 6)
	FADD4(12, 12, 7)
	FADD4(13, 13, 8)
	VST2.P [V10.S4, V11.S4], 32(R0)
	VST2.P [V12.S4, V13.S4], 32(R1)
	SUB    $4, R5
	B      quad

tail:
	CBZ   R5, done
	FMOVS (R2), F0
	FMOVS 4(R2), F1
	FMOVS (R3), F2
	FMOVS 4(R3), F3
	FMOVS (R4), F4
	PICK2
	FMOVS (R0), F10
	FMOVS 4(R0), F11
	FMOVS (R1), F12
	FMOVS 4(R1), F13
	FADD4(10, 10, 5)
	FADD4(11, 11, 6)
	FADD4(12, 12, 7)
	FADD4(13, 13, 8)
	FMOVS F10, (R0)
	FMOVS F11, 4(R0)
	FMOVS F12, (R1)
	FMOVS F13, 4(R1)
	ADD   $8, R0
	ADD   $8, R1
	ADD   $8, R2
	ADD   $8, R3
	ADD   $4, R4
	SUB   $1, R5
	B     tail

done:
	RET

// WINOIN_ROW4 computes d·B for patch row r of four tiles: with E = base
// (E_r at tile t) and O = base + R3 (O_r at tile t), it loads e0 = E[t],
// e1 = E[t+1], o0 = O[t], o1 = O[t+1] into V16–V19 (four tiles a register)
// and sets Va = e0 − e1, Vb = o0 + e1, Vc = e1 − o0, Vd = o0 − o1.
// WINOIN_ROW1 is the same for one tile, in lane 0.
#define WINOIN_ROW4(base, a, b, c, d) \
	VLD1 (base), [V16.S4]; \
	ADD  $4, base, R7; \
	VLD1 (R7), [V17.S4]; \
	ADD  R3, base, R7; \
	VLD1 (R7), [V18.S4]; \
	ADD  $4, R7, R7; \
	VLD1 (R7), [V19.S4]; \
	FSUB4(a, 16, 17); \
	FADD4(b, 18, 17); \
	FSUB4(c, 17, 18); \
	FSUB4(d, 18, 19)

#define WINOIN_ROW1(base, a, b, c, d) \
	FMOVS (base), F16; \
	ADD  $4, base, R7; \
	FMOVS (R7), F17; \
	ADD  R3, base, R7; \
	FMOVS (R7), F18; \
	ADD  $4, R7, R7; \
	FMOVS (R7), F19; \
	FSUB4(a, 16, 17); \
	FADD4(b, 18, 17); \
	FSUB4(c, 17, 18); \
	FSUB4(d, 18, 19)

// WINOIN_COLS4 computes Bᵀ·(d·B) for the rows in V0–V15 (row r in
// V(4r) … V(4r+3)) and stores the 16 results, ξ = 0 … 15, sv floats apart
// from R0 (R1: sv in bytes). WINOIN_COLS1 stores lane 0 only.
#define WINOIN_COLS4 \
	MOVD R0, R10; \
	FSUB4(20, 0, 8); FSUB4(21, 1, 9); FSUB4(22, 2, 10); FSUB4(23, 3, 11); \
	VST1 [V20.S4], (R10); ADD R1, R10; VST1 [V21.S4], (R10); ADD R1, R10; VST1 [V22.S4], (R10); ADD R1, R10; VST1 [V23.S4], (R10); ADD R1, R10; \
	FADD4(20, 4, 8); FADD4(21, 5, 9); FADD4(22, 6, 10); FADD4(23, 7, 11); \
	VST1 [V20.S4], (R10); ADD R1, R10; VST1 [V21.S4], (R10); ADD R1, R10; VST1 [V22.S4], (R10); ADD R1, R10; VST1 [V23.S4], (R10); ADD R1, R10; \
	FSUB4(20, 8, 4); FSUB4(21, 9, 5); FSUB4(22, 10, 6); FSUB4(23, 11, 7); \
	VST1 [V20.S4], (R10); ADD R1, R10; VST1 [V21.S4], (R10); ADD R1, R10; VST1 [V22.S4], (R10); ADD R1, R10; VST1 [V23.S4], (R10); ADD R1, R10; \
	FSUB4(20, 4, 12); FSUB4(21, 5, 13); FSUB4(22, 6, 14); FSUB4(23, 7, 15); \
	VST1 [V20.S4], (R10); ADD R1, R10; VST1 [V21.S4], (R10); ADD R1, R10; VST1 [V22.S4], (R10); ADD R1, R10; VST1 [V23.S4], (R10)

#define WINOIN_COLS1 \
	MOVD R0, R10; \
	FSUB4(20, 0, 8); FSUB4(21, 1, 9); FSUB4(22, 2, 10); FSUB4(23, 3, 11); \
	FMOVS F20, (R10); ADD R1, R10; FMOVS F21, (R10); ADD R1, R10; FMOVS F22, (R10); ADD R1, R10; FMOVS F23, (R10); ADD R1, R10; \
	FADD4(20, 4, 8); FADD4(21, 5, 9); FADD4(22, 6, 10); FADD4(23, 7, 11); \
	FMOVS F20, (R10); ADD R1, R10; FMOVS F21, (R10); ADD R1, R10; FMOVS F22, (R10); ADD R1, R10; FMOVS F23, (R10); ADD R1, R10; \
	FSUB4(20, 8, 4); FSUB4(21, 9, 5); FSUB4(22, 10, 6); FSUB4(23, 11, 7); \
	FMOVS F20, (R10); ADD R1, R10; FMOVS F21, (R10); ADD R1, R10; FMOVS F22, (R10); ADD R1, R10; FMOVS F23, (R10); ADD R1, R10; \
	FSUB4(20, 4, 12); FSUB4(21, 5, 13); FSUB4(22, 6, 14); FSUB4(23, 7, 15); \
	FMOVS F20, (R10); ADD R1, R10; FMOVS F21, (R10); ADD R1, R10; FMOVS F22, (R10); ADD R1, R10; FMOVS F23, (R10)

// func winoInRowNEON(v []float32, sv int, eo []float32, l, tw int)
// Requires: ASIMD
// The F(2×2, 3×3) input transform of one row of tw tiles (see
// winoInRowGeneric): four tiles at a time (quad), then one (tail, in lane 0).
// R0: v at tile t; R1: sv in bytes; R2: eo at tile t; R3: l in bytes (E_r to
// O_r); R8: 2l in bytes (row r to r + 1); R4: tiles left; R5: the row's E.
// V0–V15: d·B, row r in V(4r) … V(4r+3); V16–V19: loads; V20–V23: results.
TEXT ·winoInRowNEON(SB), NOSPLIT, $0-72
	MOVD v_base+0(FP), R0
	MOVD sv+24(FP), R1
	LSL  $2, R1, R1
	MOVD eo_base+32(FP), R2
	MOVD l+56(FP), R3
	LSL  $2, R3, R3
	LSL  $1, R3, R8
	MOVD tw+64(FP), R4

quad:
	CMP  $4, R4
	BLT  tail
	MOVD R2, R5
	WINOIN_ROW4(R5, 0, 1, 2, 3)
	ADD  R8, R5
	WINOIN_ROW4(R5, 4, 5, 6, 7)
	ADD  R8, R5
	WINOIN_ROW4(R5, 8, 9, 10, 11)
	ADD  R8, R5
	WINOIN_ROW4(R5, 12, 13, 14, 15)
	WINOIN_COLS4
	ADD  $16, R0
	ADD  $16, R2
	SUB  $4, R4
	B    quad

tail:
	CBZ  R4, done
	MOVD R2, R5
	WINOIN_ROW1(R5, 0, 1, 2, 3)
	ADD  R8, R5
	WINOIN_ROW1(R5, 4, 5, 6, 7)
	ADD  R8, R5
	WINOIN_ROW1(R5, 8, 9, 10, 11)
	ADD  R8, R5
	WINOIN_ROW1(R5, 12, 13, 14, 15)
	WINOIN_COLS1
	ADD  $4, R0
	ADD  $4, R2
	SUB  $1, R4
	B    tail

done:
	RET

// WINOOUT computes Aᵀ·m·A of the tiles in V0–V15 (product ξ in Vξ): the
// rows s_r = (m0 + m1 + m2, m1 − m2 − m3) in V16–V23 (V(16+2r), V(17+2r)),
// then the upper output row's two columns in V24, V25 ((s0 + s1) + s2) and
// the lower row's in V26, V27 ((s1 − s2) − s3).
#define WINOOUT_S(r) \
	FADD4(16+2*r, 4*r, 4*r+1); FADD4(16+2*r, 16+2*r, 4*r+2); \
	FSUB4(17+2*r, 4*r+1, 4*r+2); FSUB4(17+2*r, 17+2*r, 4*r+3)

#define WINOOUT \
	WINOOUT_S(0); WINOOUT_S(1); WINOOUT_S(2); WINOOUT_S(3); \
	FADD4(24, 16, 18); FADD4(24, 24, 20); \
	FADD4(25, 17, 19); FADD4(25, 25, 21); \
	FSUB4(26, 18, 20); FSUB4(26, 26, 22); \
	FSUB4(27, 19, 21); FSUB4(27, 27, 23)

// WINOOUT_LOAD4 loads the 16 products of four tiles at R2 (sm floats
// apart, R1 bytes) into V0–V15; WINOOUT_LOAD1 those of one tile, in lane 0.
#define WINOOUT_LOAD4 \
	MOVD R2, R10; \
	VLD1 (R10), [V0.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V1.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V2.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V3.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V4.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V5.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V6.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V7.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V8.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V9.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V10.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V11.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V12.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V13.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V14.S4]; \
	ADD R1, R10; \
	VLD1 (R10), [V15.S4]

#define WINOOUT_LOAD1 \
	MOVD R2, R10; \
	FMOVS (R10), F0; \
	ADD R1, R10; \
	FMOVS (R10), F1; \
	ADD R1, R10; \
	FMOVS (R10), F2; \
	ADD R1, R10; \
	FMOVS (R10), F3; \
	ADD R1, R10; \
	FMOVS (R10), F4; \
	ADD R1, R10; \
	FMOVS (R10), F5; \
	ADD R1, R10; \
	FMOVS (R10), F6; \
	ADD R1, R10; \
	FMOVS (R10), F7; \
	ADD R1, R10; \
	FMOVS (R10), F8; \
	ADD R1, R10; \
	FMOVS (R10), F9; \
	ADD R1, R10; \
	FMOVS (R10), F10; \
	ADD R1, R10; \
	FMOVS (R10), F11; \
	ADD R1, R10; \
	FMOVS (R10), F12; \
	ADD R1, R10; \
	FMOVS (R10), F13; \
	ADD R1, R10; \
	FMOVS (R10), F14; \
	ADD R1, R10; \
	FMOVS (R10), F15

// func winoOutRowNEON(r0, r1, m []float32, sm, tw int)
// Requires: ASIMD
// The F(2×2, 3×3) output transform of one row of tw tiles (see
// winoOutRowGeneric): four tiles at a time (quad, VST2 interleaving each
// output row's two columns), then one (tail, in lane 0).
// R2: m at tile t; R1: sm in bytes; R4: tiles left; R5, R6: r0 and r1 at
// column 2t.
TEXT ·winoOutRowNEON(SB), NOSPLIT, $0-88
	MOVD r0_base+0(FP), R5
	MOVD r1_base+24(FP), R6
	MOVD m_base+48(FP), R2
	MOVD sm+72(FP), R1
	LSL  $2, R1, R1
	MOVD tw+80(FP), R4

quad:
	CMP    $4, R4
	BLT    tail
	WINOOUT_LOAD4
	WINOOUT
	VST2.P [V24.S4, V25.S4], 32(R5)
	VST2.P [V26.S4, V27.S4], 32(R6)
	ADD    $16, R2
	SUB    $4, R4
	B      quad

tail:
	CBZ   R4, done
	WINOOUT_LOAD1
	WINOOUT
	FMOVS F24, (R5)
	FMOVS F25, 4(R5)
	FMOVS F26, (R6)
	FMOVS F27, 4(R6)
	ADD   $8, R5
	ADD   $8, R6
	ADD   $4, R2
	SUB   $1, R4
	B     tail

done:
	RET

// func unzipRowsNEON(even, odd []float32, ld int, src []float32, lds, rows, n int)
// Requires: ASIMD
//
// even[r·ld + x] = src[r·lds + 2x], odd[r·ld + x] = src[r·lds + 2x + 1] for
// r < rows, x < n (≥ 1 each; unzipRowsGeneric is the definition). VLD2
// de-interleaves 8 floats of src into V0 (even) and V1 (odd); the last
// n mod 4 pairs of a row go one at a time.
// R0, R1, R3: row r of even, odd and src; R2, R4: ld and lds in bytes;
// R5: rows left; R6: pairs left in the row; R7, R8, R9: the row's cursors.
TEXT ·unzipRowsNEON(SB), NOSPLIT, $0-104
	MOVD even_base+0(FP), R0
	MOVD odd_base+24(FP), R1
	MOVD ld+48(FP), R2
	LSL  $2, R2
	MOVD src_base+56(FP), R3
	MOVD lds+80(FP), R4
	LSL  $2, R4
	MOVD rows+88(FP), R5

row:
	MOVD n+96(FP), R6
	MOVD R0, R7
	MOVD R1, R8
	MOVD R3, R9

quad:
	CMP    $4, R6
	BLT    tail
	VLD2.P 32(R9), [V0.S4, V1.S4]
	VST1.P [V0.S4], 16(R7)
	VST1.P [V1.S4], 16(R8)
	SUB    $4, R6
	B      quad

tail:
	CBZ   R6, next
	MOVWU (R9), R10
	MOVW  R10, (R7)
	MOVWU 4(R9), R10
	MOVW  R10, (R8)
	ADD   $8, R9
	ADD   $4, R7
	ADD   $4, R8
	SUB   $1, R6
	B     tail

next:
	ADD  R2, R0
	ADD  R2, R1
	ADD  R4, R3
	SUBS $1, R5
	BNE  row
	RET

// func zipAddRowsNEON(dst []float32, ldd int, even, odd []float32, ld, rows, n int)
// Requires: ASIMD
//
// dst[r·ldd + 2x] += even[r·ld + x], dst[r·ldd + 2x + 1] += odd[r·ld + x]
// for r < rows, x < n (≥ 1 each; zipAddRowsGeneric is the definition), the
// adjoint of unzipRowsNEON: VLD2 de-interleaves 8 floats of dst into V0
// (even) and V1 (odd), V2 and V3 are added in, VST2 interleaves them back;
// the last n mod 4 pairs of a row go one at a time.
// R0, R1, R3: row r of dst, even and odd; R2, R4: ldd and ld in bytes;
// R5: rows left; R6: pairs left in the row; R7, R8, R9: the row's cursors.
TEXT ·zipAddRowsNEON(SB), NOSPLIT, $0-104
	MOVD dst_base+0(FP), R0
	MOVD ldd+24(FP), R2
	LSL  $2, R2
	MOVD even_base+32(FP), R1
	MOVD odd_base+56(FP), R3
	MOVD ld+80(FP), R4
	LSL  $2, R4
	MOVD rows+88(FP), R5

row:
	MOVD n+96(FP), R6
	MOVD R0, R7
	MOVD R1, R8
	MOVD R3, R9

quad:
	CMP    $4, R6
	BLT    tail
	VLD2   (R7), [V0.S4, V1.S4]
	VLD1.P 16(R8), [V2.S4]
	VLD1.P 16(R9), [V3.S4]
	FADD4(0, 0, 2)                 // even elements += even plane
	FADD4(1, 1, 3)                 // odd elements += odd plane
	VST2.P [V0.S4, V1.S4], 32(R7)
	SUB    $4, R6
	B      quad

tail:
	CBZ   R6, next
	FMOVS (R7), F0
	FMOVS (R8), F2
	FADDS F2, F0, F0
	FMOVS F0, (R7)
	FMOVS 4(R7), F1
	FMOVS (R9), F3
	FADDS F3, F1, F1
	FMOVS F1, 4(R7)
	ADD   $8, R7
	ADD   $4, R8
	ADD   $4, R9
	SUB   $1, R6
	B     tail

next:
	ADD  R2, R0
	ADD  R4, R1
	ADD  R4, R3
	SUBS $1, R5
	BNE  row
	RET
