package conv

// Stride 2 through parity planes. Output pixel (oy, ox) of a stride-2
// convolution reads, through tap (i, j), input pixel
//
//	x[2·oy − p + i, 2·ox − p + j] = P_ab[oy + di, ox + dj]
//
// with (a, di) = ((i − p) mod 2, ⌊(i − p)/2⌋), likewise (b, dj) for j, and
// the parity plane P_ab[y, x] = x[2y + a, 2x + b], which has the output's
// width. So each tap's col row is one contiguous, shifted copy of a parity
// plane, as for a "same" stride-1 convolution (im2colSame), and the k² taps
// share four planes: every input pixel is gathered once per tile instead
// of once per tap. The planes are built for the output rows of one col
// tile at a time, in a window of plane rows held in the member's scratch.

// s2Window describes the plane rows one tile [p0, p1) reads: rows
// [r0, r0 + rows), zero outside the plane.
type s2Window struct{ r0, rows int }

func (g geom) s2Window(p0, p1 int) s2Window {
	dmin, dmax := (0-g.p)>>1, (g.k-1-g.p)>>1 // ⌊(i − p)/2⌋ over the taps
	oy0, oy1 := p0/g.wo, (p1-1)/g.wo
	return s2Window{r0: oy0 + dmin, rows: oy1 + dmax - (oy0 + dmin) + 1}
}

// s2ScratchLen is the scratch the stride-2 paths need for a tile of at
// most nb output pixels: four planes of window rows.
func (g geom) s2ScratchLen(nb int) int {
	return 4 * (nb/g.wo + 2 + g.k) * g.wo
}

// s2Tap returns tap (i, j)'s plane index 2a + b and its shift di·Wo + dj
// within a window, with dj for the wrapped columns.
func (g geom) s2Tap(i, j int) (plane, shift, dj int) {
	a, di := (i-g.p)&1, (i-g.p)>>1
	b, dj := (j-g.p)&1, (j-g.p)>>1
	return 2*a + b, di*g.wo + dj, dj
}

// s2Planes fills the window of the four parity planes of one channel
// plane xc [H, W]: planes[(2a + b)·rows·Wo + (y − r0)·Wo + x] = P_ab[y, x],
// zero where 2y + a or 2x + b falls outside the input. The input rows of
// parity a that the window sees go through one unzipRows call, which
// splits each into its even (b = 0) and odd (b = 1) columns.
func (g geom) s2Planes(planes, xc []float32, win s2Window) {
	size := win.rows * g.wo
	pairs := min(g.w/2, g.wo) // columns both planes take from every input row
	for a := range 2 {
		pe, po := planes[2*a*size:(2*a+1)*size], planes[(2*a+1)*size:(2*a+2)*size]
		lo, hi := g.s2Rows(win, a)
		clear(pe[:lo*g.wo])
		clear(po[:lo*g.wo])
		clear(pe[hi*g.wo:])
		clear(po[hi*g.wo:])
		if lo == hi {
			continue
		}
		src := xc[(2*(win.r0+lo)+a)*g.w:]
		unzipRows(pe[lo*g.wo:], po[lo*g.wo:], g.wo, src, 2*g.w, hi-lo, pairs)
		if pairs == g.wo {
			continue
		}
		// Past the pairs (pairs < Wo means pairs = ⌊W/2⌋): an odd W's last
		// input column is column `pairs` of the even plane; the rest is
		// padding.
		for r := lo; r < hi; r++ {
			e, o := pe[r*g.wo:(r+1)*g.wo], po[r*g.wo:(r+1)*g.wo]
			from := pairs
			if g.w%2 == 1 {
				e[pairs] = src[(r-lo)*2*g.w+g.w-1]
				from++
			}
			clear(e[from:])
			clear(o[pairs:])
		}
	}
}

// s2Rows returns the window rows [lo, hi) whose input row 2(r0 + r) + a
// lies in [0, H).
func (g geom) s2Rows(win s2Window, a int) (lo, hi int) {
	lo = min(win.rows, max(0, -win.r0))
	hi = max(lo, min(win.rows, (g.h-a+1)/2-win.r0))
	return lo, hi
}

// s2Source returns the part [lo, hi) of a channel plane [H, W] that the
// window's plane rows come from.
func (g geom) s2Source(win s2Window) (lo, hi int) {
	return max(0, 2*win.r0*g.w), min(g.h*g.w, 2*(win.r0+win.rows)*g.w)
}

// s2Ahead asks for part t (of k²) of next[lo:hi], the next channel's
// source rows. Called before each of a channel's k² taps, it has the next
// channel's rows come from memory while this channel's taps are copied,
// instead of stalling the gather (or scatter) that starts every channel:
// the window's rows of one channel are a short run of memory that the
// hardware prefetcher does not catch in time.
func (g geom) s2Ahead(next []float32, lo, hi, t int) {
	part := (hi - lo + g.k*g.k - 1) / (g.k * g.k)
	if a := lo + t*part; a < hi {
		prefetch(next[a:min(hi, a+part)])
	}
}

// s2Range returns, for a tap with shift shift, the pixels [q0, q1) of the
// tile [p0, p1) whose source lies inside the window (the others read
// plane rows above or below it, which are zero anyway, but outside the
// slice): source index q − r0·Wo + shift.
func (g geom) s2Range(win s2Window, shift, p0, p1 int) (q0, q1 int) {
	base := shift - win.r0*g.wo
	q0 = min(p1, max(p0, -base))
	q1 = max(q0, min(p1, win.rows*g.wo-base))
	return q0, q1
}

// s2ZeroWrapped clears the entries of one col row (tile [p0, p1)) whose
// output column ox + dj falls outside [0, Wo): they wrapped to the
// neighbouring plane row.
func (g geom) s2ZeroWrapped(row []float32, dj, p0, p1 int) {
	ox0, ox1 := 0, min(g.wo, -dj) // dj < 0: the first −dj columns
	if dj > 0 {
		ox0, ox1 = max(0, g.wo-dj), g.wo // the last dj
	}
	for ox := ox0; ox < ox1; ox++ {
		q := p0/g.wo*g.wo + ox
		if q < p0 {
			q += g.wo
		}
		for ; q < p1; q += g.wo {
			row[q-p0] = 0
		}
	}
}

// im2colStride2 is im2col for stride 2 through parity planes (see above);
// scratch holds s2ScratchLen(p1 − p0) floats.
func (g geom) im2colStride2(col, x, scratch []float32, c0, c1, p0, p1 int) {
	nb, ld := p1-p0, colLd(p1-p0)
	win := g.s2Window(p0, p1)
	size := win.rows * g.wo
	planes := scratch[:4*size]
	plane := g.h * g.w
	lo, hi := g.s2Source(win)
	for c := c0; c < c1; c++ {
		g.s2Planes(planes, x[c*plane:(c+1)*plane], win)
		for i := range g.k {
			for j := range g.k {
				if c+1 < c1 {
					g.s2Ahead(x[(c+1)*plane:(c+2)*plane], lo, hi, i*g.k+j)
				}
				row := col[((c*g.k+i)*g.k+j)*ld:][:nb]
				plane, shift, dj := g.s2Tap(i, j)
				pl := planes[plane*size : (plane+1)*size]
				q0, q1 := g.s2Range(win, shift, p0, p1)
				base := shift - win.r0*g.wo
				clear(row[:q0-p0])
				copy(row[q0-p0:q1-p0], pl[q0+base:q1+base])
				clear(row[q1-p0:])
				if dj != 0 {
					g.s2ZeroWrapped(row, dj, p0, p1)
				}
			}
		}
	}
}

// col2imStride2 is col2im for stride 2, the adjoint of im2colStride2: each
// tap's col row (wrapped entries zeroed in place: col is scratch) is added
// into its parity plane window, and the planes are scattered back into the
// channel's dX plane. Each dX pixel receives its taps summed in a plane
// first, in (i, j) order.
func (g geom) col2imStride2(dx, col, scratch []float32, c0, c1, p0, p1 int) {
	nb, ld := p1-p0, colLd(p1-p0)
	win := g.s2Window(p0, p1)
	size := win.rows * g.wo
	planes := scratch[:4*size]
	plane := g.h * g.w
	lo, hi := g.s2Source(win)
	for c := c0; c < c1; c++ {
		clear(planes)
		for i := range g.k {
			for j := range g.k {
				if c+1 < c1 {
					g.s2Ahead(dx[(c+1)*plane:(c+2)*plane], lo, hi, i*g.k+j)
				}
				row := col[((c*g.k+i)*g.k+j)*ld:][:nb]
				plane, shift, dj := g.s2Tap(i, j)
				pl := planes[plane*size : (plane+1)*size]
				q0, q1 := g.s2Range(win, shift, p0, p1)
				base := shift - win.r0*g.wo
				if dj != 0 {
					g.s2ZeroWrapped(row, dj, p0, p1)
				}
				if q0 < q1 {
					addTo(pl[q0+base:q1+base], row[q0-p0:q1-p0])
				}
			}
		}
		g.s2Scatter(dx[c*plane:(c+1)*plane], planes, win)
	}
}

// s2Scatter adds the window of the four parity planes back into one channel
// plane dc [H, W], the adjoint of s2Planes: dc[2y + a, 2x + b] +=
// P_ab[y, x] where that lies inside the input, with the rows of parity a
// through one zipAddRows call.
func (g geom) s2Scatter(dc, planes []float32, win s2Window) {
	size := win.rows * g.wo
	pairs := min(g.w/2, g.wo)
	for a := range 2 {
		pe, po := planes[2*a*size:(2*a+1)*size], planes[(2*a+1)*size:(2*a+2)*size]
		lo, hi := g.s2Rows(win, a)
		if lo == hi {
			continue
		}
		dst := dc[(2*(win.r0+lo)+a)*g.w:]
		zipAddRows(dst, 2*g.w, pe[lo*g.wo:], po[lo*g.wo:], g.wo, hi-lo, pairs)
		if g.w%2 == 1 && pairs < g.wo { // an odd W's last column: column `pairs` of the even plane
			for r := lo; r < hi; r++ {
				dst[(r-lo)*2*g.w+g.w-1] += pe[r*g.wo+pairs]
			}
		}
	}
}
