package conv

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"darkgo/mat"
)

// TestConvWorkersBitIdentical checks that forward and backward give the same
// bits for 1, 2 and 3 workers: the trainer's determinism rests on it. The
// cases cover a batch of whole images, and batches of one and two images
// whose backward pass is cut into chunks of col tiles (bwdChunks), with a
// 3×3 kernel (chunks in two phases), stride 2, and a 1×1 one.
func TestConvWorkersBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []convCase{
		// |W| = 18432 floats: the sum of the per-image dW is shared out too.
		{4, 32, 16, 16, 64, 3, 1, 1},
		{1, 32, 70, 64, 64, 3, 1, 1},
		{2, 16, 130, 120, 24, 3, 2, 1},
		{1, 300, 60, 60, 40, 1, 1, 0},
		sideBySideCase,
		// One col tile with Cout ≥ minCrewRows: its GEMM rows are shared
		// out among the crew (rowsOnCrew), Cout not a multiple of 8 or of
		// the worker count.
		{1, 16, 9, 9, minCrewRows + 5, 3, 1, 1},
		{1, 24, 14, 13, minCrewRows, 3, 2, 1},
	} {
		x, w := randTensor(r, c.n, c.cin, c.h, c.w), randTensor(r, c.cout, c.cin, c.k, c.k)
		ho, wo := OutSize(c.h, c.k, c.s, c.p), OutSize(c.w, c.k, c.s, c.p)
		dy := randTensor(r, c.n, c.cout, ho, wo)
		g := geom{n: c.n, cin: c.cin, k: c.k, s: c.s, p: c.p, h: c.h, w: c.w, ho: ho, wo: wo}
		t.Logf("%+v: %d backward chunks per image", c, g.bwdChunks())
		var ref [3]*mat.Tensor
		for _, workers := range []int{1, 2, 3} {
			ws := NewWorkspace(workers)
			y := mat.New(c.n, c.cout, ho, wo)
			Conv2DForward(ws, y, x, w, c.s, c.p)
			dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
			Conv2DBackward(ws, dx, dw, dy, x, w, c.s, c.p)
			if ref[0] == nil {
				ref = [3]*mat.Tensor{y, dw, dx}
				continue
			}
			for i, name := range []string{"y", "dw", "dx"} {
				got := [3]*mat.Tensor{y, dw, dx}[i]
				for e := range got.Data {
					if got.Data[e] != ref[i].Data[e] {
						t.Fatalf("%+v workers=%d: %s differs at %d", c, workers, name, e)
					}
				}
			}
		}
	}
}

// TestBwdChunks: the chunking of the backward pass for batches of 1, 2 and
// 4 images of a tiled layer, and chunks two apart leave a gap of input rows.
func TestBwdChunks(t *testing.T) {
	for _, tc := range []struct {
		c    convCase
		want int
	}{
		{convCase{1, 32, 70, 64, 64, 3, 1, 1}, 4}, // 5 tiles
		{convCase{2, 32, 70, 64, 64, 3, 1, 1}, 2},
		{convCase{4, 32, 70, 64, 64, 3, 1, 1}, 1},
		{convCase{1, 32, 16, 16, 64, 3, 1, 1}, 1},  // one tile
		{convCase{1, 32, 20, 300, 64, 3, 1, 1}, 4}, // 4 chunks of 1500 px: 5 rows of 300, at least 4
		{convCase{1, 32, 6, 600, 64, 3, 1, 1}, 1},  // 3600 px: 2 chunks would be 3 rows of 600, fewer than 4
		{convCase{1, 32, 14, 300, 64, 3, 1, 1}, 3}, // 4200 px: 4 chunks of 3.5 rows are too short, 3 of 4.7 are not
	} {
		c := tc.c
		ho, wo := OutSize(c.h, c.k, c.s, c.p), OutSize(c.w, c.k, c.s, c.p)
		g := geom{n: c.n, cin: c.cin, k: c.k, s: c.s, p: c.p, h: c.h, w: c.w, ho: ho, wo: wo}
		got := g.bwdChunks()
		if got != tc.want {
			t.Errorf("%+v: %d chunks, want %d", c, got, tc.want)
		}
		for i := 0; i+2 < got; i++ {
			// Input rows reached: oy·s − p … oy·s − p + k − 1.
			_, a1 := g.chunkPixels(got, i)
			b0, _ := g.chunkPixels(got, i+2)
			lastA := ((a1-1)/wo)*c.s - c.p + c.k - 1
			firstB := (b0/wo)*c.s - c.p
			if firstB <= lastA {
				t.Errorf("%+v: chunks %d and %d both reach input row %d", c, i, i+2, firstB)
			}
		}
	}
}

// TestSumImages checks the chunked per-image sum against the plain loop
// "for n: dst += part n" bit for bit, on a length spanning several chunks.
func TestSumImages(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const size, n = 2*l1Chunk + 37, 3
	parts := randTensor(r, n, size).Data
	dst := randTensor(r, size).Data
	want := append([]float32(nil), dst...)
	for i := range n {
		for j := range want {
			want[j] += parts[i*size+j]
		}
	}
	sumImages(dst, parts, n, 0, 1)
	sumImages(dst, parts, n, 1, 3) // the last chunk is partial
	for j := range dst {
		if dst[j] != want[j] {
			t.Fatalf("dst[%d] = %g, want %g", j, dst[j], want[j])
		}
	}
}

// TestLayersGoroutinesBitIdentical runs the layers that share their
// channels or planes among GOMAXPROCS goroutines (batch norm forward and
// backward, max pool forward and backward, the residual add, upsampling)
// with GOMAXPROCS 1, 2 and 3, on tensors large enough to be split: the
// results must be the same bits.
func TestLayersGoroutinesBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(9, 10))
	x, dy := randTensor(r, 2, 7, 96, 96), randTensor(r, 2, 7, 96, 96)
	gamma, beta := randTensor(r, 7).Data, randTensor(r, 7).Data
	var ref []*mat.Tensor
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		var out []*mat.Tensor
		y, g := x.Clone(), dy.Clone()
		runMean, runVar, mean, invStd := make([]float32, 7), make([]float32, 7), make([]float32, 7), make([]float32, 7)
		BatchNormTrain(y, y, gamma, beta, runMean, runVar, mean, invStd, Leaky)
		out = append(out, y.Clone(), mat.FromData(append(append(runMean, runVar...), mean...), 21))
		dgamma, dbeta := make([]float32, 7), make([]float32, 7)
		BatchNormBackwardInPlace(g, y, dgamma, dbeta, gamma, beta, invStd, true, Leaky)
		out = append(out, g, y, mat.FromData(append(dgamma, dbeta...), 14))
		p := mat.New(2, 7, 48, 48)
		MaxPool(p, x, 2, 2)
		dx := dy.Clone()
		MaxPoolBackward(dx, p, x, 2, 2)
		out = append(out, p, dx)
		s := mat.New(x.Shape...)
		Add(s, x, dy)
		AddTo(s, x)
		u := mat.New(2, 7, 192, 192)
		Upsample2x(u, x)
		du := x.Clone()
		Upsample2xBackward(du, u)
		out = append(out, s, u, du)
		if ref == nil {
			ref = out
			continue
		}
		for k := range out {
			for i := range out[k].Data {
				if math.Float32bits(out[k].Data[i]) != math.Float32bits(ref[k].Data[i]) {
					t.Fatalf("GOMAXPROCS=%d: output %d differs at %d: %g, want %g", procs, k, i, out[k].Data[i], ref[k].Data[i])
				}
			}
		}
	}
}

// TestWorkspaceHelpersEnd checks that a dropped Workspace's helper
// goroutines (its crew's and its GEMMs') end, after they have run jobs.
func TestWorkspaceHelpersEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, w := randTensor(r, 1, 16, 9, 9), randTensor(r, minCrewRows, 16, 3, 3)
	before := runtime.NumGoroutine()
	for range 10 {
		ws := NewWorkspace(3)
		Conv2DForward(ws, mat.New(1, minCrewRows, 9, 9), x, w, 1, 1) // crew jobs: im2col, GEMM rows
	}
	for range 100 {
		runtime.GC()
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutines before, %d after dropping 10 Workspaces", before, runtime.NumGoroutine())
}
