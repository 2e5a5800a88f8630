package train

import (
	"bytes"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"darkgo/loss"
	"darkgo/mat"
	"darkgo/yolo"
)

// BenchmarkStep times one training update (forward in training mode, loss
// and dRaw, backward, NaN guard, Adam) at 416×416, batch 4, 10 classes, on
// random images with three boxes each; data loading is not included. It
// reports images/s and the process's peak resident memory (VmHWM), and
// the time of the first update separately (see below).
//
//	go test -run NONE -bench Step -benchtime 3x ./train
func BenchmarkStep(b *testing.B) {
	for _, model := range []string{"yolov3-tiny", "yolov3"} {
		b.Run("model="+model+",size=416,batch=4", func(b *testing.B) {
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
				t, err := loss.Assign(&tr.Loss, boxes)
				if err != nil {
					b.Fatal(err)
				}
				targets[i] = t
			}
			// The first update is timed on its own (first-step-s): it
			// allocates the tape's activations and gradients and faults in
			// every fresh page (Adam's moments alone are 500 MB for
			// YOLOv3, over a second on our VMs), a one-time cost of a
			// training run. ns/op is the steady state of the updates after it.
			k := int64(1)
			t0 := time.Now()
			if _, err := tr.step(k, x, targets, 1e-4); err != nil {
				b.Fatal(err)
			}
			first := time.Since(t0)
			for b.Loop() {
				k++
				if _, err := tr.step(k, x, targets, 1e-4); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(first.Seconds(), "first-step-s")
			if hwm := peakRSS(); hwm > 0 {
				b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
			}
		})
	}
}

// peakRSS returns VmHWM from /proc/self/status in bytes, or 0.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if f := bytes.Fields(line); len(f) == 3 && string(f[0]) == "VmHWM:" {
			kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
			return kb << 10
		}
	}
	return 0
}
