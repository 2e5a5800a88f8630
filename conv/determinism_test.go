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
	x, w := randTensor(r, 4, 16, 32, 32), randTensor(r, 32, 16, 3, 3)
	dy := randTensor(r, 4, 32, 32, 32)
	var ref [2]*mat.Tensor
	for _, workers := range []int{1, 2, 3} {
		ws := NewWorkspace(workers)
		y := mat.New(4, 32, 32, 32)
		Conv2DForward(ws, y, x, w, 1, 1)
		dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
		Conv2DBackward(ws, dx, dw, dy, x, w, 1, 1)
		if ref[0] == nil {
			ref = [2]*mat.Tensor{y, dw}
			continue
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
