package conv

import "darkgo/mat"

// LeakyForward computes y = max(x, 0.1·x) elementwise (LeakyReLU(0.1));
// y may be x.
func LeakyForward(y, x *mat.Tensor) {
	if !y.SameShape(x) {
		panic(errShape)
	}
	affineLeaky(y.Data, x.Data, 1, 0)
}

// LeakyBackward accumulates dx += dy·(1 if y > 0 else 0.1), given the
// forward output y (y > 0 exactly when x > 0).
func LeakyBackward(dx, dy, y *mat.Tensor) {
	if !dx.SameShape(y) || !dy.SameShape(y) {
		panic(errShape)
	}
	for i, g := range dy.Data {
		if y.Data[i] > 0 {
			dx.Data[i] += g
		} else {
			dx.Data[i] += LeakySlope * g
		}
	}
}

// Add computes y = a + b elementwise (the residual shortcut); y may alias
// a or b. Its backward is da += dy and db += dy: see AddTo.
func Add(y, a, b *mat.Tensor) {
	if !y.SameShape(a) || !a.SameShape(b) {
		panic(errShape)
	}
	if len(y.Data) > 0 && &y.Data[0] == &b.Data[0] { // y is b: y += a
		a, b = b, a
	}
	yd, ad, bd := y.Data, a.Data, b.Data
	inPlace := len(yd) > 0 && &yd[0] == &ad[0] // y is a: y += b
	chunks := (len(yd) + l1Chunk - 1) / l1Chunk
	parallelFor(chunks, 3*len(yd), func(c0, c1 int) {
		for lo := c0 * l1Chunk; lo < min(c1*l1Chunk, len(yd)); lo += l1Chunk {
			hi := min(lo+l1Chunk, len(yd))
			if !inPlace { // a chunk at a time: the copy is still in L1 when b is added to it
				copy(yd[lo:hi], ad[lo:hi])
			}
			addTo(yd[lo:hi], bd[lo:hi])
		}
	})
}

// AddTo accumulates dst += src elementwise (same shapes).
func AddTo(dst, src *mat.Tensor) {
	if !dst.SameShape(src) {
		panic(errShape)
	}
	d, s := dst.Data, src.Data
	chunks := (len(d) + l1Chunk - 1) / l1Chunk
	parallelFor(chunks, 3*len(d), func(c0, c1 int) {
		lo, hi := c0*l1Chunk, min(c1*l1Chunk, len(d))
		addTo(d[lo:hi], s[lo:hi])
	})
}

// Concat joins xs along the channel axis into y, in argument order (darknet's
// route: "route -1, 61" puts layer -1's channels first):
//
//	xs[i] [N, Ci, H, W]  →  y [N, ΣCi, H, W]
func Concat(y *mat.Tensor, xs ...*mat.Tensor) {
	concatCheck(y, xs)
	n := y.Shape[0]
	for b := range n {
		off := b * len(y.Data) / n
		for _, x := range xs {
			per := len(x.Data) / n
			copy(y.Data[off:off+per], x.Data[b*per:(b+1)*per])
			off += per
		}
	}
}

// ConcatBackward accumulates each dxs[i] += its channel slice of dy. xs are
// the forward inputs (for their shapes); nil entries of dxs are skipped.
func ConcatBackward(dxs, xs []*mat.Tensor, dy *mat.Tensor) {
	concatCheck(dy, xs)
	if len(dxs) != len(xs) {
		panic(errShape)
	}
	n := dy.Shape[0]
	for b := range n {
		off := b * len(dy.Data) / n
		for i, x := range xs {
			per := len(x.Data) / n
			if dx := dxs[i]; dx != nil {
				if !dx.SameShape(x) {
					panic(errShape)
				}
				addTo(dx.Data[b*per:(b+1)*per], dy.Data[off:off+per])
			}
			off += per
		}
	}
}

func concatCheck(y *mat.Tensor, xs []*mat.Tensor) {
	if len(y.Shape) != 4 {
		panic(errShape)
	}
	c := 0
	for _, x := range xs {
		if len(x.Shape) != 4 || x.Shape[0] != y.Shape[0] || x.Shape[2] != y.Shape[2] || x.Shape[3] != y.Shape[3] {
			panic(errShape)
		}
		c += x.Shape[1]
	}
	if c != y.Shape[1] {
		panic(errShape)
	}
}

// Upsample2x is nearest-neighbour ×2 upsampling, y[n, c, r, q] =
// x[n, c, ⌊r/2⌋, ⌊q/2⌋]:  x [N, C, H, W] → y [N, C, 2H, 2W].
func Upsample2x(y, x *mat.Tensor) {
	h, w := upCheck(y, x)
	parallelFor(len(x.Data)/(h*w), 5*len(x.Data), func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			xp, yp := x.Data[p*h*w:(p+1)*h*w], y.Data[p*4*h*w:(p+1)*4*h*w]
			for r := range h {
				row := yp[2*r*2*w : (2*r+1)*2*w]
				for q, v := range xp[r*w : (r+1)*w] {
					row[2*q], row[2*q+1] = v, v
				}
				copy(yp[(2*r+1)*2*w:(2*r+2)*2*w], row)
			}
		}
	})
}

// Upsample2xBackward accumulates dx[n, c, r, q] += the sum of the four dy
// values that copied it.
func Upsample2xBackward(dx, dy *mat.Tensor) {
	h, w := upCheck(dy, dx)
	parallelFor(len(dx.Data)/(h*w), 6*len(dx.Data), func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			xp, yp := dx.Data[p*h*w:(p+1)*h*w], dy.Data[p*4*h*w:(p+1)*4*h*w]
			for r := range h {
				top, bot := yp[2*r*2*w:(2*r+1)*2*w], yp[(2*r+1)*2*w:(2*r+2)*2*w]
				for q := range xp[r*w : (r+1)*w] {
					xp[r*w+q] += top[2*q] + top[2*q+1] + bot[2*q] + bot[2*q+1]
				}
			}
		}
	})
}

func upCheck(y, x *mat.Tensor) (h, w int) {
	if len(x.Shape) != 4 || !hasShape(y, x.Shape[0], x.Shape[1], 2*x.Shape[2], 2*x.Shape[3]) {
		panic(errShape)
	}
	return x.Shape[2], x.Shape[3]
}

// PoolOutSize is the output side of darknet's max pool: with padding
// size − 1 split as offset −(size−1)/2 before and the rest after,
// out = (in + size − 1 − size)/stride + 1. For size 2 that is in/2 (even
// in) with stride 2 and in with stride 1.
func PoolOutSize(in, size, stride int) int { return (in-1)/stride + 1 }

// MaxPool is darknet's max pool (SPEC §2.10): output (oy, ox) is the
// maximum of x over rows oy·s − (size−1)/2 + [0, size) and likewise for
// columns, skipping cells outside the image (never padding with zeros):
//
//	x [N, C, H, W] → y [N, C, Ho, Wo],  Ho = (H − 1)/s + 1
//
// For size 2 the windows are {i·s, i·s + 1}: stride 2 halves even sides,
// stride 1 keeps the side and the last row/column window has one cell.
func MaxPool(y, x *mat.Tensor, size, stride int) {
	h, w, ho, wo := poolCheck(y, x, size, stride)
	// Planes [p0, p1) at a time, shared among goroutines.
	parallelFor(len(x.Data)/(h*w), len(x.Data)+len(y.Data), func(p0, p1 int) {
		xs, ys := x.Data[p0*h*w:p1*h*w], y.Data[p0*ho*wo:p1*ho*wo]
		if size == 2 {
			maxPool2(ys, xs, h, w, ho, wo, stride)
			return
		}
		off := (size - 1) / 2
		for p := range p1 - p0 {
			xp, yp := xs[p*h*w:(p+1)*h*w], ys[p*ho*wo:(p+1)*ho*wo]
			for oy := range ho {
				for ox := range wo {
					yp[oy*wo+ox] = xp[poolArgmax(xp, h, w, oy*stride-off, ox*stride-off, size)]
				}
			}
		}
	})
}

// maxPool2 is MaxPool for 2×2 windows {i·s, i·s+1}: rows and columns past
// the bottom/right edge are skipped (by clamping to the last one, which
// leaves the maximum unchanged).
func maxPool2(y, x []float32, h, w, ho, wo, s int) {
	for p := range len(x) / (h * w) {
		xp, yp := x[p*h*w:(p+1)*h*w], y[p*ho*wo:(p+1)*ho*wo]
		for oy := range ho {
			r0 := xp[oy*s*w : (oy*s+1)*w]
			r1 := xp[min(oy*s+1, h-1)*w:][:w]
			out := yp[oy*wo : (oy+1)*wo]
			for ox := range out {
				c0, c1 := ox*s, min(ox*s+1, w-1)
				out[ox] = max(r0[c0], r0[c1], r1[c0], r1[c1])
			}
		}
	}
}

// MaxPoolBackward accumulates dx += dy routed to the argmax of each window
// (the first maximum in row-major order, as MaxPool picks it; a window
// holding a NaN may route its gradient nowhere). x is the forward input.
func MaxPoolBackward(dx, dy, x *mat.Tensor, size, stride int) {
	h, w, ho, wo := poolCheck(dy, x, size, stride)
	if !dx.SameShape(x) {
		panic(errShape)
	}
	// Planes [p0, p1) at a time, shared among goroutines.
	parallelFor(len(x.Data)/(h*w), 3*len(x.Data)+len(dy.Data), func(p0, p1 int) {
		xs, dxs, dys := x.Data[p0*h*w:p1*h*w], dx.Data[p0*h*w:p1*h*w], dy.Data[p0*ho*wo:p1*ho*wo]
		if size == 2 {
			maxPool2Backward(dxs, dys, xs, h, w, ho, wo, stride)
			return
		}
		off := (size - 1) / 2
		for p := range p1 - p0 {
			xp, dxp, dyp := xs[p*h*w:(p+1)*h*w], dxs[p*h*w:(p+1)*h*w], dys[p*ho*wo:(p+1)*ho*wo]
			for oy := range ho {
				for ox := range wo {
					dxp[poolArgmax(xp, h, w, oy*stride-off, ox*stride-off, size)] += dyp[oy*wo+ox]
				}
			}
		}
	})
}

// maxPool2Backward is MaxPoolBackward for 2×2 windows {i·s, i·s+1}. With
// stride 2, the windows that lie wholly inside the image go through the
// pool2Grad kernel a row at a time; the others (stride 1, and the last
// row or column of an odd side) are clamped as in maxPool2: a clamped cell
// repeats one already compared, so it never displaces the first maximum
// (the comparisons are strict). Without NaNs both pick the same cell;
// a window holding a NaN may pass its gradient to no cell.
func maxPool2Backward(dx, dy, x []float32, h, w, ho, wo, s int) {
	for p := range len(x) / (h * w) {
		xp, dxp, dyp := x[p*h*w:(p+1)*h*w], dx[p*h*w:(p+1)*h*w], dy[p*ho*wo:(p+1)*ho*wo]
		for oy := range ho {
			i0, i1 := oy*s*w, min(oy*s+1, h-1)*w
			r0, r1 := xp[i0:i0+w], xp[i1:i1+w]
			d0, d1 := dxp[i0:i0+w], dxp[i1:i1+w]
			row, whole := dyp[oy*wo:(oy+1)*wo], 0
			if s == 2 && oy*2+1 < h {
				whole = w / 2
				pool2Grad(d0, d1, r0, r1, row[:whole])
			}
			for ox := whole; ox < wo; ox++ {
				g := row[ox]
				c0, c1 := ox*s, min(ox*s+1, w-1)
				// The first maximum in row-major order: (r0, c0), (r0, c1), (r1, c0), (r1, c1).
				d, c, best := d0, c0, r0[c0]
				if v := r0[c1]; v > best {
					c, best = c1, v
				}
				if v := r1[c0]; v > best {
					d, c, best = d1, c0, v
				}
				if r1[c1] > best {
					d, c = d1, c1
				}
				d[c] += g
			}
		}
	}
}

// poolArgmax returns the index in x[h, w] of the first maximum of the
// window at (y0, x0) of the given size, clipped to the image.
func poolArgmax(x []float32, h, w, y0, x0, size int) int {
	best := -1
	for y := max(y0, 0); y < min(y0+size, h); y++ {
		for xx := max(x0, 0); xx < min(x0+size, w); xx++ {
			if i := y*w + xx; best < 0 || x[i] > x[best] {
				best = i
			}
		}
	}
	return best
}

func poolCheck(y, x *mat.Tensor, size, stride int) (h, w, ho, wo int) {
	if size < 1 || stride < 1 || len(x.Shape) != 4 {
		panic(errStride)
	}
	h, w = x.Shape[2], x.Shape[3]
	ho, wo = PoolOutSize(h, size, stride), PoolOutSize(w, size, stride)
	if !hasShape(y, x.Shape[0], x.Shape[1], ho, wo) {
		panic(errShape)
	}
	return h, w, ho, wo
}

// AddBias computes y[n, c, :, :] = x[n, c, :, :] + b[c] (the linear head
// convolutions' bias); y may be x.
func AddBias(y, x *mat.Tensor, b []float32) {
	if len(x.Shape) != 4 || !y.SameShape(x) || len(b) != x.Shape[1] {
		panic(errShape)
	}
	c, hw := x.Shape[1], x.Shape[2]*x.Shape[3]
	for r := range len(x.Data) / hw {
		affine(y.Data[r*hw:(r+1)*hw], x.Data[r*hw:(r+1)*hw], 1, b[r%c])
	}
}

// AddBiasBackward accumulates db[c] += Σ_{n,h,w} dy[n, c, h, w].
func AddBiasBackward(db []float32, dy *mat.Tensor) {
	if len(dy.Shape) != 4 || len(db) != dy.Shape[1] {
		panic(errShape)
	}
	c, hw := dy.Shape[1], dy.Shape[2]*dy.Shape[3]
	for r := range len(dy.Data) / hw {
		db[r%c] += sum(dy.Data[r*hw : (r+1)*hw])
	}
}
