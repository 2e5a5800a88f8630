package yolo

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"darkgo/mat"
)

// BenchmarkForward times the fused inference forward pass at 416×416 for
// YOLOv3 and YOLOv3-tiny (COCO, 80 classes, random weights: speed does not
// depend on the values) with batch 1 and 4. FLOPs per image come from the
// layer table (2·Cout·Cin·k²·Ho·Wo summed over the convs).
//
//	go test -run '^$' -bench Forward -benchtime 3x ./yolo/
func BenchmarkForward(b *testing.B) {
	for _, name := range Models() {
		b.Run("model="+name, func(b *testing.B) { benchForward(b, name) })
	}
}

func benchForward(b *testing.B, name string) {
	m := NewModel(MustArch(name, 80))
	m.InitRandom(rand.New(rand.NewPCG(1, 2)))
	inf := NewInference(m, 0)
	p, _ := m.Arch.NewPlan(416, 416)
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("size=416/batch=%d", n), func(b *testing.B) {
			x := mat.New(n, 3, 416, 416)
			for i := range x.Data {
				x.Data[i] = float32(i%255) / 255
			}
			if _, err := inf.Forward(x); err != nil { // lay out the buffers
				b.Fatal(err)
			}
			for b.Loop() {
				inf.Forward(x)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(n*b.N)/sec, "images/s")
			b.ReportMetric(sec/float64(n*b.N)*1e3, "ms/image")
			b.ReportMetric(float64(p.TotalFLOPs())*float64(n*b.N)/sec/1e9, "GFLOP/s")
		})
	}
}
