package yolo

import (
	"fmt"
	"image"
	"image/color"
)

// The upstream's class colours (SPEC §5.6) for K = 10 and K = 80: hues k/K
// at full saturation and value, shuffled with Python's random.seed(0). The
// upstream writes these triples into a BGR image, so the colour seen on
// screen is (B, G, R) = (t0, t1, t2); ClassColors returns that colour.
var (
	colors10 = [][3]uint8{{50, 0, 255}, {204, 0, 255}, {255, 153, 0}, {0, 255, 255}, {51, 255, 0},
		{0, 255, 102}, {203, 255, 0}, {255, 0, 0}, {255, 0, 152}, {0, 102, 255}}
	colors80 = [][3]uint8{{50, 0, 255}, {0, 178, 255}, {0, 216, 255}, {0, 63, 255}, {51, 255, 0}, {0, 255, 82},
		{255, 0, 229}, {255, 210, 0}, {242, 0, 255}, {0, 235, 255}, {255, 0, 95}, {255, 153, 0},
		{0, 255, 197}, {0, 255, 44}, {255, 19, 0}, {242, 255, 0}, {0, 25, 255}, {108, 0, 255},
		{184, 0, 255}, {165, 255, 0}, {0, 121, 255}, {255, 38, 0}, {255, 0, 38}, {255, 0, 114},
		{70, 255, 0}, {255, 133, 0}, {255, 191, 0}, {127, 0, 255}, {12, 255, 0}, {223, 255, 0},
		{31, 0, 255}, {255, 0, 172}, {31, 255, 0}, {255, 0, 57}, {255, 0, 0}, {255, 57, 0},
		{203, 255, 0}, {255, 0, 76}, {0, 255, 25}, {255, 0, 19}, {0, 102, 255}, {255, 248, 0},
		{0, 255, 255}, {0, 255, 235}, {127, 255, 0}, {255, 0, 210}, {89, 255, 0}, {12, 0, 255},
		{0, 255, 159}, {0, 255, 63}, {108, 255, 0}, {0, 197, 255}, {255, 76, 0}, {0, 140, 255},
		{255, 114, 0}, {146, 255, 0}, {255, 172, 0}, {70, 0, 255}, {255, 0, 152}, {255, 0, 133},
		{255, 0, 191}, {0, 255, 140}, {89, 0, 255}, {0, 255, 102}, {255, 229, 0}, {255, 0, 248},
		{0, 255, 178}, {184, 255, 0}, {204, 0, 255}, {0, 255, 6}, {0, 159, 255}, {146, 0, 255},
		{0, 255, 216}, {0, 44, 255}, {165, 0, 255}, {223, 0, 255}, {0, 255, 121}, {255, 95, 0},
		{0, 6, 255}, {0, 82, 255}}
)

// ClassColors returns one colour per class: the upstream's tables for
// K = 10 and 80 (as they appear on screen), otherwise the same hues k/K
// (HSV → RGB, truncated to 0…255) visited with a stride coprime to K so that
// neighbouring class ids get distant hues.
func ClassColors(k int) []color.RGBA {
	out := make([]color.RGBA, k)
	var table [][3]uint8
	switch k {
	case 10:
		table = colors10
	case 80:
		table = colors80
	}
	if table != nil {
		for i, t := range table {
			out[i] = color.RGBA{t[2], t[1], t[0], 255}
		}
		return out
	}
	step := 1
	for s := k/3 + 1; s < k; s++ {
		if gcd(s, k) == 1 {
			step = s
			break
		}
	}
	for i := range k {
		r, g, b := hsvToRGB(float64(i*step%k) / float64(k))
		out[i] = color.RGBA{r, g, b, 255}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// hsvToRGB converts hue h ∈ [0, 1) at full saturation and value, as
// Python's colorsys.hsv_to_rgb followed by int(255·x).
func hsvToRGB(h float64) (r, g, b uint8) {
	i := int(h * 6)
	f := h*6 - float64(i)
	q, t := 1-f, f
	var rf, gf, bf float64
	switch i % 6 {
	case 0:
		rf, gf, bf = 1, t, 0
	case 1:
		rf, gf, bf = q, 1, 0
	case 2:
		rf, gf, bf = 0, 1, t
	case 3:
		rf, gf, bf = 0, q, 1
	case 4:
		rf, gf, bf = t, 0, 1
	case 5:
		rf, gf, bf = 1, 0, q
	}
	return uint8(255 * rf), uint8(255 * gf), uint8(255 * bf)
}

// DrawDetections draws each detection on img (SPEC §5.6): a rectangle in its
// class colour with line width 2t, t = max(1, trunc(0.6·(W+H)/1000)), and a
// caption "name 0.98" in the embedded 5×7 font scaled by t on a filled
// box of the same colour above the top-left corner (inside the box when
// there is no room above). The caption ink is black or white, whichever
// contrasts more with the box colour (the upstream uses cyan).
func DrawDetections(img *image.RGBA, dets []Detection, names []string, colors []color.RGBA) {
	b := img.Rect
	t := max(1, int(0.6*float64(b.Dx()+b.Dy())/1000))
	for _, d := range dets {
		col := color.RGBA{255, 0, 0, 255}
		if d.Class >= 0 && d.Class < len(colors) {
			col = colors[d.Class]
		}
		x1, y1, x2, y2 := int(d.X1)+b.Min.X, int(d.Y1)+b.Min.Y, int(d.X2)+b.Min.X, int(d.Y2)+b.Min.Y
		lw := 2 * t
		fill(img, image.Rect(x1, y1, x2+1, y1+lw), col)
		fill(img, image.Rect(x1, y2+1-lw, x2+1, y2+1), col)
		fill(img, image.Rect(x1, y1, x1+lw, y2+1), col)
		fill(img, image.Rect(x2+1-lw, y1, x2+1, y2+1), col)

		label := fmt.Sprintf("class%d", d.Class)
		if d.Class >= 0 && d.Class < len(names) {
			label = names[d.Class]
		}
		label = fmt.Sprintf("%s %.2f", label, d.Score)
		tw, th := TextSize(label, t)
		pad := t
		top := y1 - th - 2*pad
		if top < b.Min.Y {
			top = y1 + lw
		}
		fill(img, image.Rect(x1, top, x1+tw+2*pad, top+th+2*pad), col)
		ink := color.RGBA{0, 0, 0, 255}
		if 299*int(col.R)+587*int(col.G)+114*int(col.B) < 128*1000 {
			ink = color.RGBA{255, 255, 255, 255}
		}
		DrawText(img, x1+pad, top+pad, label, t, ink)
	}
}

// TextSize is the width and height in pixels of s drawn at the given scale.
func TextSize(s string, scale int) (w, h int) {
	if len(s) == 0 {
		return 0, 0
	}
	return (len(s)*cellW - 1) * scale, glyphH * scale
}

// DrawText draws s with its top-left corner at (x, y), each font pixel a
// scale×scale square. Characters outside printable ASCII draw as '?'.
func DrawText(img *image.RGBA, x, y int, s string, scale int, c color.RGBA) {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 32 || ch > 126 {
			ch = '?'
		}
		g := font[ch-32]
		for r := range glyphH {
			for q := range glyphW {
				if g[r]&(1<<(glyphW-1-q)) != 0 {
					px := x + (i*cellW+q)*scale
					py := y + r*scale
					fill(img, image.Rect(px, py, px+scale, py+scale), c)
				}
			}
		}
	}
}

// fill paints r ∩ img's bounds with c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):]
		for x := range r.Dx() {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
}
