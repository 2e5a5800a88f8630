//go:build !purego

#include "textflag.h"

// The Adam update for AVX-512F and AVX. Each kernel mirrors adamGeneric in
// adam_kernels.go, which is the definition, operation for operation and in
// the same order (no FMA: every product is rounded on its own, as in the
// Go twin), so every element gets the same bits whichever kernel, block
// or tail computes it; VSQRTPS and VDIVPS are correctly rounded, like the
// Go twin's float64 root rounded to float32. Per element:
//
//	m += (g − m)·c1;  v += (g·g − v)·c2;  θ −= (m·α)/(√v + ε)
//
// Arguments: DI θ, SI g, DX m, R8 v, CX the length (of θ; the Go caller
// guarantees g, m and v are at least as long).

// ADAM runs the update on one vector of lanes held in registers: g in G,
// m in M, v in V; it leaves the new m in M, the new v in V and the step
// (m·α)/(√v + ε) in S. C1, C2, A, E hold c1, c2, α, ε; T is scratch.
#define ADAM(G, M, V, S, T, C1, C2, A, E) \
	VSUBPS M, G, T; /* T = g − m */ \
	VMULPS C1, T, T; /* T = (g − m)·c1 */ \
	VADDPS T, M, M; /* m += T */ \
	VMULPS G, G, T; /* T = g·g */ \
	VSUBPS V, T, T; /* T = g·g − v */ \
	VMULPS C2, T, T; /* T = (g·g − v)·c2 */ \
	VADDPS T, V, V; /* v += T */ \
	VSQRTPS V, T; /* T = √v */ \
	VADDPS E, T, T; /* T = √v + ε */ \
	VMULPS A, M, S; /* S = m·α */ \
	VDIVPS T, S, S /* S = (m·α)/(√v + ε) */

// func adamAVX512(theta, g, m, v []float32, alpha, c1, c2, eps float32)
// Requires: AVX512F
// Z28: c1; Z29: c2; Z30: α; Z31: ε. 32 floats per iteration in two
// groups (Z0–Z4, Z5–Z9), then 16 at a time, then the last 0–15 under the
// mask K1 (lanes past the end load as zero and are not stored).
TEXT ·adamAVX512(SB), NOSPLIT, $0-112
	MOVQ theta_base+0(FP), DI
	MOVQ theta_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), DX
	MOVQ v_base+72(FP), R8
	VBROADCASTSS alpha+96(FP), Z30
	VBROADCASTSS c1+100(FP), Z28
	VBROADCASTSS c2+104(FP), Z29
	VBROADCASTSS eps+108(FP), Z31

blocks:
	CMPQ CX, $32
	JL   single
	VMOVUPS (SI), Z0   // g
	VMOVUPS 64(SI), Z5
	VMOVUPS (DX), Z1   // m
	VMOVUPS 64(DX), Z6
	VMOVUPS (R8), Z2   // v
	VMOVUPS 64(R8), Z7
	ADAM(Z0, Z1, Z2, Z3, Z4, Z28, Z29, Z30, Z31)
	ADAM(Z5, Z6, Z7, Z8, Z9, Z28, Z29, Z30, Z31)
	VMOVUPS Z1, (DX)
	VMOVUPS Z6, 64(DX)
	VMOVUPS Z2, (R8)
	VMOVUPS Z7, 64(R8)
	VMOVUPS (DI), Z0   // θ
	VMOVUPS 64(DI), Z5
	VSUBPS  Z3, Z0, Z0 // θ −= step
	VSUBPS  Z8, Z5, Z5
	VMOVUPS Z0, (DI)
	VMOVUPS Z5, 64(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, R8
	SUBQ $32, CX
	JMP  blocks

single:
	CMPQ CX, $16
	JL   tail
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	VMOVUPS (R8), Z2
	ADAM(Z0, Z1, Z2, Z3, Z4, Z28, Z29, Z30, Z31)
	VMOVUPS Z1, (DX)
	VMOVUPS Z2, (R8)
	VMOVUPS (DI), Z0
	VSUBPS  Z3, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	SUBQ $16, CX

tail:
	TESTQ CX, CX
	JZ    done
	MOVQ  $1, AX
	SHLQ  CX, AX       // AX = 1<<CX
	DECQ  AX           // the low CX bits
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z1
	VMOVUPS.Z (R8), K1, Z2
	ADAM(Z0, Z1, Z2, Z3, Z4, Z28, Z29, Z30, Z31)
	VMOVUPS Z1, K1, (DX)
	VMOVUPS Z2, K1, (R8)
	VMOVUPS.Z (DI), K1, Z0
	VSUBPS  Z3, Z0, Z0
	VMOVUPS Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func adamAVX(theta, g, m, v []float32, alpha, c1, c2, eps float32)
// Requires: AVX
// Y12: c1; Y13: c2; Y14: α; Y15: ε. 16 floats per iteration in two groups
// (Y0–Y4, Y5–Y9), then 8, then one at a time with the scalar forms of the
// same instructions.
TEXT ·adamAVX(SB), NOSPLIT, $0-112
	MOVQ theta_base+0(FP), DI
	MOVQ theta_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), DX
	MOVQ v_base+72(FP), R8
	VBROADCASTSS alpha+96(FP), Y14
	VBROADCASTSS c1+100(FP), Y12
	VBROADCASTSS c2+104(FP), Y13
	VBROADCASTSS eps+108(FP), Y15

blocks:
	CMPQ CX, $16
	JL   oct
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y5
	VMOVUPS (DX), Y1
	VMOVUPS 32(DX), Y6
	VMOVUPS (R8), Y2
	VMOVUPS 32(R8), Y7
	ADAM(Y0, Y1, Y2, Y3, Y4, Y12, Y13, Y14, Y15)
	ADAM(Y5, Y6, Y7, Y8, Y9, Y12, Y13, Y14, Y15)
	VMOVUPS Y1, (DX)
	VMOVUPS Y6, 32(DX)
	VMOVUPS Y2, (R8)
	VMOVUPS Y7, 32(R8)
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y5
	VSUBPS  Y3, Y0, Y0
	VSUBPS  Y8, Y5, Y5
	VMOVUPS Y0, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	SUBQ $16, CX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS (R8), Y2
	ADAM(Y0, Y1, Y2, Y3, Y4, Y12, Y13, Y14, Y15)
	VMOVUPS Y1, (DX)
	VMOVUPS Y2, (R8)
	VMOVUPS (DI), Y0
	VSUBPS  Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	SUBQ $8, CX

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (SI), X0
	VMOVSS (DX), X1
	VMOVSS (R8), X2
	VSUBSS X1, X0, X4  // the ADAM steps on lane 0
	VMULSS X12, X4, X4
	VADDSS X4, X1, X1
	VMULSS X0, X0, X4
	VSUBSS X2, X4, X4
	VMULSS X13, X4, X4
	VADDSS X4, X2, X2
	VSQRTSS X2, X2, X4
	VADDSS X15, X4, X4
	VMULSS X14, X1, X3
	VDIVSS X4, X3, X3
	VMOVSS X1, (DX)
	VMOVSS X2, (R8)
	VMOVSS (DI), X0
	VSUBSS X3, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ $4, SI
	ADDQ $4, DX
	ADDQ $4, R8
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET
