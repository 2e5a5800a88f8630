package yolo

import (
	"fmt"
	"image"

	"darkgo/mat"
)

// Detector is the whole inference pipeline of SPEC §5.7 for a batch of
// images: letterbox → forward → decode → postprocess → per-class NMS.
type Detector struct {
	Inf      *Inference
	InW, InH int       // network input, multiples of 32 (416×416 by default)
	Score    float32   // keep boxes with objectness·p_class > Score (0.3)
	IoU      float32   // NMS threshold (0.45)
	Method   NMSMethod // HardNMS or SoftNMS
	x        *mat.Tensor
	pred     []float32
}

// NewDetector returns a detector for m with the upstream's defaults: 416×416
// input, score 0.3, hard NMS at IoU 0.45.
func NewDetector(m *Model, workers int) *Detector {
	return &Detector{Inf: NewInference(m, workers), InW: 416, InH: 416, Score: 0.3, IoU: 0.45, Method: HardNMS}
}

// Detect finds the objects in each image, in one batched forward pass. The
// detections of image i are in the image's pixels, sorted by score.
func (d *Detector) Detect(imgs []image.Image) ([][]Detection, error) {
	n := len(imgs)
	if n == 0 {
		return nil, nil
	}
	plane := 3 * d.InH * d.InW
	if d.x == nil || d.x.Len() != n*plane {
		d.x = mat.New(n, 3, d.InH, d.InW)
	}
	lbs := make([]Letterbox, n)
	for i, img := range imgs {
		if b := img.Bounds(); b.Dx() < 1 || b.Dy() < 1 {
			return nil, fmt.Errorf("yolo: detect: image %d is empty (%v)", i, b)
		}
		lbs[i] = LetterboxImage(d.x.Data[i*plane:(i+1)*plane], img, d.InW, d.InH)
	}
	heads, err := d.Inf.Forward(d.x)
	if err != nil {
		return nil, err
	}
	a := d.Inf.Arch
	out := make([][]Detection, n)
	for i := range n {
		d.pred = d.pred[:0]
		for h, hd := range a.Heads {
			s := heads[h].Shape // [N, 3·(5+K), Gh, Gw]
			per := s[1] * s[2] * s[3]
			d.pred = Decode(d.pred, heads[h].Data[i*per:(i+1)*per], s[2], s[3], a.Classes, hd)
		}
		out[i] = NMS(Postprocess(d.pred, a.Classes, lbs[i], d.Score), d.IoU, d.Method)
	}
	return out, nil
}
