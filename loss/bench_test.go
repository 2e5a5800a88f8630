package loss

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkLoss: the loss and its gradient for YOLOv3 heads at 416×416,
// batch 4, C = 10, six boxes per image (assignment included).
func BenchmarkLoss(b *testing.B) {
	const n, classes = 4, 10
	cfg := YOLOv3(classes, 416, 416)
	rng := rand.New(rand.NewPCG(1, 2))
	var boxes [][]Box
	for range n {
		var bs []Box
		for range 6 {
			side := 14 + rng.Float64()*100
			x, y := rng.Float64()*(416-side), rng.Float64()*(416-side)
			bs = append(bs, Box{X1: x, Y1: y, X2: x + side, Y2: y + side*1.2*rng.Float64(), Class: rng.IntN(classes)})
		}
		boxes = append(boxes, bs)
	}
	raw := make([][]float32, 3)
	grad := make([][]float32, 3)
	for i := range raw {
		raw[i] = make([]float32, cfg.RawLen(i, n))
		grad[i] = make([]float32, len(raw[i]))
		for j := range raw[i] {
			raw[i][j] = float32(rng.NormFloat64())
		}
	}
	targets := make([]*Targets, n)
	for b.Loop() {
		for k, bs := range boxes {
			t, err := Assign(&cfg, bs)
			if err != nil {
				b.Fatal(err)
			}
			targets[k] = t
		}
		if _, err := Compute(&cfg, raw, targets, grad); err != nil {
			b.Fatal(err)
		}
	}
}
