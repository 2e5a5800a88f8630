package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"darkgo/mat"
)

func TestZZTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ws := NewWorkspace(0)
	for _, l := range darknet53Shapes() {
		ho := OutSize(l.h, l.k, l.s, l.k/2)
		x, w := randTensor(r, 1, l.cin, l.h, l.h), randTensor(r, l.cout, l.cin, l.k, l.k)
		y, dy := mat.New(1, l.cout, ho, ho), randTensor(r, 1, l.cout, ho, ho)
		dx, dw := mat.New(x.Shape...), mat.New(w.Shape...)
		ckk := l.cin * l.k * l.k
		a, bb, c := randTensor(r, l.cout*ckk).Data, randTensor(r, ckk*ho*ho).Data, make([]float32, l.cout*ho*ho)
		fs := []func(){
			func() { ws.gemm.Sgemm(mat.NoTrans, mat.NoTrans, l.cout, ho*ho, ckk, 1, a, ckk, bb, ho*ho, 0, c, ho*ho) },
			func() { Conv2DForward(ws, y, x, w, l.s, l.k/2) },
			func() { Conv2DBackward(ws, dx, dw, dy, x, w, l.s, l.k/2) },
		}
		best := []time.Duration{time.Hour, time.Hour, time.Hour}
		for rep := range 6 {
			for i, f := range fs { // interleaved, so all three see the same load
				t0 := time.Now()
				f()
				if d := time.Since(t0); rep > 0 {
					best[i] = min(best[i], d)
				}
			}
		}
		tg, tf, tb := best[0], best[1], best[2]
		fl := l.flops(1)
		fmt.Printf("| %-34v | %6.1f | %6.1f | %4.0f%% | %6.1f | %4.0f%% |\n", l, fl/tg.Seconds()/1e9, fl/tf.Seconds()/1e9, 100*tg.Seconds()/tf.Seconds(), 2*fl/tb.Seconds()/1e9, 100*2*tg.Seconds()/tb.Seconds())
	}
}
