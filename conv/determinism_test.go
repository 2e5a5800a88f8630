package conv

import (
	"math/rand/v2"
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
