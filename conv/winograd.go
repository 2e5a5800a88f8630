package conv

import (
	"darkgo/mat"
)

// Winograd's minimal filtering F(2×2, 3×3) computes a 3×3 "same"
// convolution (stride 1, pad 1) on 2×2 output tiles with 16 multiplies per
// tile and channel pair instead of 36. With the 4×4 input patch d of a tile
// (rows 2ty−1 … 2ty+2, columns 2tx−1 … 2tx+2, zero outside the plane) and
// a 3×3 kernel g:
//
//	Y[2×2] = Aᵀ · ((G g Gᵀ) ⊙ (Bᵀ d B)) · A
//
//	Bᵀ = | 1  0 −1  0 |    G = | 1    0    0  |    Aᵀ = | 1  1  1  0 |
//	     | 0  1  1  0 |        | ½    ½    ½  |         | 0  1 −1 −1 |
//	     | 0 −1  1  0 |        | ½   −½    ½  |
//	     | 0  1  0 −1 |        | 0    0    1  |
//
// Summed over input channels, the 16 products ξ = (r, c) of the 4×4
// transforms are 16 independent GEMMs over all the tiles of a block:
//
//	U[ξ][Cout, Cin] = (G g Gᵀ)[ξ]          once, when the weights are set
//	V[ξ][Cin, T]    = (Bᵀ d B)[ξ]          input transform of T tiles
//	M[ξ][Cout, T]   = U[ξ] · V[ξ]          16 GEMMs, depth Cin
//	y               = Aᵀ M A (+ bias, activation, residual)
//
// so the multiply count falls by 36/16 = 2.25 for the price of the two
// transforms, which cost per channel rather than per channel pair. It
// rounds differently from the direct convolution (the transforms add and
// subtract inputs before the products), by a few units in the last place
// of the inputs' magnitude; the inference path uses it where it pays
// (WinogradPays), the training path never.

// WinogradWeights transforms 3×3 weights w [Cout, Cin, 3, 3] into
// U [16, Cout, Cin], U[ξ] = (G g Gᵀ)[ξ] for each (co, ci), computed in
// float64. It panics if w is not 3×3.
func WinogradWeights(w *mat.Tensor) *mat.Tensor {
	if len(w.Shape) != 4 || w.Shape[2] != 3 || w.Shape[3] != 3 {
		panic(errShape)
	}
	cout, cin := w.Shape[0], w.Shape[1]
	u := mat.New(16, cout, cin)
	for co := range cout {
		for ci := range cin {
			g := w.Data[(co*cin+ci)*9:][:9]
			var gg [4][3]float64 // G·g
			for c := range 3 {
				g0, g1, g2 := float64(g[c]), float64(g[3+c]), float64(g[6+c])
				gg[0][c], gg[1][c], gg[2][c], gg[3][c] = g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
			}
			for r := range 4 { // (G·g)·Gᵀ
				g0, g1, g2 := gg[r][0], gg[r][1], gg[r][2]
				row := [4]float64{g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2}
				for c, v := range row {
					u.Data[((r*4+c)*cout+co)*cin+ci] = float32(v)
				}
			}
		}
	}
	return u
}

// WinogradPays reports whether F(2×2, 3×3) beats im2col + GEMM for a 3×3
// stride-1 layer with cin input channels on an h×w input, on this
// project's machines. The transforms cost per channel and tile, the GEMMs
// per channel pair, so thin layers lose; few tiles make the 16 GEMMs too
// narrow. Measured with BenchmarkWinograd (two workers, batch 1 and 4) on
// Darknet-53's shapes at 416×416: 256→512 at 26×26 (169 tiles) gains
// 11–17 %; 512→1024 at 13×13 (49 tiles) loses 23 %, 128→256 at 52×52
// 25–40 %, thinner layers more.
func WinogradPays(cin, h, w int) bool {
	return cin >= 256 && ((h+1)/2)*((w+1)/2) >= 128
}

// winoBlockFloats is the target size of one block's V and M buffers
// together, in floats (4 MB): blocks are whole rows of tiles, as many as fit.
const winoBlockFloats = 1 << 20

// minWinoTiles is the narrowest block, in tiles: the GEMMs' n.
const minWinoTiles = 96

// Conv2DWinograd is Conv2DInferAdd for a 3×3, stride-1, pad-1 convolution
// computed with F(2×2, 3×3):
//
//	y[co, :] = act(conv(x, w)[co, :] + bias[co]) + res[co, :]
//
// x [N, Cin, H, W], y [N, Cout, H, W], u = WinogradWeights(w)
// [16, Cout, Cin]; bias [Cout] or nil; res like y, or nil. The GEMMs use
// all of ws's workers; the transforms are shared among its crew.
func Conv2DWinograd(ws *Workspace, y, x, u *mat.Tensor, bias []float32, act Activation, res *mat.Tensor) {
	if len(x.Shape) != 4 || len(u.Shape) != 3 || u.Shape[0] != 16 || u.Shape[2] != x.Shape[1] {
		panic(errShape)
	}
	n, cin, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout := u.Shape[1]
	if !hasShape(y, n, cout, h, w) || bias != nil && len(bias) != cout ||
		res != nil && (!res.SameShape(y) || &res.Data[0] == &y.Data[0]) {
		panic(errShape)
	}
	g := geom{n: n, cin: cin, h: h, w: w, cout: cout, k: 3, s: 1, p: 1, ho: h, wo: w}
	th, tw := (h+1)/2, (w+1)/2
	rows := winoRows(cin, cout, th, tw)
	v, m := ws.winoBufs(16*cin*rows*tw, 16*cout*rows*tw)
	epi := epilogue{on: true, bias: bias, act: act, res: data(res)}
	for img := range n {
		xn := x.Data[img*cin*h*w:][:cin*h*w]
		yn := y.Data[img*cout*h*w:][:cout*h*w]
		for ty0 := 0; ty0 < th; ty0 += rows {
			ty1 := min(th, ty0+rows)
			nt := (ty1 - ty0) * tw
			ws.crew.share(job{kind: winoInJob, g: g, x: xn, col: v, p0: ty0, p1: ty1}, cin, 4*nt*16)
			// The 16 products, shared among the crew whole: each member
			// multiplies its own ξ with its one-thread GEMM, no hand-over
			// between them.
			ws.crew.share(job{kind: winoGemmJob, g: g, y: m, w: u.Data, x: v, p0: nt}, 16, minColWork)
			ws.crew.share(job{kind: winoOutJob, g: g, y: yn, col: m, p0: ty0, p1: ty1, i0: img, epi: epi}, cout, 4*nt*16)
		}
	}
}

// winoRows is the number of tile rows per block: as many as keep V and M
// near winoBlockFloats, but at least minWinoTiles tiles.
func winoRows(cin, cout, th, tw int) int {
	return max(1, min(th, max(minWinoTiles, winoBlockFloats/(16*(cin+cout)))/tw))
}

// winoGemm computes the products ξ in [x0, x1) of a block of nt tiles:
// m[ξ][Cout, nt] = u[ξ][Cout, Cin] · v[ξ][Cin, nt].
func (g geom) winoGemm(gemm *mat.Gemm, m, u, v []float32, nt, x0, x1 int) {
	for xi := x0; xi < x1; xi++ {
		gemm.Sgemm(mat.NoTrans, mat.NoTrans, g.cout, nt, g.cin, 1, u[xi*g.cout*g.cin:], g.cin,
			v[xi*g.cin*nt:], nt, 0, m[xi*g.cout*nt:], nt)
	}
}

// winoIn is the input transform of tile rows [ty0, ty1) of one image
// x [Cin, H, W], channels [c0, c1): v[ξ][c][t] = (Bᵀ d B)[ξ] of tile t
// (numbered row by row from ty0). pad is scratch for 4 rows of W + 3.
func (g geom) winoIn(v, x, pad []float32, ty0, ty1, c0, c1 int) {
	tw := (g.w + 1) / 2
	nt := (ty1 - ty0) * tw
	wp := 2*tw + 2 // a padded row: x columns −1 … 2·tw
	for c := c0; c < c1; c++ {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for ty := ty0; ty < ty1; ty++ {
			// The patch rows 2ty−1 … 2ty+2, zero-padded on both sides.
			var d [4][]float32
			for r := range 4 {
				row := pad[r*wp : (r+1)*wp]
				clear(row)
				if iy := 2*ty - 1 + r; iy >= 0 && iy < g.h {
					copy(row[1:], xc[iy*g.w:(iy+1)*g.w])
				}
				d[r] = row
			}
			t0 := (ty - ty0) * tw
			var vs [16][]float32 // this tile row's entries of V[ξ][c]
			for xi := range vs {
				vs[xi] = v[(xi*g.cin+c)*nt+t0:][:tw]
			}
			winoInRow(&vs, &d, tw)
		}
	}
}

// winoInRow transforms the tw tiles of one row of 4×4 patches: tile tx
// reads columns 2tx … 2tx+3 of the four padded rows d and writes entry tx
// of each vs[ξ].
func winoInRow(vs *[16][]float32, d *[4][]float32, tw int) {
	d0, d1, d2, d3 := d[0], d[1], d[2], d[3]
	for tx := range tw {
		// d·B along each row: (p0 − p2, p1 + p2, p2 − p1, p1 − p3).
		a := d0[2*tx : 2*tx+4 : 2*tx+4]
		b := d1[2*tx : 2*tx+4 : 2*tx+4]
		c := d2[2*tx : 2*tx+4 : 2*tx+4]
		e := d3[2*tx : 2*tx+4 : 2*tx+4]
		a0, a1, a2, a3 := a[0]-a[2], a[1]+a[2], a[2]-a[1], a[1]-a[3]
		b0, b1, b2, b3 := b[0]-b[2], b[1]+b[2], b[2]-b[1], b[1]-b[3]
		c0, c1, c2, c3 := c[0]-c[2], c[1]+c[2], c[2]-c[1], c[1]-c[3]
		e0, e1, e2, e3 := e[0]-e[2], e[1]+e[2], e[2]-e[1], e[1]-e[3]
		// Bᵀ·(d·B) down each column: rows (a − c, b + c, c − b, b − e).
		vs[0][tx], vs[1][tx], vs[2][tx], vs[3][tx] = a0-c0, a1-c1, a2-c2, a3-c3
		vs[4][tx], vs[5][tx], vs[6][tx], vs[7][tx] = b0+c0, b1+c1, b2+c2, b3+c3
		vs[8][tx], vs[9][tx], vs[10][tx], vs[11][tx] = c0-b0, c1-b1, c2-b2, c3-b3
		vs[12][tx], vs[13][tx], vs[14][tx], vs[15][tx] = b0-e0, b1-e1, b2-e2, b3-e3
	}
}

// winoOut is the output transform of tile rows [ty0, ty1) of image img,
// output channels [c0, c1): y[co] = Aᵀ M[·][co] A, clipped to H×W, then
// the epilogue's bias, activation and residual on each pair of output rows
// while they are in L1. pair is scratch for two rows of 2·⌈W/2⌉.
func (g geom) winoOut(y, m, pair []float32, img, ty0, ty1, c0, c1 int, epi epilogue) {
	tw := (g.w + 1) / 2
	nt := (ty1 - ty0) * tw
	hw := g.h * g.w
	for co := c0; co < c1; co++ {
		yc := y[co*hw : (co+1)*hw]
		for ty := ty0; ty < ty1; ty++ {
			t0 := (ty - ty0) * tw
			var ms [16][]float32 // this tile row's entries of M[ξ][co]
			for xi := range ms {
				ms[xi] = m[(xi*g.cout+co)*nt+t0:][:tw]
			}
			r0, r1 := pair[:2*tw], pair[2*tw:4*tw]
			winoOutRow(r0, r1, &ms, tw)
			for r, src := range [2][]float32{r0, r1} {
				if oy := 2*ty + r; oy < g.h {
					row := yc[oy*g.w : (oy+1)*g.w]
					copy(row, src)
					epi.applyRow(row, img, co, g.cout, hw, oy*g.w)
				}
			}
		}
	}
}

// winoOutRow computes the two output rows r0, r1 (2·tw wide) of one row
// of tiles: tile tx is Aᵀ m A of its 4×4 products m[ξ] = ms[ξ][tx].
func winoOutRow(r0, r1 []float32, ms *[16][]float32, tw int) {
	for tx := range tw {
		// m·A along each row: (m0 + m1 + m2, m1 − m2 − m3).
		a0, a1 := ms[0][tx]+ms[1][tx]+ms[2][tx], ms[1][tx]-ms[2][tx]-ms[3][tx]
		b0, b1 := ms[4][tx]+ms[5][tx]+ms[6][tx], ms[5][tx]-ms[6][tx]-ms[7][tx]
		c0, c1 := ms[8][tx]+ms[9][tx]+ms[10][tx], ms[9][tx]-ms[10][tx]-ms[11][tx]
		e0, e1 := ms[12][tx]+ms[13][tx]+ms[14][tx], ms[13][tx]-ms[14][tx]-ms[15][tx]
		// Aᵀ·(m·A) down each column: (a + b + c, b − c − e).
		o0 := r0[2*tx : 2*tx+2 : 2*tx+2]
		o1 := r1[2*tx : 2*tx+2 : 2*tx+2]
		o0[0], o0[1] = a0+b0+c0, a1+b1+c1
		o1[0], o1[1] = b0-c0-e0, b1-c1-e1
	}
}
