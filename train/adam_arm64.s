//go:build !purego

#include "textflag.h"

// The Adam update for NEON (ASIMD). It mirrors adamGeneric in
// adam_kernels.go, which is the definition, operation for operation and in
// the same order (no fused multiply-add: every product is rounded on its
// own, as in the Go twin), so every element gets the same bits whether a
// vector block or the tail computes it; FSQRT and FDIV are correctly
// rounded, like the Go twin's float64 root rounded to float32. Per element:
//
//	m += (g − m)·c1;  v += (g·g − v)·c2;  θ −= (m·α)/(√v + ε)
//
// The Go assembler has no vector forms of these floating-point
// instructions, so they are encoded here (Vd, Vn, Vm are register numbers;
// all arrangements are .4S):

#define FADD4(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vn + Vm
#define FSUB4(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vn − Vm
#define FMUL4(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vn · Vm
#define FDIV4(d, n, m) WORD $(0x6E20FC00 | ((m)<<16) | ((n)<<5) | (d)) // Vd = Vn / Vm
#define FSQRT4(d, n) WORD $(0x6EA1F800 | ((n)<<5) | (d))              // Vd = √Vn

// ADAM runs the update on four lanes: g in VG, m in VM, v in VV; it leaves
// the new m in VM, the new v in VV and the step (m·α)/(√v + ε) in VS. VT is
// scratch; V28–V31 hold c1, c2, α, ε.
#define ADAM(G, M, V, S, T) \
	FSUB4(T, G, M);  /* T = g − m */ \
	FMUL4(T, T, 28); /* T = (g − m)·c1 */ \
	FADD4(M, M, T);  /* m += T */ \
	FMUL4(T, G, G);  /* T = g·g */ \
	FSUB4(T, T, V);  /* T = g·g − v */ \
	FMUL4(T, T, 29); /* T = (g·g − v)·c2 */ \
	FADD4(V, V, T);  /* v += T */ \
	FSQRT4(T, V);    /* T = √v */ \
	FADD4(T, T, 31); /* T = √v + ε */ \
	FMUL4(S, M, 30); /* S = m·α */ \
	FDIV4(S, S, T)   /* S = (m·α)/(√v + ε) */

// func adamNEON(theta, g, m, v []float32, alpha, c1, c2, eps float32)
// Requires: ASIMD
// R0 θ, R1 length, R2 g, R3 m, R4 v. 8 floats per iteration in two groups
// (g V0–V1, m V2–V3, v V4–V5, θ V6–V7, steps V8 and V10, scratch V9 and
// V11), then 4, then one at a time: the tail loads one float into lane 0
// with FMOVS (clearing the other lanes), runs the same vector instructions
// and stores lane 0 only.
TEXT ·adamNEON(SB), NOSPLIT, $0-112
	MOVD  theta_base+0(FP), R0
	MOVD  theta_len+8(FP), R1
	MOVD  g_base+24(FP), R2
	MOVD  m_base+48(FP), R3
	MOVD  v_base+72(FP), R4
	FMOVS alpha+96(FP), F30
	FMOVS c1+100(FP), F28
	FMOVS c2+104(FP), F29
	FMOVS eps+108(FP), F31
	VDUP  V28.S[0], V28.S4
	VDUP  V29.S[0], V29.S4
	VDUP  V30.S[0], V30.S4
	VDUP  V31.S[0], V31.S4

blocks:
	CMP    $8, R1
	BLT    quad
	VLD1.P 32(R2), [V0.S4, V1.S4]
	VLD1   (R3), [V2.S4, V3.S4]
	VLD1   (R4), [V4.S4, V5.S4]
	ADAM(0, 2, 4, 8, 9)
	ADAM(1, 3, 5, 10, 11)
	VST1.P [V2.S4, V3.S4], 32(R3)
	VST1.P [V4.S4, V5.S4], 32(R4)
	VLD1   (R0), [V6.S4, V7.S4]
	FSUB4(6, 6, 8)                // θ −= step
	FSUB4(7, 7, 10)
	VST1.P [V6.S4, V7.S4], 32(R0)
	SUB    $8, R1
	B      blocks

quad:
	CMP    $4, R1
	BLT    tail
	VLD1.P 16(R2), [V0.S4]
	VLD1   (R3), [V2.S4]
	VLD1   (R4), [V4.S4]
	ADAM(0, 2, 4, 8, 9)
	VST1.P [V2.S4], 16(R3)
	VST1.P [V4.S4], 16(R4)
	VLD1   (R0), [V6.S4]
	FSUB4(6, 6, 8)
	VST1.P [V6.S4], 16(R0)
	SUB    $4, R1

tail:
	CBZ   R1, done
	FMOVS (R2), F0
	FMOVS (R3), F2
	FMOVS (R4), F4
	ADAM(0, 2, 4, 8, 9)
	FMOVS F2, (R3)
	FMOVS F4, (R4)
	FMOVS (R0), F6
	FSUB4(6, 6, 8)
	FMOVS F6, (R0)
	ADD   $4, R0
	ADD   $4, R2
	ADD   $4, R3
	ADD   $4, R4
	SUB   $1, R1
	B     tail

done:
	RET
