package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

// TestWinogradWeightsHand: for a single kernel, U = G g Gᵀ by hand.
func TestWinogradWeightsHand(t *testing.T) {
	w := mat.FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	u := WinogradWeights(w)
	// G·g rows: g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2 with g0 = (1 2 3),
	// g1 = (4 5 6), g2 = (7 8 9): (1 2 3), (6 7.5 9), (2 2.5 3), (7 8 9);
	// then the same along each row.
	want := []float32{
		1, 3, 1, 3,
		6, 11.25, 3.75, 9,
		2, 3.75, 1.25, 3,
		7, 12, 4, 9,
	}
	for i, v := range want {
		if u.Data[i] != v {
			t.Errorf("U[%d] = %g, want %g", i, u.Data[i], v)
		}
	}
}

type winoCase struct{ n, cin, h, w, cout int }

func winoCases() []winoCase {
	return []winoCase{
		{1, 1, 1, 1, 1}, {2, 3, 2, 2, 4}, {1, 2, 5, 7, 3}, {2, 4, 6, 9, 5}, {1, 3, 8, 8, 2},
		// Images sharing a block; with smallWinoBudget, blocks of 16 tile
		// rows that start and end inside images of 11.
		{3, 130, 21, 11, 100},
		// Odd sides, a crew sharing the transforms, and with a small
		// budget, several blocks of tile rows (see TestWinogradBlocks).
		{1, 130, 37, 40, 100},
	}
}

// TestWinogradMatchesNaive: Conv2DWinograd with no bias, linear, against
// the float64 direct convolution. F(2×2, 3×3) rounds the transformed
// inputs and weights, so its error bound is a small multiple of the direct
// GEMM's: each |U|·|V| product is at most 4·|g|·4·|d| summed over 4×4.
func TestWinogradMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, workers := range []int{1, 2} {
		ws := NewWorkspace(workers)
		for _, c := range winoCases() {
			name := fmt.Sprintf("workers %d %+v", workers, c)
			x, w := randTensor(r, c.n, c.cin, c.h, c.w), randTensor(r, c.cout, c.cin, 3, 3)
			want, mag, shape := naiveConv(x, w, 1, 1)
			y := mat.New(shape...)
			for i := range y.Data {
				y.Data[i] = float32(math.NaN()) // must be overwritten
			}
			for _, budget := range []int{winoBlockFloats, smallWinoBudget} {
				conv2DWinograd(ws, y, x, WinogradWeights(w), nil, Linear, nil, budget)
				bound := 16 * gamma(c.cin*16+8)
				worst := 0.0
				for i, g := range y.Data {
					d := math.Abs(float64(g) - want[i])
					if !(d <= bound*mag[i]) {
						t.Fatalf("%s budget %d: y[%d] = %g, want %g (bound %g)", name, budget, i, g, want[i], bound*mag[i])
					}
					worst = max(worst, d/mag[i])
				}
				t.Logf("%s budget %d: worst |err|/Σ|w||x| = %.2g", name, budget, worst)
			}
		}
	}
}

// TestWinogradEpilogue: bias, leaky and the residual are applied as
// Conv2DInferAdd applies them.
func TestWinogradEpilogue(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	ws := NewWorkspace(2)
	for _, c := range winoCases() {
		x, w := randTensor(r, c.n, c.cin, c.h, c.w), randTensor(r, c.cout, c.cin, 3, 3)
		bias := randTensor(r, c.cout).Data
		res := randTensor(r, c.n, c.cout, c.h, c.w)
		for _, act := range []Activation{Linear, Leaky} {
			for _, rs := range []*mat.Tensor{nil, res} {
				want, got := mat.New(res.Shape...), mat.New(res.Shape...)
				Conv2DInferAdd(ws, want, x, w, bias, 1, 1, act, rs)
				Conv2DWinograd(ws, got, x, WinogradWeights(w), bias, act, rs)
				tol := 1e-5 * math.Sqrt(float64(9*c.cin))
				for i := range got.Data {
					if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > tol {
						t.Fatalf("%+v act %d res %v: y[%d] = %g, im2col %g", c, act, rs != nil, i, got.Data[i], want.Data[i])
					}
				}
			}
		}
	}
}

// smallWinoBudget cuts the last case of winoCases into several blocks.
const smallWinoBudget = 1 << 16

// TestWinogradBlocks: with smallWinoBudget, the last case of winoCases
// spans several blocks, and the one before it has blocks that straddle
// images.
func TestWinogradBlocks(t *testing.T) {
	cases := winoCases()
	c := cases[len(cases)-1]
	th, tw := (c.h+1)/2, (c.w+1)/2
	if rows := winoRows(c.cin, c.cout, c.n*th, tw, smallWinoBudget); rows >= th {
		t.Errorf("%+v: %d tile rows per block, want fewer than %d", c, rows, th)
	}
	c = cases[len(cases)-2]
	th, tw = (c.h+1)/2, (c.w+1)/2
	if rows := winoRows(c.cin, c.cout, c.n*th, tw, smallWinoBudget); rows <= th || rows%th == 0 || rows >= c.n*th {
		t.Errorf("%+v: %d tile rows per block, want blocks that straddle images of %d rows", c, rows, th)
	}
}
