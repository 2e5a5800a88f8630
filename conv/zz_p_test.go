package conv

import (
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

func TestZZProfS2(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ws := NewWorkspace(0)
	l := layerShape{32, 64, 3, 2, 416}
	ho := OutSize(l.h, l.k, l.s, l.k/2)
	x, w := randTensor(r, 1, l.cin, l.h, l.h), randTensor(r, l.cout, l.cin, l.k, l.k)
	y, dy := mat.New(1, l.cout, ho, ho), randTensor(r, 1, l.cout, ho, ho)
	dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
	for range 40 {
		Conv2DForward(ws, y, x, w, l.s, l.k/2)
		Conv2DBackward(ws, dx, dw, dy, x, w, l.s, l.k/2)
	}
}
