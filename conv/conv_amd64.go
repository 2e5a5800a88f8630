//go:build !purego

package conv

import "golang.org/x/sys/cpu"

// kernelTable is the dispatch table, best first. The AVX kernels are
// implemented in conv_amd64.s; their definitions are the Generic twins in
// kernels_generic.go, with identical semantics.
var kernelTable = []kernels{{
	name: "AVX2", available: cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA,
	affine: affineAVX, affineLeaky: affineLeakyAVX, leakyGrad: leakyGradAVX,
	addTo: addToAVX, sum: sumAVX, sumSqDev: sumSqDevAVX, dotDev: dotDevAVX,
	bnGrad: bnGradAVX, gather2: gather2AVX2, scatterAdd2: scatterAdd2AVX2,
	unzipRows: unzipRowsAVX2, zipAddRows: zipAddRowsAVX2, prefetch: prefetchAVX,
	leakySums: leakySumsAVX2, pool2Grad: pool2GradAVX2,
	winoInRow: winoInRowAVX2, winoOutRow: winoOutRowAVX2,
}, genericKernels}

// affineAVX is affineGeneric: for i := range dst { dst[i] = a*src[i] + b }.
//
//go:noescape
func affineAVX(dst, src []float32, a, b float32)

// affineLeakyAVX is affineLeakyGeneric: for i := range dst { v := a*src[i] + b; dst[i] = max(v, 0.1*v) }.
//
//go:noescape
func affineLeakyAVX(dst, src []float32, a, b float32)

// leakyGradAVX is leakyGradGeneric: dst[i] = dy[i] if y[i] > 0, else 0.1*dy[i].
//
//go:noescape
func leakyGradAVX(dst, dy, y []float32)

// addToAVX is addToGeneric: for i := range dst { dst[i] += src[i] }.
//
//go:noescape
func addToAVX(dst, src []float32)

// sumAVX is sumGeneric: for _, v := range x { s += v }; return s.
//
//go:noescape
func sumAVX(x []float32) float32

// sumSqDevAVX is sumSqDevGeneric: for _, v := range x { s += (v-m)*(v-m) }; return s.
//
//go:noescape
func sumSqDevAVX(x []float32, m float32) float32

// dotDevAVX is dotDevGeneric: for i := range x { s += x[i]*(y[i]-m) }; return s.
//
//go:noescape
func dotDevAVX(x, y []float32, m float32) float32

// bnGradAVX is bnGradGeneric: for i := range dst { dst[i] += a*dy[i] + b*x[i] + c }.
//
//go:noescape
func bnGradAVX(dst, dy, x []float32, a, b, c float32)

// prefetchAVX is prefetchGeneric: PREFETCHT0 on each cache line of p.
//
//go:noescape
func prefetchAVX(p []float32)

// gather2AVX2 is gather2Generic: for i := range dst { dst[i] = src[2*i] }.
//
//go:noescape
func gather2AVX2(dst, src []float32)

// scatterAdd2AVX2 is scatterAdd2Generic: for i := range src { dst[2*i] += src[i] }.
//
//go:noescape
func scatterAdd2AVX2(dst, src []float32)

// zipAddRowsAVX2 is zipAddRowsGeneric: dst[r·ldd+2x] += even[r·ld+x],
// dst[r·ldd+2x+1] += odd[r·ld+x].
//
//go:noescape
func zipAddRowsAVX2(dst []float32, ldd int, even, odd []float32, ld, rows, n int)

// unzipRowsAVX2 is unzipRowsGeneric: even[r·ld+x] = src[r·lds+2x],
// odd[r·ld+x] = src[r·lds+2x+1].
//
//go:noescape
func unzipRowsAVX2(even, odd []float32, ld int, src []float32, lds, rows, n int)

// leakySumsAVX2 is leakySumsGeneric: where y[i] ≤ 0, g[i] *= 0.1 and y[i] *= 10;
// then sg = Σ g[i] and sgp = Σ g[i]*(y[i]-beta).
//
//go:noescape
func leakySumsAVX2(g, y []float32, beta float32) (sg, sgp float32)

// pool2GradAVX2 is pool2GradGeneric: dy[i] goes to the first maximum of
// window i, cells r0[2i], r0[2i+1], r1[2i], r1[2i+1], in d0 and d1.
//
//go:noescape
func pool2GradAVX2(d0, d1, r0, r1, dy []float32)

// winoInRowAVX2 is winoInRowGeneric: eight tiles at a time in assembly,
// a remainder by one more block of eight ending at the last tile (tiles
// are independent, so recomputing a few is harmless), fewer than eight in
// Go.
func winoInRowAVX2(v []float32, sv int, eo []float32, l, tw int) {
	if tw < 8 {
		winoInRowGeneric(v, sv, eo, l, tw)
		return
	}
	_, _ = v[15*sv+tw-1], eo[7*l+tw] // the kernel's last reads and writes
	n8 := tw &^ 7
	winoInRow8AVX2(&v[0], sv, &eo[0], l, n8)
	if n8 < tw {
		winoInRow8AVX2(&v[tw-8], sv, &eo[tw-8], l, 8)
	}
}

// winoInRow8AVX2 is winoInRowGeneric for n tiles, n a multiple of 8, on
// raw pointers (checked by the caller).
//
//go:noescape
func winoInRow8AVX2(v *float32, sv int, eo *float32, l, n int)

// winoOutRowAVX2 is winoOutRowGeneric, cut as winoInRowAVX2.
func winoOutRowAVX2(r0, r1, m []float32, sm, tw int) {
	if tw < 8 {
		winoOutRowGeneric(r0, r1, m, sm, tw)
		return
	}
	_, _, _ = r0[2*tw-1], r1[2*tw-1], m[15*sm+tw-1]
	n8 := tw &^ 7
	winoOutRow8AVX2(&r0[0], &r1[0], &m[0], sm, n8)
	if n8 < tw {
		winoOutRow8AVX2(&r0[2*(tw-8)], &r1[2*(tw-8)], &m[tw-8], sm, 8)
	}
}

// winoOutRow8AVX2 is winoOutRowGeneric for n tiles, n a multiple of 8, on
// raw pointers (checked by the caller).
//
//go:noescape
func winoOutRow8AVX2(r0, r1, m *float32, sm, n int)
