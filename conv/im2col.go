package conv

// im2col and col2im work on a tile of output pixels [p0, p1) of one image at
// a time, so the col buffer ([Cin·k·k, p1−p0], about a megabyte) stays in
// cache between being written here and being packed by the GEMM, instead
// of a whole-image col (50 MB for the 3×3 32→64 layer at 208×208) going
// through memory.

// colBudget is the target size of one col tile in floats (1 MB).
const colBudget = 1 << 18

// minTile is the narrowest tile: every tile repacks W for the GEMM, so a
// tile must be wide enough to amortise that.
const minTile = 1024

// tile returns the tile width for HW output pixels: at least minTile, else
// what fits colBudget, spread evenly over the tiles and rounded up to a
// multiple of 16.
func (g geom) tile() int {
	hw, ckk := g.ho*g.wo, g.cin*g.k*g.k
	nb := max(minTile, colBudget/ckk)
	if nb >= hw {
		return hw
	}
	tiles := (hw + nb - 1) / nb
	nb = (hw + tiles - 1) / tiles
	return (nb + 15) &^ 15
}

// colLd is the row stride of a col tile nb pixels wide: nb rounded up to
// 16 floats, so that every row starts on a 64-byte line (a col buffer is
// large, and Go starts large allocations on a page) and the GEMM's
// 48-float loads of a row of B touch three lines, not four. Measured on the bare GEMM of the single-tile layers
// (NN 512×676×2304, B read in place, three runs): 676 → 688 floats gave
// +5 % on one worker and on two.
func colLd(nb int) int { return (nb + 15) &^ 15 }

// im2col unrolls output pixels [p0, p1) of one image x[Cin, H, W] into
// col[Cin·k·k, p1−p0] with row stride colLd(p1 − p0): row (c, i, j) of col
// holds the input pixel each output pixel p = oy·Wo + ox sees through
// kernel tap (i, j),
//
//	col[(c·k + i)·k + j, p − p0] = x[c, oy·s − p + i, ox·s − p + j]
//
// or 0 where that falls in the padding. It fills the rows of channels
// [c0, c1) only. scratch holds at least s2ScratchLen(p1 − p0) floats.
func (g geom) im2col(col, x, scratch []float32, c0, c1, p0, p1 int) {
	switch {
	case g.same():
		g.im2colSame(col, x, c0, c1, p0, p1)
	case g.s == 2:
		g.im2colStride2(col, x, scratch, c0, c1, p0, p1)
	default:
		g.im2colRows(col, x, c0, c1, p0, p1)
	}
}

// same reports whether the convolution has stride 1 and keeps the side
// (2·pad = k − 1), so that output pixel p and input pixel p line up in the
// flattened planes: tap (i, j) reads x at p + (i − pad)·W + (j − pad).
func (g geom) same() bool { return g.s == 1 && g.ho == g.h && g.wo == g.w }

// tapRange returns, for tap (i, j) of a "same" convolution, the offset of
// its input pixel in the flattened plane and the output pixels [q0, q1) of
// the tile [p0, p1) that read a pixel inside the plane: rows in range, and
// a column that may have wrapped to the neighbouring row (wrapped() lists
// those columns, which the callers zero). q0 = q1 (possibly with q0 + off
// outside the plane) when no pixel of the tile qualifies.
func (g geom) tapRange(i, j, p0, p1 int) (off, q0, q1 int) {
	off = (i-g.p)*g.w + (j - g.p)
	q0 = min(p1, max(p0, (g.p-i)*g.w, -off))            // the row oy + i − pad ≥ 0, and in the plane
	q1 = max(q0, min(p1, (g.h+g.p-i)*g.w, g.h*g.w-off)) // the row < H, and in the plane
	return off, q0, q1
}

// wrapped returns the output columns [ox0, ox1) whose input column
// ox + j − pad falls outside [0, W) for a "same" convolution: the first
// pad − j columns, or the last j − pad.
func (g geom) wrapped(j int) (ox0, ox1 int) {
	if j < g.p {
		return 0, g.p - j
	}
	return g.w - (j - g.p), g.w
}

// zeroWrapped clears the entries of one col row (tile [p0, p1)) whose
// output column is wrapped for tap column j.
func (g geom) zeroWrapped(row []float32, j, p0, p1 int) {
	if j == g.p {
		return
	}
	ox0, ox1 := g.wrapped(j)
	for ox := ox0; ox < ox1; ox++ {
		q := p0/g.w*g.w + ox // column ox of the tile's first output row
		if q < p0 {
			q += g.w
		}
		for ; q < p1; q += g.w {
			row[q-p0] = 0
		}
	}
}

// im2colSame is im2col for a "same" convolution (see same): each row of
// col is one contiguous copy of the input plane, then the taps that fall
// in the padding are zeroed — rows out of range at either end, and the
// wrapped columns.
func (g geom) im2colSame(col, x []float32, c0, c1, p0, p1 int) {
	nb, ld := p1-p0, colLd(p1-p0)
	for c := c0; c < c1; c++ {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.k {
			for j := range g.k {
				row := col[((c*g.k+i)*g.k+j)*ld:][:nb]
				off, q0, q1 := g.tapRange(i, j, p0, p1)
				clear(row[:q0-p0])
				if q0 < q1 {
					copy(row[q0-p0:q1-p0], xc[q0+off:q1+off])
				}
				clear(row[q1-p0:])
				g.zeroWrapped(row, j, p0, p1)
			}
		}
	}
}

// im2colRows is im2col for any geometry, one output row at a time.
func (g geom) im2colRows(col, x []float32, c0, c1, p0, p1 int) {
	nb, ld := p1-p0, colLd(p1-p0)
	for c := c0; c < c1; c++ {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.k {
			for j := range g.k {
				row := col[((c*g.k+i)*g.k+j)*ld:][:nb]
				vx0, vx1 := g.validRange(j)
				for oy := p0 / g.wo; oy*g.wo < p1; oy++ {
					// This output row's pixels within the tile: columns [ox0, ox1).
					ox0, ox1 := max(oy*g.wo, p0)-oy*g.wo, min((oy+1)*g.wo, p1)-oy*g.wo
					dst := row[oy*g.wo+ox0-p0 : oy*g.wo+ox1-p0]
					iy := oy*g.s - g.p + i
					lo, hi := max(vx0, ox0), min(vx1, ox1)
					if iy < 0 || iy >= g.h || lo >= hi {
						clear(dst)
						continue
					}
					clear(dst[:lo-ox0])
					clear(dst[hi-ox0:])
					d := dst[lo-ox0 : hi-ox0]
					src := xc[iy*g.w+lo*g.s-g.p+j:]
					switch g.s {
					case 1:
						copy(d, src)
						continue
					case 2:
						gather2(d, src)
						continue
					}
					src = src[:(len(d)-1)*g.s+1]
					for o := range d {
						d[o] = src[o*g.s]
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it scatter-adds the tile
// col[Cin·k·k, p1−p0] into dx[Cin, H, W],
//
//	dx[c, oy·s − p + i, ox·s − p + j] += col[(c·k + i)·k + j, p − p0]
//
// skipping the padding. It updates the planes of channels [c0, c1) only.
func (g geom) col2im(dx, col, scratch []float32, c0, c1, p0, p1 int) {
	switch {
	case g.same():
		g.col2imSame(dx, col, c0, c1, p0, p1)
	case g.s == 2:
		g.col2imStride2(dx, col, scratch, c0, c1, p0, p1)
	default:
		g.col2imRows(dx, col, c0, c1, p0, p1)
	}
}

// col2imSame is col2im for a "same" convolution (see same): it zeroes the
// wrapped columns of each col row in place (col is scratch, dead after
// this), then adds the row to the plane in one contiguous pass; each dX
// pixel still receives its taps in (i, j) order, plus zeros.
func (g geom) col2imSame(dx, col []float32, c0, c1, p0, p1 int) {
	nb, ld := p1-p0, colLd(p1-p0)
	for c := c0; c < c1; c++ {
		xc := dx[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.k {
			for j := range g.k {
				row := col[((c*g.k+i)*g.k+j)*ld:][:nb]
				off, q0, q1 := g.tapRange(i, j, p0, p1)
				g.zeroWrapped(row, j, p0, p1)
				if q0 < q1 {
					addTo(xc[q0+off:q1+off], row[q0-p0:q1-p0])
				}
			}
		}
	}
}

// col2imRows is col2im for any geometry, one output row at a time.
func (g geom) col2imRows(dx, col []float32, c0, c1, p0, p1 int) {
	nb, ld := p1-p0, colLd(p1-p0)
	for c := c0; c < c1; c++ {
		xc := dx[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.k {
			for j := range g.k {
				row := col[((c*g.k+i)*g.k+j)*ld:][:nb]
				vx0, vx1 := g.validRange(j)
				for oy := p0 / g.wo; oy*g.wo < p1; oy++ {
					ox0, ox1 := max(oy*g.wo, p0)-oy*g.wo, min((oy+1)*g.wo, p1)-oy*g.wo
					iy := oy*g.s - g.p + i
					lo, hi := max(vx0, ox0), min(vx1, ox1)
					if iy < 0 || iy >= g.h || lo >= hi {
						continue
					}
					src := row[oy*g.wo+lo-p0 : oy*g.wo+hi-p0]
					dst := xc[iy*g.w+lo*g.s-g.p+j:]
					switch g.s {
					case 1:
						addTo(dst[:len(src)], src)
						continue
					case 2:
						scatterAdd2(dst, src)
						continue
					}
					dst = dst[:(len(src)-1)*g.s+1]
					for o, v := range src {
						dst[o*g.s] += v
					}
				}
			}
		}
	}
}

// validRange returns the output columns [ox0, ox1) whose input column
// ox·s − p + j lies inside [0, W).
func (g geom) validRange(j int) (ox0, ox1 int) {
	// ox·s − p + j ≥ 0  ⇔  ox ≥ ⌈(p − j)/s⌉
	if d := g.p - j; d > 0 {
		ox0 = (d + g.s - 1) / g.s
	}
	// ox·s − p + j ≤ W − 1  ⇔  ox ≤ ⌊(W − 1 + p − j)/s⌋
	if last := g.w - 1 + g.p - j; last >= 0 {
		ox1 = min(g.wo, last/g.s+1)
	}
	return min(ox0, ox1), ox1
}
