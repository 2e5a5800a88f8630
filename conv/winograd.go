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
// stride-1 layer with cin input channels on a batch of n h×w inputs, on
// this project's machines. The transforms cost per channel and tile, the
// GEMMs per channel pair, so thin layers lose; few tiles make the 16 GEMMs
// too narrow, and small images share a block (all the batch's tiles count).
// Measured with BenchmarkWinograd (two workers, batch 1 and 4, GFLOP/s of
// the direct convolution) on Darknet-53's shapes at 416×416, in one
// sitting while another job was paused (the README has the figures of an
// idle machine, where both gains and losses are larger):
//
//	128→256 at 52×52 (676 tiles)     386, 381 against im2col's 293, 329
//	256→512 at 26×26 (169 tiles)     404, 406 against 243, 298
//	512→1024 at 13×13 (49 tiles)     209, 221 against 256, 279
//	64→128 at 104×104                259, 292 against 276, 309
//	32→64 at 208×208                 185, 186 against 291, 281
//
// and later, with the four images of a batch sharing a block: 512→1024 at
// 13×13 (196 tiles) 367 against 310–329, best of 3.
func WinogradPays(n, cin, h, w int) bool {
	return cin >= 128 && n*((h+1)/2)*((w+1)/2) >= 128
}

// winoBlockFloats is the target size of one block's V and M buffers
// together, in floats (16 MB): blocks are whole rows of tiles, as many as
// fit. Measured: a whole 52×52 image (676 tiles) in one block runs 1.45×
// faster than blocks of 156 tiles; the GEMMs gain more from their width
// than V and M lose from leaving L2.
const winoBlockFloats = 1 << 22

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
	conv2DWinograd(ws, y, x, u, bias, act, res, winoBlockFloats)
}

// conv2DWinograd is Conv2DWinograd with blocks of about budget floats.
func conv2DWinograd(ws *Workspace, y, x, u *mat.Tensor, bias []float32, act Activation, res *mat.Tensor, budget int) {
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
	// A block is a run of tile rows of the batch (row gy is row gy mod th
	// of image gy / th): small images share a block, so that the GEMMs are
	// wide enough.
	rows := winoRows(cin, cout, n*th, tw, budget)
	v, m := ws.winoBufs(16*cin*rows*tw, 16*cout*rows*tw)
	epi := epilogue{on: true, bias: bias, act: act, res: data(res)}
	for gy0 := 0; gy0 < n*th; gy0 += rows {
		gy1 := min(n*th, gy0+rows)
		nt := (gy1 - gy0) * tw
		ws.crew.share(job{kind: winoInJob, g: g, x: x.Data, col: v, p0: gy0, p1: gy1}, cin, 4*nt*16)
		// The 16 products, shared among the crew whole: each member
		// multiplies its own ξ with its one-thread GEMM, no hand-over
		// between them.
		ws.crew.share(job{kind: winoGemmJob, g: g, y: m, w: u.Data, x: v, p0: nt}, 16, minColWork)
		ws.crew.share(job{kind: winoOutJob, g: g, y: y.Data, col: m, p0: gy0, p1: gy1, epi: epi}, cout, 4*nt*16)
	}
}

// winoRows is the number of tile rows per block, of th in all: as many as
// keep V and M near budget floats, but at least minWinoTiles tiles.
func winoRows(cin, cout, th, tw, budget int) int {
	return max(1, min(th, max(minWinoTiles, budget/(16*(cin+cout)))/tw))
}

// winoGemm computes the products ξ in [x0, x1) of a block of nt tiles:
// m[ξ][Cout, nt] = u[ξ][Cout, Cin] · v[ξ][Cin, nt].
func (g geom) winoGemm(gemm *mat.Gemm, m, u, v []float32, nt, x0, x1 int) {
	for xi := x0; xi < x1; xi++ {
		gemm.Sgemm(mat.NoTrans, mat.NoTrans, g.cout, nt, g.cin, 1, u[xi*g.cout*g.cin:], g.cin,
			v[xi*g.cin*nt:], nt, 0, m[xi*g.cout*nt:], nt)
	}
}

// winoIn is the input transform of the batch's tile rows [gy0, gy1) (row
// gy is tile row gy mod ⌈H/2⌉ of image gy / ⌈H/2⌉ of x [N, Cin, H, W]),
// channels [c0, c1): v[ξ][c][t] = (Bᵀ d B)[ξ] of tile t (numbered row by
// row from gy0). eo is scratch for the 8 half rows of one row of patches,
// 8·(⌈W/2⌉ + 1) floats.
func (g geom) winoIn(v, x, eo []float32, gy0, gy1, c0, c1 int) {
	th, tw := (g.h+1)/2, (g.w+1)/2
	nt := (gy1 - gy0) * tw
	l := tw + 1 // a half row: patch columns 2j or 2j+1 for j ≤ tw
	for c := c0; c < c1; c++ {
		for gy := gy0; gy < gy1; gy++ {
			img, ty := gy/th, gy%th
			xc := x[(img*g.cin+c)*g.h*g.w:][:g.h*g.w]
			// Patch row r is input row 2ty − 1 + r, padded by one zero
			// column on the left: padded column q is input column q − 1, so
			// the even half E[j] is x[2j − 1] and the odd half O[j] is x[2j].
			for r := range 4 {
				e, o := eo[r*2*l:r*2*l+l], eo[r*2*l+l:r*2*l+2*l]
				clear(e)
				clear(o)
				if iy := 2*ty - 1 + r; iy >= 0 && iy < g.h {
					row := xc[iy*g.w : (iy+1)*g.w]
					if g.w > 1 {
						gather2(e[1:1+g.w/2], row[1:])
					}
					gather2(o[:tw], row)
				}
			}
			winoInRow(v[c*nt+(gy-gy0)*tw:], g.cin*nt, eo, l, tw)
		}
	}
}

// winoOut is the output transform of the batch's tile rows [gy0, gy1) (as
// in winoIn) into y [N, Cout, H, W], output channels [c0, c1):
// y[co] = Aᵀ M[·][co] A, clipped to H×W, then the epilogue's bias,
// activation and residual on each pair of output rows while they are in
// L1. pair is scratch for two rows of 2·⌈W/2⌉.
func (g geom) winoOut(y, m, pair []float32, gy0, gy1, c0, c1 int, epi epilogue) {
	th, tw := (g.h+1)/2, (g.w+1)/2
	nt := (gy1 - gy0) * tw
	hw := g.h * g.w
	for co := c0; co < c1; co++ {
		for gy := gy0; gy < gy1; gy++ {
			img, ty := gy/th, gy%th
			yc := y[(img*g.cout+co)*hw:][:hw]
			r0, r1 := pair[:2*tw], pair[2*tw:4*tw]
			winoOutRow(r0, r1, m[co*nt+(gy-gy0)*tw:], g.cout*nt, tw)
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
