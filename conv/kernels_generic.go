package conv

// This file holds the pure-Go elementwise kernels. It has no build tag, so
// it is compiled everywhere: it is the definition the assembly kernels in
// conv_amd64.s and conv_arm64.s are tested against, and the code of
// -tags purego builds. Callers have checked the lengths: every slice
// argument is at least as long as dst (or x for the reductions).

// kernels is one implementation of every elementwise kernel, for one ISA.
type kernels struct {
	name        string
	available   bool // the CPU has every feature the kernels use
	affine      func(dst, src []float32, a, b float32)
	affineLeaky func(dst, src []float32, a, b float32)
	leakyGrad   func(dst, dy, y []float32)
	addTo       func(dst, src []float32)
	sum         func(x []float32) float32
	sumSqDev    func(x []float32, m float32) float32
	dotDev      func(x, y []float32, m float32) float32
	bnGrad      func(dst, dy, x []float32, a, b, c float32)
	gather2     func(dst, src []float32)
	scatterAdd2 func(dst, src []float32)
	unzipRows   func(even, odd []float32, ld int, src []float32, lds, rows, n int)
	zipAddRows  func(dst []float32, ldd int, even, odd []float32, ld, rows, n int)
	prefetch    func(p []float32) // a hint: no effect on memory
	leakySums   func(g, y []float32, beta float32) (sg, sgp float32)
	pool2Grad   func(d0, d1, r0, r1, dy []float32)
	winoInRow   func(v []float32, sv int, eo []float32, l, tw int)
	winoOutRow  func(r0, r1, m []float32, sm, tw int)
}

var genericKernels = kernels{
	name: "Generic", available: true,
	affine: affineGeneric, affineLeaky: affineLeakyGeneric, leakyGrad: leakyGradGeneric,
	addTo: addToGeneric, sum: sumGeneric, sumSqDev: sumSqDevGeneric, dotDev: dotDevGeneric,
	bnGrad: bnGradGeneric, gather2: gather2Generic, scatterAdd2: scatterAdd2Generic,
	unzipRows: unzipRowsGeneric, zipAddRows: zipAddRowsGeneric, prefetch: prefetchGeneric,
	leakySums: leakySumsGeneric, pool2Grad: pool2GradGeneric,
	winoInRow: winoInRowGeneric, winoOutRow: winoOutRowGeneric,
}

// impl is the best available entry of the dispatch table, fixed at init.
var impl = func() kernels {
	for _, k := range kernelTable {
		if k.available {
			return k
		}
	}
	return genericKernels
}()

// KernelName names the elementwise kernels in use ("AVX2", "NEON", "Generic").
func KernelName() string { return impl.name }

func affine(dst, src []float32, a, b float32)      { impl.affine(dst, src, a, b) }
func affineLeaky(dst, src []float32, a, b float32) { impl.affineLeaky(dst, src, a, b) }
func leakyGrad(dst, dy, y []float32)               { impl.leakyGrad(dst, dy, y) }
func addTo(dst, src []float32)                     { impl.addTo(dst, src) }
func sum(x []float32) float32                      { return impl.sum(x) }
func sumSqDev(x []float32, m float32) float32      { return impl.sumSqDev(x, m) }
func dotDev(x, y []float32, m float32) float32     { return impl.dotDev(x, y, m) }
func bnGrad(dst, dy, x []float32, a, b, c float32) { impl.bnGrad(dst, dy, x, a, b, c) }
func gather2(dst, src []float32)                   { impl.gather2(dst, src) }
func scatterAdd2(dst, src []float32)               { impl.scatterAdd2(dst, src) }
func prefetch(p []float32)                         { impl.prefetch(p) }

// unzipRows splits rows of src into their even and odd elements (see
// unzipRowsGeneric). The kernels do not check bounds, so it does, once.
func unzipRows(even, odd []float32, ld int, src []float32, lds, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	_, _, _ = even[(rows-1)*ld+n-1], odd[(rows-1)*ld+n-1], src[(rows-1)*lds+2*n-1]
	impl.unzipRows(even, odd, ld, src, lds, rows, n)
}

// zipAddRows adds the even and odd columns back into rows of dst, the
// adjoint of unzipRows (see zipAddRowsGeneric), bounds checked once.
func zipAddRows(dst []float32, ldd int, even, odd []float32, ld, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	_, _, _ = dst[(rows-1)*ldd+2*n-1], even[(rows-1)*ld+n-1], odd[(rows-1)*ld+n-1]
	impl.zipAddRows(dst, ldd, even, odd, ld, rows, n)
}
func leakySums(g, y []float32, beta float32) (sg, sgp float32) {
	return impl.leakySums(g, y, beta)
}
func pool2Grad(d0, d1, r0, r1, dy []float32) { impl.pool2Grad(d0, d1, r0, r1, dy) }
func winoInRow(v []float32, sv int, eo []float32, l, tw int) {
	impl.winoInRow(v, sv, eo, l, tw)
}
func winoOutRow(r0, r1, m []float32, sm, tw int) { impl.winoOutRow(r0, r1, m, sm, tw) }

// affineGeneric is: for i := range dst { dst[i] = a*src[i] + b }.
// dst and src may be the same slice.
func affineGeneric(dst, src []float32, a, b float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = a*v + b
	}
}

// affineLeakyGeneric is: for i := range dst { v := a*src[i] + b; dst[i] = max(v, 0.1*v) },
// i.e. LeakyReLU(0.1) of an affine map (v for v ≥ 0, 0.1·v otherwise).
// dst and src may be the same slice.
func affineLeakyGeneric(dst, src []float32, a, b float32) {
	src = src[:len(dst)]
	for i, v := range src {
		v = a*v + b
		dst[i] = max(v, LeakySlope*v)
	}
}

// leakyGradGeneric is: for i := range dst { if y[i] > 0 { dst[i] = dy[i] } else { dst[i] = 0.1*dy[i] } },
// the gradient through LeakyReLU(0.1) given its output y (y > 0 exactly when
// the input is > 0). dst and dy may be the same slice.
func leakyGradGeneric(dst, dy, y []float32) {
	dy, y = dy[:len(dst)], y[:len(dst)]
	for i, g := range dy {
		if y[i] > 0 {
			dst[i] = g
		} else {
			dst[i] = LeakySlope * g
		}
	}
}

// addToGeneric is: for i := range dst { dst[i] += src[i] }.
func addToGeneric(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// sumGeneric is: for _, v := range x { s += v }; return s.
// (It accumulates in float64; the assembly uses several float32 lanes.)
func sumGeneric(x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return float32(s)
}

// sumSqDevGeneric is: for _, v := range x { s += (v-m)*(v-m) }; return s.
func sumSqDevGeneric(x []float32, m float32) float32 {
	var s float64
	for _, v := range x {
		d := float64(v - m)
		s += d * d
	}
	return float32(s)
}

// dotDevGeneric is: for i := range x { s += x[i]*(y[i]-m) }; return s.
func dotDevGeneric(x, y []float32, m float32) float32 {
	y = y[:len(x)]
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i]-m)
	}
	return float32(s)
}

// bnGradGeneric is: for i := range dst { dst[i] += a*dy[i] + b*x[i] + c },
// the batch-norm input gradient once its per-channel sums are known.
func bnGradGeneric(dst, dy, x []float32, a, b, c float32) {
	dy, x = dy[:len(dst)], x[:len(dst)]
	for i := range dst {
		dst[i] += a*dy[i] + b*x[i] + c
	}
}

// prefetchGeneric is the definition of prefetch: a hint that p will be
// read soon, which Go cannot express, so nothing. The assembly twins touch
// each cache line of p with a prefetch instruction, which changes no memory.
func prefetchGeneric(p []float32) {}

// gather2Generic is: for i := range dst { dst[i] = src[2*i] }, the stride-2
// row copy of im2col. len(src) ≥ 2·len(dst) − 1.
func gather2Generic(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	src = src[:2*len(dst)-1]
	for i := range dst {
		dst[i] = src[2*i]
	}
}

// unzipRowsGeneric is the definition of unzipRows: rows rows of n pairs,
// row r of src at r·lds and of even and odd at r·ld,
//
//	even[r·ld + x] = src[r·lds + 2x],  odd[r·ld + x] = src[r·lds + 2x + 1]   for r < rows, x < n
//
// the two parity planes of a stride-2 im2col, one input row at a time.
func unzipRowsGeneric(even, odd []float32, ld int, src []float32, lds, rows, n int) {
	for r := range rows {
		s := src[r*lds : r*lds+2*n]
		e, o := even[r*ld:r*ld+n], odd[r*ld:r*ld+n]
		for x := range e {
			e[x], o[x] = s[2*x], s[2*x+1]
		}
	}
}

// zipAddRowsGeneric is the definition of zipAddRows, the adjoint of
// unzipRows: rows rows of n pairs,
//
//	dst[r·ldd + 2x] += even[r·ld + x],  dst[r·ldd + 2x + 1] += odd[r·ld + x]   for r < rows, x < n
//
// one addition per element of dst: the stride-2 col2im's parity planes
// going back into the rows of dX.
func zipAddRowsGeneric(dst []float32, ldd int, even, odd []float32, ld, rows, n int) {
	for r := range rows {
		d := dst[r*ldd : r*ldd+2*n]
		e, o := even[r*ld:r*ld+n], odd[r*ld:r*ld+n]
		for x := range e {
			d[2*x] += e[x]
			d[2*x+1] += o[x]
		}
	}
}

// scatterAdd2Generic is: for i := range src { dst[2*i] += src[i] }, the
// stride-2 row update of col2im. len(dst) ≥ 2·len(src) − 1.
func scatterAdd2Generic(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	dst = dst[:2*len(src)-1]
	for i, v := range src {
		dst[2*i] += v
	}
}

// leakySumsGeneric is the first pass of the in-place batch-norm backward
// through LeakyReLU(0.1): given the output y and its gradient g, it turns
// g into the gradient before the activation and y into the pre-activation,
// and returns two sums of the results:
//
//	for i := range g {
//		if y[i] > 0 { /* unchanged */ } else { g[i] *= 0.1; y[i] *= 10 }
//		sg += g[i]; sgp += g[i]*(y[i]-beta)
//	}
//
// len(y) ≥ len(g).
func leakySumsGeneric(g, y []float32, beta float32) (sg, sgp float32) {
	y = y[:len(g)]
	var s, p float64
	for i, v := range g {
		z := y[i]
		if z <= 0 {
			v, z = LeakySlope*v, z*(1/LeakySlope)
			g[i], y[i] = v, z
		}
		s += float64(v)
		p += float64(v) * float64(z-beta)
	}
	return float32(s), float32(p)
}

// pool2GradGeneric is the backward pass of one row of 2×2 stride-2 max-pool
// windows: window i holds a = r0[2i], b = r0[2i+1] (top row) and
// c = r1[2i], d = r1[2i+1] (bottom row), and dy[i] goes to its first
// maximum in the order a, b, c, d:
//
//	a if a ≥ b, c, d;  b if b > a, b ≥ c, d;  c if c > a, b, c ≥ d;  d if d > a, b, c
//
// that is d0[2i] += (dy[i] if a is picked, else 0), likewise d0[2i+1] for
// b, d1[2i] for c and d1[2i+1] for d. At most one cell is picked (none
// when a comparison meets a NaN). r0, r1, d0 and d1 hold at least
// 2·len(dy) floats.
func pool2GradGeneric(d0, d1, r0, r1, dy []float32) {
	n := 2 * len(dy)
	d0, d1, r0, r1 = d0[:n], d1[:n], r0[:n], r1[:n]
	for i, g := range dy {
		a, b, c, d := r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]
		var ga, gb, gc, gd float32
		if a >= b && a >= c && a >= d {
			ga = g
		}
		if b > a && b >= c && b >= d {
			gb = g
		}
		if c > a && c > b && c >= d {
			gc = g
		}
		if d > a && d > b && d > c {
			gd = g
		}
		d0[2*i] += ga
		d0[2*i+1] += gb
		d1[2*i] += gc
		d1[2*i+1] += gd
	}
}

// winoInRowGeneric is the Winograd F(2×2, 3×3) input transform Bᵀ d B of
// one row of tw tiles. The four rows of the tiles' 4×4 patches come split
// into even and odd (padded) columns, each array L ≥ tw+1 long:
//
//	eo[r·2L + j] = d_r[2j],   eo[r·2L + L + j] = d_r[2j+1]   (r = 0 … 3)
//
// so tile t reads d_r[2t … 2t+3] = E_r[t], O_r[t], E_r[t+1], O_r[t+1]. Its
// 16 values go to v[ξ·sv + t], ξ = 4·row + column of the 4×4 result.
func winoInRowGeneric(v []float32, sv int, eo []float32, l, tw int) {
	for t := range tw {
		var rows [4][4]float32 // d·B, row by row
		for r := range rows {
			e, o := eo[r*2*l:], eo[r*2*l+l:]
			rows[r] = [4]float32{e[t] - e[t+1], o[t] + e[t+1], e[t+1] - o[t], o[t] - o[t+1]}
		}
		a, b, c, d := &rows[0], &rows[1], &rows[2], &rows[3]
		for col := range 4 { // Bᵀ·(d·B), column by column
			v[col*sv+t] = a[col] - c[col]
			v[(4+col)*sv+t] = b[col] + c[col]
			v[(8+col)*sv+t] = c[col] - b[col]
			v[(12+col)*sv+t] = b[col] - d[col]
		}
	}
}

// winoOutRowGeneric is the Winograd F(2×2, 3×3) output transform Aᵀ m A of
// one row of tw tiles: with tile t's 16 products at m[ξ·sm + t], its 2×2
// outputs go to r0[2t], r0[2t+1] (the upper output row) and r1[2t],
// r1[2t+1] (the lower one).
func winoOutRowGeneric(r0, r1, m []float32, sm, tw int) {
	for t := range tw {
		var s [4][2]float32 // m·A, row by row: (m0 + m1 + m2, m1 − m2 − m3)
		for r := range s {
			m0, m1, m2, m3 := m[4*r*sm+t], m[(4*r+1)*sm+t], m[(4*r+2)*sm+t], m[(4*r+3)*sm+t]
			s[r] = [2]float32{m0 + m1 + m2, m1 - m2 - m3}
		}
		for c := range 2 { // Aᵀ·(m·A): (a + b + c, b − c − e)
			r0[2*t+c] = s[0][c] + s[1][c] + s[2][c]
			r1[2*t+c] = s[1][c] - s[2][c] - s[3][c]
		}
	}
}
