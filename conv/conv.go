package conv

import (
	"math"

	"darkgo/mat"
)

// Panic messages for programming errors (shape mismatches); data errors do
// not reach this package.
const (
	errShape   = "conv: tensor shape does not match the layer"
	errStride  = "conv: stride and kernel size must be positive, padding non-negative"
	errKernel  = "conv: weights must be [Cout, Cin, k, k] with Cin matching x"
	errNoSpace = "conv: output would be empty"
)

// OutSize is the output side of a convolution with darknet padding:
// (in + 2·pad − k)/stride + 1.
func OutSize(in, k, stride, pad int) int { return (in+2*pad-k)/stride + 1 }

// geom is the validated geometry of one convolution.
type geom struct {
	n, cin, h, w, cout, k, s, p, ho, wo int
	minTiles                            int // forward: cut each image into at least this many tiles
}

// direct reports whether col would equal x (1×1, stride 1, no padding).
func (g geom) direct() bool { return g.k == 1 && g.s == 1 && g.p == 0 }

func checkConv(y, x, w *mat.Tensor, stride, pad int) geom {
	if len(x.Shape) != 4 || len(w.Shape) != 4 || w.Shape[2] != w.Shape[3] || w.Shape[1] != x.Shape[1] {
		panic(errKernel)
	}
	k := w.Shape[2]
	if stride < 1 || k < 1 || pad < 0 {
		panic(errStride)
	}
	g := geom{n: x.Shape[0], cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3], cout: w.Shape[0], k: k, s: stride, p: pad}
	if g.h+2*pad < k || g.w+2*pad < k {
		panic(errNoSpace)
	}
	g.ho, g.wo = OutSize(g.h, k, stride, pad), OutSize(g.w, k, stride, pad)
	if y != nil && !hasShape(y, g.n, g.cout, g.ho, g.wo) {
		panic(errShape)
	}
	return g
}

func hasShape(t *mat.Tensor, shape ...int) bool {
	if len(t.Shape) != len(shape) {
		return false
	}
	size := 1
	for i, d := range shape {
		if t.Shape[i] != d {
			return false
		}
		size *= d
	}
	return len(t.Data) == size // (not mat.Size: its panic path makes shape escape)
}

// Conv2DForward computes y = conv(x, w) without bias, overwriting y:
//
//	x [N, Cin, H, W], w [Cout, Cin, k, k], y [N, Cout, Ho, Wo]
//	for each image: y[Cout, HW] = W[Cout, Cin·k·k] · col[Cin·k·k, HW]
//
// with Ho = (H + 2·pad − k)/stride + 1 (darknet padding; pad = k/2 is
// "same"). It panics if the shapes do not fit.
func Conv2DForward(ws *Workspace, y, x, w *mat.Tensor, stride, pad int) {
	g := checkConv(y, x, w, stride, pad)
	g.forward(ws, y.Data, x.Data, w.Data, epilogue{})
}

// epilogue is the bias, activation and residual Conv2DInfer applies to each
// tile of y right after its GEMM, while the tile is still in cache.
type epilogue struct {
	on   bool
	bias []float32 // [Cout], or nil
	act  Activation
	res  []float32 // [N, Cout, Ho, Wo] added after the activation, or nil
}

// apply runs the epilogue over columns [p0, p1) of image n's y[Cout, HW]
// (y is that image's slice).
func (e *epilogue) apply(y []float32, n, cout, hw, p0, p1 int) {
	if !e.on {
		return
	}
	for co := range cout {
		e.applyRow(y[co*hw+p0:co*hw+p1], n, co, cout, hw, p0)
	}
}

// applyRow runs the epilogue over row, the pixels [p0, p0 + len(row)) of
// channel co of image n.
func (e *epilogue) applyRow(row []float32, n, co, cout, hw, p0 int) {
	var b float32
	if e.bias != nil {
		b = e.bias[co]
	}
	switch {
	case e.act == Leaky:
		affineLeaky(row, row, 1, b)
	case b != 0:
		affine(row, row, 1, b)
	}
	if e.res != nil {
		off := (n*cout+co)*hw + p0
		addTo(row, e.res[off:off+len(row)])
	}
}

// tiling returns the tile width and the number of tiles per image of the
// forward pass.
func (g geom) tiling(epi epilogue) (nb, tiles int) {
	hw := g.ho * g.wo
	nb = g.tile()
	if g.direct() && !epi.on {
		nb = hw // nothing to keep in cache: one GEMM per image
	}
	if t := (hw + nb - 1) / nb; t < g.minTiles {
		nb = ((hw+g.minTiles-1)/g.minTiles + 15) &^ 15
	}
	return nb, (hw + nb - 1) / nb
}

func (g geom) forward(ws *Workspace, y, x, w []float32, epi epilogue) {
	_, tiles := g.tiling(epi)
	items := g.n * tiles
	// Tiles that do not divide among the workers are cut finer so that each
	// worker takes as many: 3 tiles for 2 workers would fall back to the
	// all-worker GEMM tile by tile, and 11 would keep one worker idle for a
	// twelfth of the pass. (A single tile stays whole: the all-worker GEMM
	// then splits W's rows, where the crew would have each worker read all
	// of W.) Tiles do not change the bits: every output column is computed
	// the same way whichever tile it is in.
	if p := len(ws.crew.members); p > 1 && items > 1 && items%p != 0 {
		g.minTiles = (items + p - 1) / p * p / g.n
		for g.n*g.minTiles%p != 0 {
			g.minTiles++
		}
		_, tiles = g.tiling(epi)
		items = g.n * tiles
	}
	if p := ws.crew.parts(items); p > 1 {
		ws.crew.spread(job{kind: forwardJob, g: g, y: y, x: x, w: w, epi: epi}, items, p)
		return
	}
	g.forwardTiles(ws.crew, ws.crew.members[0], ws.gemm, y, x, w, epi, 0, items)
}

// forwardTiles computes the (image, tile) pairs [i0, i1) of y with gemm and
// m's col buffer. With a crew c, each tile's im2col is split among it, and
// so is its GEMM by rows where rowsOnCrew says so (gemm is then the
// all-worker one); with c nil it runs on this goroutine.
func (g geom) forwardTiles(c *crew, m *member, gemm *mat.Gemm, y, x, w []float32, epi epilogue, i0, i1 int) {
	ckk, hw := g.cin*g.k*g.k, g.ho*g.wo
	xs, ys := g.cin*g.h*g.w, g.cout*hw
	nb, tiles := g.tiling(epi)
	for it := i0; it < i1; it++ {
		n, p0 := it/tiles, it%tiles*nb
		p1 := min(p0+nb, hw)
		xn, yn := x[n*xs:(n+1)*xs], y[n*ys:(n+1)*ys]
		col, ldb := xn[p0:], hw // 1×1 stride 1: col[Cin, HW] is x itself
		if !g.direct() {
			ldb = colLd(p1 - p0)
			col = m.colBuf(ckk * ldb)
			g.fillCol(c, m, col, xn, p0, p1)
		}
		// y[Cout, p0:p1] = W[Cout, Cin·k·k] · col[Cin·k·k, p0:p1], by rows
		// shared among the crew (rowsOnCrew) or on gemm.
		j := job{kind: rowsJob, g: g, y: yn[p0:], w: w, col: col, ld: ldb, p0: p0, p1: p1, epi: epi}
		if groups := (g.cout + 7) / 8; c != nil && g.rowsOnCrew(len(c.members)) {
			c.spread(j, groups, len(c.members))
		} else {
			g.forwardRows(gemm, &j, 0, groups)
		}
		epi.apply(yn, n, g.cout, hw, p0, p1)
	}
}

// forwardRows computes the output rows [8·i0, 8·i1) of job j's col tile
// with gemm:
//
//	y[r0:r1, p0:p1] = W[r0:r1, Cin·k·k] · col[Cin·k·k, p0:p1]
//
// Unless an epilogue reads the tile back, y may go past the caches.
func (g geom) forwardRows(gemm *mat.Gemm, j *job, i0, i1 int) {
	ckk, hw := g.cin*g.k*g.k, g.ho*g.wo
	r0, r1 := 8*i0, min(8*i1, g.cout)
	product := gemm.SgemmStream
	if j.epi.on {
		product = gemm.Sgemm
	}
	product(mat.NoTrans, mat.NoTrans, r1-r0, j.p1-j.p0, ckk, 1, j.w[r0*ckk:], ckk, j.col, j.ld, 0, j.y[r0*hw:], hw)
}

// rowsOnCrew reports whether the GEMM of a forward col tile that the whole
// crew works on is shared out by output rows among the crew's one-thread
// GEMMs rather than run on the all-worker GEMM. The bits are the same
// (every element of y is computed the same way in any band of rows). The
// crew's helper, watching for work since the tile's im2col, starts at once,
// where the all-worker GEMM's helper has stopped watching during the
// im2col and starts 110–210 µs late on this host (see internal/handoff). Only
// for im2col layers with at least minCrewRows output channels: each worker
// reads all of col, and a 1×1 layer's col is its whole input, which a
// split by columns reads once.
func (g geom) rowsOnCrew(workers int) bool {
	return workers > 1 && !g.direct() && g.cout >= minCrewRows
}

// minCrewRows is the least Cout for which rowsOnCrew shares the rows out.
const minCrewRows = 256

// fillCol runs im2col of pixels [p0, p1), split among crew c if not nil,
// else with m's scratch.
func (g geom) fillCol(c *crew, m *member, col, x []float32, p0, p1 int) {
	if c == nil {
		g.im2col(col, x, m.rowBuf(g.s2ScratchLen(p1-p0)), 0, g.cin, p0, p1)
		return
	}
	c.split(job{kind: im2colJob, g: g, col: col, x: x, p0: p0, p1: p1})
}

// drainCol runs col2im of pixels [p0, p1) into dx, split among crew c if
// not nil, else with m's scratch.
func (g geom) drainCol(c *crew, m *member, dx, col []float32, p0, p1 int) {
	if c == nil {
		g.col2im(dx, col, m.rowBuf(g.s2ScratchLen(p1-p0)), 0, g.cin, p0, p1)
		return
	}
	c.split(job{kind: col2imJob, g: g, col: col, x: dx, p0: p0, p1: p1})
}

// Conv2DBackward accumulates the gradients of y = conv(x, w):
//
//	dW[Cout, Cin·k·k] += dY[Cout, HW] · col[Cin·k·k, HW]ᵀ      summed over images
//	dcol[Cin·k·k, HW]  = Wᵀ · dY, then dX[Cin, H, W] += col2im(dcol)
//
// dy has y's shape, dw w's and dx x's. Both dw and dx are accumulated into,
// never overwritten; either may be nil when it is not needed (dx of the
// input image, dw of frozen weights). x and w are the forward inputs.
func Conv2DBackward(ws *Workspace, dx, dw, dy, x, w *mat.Tensor, stride, pad int) {
	g := checkConv(dy, x, w, stride, pad)
	if dx != nil && !dx.SameShape(x) || dw != nil && !dw.SameShape(w) {
		panic(errShape)
	}
	// The work is cut into units, each a run of whole col tiles of one
	// image: the image itself, or for small batches a few chunks of it, so
	// that the crew has enough units to share (bwdChunks). Each unit's dW
	// goes to its own slice of pdw; they are added into dw in unit order at
	// the end, so the sum is the same whichever worker did which unit, and
	// for any number of workers. Chunks of one image write overlapping dX
	// rows, so they run in two phases, even chunks then odd ones; chunks
	// two apart never touch the same dX pixel. A single unit adds its dW
	// into dw directly: a slot and the sum would cost a pass over dW's
	// memory (18 MB for 512→1024 3×3).
	chunks := g.bwdChunks()
	one := g.n*chunks == 1
	// (With more than two workers, one product each would leave the rest idle.)
	if one && dx != nil && dw != nil && g.sideBySide() && len(ws.crew.members) == 2 {
		ws.crew.spread(job{kind: productJob, g: g, dx: dx.Data, dw: dw.Data, dy: dy.Data, x: x.Data, w: w.Data}, 2, 2)
		return
	}
	var pdw []float32
	switch {
	case dw != nil && one:
		pdw = dw.Data
	case dw != nil:
		pdw = ws.crew.imageDW(g.n * chunks * len(dw.Data))
	}
	dxd := data(dx)
	for phase := range min(2, chunks) {
		perImage := (chunks - phase + 1) / 2 // the chunks phase, phase+2, …
		if chunks == 1 {
			perImage = 1
		}
		units := g.n * perImage
		j := job{kind: backwardJob, g: g, dx: dxd, dw: pdw, dy: dy.Data, x: x.Data, w: w.Data, chunks: chunks, phase: phase, addDW: one}
		if p := ws.crew.parts(units); p > 1 {
			ws.crew.spread(j, units, p)
		} else {
			g.backwardUnits(ws.crew, ws.crew.members[0], ws.gemm, &j, 0, units)
		}
	}
	if dw != nil && !one { // dw += Σ pdw in unit order, pieces shared among the crew
		slots := g.n * chunks
		pieces := (len(dw.Data) + l1Chunk - 1) / l1Chunk
		j := job{kind: sumJob, g: g, dw: dw.Data, dy: pdw, chunks: slots}
		if p := ws.crew.parts(pieces); p > 1 && (slots+2)*len(dw.Data) >= minSplit {
			ws.crew.spread(j, pieces, p)
		} else {
			sumImages(dw.Data, pdw, slots, 0, pieces)
		}
	}
}

// sideBySide reports whether the two backward products of one image of a
// 1×1 stride-1 convolution (dW = dY·xᵀ and dX = Wᵀ·dY, equal work) run side
// by side, one worker each, rather than one after the other on all the
// workers. Split among the workers by rows, the dW product has each of them
// pack the whole of its transposed operand; one worker per product packs
// it once. That pays for a mid-sized dW: measured at batch 1 on two workers
// (3 alternating rounds, medians, two runs), 128→64 @104 +7–8 %, 256→128
// @52 +2–5 %. A dW of at most 64×64 (64→32 @208: −10 %) is cut along its
// depth by the GEMM, which shares it well; below 2048 pixels (512→256 @26,
// 1024→512 @13: −15 %) the dW is large and shallow, and the all-worker
// GEMM shares both products well.
func (g geom) sideBySide() bool {
	return g.direct() && g.cout*g.cin >= 1<<13 && g.ho*g.wo >= 1<<11
}

// minBwdUnits is the number of units a backward pass is cut into at
// least, where the images have enough col tiles: two per worker of a
// two-worker crew. It is a constant, not the crew's size, so that the
// result does not depend on the number of workers.
const minBwdUnits = 4

// bwdChunks is the number of chunks each image's output pixels are cut into
// for the backward pass: enough for minBwdUnits units in all, each chunk at
// least bwdRows() output rows long (so that the dX rows of chunks two apart
// cannot meet). It depends on the shape alone. An image of one col tile is
// not cut (its GEMMs are then shared by all workers), nor is a 1×1 stride-1
// convolution's: its backward pass is two plain GEMMs per image, and at
// batch 1 the all-worker GEMM shares them better than the crew shares
// chunks of them (one-worker GEMMs, two phases).
func (g geom) bwdChunks() int {
	if g.direct() {
		return 1
	}
	hw, nb := g.ho*g.wo, g.tile()
	tiles := (hw + nb - 1) / nb
	if tiles == 1 {
		return 1
	}
	for c := (minBwdUnits + g.n - 1) / g.n; c > 1; c-- {
		shortest := hw
		for i := range c {
			p0, p1 := g.chunkPixels(c, i)
			shortest = min(shortest, p1-p0)
		}
		if shortest >= g.bwdRows()*g.wo {
			return c
		}
	}
	return 1
}

// bwdRows is the number of output rows a chunk must span: with at least
// r − 1 whole rows, a chunk separates the input rows of its neighbours by
// r·s rows, more than the k − 1 rows a kernel reaches across.
func (g geom) bwdRows() int { return (g.k+g.s-2)/g.s + 2 }

// chunkPixels returns the output pixels [p0, p1) of chunk i of c: the
// pixels shared out evenly, at multiples of 16 (each chunk is then cut
// into col tiles of its own). Equal chunks keep both workers of a phase
// busy to its end; whole tiles per chunk (11 tiles as 2 + 3 + 3 + 3) left
// one idle for a third of the first phase.
func (g geom) chunkPixels(c, i int) (p0, p1 int) {
	hw := g.ho * g.wo
	p0, p1 = hw*i/c&^15, hw*(i+1)/c&^15
	if i == c-1 {
		p1 = hw
	}
	return p0, p1
}

// l1Chunk is the number of floats (16 KB) that the fused elementwise passes
// handle at a time, so that a chunk of their destination stays in L1
// between one pass and the next.
const l1Chunk = 4096

// sumImages adds the n per-image slices of parts (each len(dst) long) into
// dst in image order, as for n: dst += parts[n·|dst| : (n+1)·|dst|] would,
// with the same bits, but a chunk of dst at a time: dst crosses memory once
// instead of n times. It does chunks [c0, c1) of l1Chunk floats.
func sumImages(dst, parts []float32, n, c0, c1 int) {
	size := len(dst)
	for lo := c0 * l1Chunk; lo < min(c1*l1Chunk, size); lo += l1Chunk {
		hi := min(lo+l1Chunk, size)
		for i := range n {
			addTo(dst[lo:hi], parts[i*size+lo:i*size+hi])
		}
	}
}

func data(t *mat.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data
}

// backwardUnits computes units [u0, u1) of job j's phase: unit u is chunk
// phase + 2·(u mod perImage) of image u / perImage (the whole image when
// j.chunks is 1). It adds the unit's dX into j.dx and writes its dW into
// slot image·chunks + chunk of j.dw, or adds it into j.dw if j.addDW
// (either may be nil), with gemm and m's
// col buffer; a crew c, if not nil, shares each tile's im2col and col2im.
func (g geom) backwardUnits(c *crew, m *member, gemm *mat.Gemm, j *job, u0, u1 int) {
	ckk, hw := g.cin*g.k*g.k, g.ho*g.wo
	xs, ys := g.cin*g.h*g.w, g.cout*hw
	nb := g.tile()
	step, perImage := 2, (j.chunks-j.phase+1)/2
	if j.chunks == 1 {
		step, perImage = 1, 1
	}
	for u := u0; u < u1; u++ {
		n, chunk := u/perImage, j.phase+step*(u%perImage)
		xn, dyn := j.x[n*xs:(n+1)*xs], j.dy[n*ys:(n+1)*ys]
		var dxn, dw []float32
		if j.dx != nil {
			dxn = j.dx[n*xs : (n+1)*xs]
		}
		if j.dw != nil {
			slot := n*j.chunks + chunk
			dw = j.dw[slot*len(j.w) : (slot+1)*len(j.w)]
		}
		q0, q1 := g.chunkPixels(j.chunks, chunk)
		first := float32(0) // beta of the unit's first dW product
		if j.addDW {
			first = 1
		}
		if g.direct() { // one chunk, the whole image
			g.directProduct(gemm, dxn, dw, dyn, xn, j.w, first, true)
			g.directProduct(gemm, dxn, dw, dyn, xn, j.w, first, false)
			continue
		}
		for p0 := q0; p0 < q1; p0 += nb {
			p1 := min(p0+nb, q1)
			ldc := colLd(p1 - p0)
			col := m.colBuf(ckk * ldc)
			if dw != nil { // dW_u[Cout, Cin·k·k] (+)= dY[Cout, p0:p1] · colᵀ
				g.fillCol(c, m, col, xn, p0, p1)
				beta := float32(1)
				if p0 == q0 {
					beta = first // the first tile starts the unit's sum
				}
				gemm.Sgemm(mat.NoTrans, mat.Trans, g.cout, ckk, p1-p0, 1, dyn[p0:], hw, col, ldc, beta, dw, ckk)
			}
			if dxn != nil { // dcol = Wᵀ · dY[Cout, p0:p1], scatter-added into dX
				gemm.Sgemm(mat.Trans, mat.NoTrans, ckk, p1-p0, g.cout, 1, j.w, ckk, dyn[p0:], hw, 0, col, ldc)
				g.drainCol(c, m, dxn, col, p0, p1)
			}
		}
	}
}

// directProduct computes one backward product of a 1×1 stride-1
// convolution on one image, the weight gradient (dW) or the input gradient,
// with gemm; it does nothing if that gradient is nil.
func (g geom) directProduct(gemm *mat.Gemm, dx, dw, dy, x, w []float32, beta float32, dW bool) {
	hw := g.ho * g.wo
	switch {
	case dW && dw != nil: // dW[Cout, Cin] = dY[Cout, HW] · x[Cin, HW]ᵀ + beta·dW
		gemm.Sgemm(mat.NoTrans, mat.Trans, g.cout, g.cin, hw, 1, dy, hw, x, hw, beta, dw, g.cin)
	case !dW && dx != nil: // dX[Cin, HW] += W[Cout, Cin]ᵀ · dY[Cout, HW]
		gemm.Sgemm(mat.Trans, mat.NoTrans, g.cin, hw, g.cout, 1, w, g.cin, dy, hw, 1, dx, hw)
	}
}

// Conv2DInfer is the fused inference convolution: a convolution with
// (folded) bias and activation applied to each tile of y right after its
// GEMM, while the tile is in cache,
//
//	y[co, :] = act(W[co, :] · col + bias[co])
//
// bias is [Cout] and may be nil (no bias). With w and bias from
// FoldBatchNorm and act = Leaky, it equals Conv2DForward, BatchNormEval and
// LeakyForward in sequence, up to rounding.
func Conv2DInfer(ws *Workspace, y, x, w *mat.Tensor, bias []float32, stride, pad int, act Activation) {
	Conv2DInferAdd(ws, y, x, w, bias, stride, pad, act, nil)
}

// Conv2DInferAdd is Conv2DInfer followed by a residual add (darknet's
// shortcut layer with a linear activation), fused into the same epilogue:
//
//	y[co, :] = act(W[co, :] · col + bias[co]) + res[co, :]
//
// res has y's shape and must not share memory with y; nil adds nothing.
func Conv2DInferAdd(ws *Workspace, y, x, w *mat.Tensor, bias []float32, stride, pad int, act Activation, res *mat.Tensor) {
	g := checkConv(y, x, w, stride, pad)
	if bias != nil && len(bias) != g.cout || res != nil && (!res.SameShape(y) || &res.Data[0] == &y.Data[0]) {
		panic(errShape)
	}
	g.forward(ws, y.Data, x.Data, w.Data, epilogue{on: true, bias: bias, act: act, res: data(res)})
}

// FoldBatchNorm folds an inference batch normalisation into the weights of
// the convolution before it:
//
//	a_c = γ_c / √(σ²_c + ε)
//	W'[c, …] = a_c · W[c, …]        b'_c = β_c − a_c · μ_c
//
// so that conv(x, W') + b' = BatchNormEval(conv(x, W)). w is [Cout, …] and
// gamma, beta, mean, variance are [Cout]; it returns new tensors.
func FoldBatchNorm(w *mat.Tensor, gamma, beta, mean, variance []float32) (*mat.Tensor, []float32) {
	cout := w.Shape[0]
	if len(gamma) != cout || len(beta) != cout || len(mean) != cout || len(variance) != cout {
		panic(errShape)
	}
	wf := w.Clone()
	bias := make([]float32, cout)
	per := len(w.Data) / cout
	for c := range cout {
		a := float64(gamma[c]) / math.Sqrt(float64(variance[c])+BNEpsilon)
		row := wf.Data[c*per : (c+1)*per]
		for i := range row {
			row[i] = float32(a * float64(row[i]))
		}
		bias[c] = float32(float64(beta[c]) - a*float64(mean[c]))
	}
	return wf, bias
}
