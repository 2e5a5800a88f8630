package conv

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"darkgo/mat"
)

// TestConvWorkersBitIdentical checks that forward and backward give the same
// bits for 1, 2 and 3 workers: the trainer's determinism rests on it.
func TestConvWorkersBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// |W| = 18432 floats: the sum of the per-image dW is shared out too.
	x, w := randTensor(r, 4, 32, 16, 16), randTensor(r, 64, 32, 3, 3)
	dy := randTensor(r, 4, 64, 16, 16)
	var ref [3]*mat.Tensor
	for _, workers := range []int{1, 2, 3} {
		ws := NewWorkspace(workers)
		y := mat.New(4, 64, 16, 16)
		Conv2DForward(ws, y, x, w, 1, 1)
		dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
		Conv2DBackward(ws, dx, dw, dy, x, w, 1, 1)
		if ref[0] == nil {
			ref = [3]*mat.Tensor{y, dw, dx}
			continue
		}
		for i := range dx.Data {
			if dx.Data[i] != ref[2].Data[i] {
				t.Fatalf("workers=%d: dx differs at %d", workers, i)
			}
		}
		for i := range y.Data {
			if y.Data[i] != ref[0].Data[i] {
				t.Fatalf("workers=%d: y differs at %d", workers, i)
			}
		}
		for i := range dw.Data {
			if dw.Data[i] != ref[1].Data[i] {
				t.Fatalf("workers=%d: dw differs at %d", workers, i)
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
