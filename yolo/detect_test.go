package yolo

import (
	"bytes"
	"image"
	"math"
	"testing"
)

// TestDetectorEndToEnd builds a yolov3-tiny whose kernels are all zero, so
// each head outputs its bias in every cell. Only anchor 0 of the stride-16
// head gets a high objectness and class 1 a high logit, so a 64×64 image
// (no letterbox scaling) must give exactly the 4×4 boxes of that anchor,
// 10×14 pixels centred on the cell centres, score σ(8)·σ(6).
func TestDetectorEndToEnd(t *testing.T) {
	const k = 2
	m := NewModel(MustArch("yolov3-tiny", k))
	for h, hd := range m.Arch.Heads {
		b := m.Convs[hd.Conv].Bias.Data
		for a := range A {
			b[a*(5+k)+4] = -20 // objectness logit: nothing
		}
		if h == 0 { // stride 16
			b[4] = 8           // anchor 0 objectness
			b[5], b[6] = -5, 6 // class logits of anchor 0
		}
	}
	det := NewDetector(m, 1)
	det.InW, det.InH = 64, 64
	imgs := []image.Image{image.NewRGBA(image.Rect(0, 0, 64, 64)), image.NewGray(image.Rect(0, 0, 64, 64))}
	out, err := det.Detect(imgs)
	if err != nil {
		t.Fatal(err)
	}
	score := float32(1 / (1 + math.Exp(-8)) / (1 + math.Exp(-6)))
	for i, dets := range out {
		if len(dets) != 16 {
			t.Fatalf("image %d: %d detections, want 16", i, len(dets))
		}
		seen := map[[2]int]bool{}
		for _, d := range dets {
			q, r := int(d.X1)/16, int(d.Y1)/16
			cx, cy := float32(16*q+8), float32(16*r+8)
			want := Detection{X1: max(cx-5, 0), Y1: max(cy-7, 0), X2: min(cx+5, 63), Y2: min(cy+7, 63), Score: score, Class: 1}
			if math.Abs(float64(d.X1-want.X1))+math.Abs(float64(d.Y1-want.Y1))+math.Abs(float64(d.X2-want.X2))+math.Abs(float64(d.Y2-want.Y2)) > 1e-3 ||
				math.Abs(float64(d.Score-score)) > 1e-6 || d.Class != 1 {
				t.Errorf("image %d: %+v, want %+v", i, d, want)
			}
			seen[[2]int{q, r}] = true
		}
		if len(seen) != 16 {
			t.Errorf("image %d: boxes cover %d cells, want 16", i, len(seen))
		}
	}
	// A wider image is letterboxed: 128×64 → scale 0.5, pasted at dy = 16:
	// boxes come back in the original pixels, doubled in size.
	out, err = det.Detect([]image.Image{image.NewRGBA(image.Rect(0, 0, 128, 64))})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range out[0] {
		if w := d.X2 - d.X1; d.X1 > 0 && d.X2 < 127 && math.Abs(float64(w-20)) > 1e-3 {
			t.Errorf("letterboxed box width %v, want 20", w)
		}
	}
	if _, err := det.Detect([]image.Image{image.NewRGBA(image.Rect(0, 0, 0, 5))}); err == nil {
		t.Error("empty image accepted")
	}
}

// FuzzReadNPY: the .npy reader never panics.
func FuzzReadNPY(f *testing.F) {
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}"))
	f.Add([]byte("\x93NUMPY\x01\x00\x3a\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n\x00\x00\x80\x3f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadNPY(bytes.NewReader(data))
	})
}
