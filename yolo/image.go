package yolo

import (
	"image"
	"image/draw"

	"darkgo/dataset"
)

// ToRGBA returns img as an *image.RGBA with origin (0, 0) and rows packed
// (Stride = 4·W): img itself if it already is one, else a copy.
func ToRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) && r.Stride == 4*r.Rect.Dx() {
		return r
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// LetterboxPad is the canvas value around the pasted image, 128 as the
// upstream (darknet pads with 0.5·255).
const LetterboxPad = 128

// LetterboxImage writes img, letterboxed into inW×inH (SPEC §5.2), to dst
// [3, inH, inW] as RGB values /255 in [0, 1] — RGB because darknet's COCO
// weights were trained on RGB (the upstream feeds BGR by accident, SPEC
// §12.6). The resize is dataset.ResizeBilinear: OpenCV's INTER_LINEAR
// mapping src = (dst + 0.5)·(w/nw) − 0.5, clamped at the edges, no
// anti-aliasing, rounded to 8 bits as OpenCV's output is. The padding is
// LetterboxPad/255.
func LetterboxImage(dst []float32, img image.Image, inW, inH int) Letterbox {
	src := ToRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	lb := NewLetterbox(w, h, inW, inH)
	plane := inW * inH
	if len(dst) != 3*plane {
		panic("yolo: LetterboxImage: dst is not [3, inH, inW]")
	}
	pad := float32(LetterboxPad) / 255
	for i := range dst {
		dst[i] = pad
	}
	resized := make([]uint8, 4*lb.NW*lb.NH) // RGBA; alpha is ignored
	dataset.ResizeBilinear(resized, lb.NW, lb.NH, src.Pix, w, h, 4)
	for y := range lb.NH {
		out := (lb.DY+y)*inW + lb.DX
		row := resized[4*y*lb.NW:]
		for x := range lb.NW {
			for c := range 3 {
				dst[c*plane+out+x] = float32(row[4*x+c]) / 255
			}
		}
	}
	return lb
}
