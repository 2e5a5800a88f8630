package dataset

import (
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registered for LoadImage
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
)

// Image is an 8-bit RGB image.
type Image struct {
	W, H int
	Pix  []uint8 // [H, W, 3], R G B
}

// NewImage returns a w×h image filled with value v in every channel.
func NewImage(w, h int, v uint8) *Image {
	pix := make([]uint8, w*h*3)
	if v != 0 {
		for i := range pix {
			pix[i] = v
		}
	}
	return &Image{W: w, H: h, Pix: pix}
}

// LoadImage decodes a JPEG, PNG or GIF file into RGB. Grey images get three
// equal channels; alpha is dropped.
func LoadImage(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	return FromImage(m), nil
}

// FromImage converts any image.Image to an RGB Image, with fast paths for
// the types image/jpeg returns.
func FromImage(m image.Image) *Image {
	b := m.Bounds()
	out := NewImage(b.Dx(), b.Dy(), 0)
	p := out.Pix
	switch m := m.(type) {
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range out.W {
				p[0], p[1], p[2] = row[x], row[x], row[x]
				p = p[3:]
			}
		}
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				p[0], p[1], p[2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				p = p[3:]
			}
		}
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range out.W {
				p[0], p[1], p[2] = row[4*x], row[4*x+1], row[4*x+2]
				p = p[3:]
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.RGBAModel.Convert(m.At(x, y)).(color.RGBA)
				p[0], p[1], p[2] = c.R, c.G, c.B
				p = p[3:]
			}
		}
	}
	return out
}

// RGBA returns the image as an *image.RGBA (opaque), for encoding.
func (m *Image) RGBA() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i := range m.W * m.H {
		copy(out.Pix[4*i:4*i+3], m.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}

// ImageSize reads only the header of an image file and returns its width
// and height.
func ImageSize(path string) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	c, _, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0, fmt.Errorf("dataset: %s: %w", path, err)
	}
	return c.Width, c.Height, nil
}

// ResizeBilinear resizes src (sh×sw pixels of ch interleaved channels) to
// dst (dh×dw×ch) with OpenCV's INTER_LINEAR semantics (SPEC §5.2 step 2):
// destination pixel centres map to source coordinates
//
//	sx = (dx + 0.5)·sw/dw − 0.5,   sy = (dy + 0.5)·sh/dh − 0.5,
//
// clamped to the edge, and each channel is the bilinear mix of the four
// neighbours, rounded to the nearest integer. There is no anti-aliasing
// when shrinking. OpenCV mixes with 11-bit fixed-point weights, so a result
// may differ from OpenCV's by one grey level.
func ResizeBilinear(dst []uint8, dw, dh int, src []uint8, sw, sh, ch int) {
	if dw <= 0 || dh <= 0 || sw <= 0 || sh <= 0 || ch <= 0 {
		panic(errBadSize)
	}
	if len(dst) < dw*dh*ch || len(src) < sw*sh*ch {
		panic(errShortBuffer)
	}
	x0, x1, fx := bilinearTaps(dw, sw)
	y0, y1, fy := bilinearTaps(dh, sh)
	for dy := range dh {
		r0, r1, wy := src[y0[dy]*sw*ch:], src[y1[dy]*sw*ch:], fy[dy]
		out := dst[dy*dw*ch : (dy+1)*dw*ch]
		for dx := range dw {
			a, b, wx := x0[dx]*ch, x1[dx]*ch, fx[dx]
			for c := range ch {
				top := float32(r0[a+c]) + wx*(float32(r0[b+c])-float32(r0[a+c]))
				bot := float32(r1[a+c]) + wx*(float32(r1[b+c])-float32(r1[a+c]))
				out[dx*ch+c] = uint8(top + wy*(bot-top) + 0.5)
			}
		}
	}
}

// bilinearTaps returns, for each of n destination positions along an axis
// of a source with m samples, the two source indices and the weight of the
// second.
func bilinearTaps(n, m int) (i0, i1 []int, f []float32) {
	i0, i1, f = make([]int, n), make([]int, n), make([]float32, n)
	scale := float64(m) / float64(n)
	for d := range n {
		s := (float64(d)+0.5)*scale - 0.5
		fl := math.Floor(s)
		i, w := int(fl), float32(s-fl)
		if i < 0 {
			i, w = 0, 0
		}
		if i >= m-1 {
			i, w = m-1, 0
		}
		i0[d], i1[d], f[d] = i, min(i+1, m-1), w
	}
	return i0, i1, f
}

const (
	errBadSize     = "dataset: resize: non-positive size"
	errShortBuffer = "dataset: resize: buffer too short"
)

// Geometry records how Letterbox placed an image (SPEC §5.2): the image was
// scaled by Scale to NW×NH and pasted with its top-left corner at (DX, DY).
type Geometry struct {
	Scale  float64
	NW, NH int
	DX, DY int
}

// LetterboxGeometry computes SPEC §5.2 steps 1 and 3 for a w×h image and a
// size×size input: scale = min(size/w, size/h), nw = trunc(scale·w),
// nh = trunc(scale·h), offsets ((size−nw)/2, (size−nh)/2) in integers.
func LetterboxGeometry(w, h, size int) Geometry {
	s := min(float64(size)/float64(w), float64(size)/float64(h))
	nw, nh := max(1, int(s*float64(w))), max(1, int(s*float64(h)))
	return Geometry{Scale: s, NW: nw, NH: nh, DX: (size - nw) / 2, DY: (size - nh) / 2}
}

// Box maps an annotation box into the letterboxed frame the way the seed's
// data set does (SPEC §5.2 step 5): x' = trunc(x·scale + dx).
func (g Geometry) Box(b Box) Box {
	f := func(v, d int) int { return int(float64(v)*g.Scale + float64(d)) }
	return Box{X1: f(b.X1, g.DX), Y1: f(b.Y1, g.DY), X2: f(b.X2, g.DX), Y2: f(b.Y2, g.DY), Class: b.Class}
}

// Letterbox resizes img into a size×size frame padded with 128 (SPEC §5.2)
// and returns it as float32 in [0, 1], planar:
//
//	out[c·size·size + y·size + x], c = 0, 1, 2 in img's channel order
//
// so a batch of them is NCHW. Pad pixels are 128/255.
func Letterbox(img *Image, size int) ([]float32, Geometry) {
	g := LetterboxGeometry(img.W, img.H, size)
	resized := make([]uint8, g.NW*g.NH*3)
	ResizeBilinear(resized, g.NW, g.NH, img.Pix, img.W, img.H, 3)
	out := make([]float32, 3*size*size)
	for i := range out {
		out[i] = 128.0 / 255
	}
	plane := size * size
	for y := range g.NH {
		for x := range g.NW {
			o := (y+g.DY)*size + x + g.DX
			p := resized[(y*g.NW+x)*3:]
			out[o], out[plane+o], out[2*plane+o] = float32(p[0])/255, float32(p[1])/255, float32(p[2])/255
		}
	}
	return out, g
}
