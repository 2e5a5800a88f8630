//go:build !purego

#include "textflag.h"

// Elementwise kernels for AVX and FMA3. Each mirrors its pure-Go twin in
// kernels_generic.go (same name with Generic in place of AVX), which is the
// definition. Every loop runs in three stages: 32 floats per iteration in
// four YMM registers (blocks), 8 per iteration (oct), then one at a time
// (tail). Lengths come from dst (or x for the reductions); the Go callers
// guarantee the other slices are at least that long.

DATA slope<>+0(SB)/4, $0x3dcccccd // float32(0.1), LeakySlope
GLOBL slope<>(SB), RODATA|NOPTR, $4
DATA one<>+0(SB)/4, $0x3f800000 // float32(1)
GLOBL one<>(SB), RODATA|NOPTR, $4

// func affineAVX(dst, src []float32, a, b float32)
// Requires: AVX, FMA3
// dst[i] = a·src[i] + b.  Y0: a; Y1: b; Y2–Y5: data.
TEXT ·affineAVX(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	VBROADCASTSS a+48(FP), Y0
	VBROADCASTSS b+52(FP), Y1

blocks:
	CMPQ CX, $32
	JL   oct
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VMOVUPS 64(SI), Y4
	VMOVUPS 96(SI), Y5
	VFMADD213PS Y1, Y0, Y2 // Y2 = a·Y2 + b
	VFMADD213PS Y1, Y0, Y3
	VFMADD213PS Y1, Y0, Y4
	VFMADD213PS Y1, Y0, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	VMOVUPS (SI), Y2
	VFMADD213PS Y1, Y0, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (SI), X2
	VFMADD213SS X1, X0, X2
	VMOVSS X2, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

// func affineLeakyAVX(dst, src []float32, a, b float32)
// Requires: AVX, FMA3
// v = a·src[i] + b; dst[i] = max(v, 0.1·v).  Y0: a; Y1: b; Y6: 0.1;
// Y2–Y5: v; Y7–Y10: 0.1·v.
TEXT ·affineLeakyAVX(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	VBROADCASTSS a+48(FP), Y0
	VBROADCASTSS b+52(FP), Y1
	VBROADCASTSS slope<>(SB), Y6

blocks:
	CMPQ CX, $32
	JL   oct
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VMOVUPS 64(SI), Y4
	VMOVUPS 96(SI), Y5
	VFMADD213PS Y1, Y0, Y2 // v = a·x + b
	VFMADD213PS Y1, Y0, Y3
	VFMADD213PS Y1, Y0, Y4
	VFMADD213PS Y1, Y0, Y5
	VMULPS Y6, Y2, Y7      // 0.1·v
	VMULPS Y6, Y3, Y8
	VMULPS Y6, Y4, Y9
	VMULPS Y6, Y5, Y10
	VMAXPS Y7, Y2, Y2      // max(v, 0.1·v)
	VMAXPS Y8, Y3, Y3
	VMAXPS Y9, Y4, Y4
	VMAXPS Y10, Y5, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	VMOVUPS (SI), Y2
	VFMADD213PS Y1, Y0, Y2
	VMULPS Y6, Y2, Y7
	VMAXPS Y7, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (SI), X2
	VFMADD213SS X1, X0, X2
	VMULSS X6, X2, X7
	VMAXSS X7, X2, X2
	VMOVSS X2, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

// func leakyGradAVX(dst, dy, y []float32)
// Requires: AVX
// dst[i] = dy[i]·(1 if y[i] > 0 else 0.1).  Y0: 0; Y1: 1; Y6: 0.1;
// Y2–Y5: y, then the factor; Y7–Y10: dy.
TEXT ·leakyGradAVX(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ dy_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	VXORPS Y0, Y0, Y0
	VBROADCASTSS one<>(SB), Y1
	VBROADCASTSS slope<>(SB), Y6

blocks:
	CMPQ CX, $32
	JL   oct
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3
	VMOVUPS 64(DX), Y4
	VMOVUPS 96(DX), Y5
	VCMPPS $14, Y0, Y2, Y2 // mask = y > 0 (GT_OS)
	VCMPPS $14, Y0, Y3, Y3
	VCMPPS $14, Y0, Y4, Y4
	VCMPPS $14, Y0, Y5, Y5
	VBLENDVPS Y2, Y1, Y6, Y2 // factor = mask ? 1 : 0.1
	VBLENDVPS Y3, Y1, Y6, Y3
	VBLENDVPS Y4, Y1, Y6, Y4
	VBLENDVPS Y5, Y1, Y6, Y5
	VMULPS (SI), Y2, Y2
	VMULPS 32(SI), Y3, Y3
	VMULPS 64(SI), Y4, Y4
	VMULPS 96(SI), Y5, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	VMOVUPS (DX), Y2
	VCMPPS $14, Y0, Y2, Y2
	VBLENDVPS Y2, Y1, Y6, Y2
	VMULPS (SI), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (DX), X2
	VCMPSS $14, X0, X2, X2
	VBLENDVPS X2, X1, X6, X2
	VMOVSS (SI), X3
	VMULSS X3, X2, X2
	VMOVSS X2, (DI)
	ADDQ $4, SI
	ADDQ $4, DX
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

// func addToAVX(dst, src []float32)
// Requires: AVX
// dst[i] += src[i].  Y2–Y5: dst.
TEXT ·addToAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

blocks:
	CMPQ CX, $32
	JL   oct
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	VMOVUPS 64(DI), Y4
	VMOVUPS 96(DI), Y5
	VADDPS (SI), Y2, Y2
	VADDPS 32(SI), Y3, Y3
	VADDPS 64(SI), Y4, Y4
	VADDPS 96(SI), Y5, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	VMOVUPS (DI), Y2
	VADDPS (SI), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (DI), X2
	VADDSS (SI), X2, X2
	VMOVSS X2, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

// reduce sums the eight lanes of Y0 into the low lane of X0 (clobbers X1).
#define REDUCE \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VHADDPS      X0, X0, X0 \
	VHADDPS      X0, X0, X0

// func sumAVX(x []float32) float32
// Requires: AVX
// s = Σ x[i].  Y0–Y3: four partial sums of 8 lanes each.
TEXT ·sumAVX(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

blocks:
	CMPQ CX, $32
	JL   oct
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP  blocks

oct:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0

octloop:
	CMPQ CX, $8
	JL   reduce
	VADDPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  octloop

reduce:
	REDUCE

tail:
	TESTQ CX, CX
	JZ    done
	VADDSS (SI), X0, X0
	ADDQ $4, SI
	DECQ CX
	JMP  tail

done:
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func sumSqDevAVX(x []float32, m float32) float32
// Requires: AVX, FMA3
// s = Σ (x[i] − m)².  Y0–Y3: partial sums; Y4: m; Y5–Y8: x − m.
TEXT ·sumSqDevAVX(SB), NOSPLIT, $0-36
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSS m+24(FP), Y4
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

blocks:
	CMPQ CX, $32
	JL   oct
	VMOVUPS (SI), Y5
	VMOVUPS 32(SI), Y6
	VMOVUPS 64(SI), Y7
	VMOVUPS 96(SI), Y8
	VSUBPS Y4, Y5, Y5          // d = x − m
	VSUBPS Y4, Y6, Y6
	VSUBPS Y4, Y7, Y7
	VSUBPS Y4, Y8, Y8
	VFMADD231PS Y5, Y5, Y0     // s += d·d
	VFMADD231PS Y6, Y6, Y1
	VFMADD231PS Y7, Y7, Y2
	VFMADD231PS Y8, Y8, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP  blocks

oct:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0

octloop:
	CMPQ CX, $8
	JL   reduce
	VMOVUPS (SI), Y5
	VSUBPS Y4, Y5, Y5
	VFMADD231PS Y5, Y5, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  octloop

reduce:
	REDUCE

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (SI), X5
	VSUBSS X4, X5, X5
	VFMADD231SS X5, X5, X0
	ADDQ $4, SI
	DECQ CX
	JMP  tail

done:
	VMOVSS X0, ret+32(FP)
	VZEROUPPER
	RET

// func dotDevAVX(x, y []float32, m float32) float32
// Requires: AVX, FMA3
// s = Σ x[i]·(y[i] − m).  Y0–Y3: partial sums; Y4: m; Y5–Y8: y − m.
TEXT ·dotDevAVX(SB), NOSPLIT, $0-60
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DX
	VBROADCASTSS m+48(FP), Y4
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

blocks:
	CMPQ CX, $32
	JL   oct
	VMOVUPS (DX), Y5
	VMOVUPS 32(DX), Y6
	VMOVUPS 64(DX), Y7
	VMOVUPS 96(DX), Y8
	VSUBPS Y4, Y5, Y5              // y − m
	VSUBPS Y4, Y6, Y6
	VSUBPS Y4, Y7, Y7
	VSUBPS Y4, Y8, Y8
	VFMADD231PS (SI), Y5, Y0       // s += (y − m)·x
	VFMADD231PS 32(SI), Y6, Y1
	VFMADD231PS 64(SI), Y7, Y2
	VFMADD231PS 96(SI), Y8, Y3
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $32, CX
	JMP  blocks

oct:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0

octloop:
	CMPQ CX, $8
	JL   reduce
	VMOVUPS (DX), Y5
	VSUBPS Y4, Y5, Y5
	VFMADD231PS (SI), Y5, Y0
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP  octloop

reduce:
	REDUCE

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (DX), X5
	VSUBSS X4, X5, X5
	VFMADD231SS (SI), X5, X0
	ADDQ $4, SI
	ADDQ $4, DX
	DECQ CX
	JMP  tail

done:
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

// func bnGradAVX(dst, dy, x []float32, a, b, c float32)
// Requires: AVX, FMA3
// dst[i] += a·dy[i] + b·x[i] + c.  Y0: a; Y1: b; Y9: c; Y2–Y5: dst.
TEXT ·bnGradAVX(SB), NOSPLIT, $0-84
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ dy_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	VBROADCASTSS a+72(FP), Y0
	VBROADCASTSS b+76(FP), Y1
	VBROADCASTSS c+80(FP), Y9

blocks:
	CMPQ CX, $32
	JL   oct
	VADDPS (DI), Y9, Y2            // dst + c
	VADDPS 32(DI), Y9, Y3
	VADDPS 64(DI), Y9, Y4
	VADDPS 96(DI), Y9, Y5
	VFMADD231PS (SI), Y0, Y2       // += a·dy
	VFMADD231PS 32(SI), Y0, Y3
	VFMADD231PS 64(SI), Y0, Y4
	VFMADD231PS 96(SI), Y0, Y5
	VFMADD231PS (DX), Y1, Y2       // += b·x
	VFMADD231PS 32(DX), Y1, Y3
	VFMADD231PS 64(DX), Y1, Y4
	VFMADD231PS 96(DX), Y1, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VMOVUPS Y4, 64(DI)
	VMOVUPS Y5, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	VADDPS (DI), Y9, Y2
	VFMADD231PS (SI), Y0, Y2
	VFMADD231PS (DX), Y1, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	VADDSS (DI), X9, X2
	VFMADD231SS (SI), X0, X2
	VFMADD231SS (DX), X1, X2
	VMOVSS X2, (DI)
	ADDQ $4, SI
	ADDQ $4, DX
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

// func prefetchAVX(p []float32)
// A hint: PREFETCHT0 on each 64-byte line of p (SI: next line; DX: end);
// memory is unchanged.
TEXT ·prefetchAVX(SB), NOSPLIT, $0-24
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), CX
	LEAQ (SI)(CX*4), DX

pfline:
	CMPQ SI, DX
	JAE  pfdone
	PREFETCHT0 (SI)
	ADDQ $64, SI
	JMP  pfline

pfdone:
	RET

// func gather2AVX2(dst, src []float32)
// Requires: AVX, AVX2
// dst[i] = src[2i] (len(src) ≥ 2·len(dst) − 1).  Y0, Y1: 16 floats of src;
// Y2: their even elements. A block loads 16 floats for 8 outputs, so it runs
// only while src has 16 floats left (CX: outputs left; DX: floats left in
// src); the last outputs of a row that ends its src go one at a time.
TEXT ·gather2AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), DX

blocks:
	CMPQ CX, $16
	JL   oct
	CMPQ DX, $32
	JL   oct
	VMOVUPS (SI), Y0               // s0 … s7
	VMOVUPS 32(SI), Y1             // s8 … s15
	VMOVUPS 64(SI), Y3
	VMOVUPS 96(SI), Y4
	VSHUFPS $0x88, Y1, Y0, Y2      // s0 s2 s8 s10 | s4 s6 s12 s14
	VSHUFPS $0x88, Y4, Y3, Y5
	VPERMPD $0xd8, Y2, Y2          // s0 s2 s4 s6 s8 s10 s12 s14
	VPERMPD $0xd8, Y5, Y5
	VMOVUPS Y2, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ $128, SI
	ADDQ $64, DI
	SUBQ $16, CX
	SUBQ $32, DX
	JMP  blocks

oct:
	CMPQ CX, $8
	JL   tail
	CMPQ DX, $16
	JL   tail
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VPERMPD $0xd8, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	SUBQ $8, CX
	SUBQ $16, DX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	MOVL (SI), AX
	MOVL AX, (DI)
	ADDQ $8, SI
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

// func scatterAdd2AVX2(dst, src []float32)
// Requires: AVX, AVX2
// dst[2i] += src[i] (len(dst) ≥ 2·len(src) − 1).  Y0: 8 floats of src;
// Y1, Y2: them spread to the even lanes with zeros between; Y3, Y4: dst.
// A block reads and writes 16 floats of dst (adding 0 to the odd ones), so
// it runs only while dst has 16 floats left (CX: src floats left; DX: dst
// floats left); the rest go one at a time.
TEXT ·scatterAdd2AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), DX
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	VXORPS Y5, Y5, Y5

oct:
	CMPQ CX, $8
	JL   tail
	CMPQ DX, $16
	JL   tail
	VMOVUPS (SI), Y0               // s0 … s7
	VPERMPD $0xd8, Y0, Y0          // s0 s1 s4 s5 | s2 s3 s6 s7
	VUNPCKLPS Y5, Y0, Y1           // s0 0 s1 0 | s2 0 s3 0
	VUNPCKHPS Y5, Y0, Y2           // s4 0 s5 0 | s6 0 s7 0
	VADDPS (DI), Y1, Y3
	VADDPS 32(DI), Y2, Y4
	VMOVUPS Y3, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $8, CX
	SUBQ $16, DX
	JMP  oct

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (DI), X3
	VADDSS (SI), X3, X3
	VMOVSS X3, (DI)
	ADDQ $4, SI
	ADDQ $8, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	RET

DATA ten<>+0(SB)/4, $0x41200000 // float32(10) = 1/LeakySlope
GLOBL ten<>(SB), RODATA|NOPTR, $4

// func leakySumsAVX2(g, y []float32, beta float32) (sg, sgp float32)
// Requires: AVX, FMA3
// Where y[i] ≤ 0: g[i] *= 0.1, y[i] *= 10 (in place); then
// sg = Σ g[i], sgp = Σ g[i]·(y[i] − β).
// Y0: 0; Y1: 1; Y6: 0.1; Y7: 10; Y8: β; Y2, Y3: y; Y4, Y5: masks, then
// the factors for y; Y14, Y15: the factors for g, then g; Y10, Y11: sg
// partial sums; Y12, Y13: sgp partial sums.
TEXT ·leakySumsAVX2(SB), NOSPLIT, $0-64
	MOVQ g_base+0(FP), DI
	MOVQ g_len+8(FP), CX
	MOVQ y_base+24(FP), SI
	VBROADCASTSS beta+48(FP), Y8
	VXORPS Y0, Y0, Y0
	VBROADCASTSS one<>(SB), Y1
	VBROADCASTSS slope<>(SB), Y6
	VBROADCASTSS ten<>(SB), Y7
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13

pairs:
	CMPQ CX, $16
	JL   oct
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VCMPPS $14, Y0, Y2, Y4      // mask = y > 0
	VCMPPS $14, Y0, Y3, Y5
	VBLENDVPS Y4, Y1, Y6, Y14   // g factor = mask ? 1 : 0.1
	VBLENDVPS Y5, Y1, Y6, Y15
	VBLENDVPS Y4, Y1, Y7, Y4    // y factor = mask ? 1 : 10
	VBLENDVPS Y5, Y1, Y7, Y5
	VMULPS (DI), Y14, Y14       // g
	VMULPS 32(DI), Y15, Y15
	VMULPS Y4, Y2, Y2           // pre
	VMULPS Y5, Y3, Y3
	VMOVUPS Y14, (DI)
	VMOVUPS Y15, 32(DI)
	VMOVUPS Y2, (SI)
	VMOVUPS Y3, 32(SI)
	VADDPS Y14, Y10, Y10        // sg += g
	VADDPS Y15, Y11, Y11
	VSUBPS Y8, Y2, Y2           // pre − β
	VSUBPS Y8, Y3, Y3
	VFMADD231PS Y2, Y14, Y12    // sgp += g·(pre − β)
	VFMADD231PS Y3, Y15, Y13
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  pairs

oct:
	VADDPS Y11, Y10, Y10
	VADDPS Y13, Y12, Y12
	CMPQ CX, $8
	JL   reduce
	VMOVUPS (SI), Y2
	VCMPPS $14, Y0, Y2, Y4
	VBLENDVPS Y4, Y1, Y6, Y14
	VBLENDVPS Y4, Y1, Y7, Y4
	VMULPS (DI), Y14, Y14
	VMULPS Y4, Y2, Y2
	VMOVUPS Y14, (DI)
	VMOVUPS Y2, (SI)
	VADDPS Y14, Y10, Y10
	VSUBPS Y8, Y2, Y2
	VFMADD231PS Y2, Y14, Y12
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX

reduce:
	VEXTRACTF128 $1, Y10, X11
	VADDPS       X11, X10, X10
	VHADDPS      X10, X10, X10
	VHADDPS      X10, X10, X10
	VEXTRACTF128 $1, Y12, X13
	VADDPS       X13, X12, X12
	VHADDPS      X12, X12, X12
	VHADDPS      X12, X12, X12

tail:
	TESTQ CX, CX
	JZ    done
	VMOVSS (SI), X2
	VCMPSS $14, X0, X2, X4
	VBLENDVPS X4, X1, X6, X14
	VBLENDVPS X4, X1, X7, X4
	VMOVSS (DI), X3
	VMULSS X3, X14, X14
	VMULSS X4, X2, X2
	VMOVSS X14, (DI)
	VMOVSS X2, (SI)
	VADDSS X14, X10, X10
	VSUBSS X8, X2, X2
	VFMADD231SS X2, X14, X12
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VMOVSS X10, sg+56(FP)
	VMOVSS X12, sgp+60(FP)
	VZEROUPPER
	RET

// Constants of pool2GradAVX2: the even lanes, the index that spreads four
// floats to lane pairs, and a run of eight all-ones words then eight zero
// words, from which the mask of the first k lanes is read at 32 − 4k.
DATA evenlanes<>+0(SB)/8, $0x00000000ffffffff
DATA evenlanes<>+8(SB)/8, $0x00000000ffffffff
DATA evenlanes<>+16(SB)/8, $0x00000000ffffffff
DATA evenlanes<>+24(SB)/8, $0x00000000ffffffff
GLOBL evenlanes<>(SB), RODATA|NOPTR, $32
DATA pairidx<>+0(SB)/8, $0x0000000000000000 // 0 0
DATA pairidx<>+8(SB)/8, $0x0000000100000001 // 1 1
DATA pairidx<>+16(SB)/8, $0x0000000200000002 // 2 2
DATA pairidx<>+24(SB)/8, $0x0000000300000003 // 3 3
GLOBL pairidx<>(SB), RODATA|NOPTR, $32
DATA tailmask<>+0(SB)/8, $0xffffffffffffffff
DATA tailmask<>+8(SB)/8, $0xffffffffffffffff
DATA tailmask<>+16(SB)/8, $0xffffffffffffffff
DATA tailmask<>+24(SB)/8, $0xffffffffffffffff
DATA tailmask<>+32(SB)/8, $0
DATA tailmask<>+40(SB)/8, $0
DATA tailmask<>+48(SB)/8, $0
DATA tailmask<>+56(SB)/8, $0
GLOBL tailmask<>(SB), RODATA|NOPTR, $64

// PICK2 computes, for four windows whose top row P = Y0 holds a, b, … and
// bottom row Q = Y2 holds c, d, …, the mask of the picked cell of each row:
// Y5 for P, Y6 for Q (see pool2GradGeneric). With Ps, Qs the rows with
// each lane pair swapped (Y1, Y3), the tests line up lane by lane:
//
//	P: a ≥ c, d, b (even lanes);  b ≥ d, c and b > a (odd lanes)
//	Q: c > a, b and c ≥ d (even); d > b, a, c (odd)
//
// so "≥" against the partner in the same row holds in even lanes and ">"
// in odd ones: a blend by the even-lane mask Y15. Scratch: Y7, Y8.
#define PICK2 \
	VPERMILPS $0xb1, Y0, Y1; /* Ps = b a … */ \
	VPERMILPS $0xb1, Y2, Y3; /* Qs = d c … */ \
	VCMPPS $13, Y2, Y0, Y5;  /* P ≥ Q (GE_OS) */ \
	VCMPPS $13, Y3, Y0, Y7;  /* P ≥ Qs */ \
	VANDPS Y7, Y5, Y5; \
	VCMPPS $13, Y1, Y0, Y7;  /* P ≥ Ps */ \
	VCMPPS $14, Y1, Y0, Y8;  /* P > Ps (GT_OS) */ \
	VBLENDVPS Y15, Y7, Y8, Y7; /* even ? ≥ : > */ \
	VANDPS Y7, Y5, Y5;       /* Y5 = the pick in P */ \
	VCMPPS $14, Y0, Y2, Y6;  /* Q > P */ \
	VCMPPS $14, Y1, Y2, Y7;  /* Q > Ps */ \
	VANDPS Y7, Y6, Y6; \
	VCMPPS $13, Y3, Y2, Y7;  /* Q ≥ Qs */ \
	VCMPPS $14, Y3, Y2, Y8;  /* Q > Qs */ \
	VBLENDVPS Y15, Y7, Y8, Y7; \
	VANDPS Y7, Y6, Y6        /* Y6 = the pick in Q */

// func pool2GradAVX2(d0, d1, r0, r1, dy []float32)
// Requires: AVX, AVX2
// Four windows (8 floats of each row) per iteration; the last 1–3 windows
// run the same code with masked loads and stores. Y4: dy spread to lane
// pairs; Y14: the spreading index; Y15: even lanes; Y12, Y13: tail masks.
TEXT ·pool2GradAVX2(SB), NOSPLIT, $0-120
	MOVQ d0_base+0(FP), DI
	MOVQ d1_base+24(FP), R9
	MOVQ r0_base+48(FP), SI
	MOVQ r1_base+72(FP), DX
	MOVQ dy_base+96(FP), R8
	MOVQ dy_len+104(FP), CX
	VMOVUPS evenlanes<>(SB), Y15
	VMOVUPS pairidx<>(SB), Y14

quad:
	CMPQ CX, $4
	JL   tail
	VMOVUPS (R8), X4       // dy[0:4]
	VPERMPS Y4, Y14, Y4    // g0 g0 g1 g1 g2 g2 g3 g3
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y2
	PICK2
	VANDPS  Y4, Y5, Y5     // dy where picked, else 0
	VANDPS  Y4, Y6, Y6
	VADDPS  (DI), Y5, Y5
	VADDPS  (R9), Y6, Y6
	VMOVUPS Y5, (DI)
	VMOVUPS Y6, (R9)
	ADDQ $16, R8
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	ADDQ $32, R9
	SUBQ $4, CX
	JMP  quad

tail:
	TESTQ CX, CX
	JZ    done
	LEAQ  tailmask<>+32(SB), AX
	MOVQ  CX, BX
	SHLQ  $2, BX
	SUBQ  BX, AX
	VMOVUPS (AX), X12      // the first CX lanes (dy)
	SUBQ  BX, AX
	VMOVUPS (AX), Y13      // the first 2·CX lanes (rows)
	VMASKMOVPS (R8), X12, X4
	VPERMPS Y4, Y14, Y4
	VMASKMOVPS (SI), Y13, Y0
	VMASKMOVPS (DX), Y13, Y2
	PICK2
	VANDPS  Y4, Y5, Y5
	VANDPS  Y4, Y6, Y6
	VMASKMOVPS (DI), Y13, Y7
	VMASKMOVPS (R9), Y13, Y8
	VADDPS  Y7, Y5, Y5
	VADDPS  Y8, Y6, Y6
	VMASKMOVPS Y5, Y13, (DI)
	VMASKMOVPS Y6, Y13, (R9)

done:
	VZEROUPPER
	RET

// WINO_IN_COLS stores one column of Bᵀ·(d·B) for eight tiles: with the
// rows' values a, b, c, e in Y0 … Y3, it writes a − c, b + c, c − b, b − e
// to (R14), (R14)+R9, (R14)+2·R9, (R14)+AX.
#define WINO_IN_COLS \
	VSUBPS  Y2, Y0, Y4 \
	VADDPS  Y2, Y1, Y5 \
	VSUBPS  Y1, Y2, Y6 \
	VSUBPS  Y3, Y1, Y7 \
	VMOVUPS Y4, (R14) \
	VMOVUPS Y5, (R14)(R9*1) \
	VMOVUPS Y6, (R14)(R9*2) \
	VMOVUPS Y7, (R14)(AX*1)

// func winoInRow8AVX2(v *float32, sv int, eo *float32, l, n int)
//
// Eight tiles per iteration. Patch row r's even and odd columns are at
// E_r = eo + r·2l and O_r = E_r + l (floats); column c of d·B is, per row,
// c=0: E[t] − E[t+1], c=1: O[t] + E[t+1], c=2: E[t+1] − O[t],
// c=3: O[t] − O[t+1]; then v[c] = a − c, v[4+c] = b + c, v[8+c] = c − b,
// v[12+c] = b − e over the rows (a, b, c, e). Same operations, same order
// as winoInRowGeneric.
TEXT ·winoInRow8AVX2(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ sv+8(FP), R8
	MOVQ eo+16(FP), SI
	MOVQ l+24(FP), R10
	MOVQ n+32(FP), CX
	SHLQ $2, R8            // sv in bytes
	SHLQ $2, R10           // l in bytes: O_r = E_r + R10
	LEAQ (SI)(R10*2), R11  // E_b
	LEAQ (R11)(R10*2), R12 // E_c
	LEAQ (R12)(R10*2), R13 // E_e
	LEAQ (R8)(R8*1), R9
	SHLQ $1, R9            // 4·sv bytes: from v[ξ] to v[ξ+4]
	LEAQ (R9)(R9*2), AX    // 12·sv bytes

inloop:
	CMPQ CX, $8
	JL   indone
	MOVQ DI, R14           // v[c], c = 0

	// column 0: E[t] − E[t+1]
	VMOVUPS (SI), Y0
	VSUBPS  4(SI), Y0, Y0
	VMOVUPS (R11), Y1
	VSUBPS  4(R11), Y1, Y1
	VMOVUPS (R12), Y2
	VSUBPS  4(R12), Y2, Y2
	VMOVUPS (R13), Y3
	VSUBPS  4(R13), Y3, Y3
	WINO_IN_COLS
	ADDQ    R8, R14

	// column 1: O[t] + E[t+1]
	VMOVUPS (SI)(R10*1), Y0
	VADDPS  4(SI), Y0, Y0
	VMOVUPS (R11)(R10*1), Y1
	VADDPS  4(R11), Y1, Y1
	VMOVUPS (R12)(R10*1), Y2
	VADDPS  4(R12), Y2, Y2
	VMOVUPS (R13)(R10*1), Y3
	VADDPS  4(R13), Y3, Y3
	WINO_IN_COLS
	ADDQ    R8, R14

	// column 2: E[t+1] − O[t]
	VMOVUPS 4(SI), Y0
	VSUBPS  (SI)(R10*1), Y0, Y0
	VMOVUPS 4(R11), Y1
	VSUBPS  (R11)(R10*1), Y1, Y1
	VMOVUPS 4(R12), Y2
	VSUBPS  (R12)(R10*1), Y2, Y2
	VMOVUPS 4(R13), Y3
	VSUBPS  (R13)(R10*1), Y3, Y3
	WINO_IN_COLS
	ADDQ    R8, R14

	// column 3: O[t] − O[t+1]
	VMOVUPS (SI)(R10*1), Y0
	VSUBPS  4(SI)(R10*1), Y0, Y0
	VMOVUPS (R11)(R10*1), Y1
	VSUBPS  4(R11)(R10*1), Y1, Y1
	VMOVUPS (R12)(R10*1), Y2
	VSUBPS  4(R12)(R10*1), Y2, Y2
	VMOVUPS (R13)(R10*1), Y3
	VSUBPS  4(R13)(R10*1), Y3, Y3
	WINO_IN_COLS

	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	SUBQ $8, CX
	JMP  inloop

indone:
	VZEROUPPER
	RET

// func winoOutRow8AVX2(r0, r1, m *float32, sm, n int)
//
// Eight tiles per iteration: with m_ξ = m + ξ·sm, per row of the 4×4
// products (m0 + m1) + m2 and (m1 − m2) − m3, then the upper outputs
// (a + b) + c and the lower (b − c) − e, each pair of output columns
// interleaved into 16 consecutive floats. Same operations, same order as
// winoOutRowGeneric.
TEXT ·winoOutRow8AVX2(SB), NOSPLIT, $0-40
	MOVQ r0+0(FP), DI
	MOVQ r1+8(FP), DX
	MOVQ m+16(FP), SI
	MOVQ sm+24(FP), R8
	MOVQ n+32(FP), CX
	SHLQ $2, R8            // sm in bytes
	LEAQ (R8)(R8*2), R9    // 3·sm bytes
	LEAQ (SI)(R8*4), R10   // m_4
	LEAQ (R10)(R8*4), R11  // m_8
	LEAQ (R11)(R8*4), R12  // m_12

outloop:
	CMPQ CX, $8
	JL   outdone
	VMOVUPS (SI), Y0
	VADDPS  (SI)(R8*1), Y0, Y0
	VADDPS  (SI)(R8*2), Y0, Y0      // a0
	VMOVUPS (SI)(R8*1), Y1
	VSUBPS  (SI)(R8*2), Y1, Y1
	VSUBPS  (SI)(R9*1), Y1, Y1      // a1
	VMOVUPS (R10), Y2
	VADDPS  (R10)(R8*1), Y2, Y2
	VADDPS  (R10)(R8*2), Y2, Y2     // b0
	VMOVUPS (R10)(R8*1), Y3
	VSUBPS  (R10)(R8*2), Y3, Y3
	VSUBPS  (R10)(R9*1), Y3, Y3     // b1
	VMOVUPS (R11), Y4
	VADDPS  (R11)(R8*1), Y4, Y4
	VADDPS  (R11)(R8*2), Y4, Y4     // c0
	VMOVUPS (R11)(R8*1), Y5
	VSUBPS  (R11)(R8*2), Y5, Y5
	VSUBPS  (R11)(R9*1), Y5, Y5     // c1
	VMOVUPS (R12), Y6
	VADDPS  (R12)(R8*1), Y6, Y6
	VADDPS  (R12)(R8*2), Y6, Y6     // e0
	VMOVUPS (R12)(R8*1), Y7
	VSUBPS  (R12)(R8*2), Y7, Y7
	VSUBPS  (R12)(R9*1), Y7, Y7     // e1

	VADDPS Y2, Y0, Y8
	VADDPS Y4, Y8, Y8               // upper, even columns
	VADDPS Y3, Y1, Y9
	VADDPS Y5, Y9, Y9               // upper, odd columns
	VSUBPS Y4, Y2, Y10
	VSUBPS Y6, Y10, Y10             // lower, even columns
	VSUBPS Y5, Y3, Y11
	VSUBPS Y7, Y11, Y11             // lower, odd columns

	VUNPCKLPS  Y9, Y8, Y12          // u0 v0 u1 v1 | u4 v4 u5 v5
	VUNPCKHPS  Y9, Y8, Y13          // u2 v2 u3 v3 | u6 v6 u7 v7
	VPERM2F128 $0x20, Y13, Y12, Y14 // u0 v0 … u3 v3
	VPERM2F128 $0x31, Y13, Y12, Y15 // u4 v4 … u7 v7
	VMOVUPS    Y14, (DI)
	VMOVUPS    Y15, 32(DI)
	VUNPCKLPS  Y11, Y10, Y12
	VUNPCKHPS  Y11, Y10, Y13
	VPERM2F128 $0x20, Y13, Y12, Y14
	VPERM2F128 $0x31, Y13, Y12, Y15
	VMOVUPS    Y14, (DX)
	VMOVUPS    Y15, 32(DX)

	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  outloop

outdone:
	VZEROUPPER
	RET

// func unzipRowsAVX2(even, odd []float32, ld int, src []float32, lds, rows, n int)
// Requires: AVX, AVX2
//
// even[r·ld + x] = src[r·lds + 2x], odd[r·ld + x] = src[r·lds + 2x + 1] for
// r < rows, x < n (≥ 1 each; unzipRowsGeneric is the definition): the
// parity planes of a stride-2 im2col, a whole window of rows in one call.
// Per row, 8 pairs at a time: Y0, Y1 = 16 floats of src; VSHUFPS picks the
// even (0x88) and odd (0xdd) elements within each 128-bit lane, VPERMPD puts
// the 64-bit pieces in order; then 4 pairs in XMM, where VSHUFPS alone
// does; then one pair at a time.
// DI, R8, SI: row r of even, odd and src; R9, R10: ld and lds in bytes;
// BX: rows left; CX: pairs left in the row; AX, DX, R11: the row's cursors.
TEXT ·unzipRowsAVX2(SB), NOSPLIT, $0-104
	MOVQ even_base+0(FP), DI
	MOVQ odd_base+24(FP), R8
	MOVQ ld+48(FP), R9
	SHLQ $2, R9
	MOVQ src_base+56(FP), SI
	MOVQ lds+80(FP), R10
	SHLQ $2, R10
	MOVQ rows+88(FP), BX

unziprow:
	MOVQ n+96(FP), CX
	MOVQ DI, AX
	MOVQ R8, DX
	MOVQ SI, R11

unzip8:
	CMPQ    CX, $8
	JL      unzip4
	VMOVUPS (R11), Y0              // s0 … s7
	VMOVUPS 32(R11), Y1            // s8 … s15
	VSHUFPS $0x88, Y1, Y0, Y2      // s0 s2 s8 s10 | s4 s6 s12 s14
	VSHUFPS $0xdd, Y1, Y0, Y3      // s1 s3 s9 s11 | s5 s7 s13 s15
	VPERMPD $0xd8, Y2, Y2          // s0 s2 s4 s6 s8 s10 s12 s14
	VPERMPD $0xd8, Y3, Y3          // s1 s3 s5 s7 s9 s11 s13 s15
	VMOVUPS Y2, (AX)
	VMOVUPS Y3, (DX)
	ADDQ    $64, R11
	ADDQ    $32, AX
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     unzip8

unzip4:
	CMPQ    CX, $4
	JL      unzip1
	VMOVUPS (R11), X0              // s0 … s3
	VMOVUPS 16(R11), X1            // s4 … s7
	VSHUFPS $0x88, X1, X0, X2      // s0 s2 s4 s6
	VSHUFPS $0xdd, X1, X0, X3      // s1 s3 s5 s7
	VMOVUPS X2, (AX)
	VMOVUPS X3, (DX)
	ADDQ    $32, R11
	ADDQ    $16, AX
	ADDQ    $16, DX
	SUBQ    $4, CX

unzip1:
	TESTQ CX, CX
	JZ    unzipnext
	MOVL  (R11), R12
	MOVL  R12, (AX)
	MOVL  4(R11), R12
	MOVL  R12, (DX)
	ADDQ  $8, R11
	ADDQ  $4, AX
	ADDQ  $4, DX
	DECQ  CX
	JMP   unzip1

unzipnext:
	ADDQ R9, DI
	ADDQ R9, R8
	ADDQ R10, SI
	DECQ BX
	JNZ  unziprow
	VZEROUPPER
	RET

// func zipAddRowsAVX2(dst []float32, ldd int, even, odd []float32, ld, rows, n int)
// Requires: AVX, AVX2
//
// dst[r·ldd + 2x] += even[r·ld + x], dst[r·ldd + 2x + 1] += odd[r·ld + x]
// for r < rows, x < n (≥ 1 each; zipAddRowsGeneric is the definition), the
// adjoint of unzipRowsAVX2: each row of dst is read and written once.
// Per row, 8 pairs at a time: Y0 = even, Y1 = odd; VUNPCKLPS/VUNPCKHPS
// interleave them within 128-bit lanes, VPERM2F128 puts the lanes in order;
// then 4 pairs in XMM; then one pair at a time.
// DI, SI, R8: row r of dst, even and odd; R9, R10: ldd and ld in bytes;
// BX: rows left; CX: pairs left in the row; AX, DX, R11: the row's cursors.
TEXT ·zipAddRowsAVX2(SB), NOSPLIT, $0-104
	MOVQ dst_base+0(FP), DI
	MOVQ ldd+24(FP), R9
	SHLQ $2, R9
	MOVQ even_base+32(FP), SI
	MOVQ odd_base+56(FP), R8
	MOVQ ld+80(FP), R10
	SHLQ $2, R10
	MOVQ rows+88(FP), BX

ziprow:
	MOVQ n+96(FP), CX
	MOVQ DI, R11
	MOVQ SI, AX
	MOVQ R8, DX

zip8:
	CMPQ       CX, $8
	JL         zip4
	VMOVUPS    (AX), Y0            // e0 … e7
	VMOVUPS    (DX), Y1            // o0 … o7
	VUNPCKLPS  Y1, Y0, Y2          // e0 o0 e1 o1 | e4 o4 e5 o5
	VUNPCKHPS  Y1, Y0, Y3          // e2 o2 e3 o3 | e6 o6 e7 o7
	VPERM2F128 $0x20, Y3, Y2, Y4   // e0 o0 … e3 o3
	VPERM2F128 $0x31, Y3, Y2, Y5   // e4 o4 … e7 o7
	VADDPS     (R11), Y4, Y4
	VADDPS     32(R11), Y5, Y5
	VMOVUPS    Y4, (R11)
	VMOVUPS    Y5, 32(R11)
	ADDQ       $64, R11
	ADDQ       $32, AX
	ADDQ       $32, DX
	SUBQ       $8, CX
	JMP        zip8

zip4:
	CMPQ      CX, $4
	JL        zip1
	VMOVUPS   (AX), X0             // e0 … e3
	VMOVUPS   (DX), X1             // o0 … o3
	VUNPCKLPS X1, X0, X2           // e0 o0 e1 o1
	VUNPCKHPS X1, X0, X3           // e2 o2 e3 o3
	VADDPS    (R11), X2, X2
	VADDPS    16(R11), X3, X3
	VMOVUPS   X2, (R11)
	VMOVUPS   X3, 16(R11)
	ADDQ      $32, R11
	ADDQ      $16, AX
	ADDQ      $16, DX
	SUBQ      $4, CX

zip1:
	TESTQ CX, CX
	JZ    zipnext
	VMOVSS (R11), X0
	VADDSS (AX), X0, X0
	VMOVSS X0, (R11)
	VMOVSS 4(R11), X1
	VADDSS (DX), X1, X1
	VMOVSS X1, 4(R11)
	ADDQ  $8, R11
	ADDQ  $4, AX
	ADDQ  $4, DX
	DECQ  CX
	JMP   zip1

zipnext:
	ADDQ R9, DI
	ADDQ R10, SI
	ADDQ R10, R8
	DECQ BX
	JNZ  ziprow
	VZEROUPPER
	RET
