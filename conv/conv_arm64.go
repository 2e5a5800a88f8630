//go:build !purego

package conv

import "golang.org/x/sys/cpu"

// kernelTable is the dispatch table, best first. The NEON kernels are
// implemented in conv_arm64.s; their definitions are the Generic twins in
// kernels_generic.go, with identical semantics.
var kernelTable = []kernels{{
	name: "NEON", available: cpu.ARM64.HasASIMD,
	affine: affineNEON, affineLeaky: affineLeakyNEON, leakyGrad: leakyGradNEON,
	addTo: addToNEON, sum: sumNEON, sumSqDev: sumSqDevNEON, dotDev: dotDevNEON,
	bnGrad: bnGradNEON, gather2: gather2NEON, scatterAdd2: scatterAdd2NEON,
	unzipRows: unzipRowsNEON, zipAddRows: zipAddRowsNEON, prefetch: prefetchNEON,
	leakySums: leakySumsNEON, pool2Grad: pool2GradNEON,
	winoInRow: winoInRowNEON, winoOutRow: winoOutRowNEON,
}, genericKernels}

// affineNEON is affineGeneric: for i := range dst { dst[i] = a*src[i] + b }.
//
//go:noescape
func affineNEON(dst, src []float32, a, b float32)

// affineLeakyNEON is affineLeakyGeneric: for i := range dst { v := a*src[i] + b; dst[i] = max(v, 0.1*v) }.
//
//go:noescape
func affineLeakyNEON(dst, src []float32, a, b float32)

// leakyGradNEON is leakyGradGeneric: dst[i] = dy[i] if y[i] > 0, else 0.1*dy[i].
//
//go:noescape
func leakyGradNEON(dst, dy, y []float32)

// addToNEON is addToGeneric: for i := range dst { dst[i] += src[i] }.
//
//go:noescape
func addToNEON(dst, src []float32)

// sumNEON is sumGeneric: for _, v := range x { s += v }; return s.
//
//go:noescape
func sumNEON(x []float32) float32

// sumSqDevNEON is sumSqDevGeneric: for _, v := range x { s += (v-m)*(v-m) }; return s.
//
//go:noescape
func sumSqDevNEON(x []float32, m float32) float32

// dotDevNEON is dotDevGeneric: for i := range x { s += x[i]*(y[i]-m) }; return s.
//
//go:noescape
func dotDevNEON(x, y []float32, m float32) float32

// bnGradNEON is bnGradGeneric: for i := range dst { dst[i] += a*dy[i] + b*x[i] + c }.
//
//go:noescape
func bnGradNEON(dst, dy, x []float32, a, b, c float32)

// prefetchNEON is prefetchGeneric: PRFM PLDL1KEEP on each cache line of p.
//
//go:noescape
func prefetchNEON(p []float32)

// gather2NEON is gather2Generic: for i := range dst { dst[i] = src[2*i] }.
//
//go:noescape
func gather2NEON(dst, src []float32)

// zipAddRowsNEON is zipAddRowsGeneric: dst[r·ldd+2x] += even[r·ld+x],
// dst[r·ldd+2x+1] += odd[r·ld+x].
//
//go:noescape
func zipAddRowsNEON(dst []float32, ldd int, even, odd []float32, ld, rows, n int)

// unzipRowsNEON is unzipRowsGeneric: even[r·ld+x] = src[r·lds+2x],
// odd[r·ld+x] = src[r·lds+2x+1].
//
//go:noescape
func unzipRowsNEON(even, odd []float32, ld int, src []float32, lds, rows, n int)

// scatterAdd2NEON is scatterAdd2Generic: for i := range src { dst[2*i] += src[i] }.
//
//go:noescape
func scatterAdd2NEON(dst, src []float32)

// leakySumsNEON is leakySumsGeneric: where y[i] ≤ 0, g[i] *= 0.1 and y[i] *= 10;
// then sg = Σ g[i] and sgp = Σ g[i]*(y[i]-beta).
//
//go:noescape
func leakySumsNEON(g, y []float32, beta float32) (sg, sgp float32)

// pool2GradNEON is pool2GradGeneric: dy[i] goes to the first maximum of
// window i, cells r0[2i], r0[2i+1], r1[2i], r1[2i+1], in d0 and d1.
//
//go:noescape
func pool2GradNEON(d0, d1, r0, r1, dy []float32)

// winoInRowNEON is winoInRowGeneric: the F(2×2, 3×3) input transform of
// one row of tiles.
//
//go:noescape
func winoInRowNEON(v []float32, sv int, eo []float32, l, tw int)

// winoOutRowNEON is winoOutRowGeneric: the F(2×2, 3×3) output transform of
// one row of tiles.
//
//go:noescape
func winoOutRowNEON(r0, r1, m []float32, sm, tw int)
