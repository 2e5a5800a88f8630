package train

import (
	"math"
	"math/rand/v2"

	"darkgo/dataset"
	"darkgo/loss"
)

// Augment is the seed's training-time augmentation (SPEC §6.3), applied to
// the original-size image before letterboxing: a horizontal flip, a random
// crop and a random translation, each with probability ½ and in that order.
// Boxes are in the image's pixels, corner form, edges at pixel boundaries
// (pixel x covers [x, x+1)), and stay float64 throughout (SPEC §12 quirk 5
// fixed: the seed truncates them to integers after translating).
//
// Three fixes to the seed, all deliberate:
//
//   - Flip is off unless Flip is set (SPEC §12 quirk 2): a mirrored 2, 3,
//     4, 5, 7 or 9 is not that digit. The coin is tossed either way, so the
//     crop and translate draws do not depend on the setting.
//   - The crop cuts all four sides (quirk 3: the seed's max() where min()
//     was meant never cuts the right and bottom). Each side moves a uniform
//     random amount between the image edge and the union of the boxes; the
//     left/top edge is rounded down and the right/bottom up, so the union
//     is never cut.
//   - The translation fills uncovered pixels with Fill in every channel
//     instead of black (quirk 4). The default, 128, is the letterbox pad
//     value (SPEC §5.2), so "no image here" looks the same to the network
//     whichever step produced it. For the MNIST canvases, whose background
//     is white, 255 hides the seam entirely; cmd/yolo exposes it as a flag.
//
// The translation is drawn as in the seed, tx ~ U(−(Ux1 − 1), w − Ux2 − 1)
// for the union box (Ux1, Uy1, Ux2, Uy2) of the current boxes, with each
// bound clamped to 0 when the union is within 1 pixel of an edge so a
// translation never pushes a box out of the frame (the seed's range can
// then have the wrong sign). Images without boxes are only flipped.
type Augment struct {
	Flip bool  // mirror columns with probability ½
	Fill uint8 // translate background, every channel
}

// Apply returns an augmented copy of img and boxes; neither input is
// modified (training images are cached and reused every epoch). All
// randomness comes from r, in a fixed order: flip coin, crop coin, four crop
// draws if cropping, translate coin, two translate draws if translating.
func (a Augment) Apply(img *dataset.Image, boxes []loss.Box, r *rand.Rand) (*dataset.Image, []loss.Box) {
	boxes = append([]loss.Box(nil), boxes...)
	if r.Float64() < 0.5 && a.Flip {
		img, boxes = flipH(img, boxes)
	}
	if r.Float64() < 0.5 && len(boxes) > 0 {
		img, boxes = randomCrop(img, boxes, r)
	}
	if r.Float64() < 0.5 && len(boxes) > 0 {
		img, boxes = randomTranslate(img, boxes, r, a.Fill)
	}
	return img, boxes
}

// flipH mirrors columns: pixel x moves to w−1−x and a box edge at x to w−x.
func flipH(img *dataset.Image, boxes []loss.Box) (*dataset.Image, []loss.Box) {
	out := dataset.NewImage(img.W, img.H, 0)
	for y := range img.H {
		src, dst := img.Pix[y*img.W*3:(y+1)*img.W*3], out.Pix[y*img.W*3:(y+1)*img.W*3]
		for x := range img.W {
			copy(dst[3*(img.W-1-x):3*(img.W-x)], src[3*x:3*x+3])
		}
	}
	w := float64(img.W)
	for i, b := range boxes {
		boxes[i].X1, boxes[i].X2 = w-b.X2, w-b.X1
	}
	return out, boxes
}

// union returns the smallest box containing all boxes, clipped to the
// w×h image.
func union(boxes []loss.Box, w, h int) (x1, y1, x2, y2 float64) {
	x1, y1, x2, y2 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, b := range boxes {
		x1, y1 = min(x1, b.X1), min(y1, b.Y1)
		x2, y2 = max(x2, b.X2), max(y2, b.Y2)
	}
	return max(x1, 0), max(y1, 0), min(x2, float64(w)), min(y2, float64(h))
}

// randomCrop keeps the window [cx1, cx2) × [cy1, cy2) with
//
//	cx1 = ⌊Ux1 − U(0, Ux1)⌋,  cx2 = ⌈Ux2 + U(0, w − Ux2)⌉   (rows alike)
//
// drawn in the seed's order (left, top, right, bottom), and shifts the
// boxes by (−cx1, −cy1).
func randomCrop(img *dataset.Image, boxes []loss.Box, r *rand.Rand) (*dataset.Image, []loss.Box) {
	ux1, uy1, ux2, uy2 := union(boxes, img.W, img.H)
	w, h := float64(img.W), float64(img.H)
	cx1 := int(math.Floor(ux1 - ux1*r.Float64()))
	cy1 := int(math.Floor(uy1 - uy1*r.Float64()))
	cx2 := int(math.Ceil(ux2 + (w-ux2)*r.Float64()))
	cy2 := int(math.Ceil(uy2 + (h-uy2)*r.Float64()))
	cx1, cy1 = max(cx1, 0), max(cy1, 0)
	cx2, cy2 = min(cx2, img.W), min(cy2, img.H)
	if cx2-cx1 < 1 || cy2-cy1 < 1 {
		return img, boxes
	}
	out := dataset.NewImage(cx2-cx1, cy2-cy1, 0)
	for y := range out.H {
		copy(out.Pix[y*out.W*3:(y+1)*out.W*3], img.Pix[((cy1+y)*img.W+cx1)*3:((cy1+y)*img.W+cx2)*3])
	}
	for i := range boxes {
		boxes[i].X1 -= float64(cx1)
		boxes[i].X2 -= float64(cx1)
		boxes[i].Y1 -= float64(cy1)
		boxes[i].Y2 -= float64(cy1)
	}
	return out, boxes
}

// randomTranslate shifts the image by (tx, ty) pixels (see Augment for the
// ranges) with bilinear interpolation, like OpenCV's warpAffine with a
// constant border: output pixel (x, y) samples the input at (x − tx,
// y − ty) in pixel-index coordinates, and neighbours outside the input
// count as fill.
func randomTranslate(img *dataset.Image, boxes []loss.Box, r *rand.Rand, fill uint8) (*dataset.Image, []loss.Box) {
	ux1, uy1, ux2, uy2 := union(boxes, img.W, img.H)
	w, h := float64(img.W), float64(img.H)
	uniform := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	tx := uniform(-max(ux1-1, 0), max(w-ux2-1, 0))
	ty := uniform(-max(uy1-1, 0), max(h-uy2-1, 0))
	out := translate(img, tx, ty, fill)
	for i := range boxes {
		boxes[i].X1 += tx
		boxes[i].X2 += tx
		boxes[i].Y1 += ty
		boxes[i].Y2 += ty
	}
	return out, boxes
}

// translate returns img shifted by (tx, ty); see randomTranslate.
func translate(img *dataset.Image, tx, ty float64, fill uint8) *dataset.Image {
	out := dataset.NewImage(img.W, img.H, 0)
	// The shift is the same for every pixel, so the bilinear weights are too.
	fx, fy := math.Floor(-tx), math.Floor(-ty)
	ix, iy := int(fx), int(fy)
	wx, wy := float32(-tx-fx), float32(-ty-fy) // weight of the right/lower neighbour
	at := func(x, y, c int) float32 {
		if x < 0 || y < 0 || x >= img.W || y >= img.H {
			return float32(fill)
		}
		return float32(img.Pix[(y*img.W+x)*3+c])
	}
	for y := range img.H {
		sy := y + iy
		for x := range img.W {
			sx := x + ix
			o := out.Pix[(y*img.W+x)*3:]
			for c := range 3 {
				top := at(sx, sy, c) + wx*(at(sx+1, sy, c)-at(sx, sy, c))
				bot := at(sx, sy+1, c) + wx*(at(sx+1, sy+1, c)-at(sx, sy+1, c))
				o[c] = uint8(top + wy*(bot-top) + 0.5)
			}
		}
	}
	return out
}
