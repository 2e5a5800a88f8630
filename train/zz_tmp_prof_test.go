package train

import (
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"darkgo/loss"
	"darkgo/mat"
	"darkgo/yolo"
)

// Temporary (deleted before the report): steady-state profile of the step.
func TestTmpProfile(t *testing.T) {
	model := os.Getenv("TMP_MODEL")
	if model == "" {
		t.Skip()
	}
	steps, _ := strconv.Atoi(os.Getenv("TMP_STEPS"))
	const size, batch = 416, 4
	arch := yolo.MustArch(model, 10)
	m := yolo.NewModel(arch)
	r := rand.New(rand.NewPCG(1, 2))
	m.InitRandom(r)
	net := NewYOLONet(m, runtime.GOMAXPROCS(0))
	tr := &Trainer{Net: net, Loss: LossConfig(arch, size), params: net.Params()}
	tr.Adam = NewAdam(tr.params, runtime.GOMAXPROCS(0))
	x := mat.New(batch, 3, size, size)
	for i := range x.Data {
		x.Data[i] = r.Float32()
	}
	targets := make([]*loss.Targets, batch)
	for i := range targets {
		var boxes []loss.Box
		for j := range 3 {
			x0, y0 := float64(r.IntN(300)), float64(r.IntN(300))
			s := float64(int(14) << j)
			boxes = append(boxes, loss.Box{X1: x0, Y1: y0, X2: x0 + s, Y2: y0 + s, Class: r.IntN(10)})
		}
		tt, _ := loss.Assign(&tr.Loss, boxes)
		targets[i] = tt
	}
	tr.step(1, x, targets, 1e-4)
	f, _ := os.Create(os.Getenv("TMP_PROF"))
	pprof.StartCPUProfile(f)
	var best time.Duration
	for k := range steps {
		t0 := time.Now()
		tr.step(int64(k+2), x, targets, 1e-4)
		d := time.Since(t0)
		if best == 0 || d < best {
			best = d
		}
		t.Logf("step %d: %v", k, d)
	}
	pprof.StopCPUProfile()
	f.Close()
	t.Logf("best %v", best)
}
