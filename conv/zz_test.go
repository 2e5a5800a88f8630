package conv

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"darkgo/mat"
)

func BenchmarkZZU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range []layerShape{{512, 1024, 3, 2, 26}, {512, 1024, 3, 1, 13}, {256, 512, 3, 1, 26}} {
		ho := OutSize(l.h, l.k, l.s, l.k/2)
		x, w := randTensor(r, 1, l.cin, l.h, l.h), randTensor(r, l.cout, l.cin, l.k, l.k)
		y := mat.New(1, l.cout, ho, ho)
		ws := NewWorkspace(0)
		m, nn, k := l.cout, ho*ho, l.cin*l.k*l.k
		ld := colLd(nn)
		bb := randTensor(r, k*ld).Data
		g := checkConv(y, x, w, l.s, l.k/2)
		col := make([]float32, k*ld)
		g0, g1 := mat.NewGemm(1), mat.NewGemm(1)
		s0, s1 := make([]float32, g.s2ScratchLen(nn)+1024), make([]float32, g.s2ScratchLen(nn)+1024)
		var posted, phase1, done atomic.Int64
		stop := make(chan struct{})
		half := m / 2
		run := func(name string, f func()) {
			b.Run(fmt.Sprintf("%s/%v", name, l), func(b *testing.B) {
				f()
				for b.Loop() {
					f()
				}
				reportGFLOPs(b, l.flops(1))
			})
		}
		run("fwd", func() { Conv2DForward(ws, y, x, w, l.s, l.k/2) })
		run("gemm", func() { ws.gemm.Sgemm(mat.NoTrans, mat.NoTrans, m, nn, k, 1, w.Data, k, bb, nn, 0, y.Data, nn) })
		go func() {
			var seen int64
			for {
				for posted.Load() == seen {
					select {
					case <-stop:
						return
					default:
					}
				}
				seen++
				g.im2col(col, x.Data, s1, g.cin/2, g.cin, 0, nn)
				phase1.Add(1)
				for phase1.Load() != 2*seen {
				}
				g1.Sgemm(mat.NoTrans, mat.NoTrans, m-half, nn, k, 1, w.Data[half*k:], k, col, ld, 0, y.Data[half*nn:], nn)
				done.Add(1)
			}
		}()
		run("unified", func() {
			want := posted.Add(1)
			g.im2col(col, x.Data, s0, 0, g.cin/2, 0, nn)
			phase1.Add(1)
			for phase1.Load() != 2*want {
				runtime.Gosched()
			}
			g0.Sgemm(mat.NoTrans, mat.NoTrans, half, nn, k, 1, w.Data, k, col, ld, 0, y.Data, nn)
			for done.Load() != want {
			}
		})
		close(stop)
	}
}
