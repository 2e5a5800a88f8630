package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"darkgo/dataset"
	"darkgo/loss"
)

const (
	bgGrey   = 200 // synthetic background
	fillGrey = 128 // translate fill
)

// synthetic returns a w×h image of background bgGrey with each box painted
// in its own dark grey (10·(i+1)), and the boxes.
func synthetic(w, h int, boxes []loss.Box) *dataset.Image {
	img := dataset.NewImage(w, h, bgGrey)
	for i, b := range boxes {
		for y := int(b.Y1); y < int(b.Y2); y++ {
			for x := int(b.X1); x < int(b.X2); x++ {
				for c := range 3 {
					img.Pix[(y*w+x)*3+c] = uint8(10 * (i + 1))
				}
			}
		}
	}
	return img
}

// checkCovers verifies that the boxes still cover the same pixels: every
// pixel entirely inside box i has that box's grey, and every pixel entirely
// outside all boxes is background or fill (or a mix of the two). Boxes must
// lie inside the image.
func checkCovers(t *testing.T, what string, img *dataset.Image, boxes []loss.Box) {
	t.Helper()
	for i, b := range boxes {
		if b.X1 < 0 || b.Y1 < 0 || b.X2 > float64(img.W) || b.Y2 > float64(img.H) {
			t.Fatalf("%s: box %d %+v leaves the %d×%d image", what, i, b, img.W, img.H)
		}
	}
	for y := range img.H {
		for x := range img.W {
			v := img.Pix[(y*img.W+x)*3]
			if img.Pix[(y*img.W+x)*3+1] != v || img.Pix[(y*img.W+x)*3+2] != v {
				t.Fatalf("%s: pixel (%d,%d) channels differ", what, x, y)
			}
			px0, px1, py0, py1 := float64(x), float64(x+1), float64(y), float64(y+1)
			outside := true
			for i, b := range boxes {
				if px0 >= b.X1 && px1 <= b.X2 && py0 >= b.Y1 && py1 <= b.Y2 {
					if v != uint8(10*(i+1)) {
						t.Fatalf("%s: pixel (%d,%d) inside box %d %+v is %d, want %d", what, x, y, i, b, v, 10*(i+1))
					}
				}
				if px1 > b.X1 && px0 < b.X2 && py1 > b.Y1 && py0 < b.Y2 {
					outside = false
				}
			}
			if outside && (v < fillGrey || v > bgGrey) {
				t.Fatalf("%s: pixel (%d,%d) outside every box is %d, want within [%d, %d]", what, x, y, v, fillGrey, bgGrey)
			}
		}
	}
}

func testBoxes() []loss.Box {
	return []loss.Box{{X1: 12, Y1: 8, X2: 30, Y2: 25, Class: 1}, {X1: 35, Y1: 20, X2: 41, Y2: 33, Class: 2}}
}

func TestCropKeepsBoxes(t *testing.T) {
	boxes := testBoxes()
	img := synthetic(60, 40, boxes)
	sawRight, sawBottom := false, false
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		out, ob := randomCrop(img, append([]loss.Box(nil), boxes...), r)
		checkCovers(t, "crop", out, ob)
		// The crop must never cut the union (12..41 × 8..33) ...
		if ob[0].X1 < 0 || ob[1].X2 > float64(out.W) || ob[1].Y2 > float64(out.H) {
			t.Fatalf("seed %d: crop cut a box: %+v in %d×%d", seed, ob, out.W, out.H)
		}
		// ... and (quirk 3 fixed) sometimes cuts the right and bottom.
		sawRight = sawRight || out.W+int(boxes[0].X1-ob[0].X1) < 60
		sawBottom = sawBottom || out.H+int(boxes[0].Y1-ob[0].Y1) < 40
	}
	if !sawRight || !sawBottom {
		t.Errorf("crop never cut the right (%v) or bottom (%v) margin", sawRight, sawBottom)
	}
	// Inputs untouched.
	if img2 := synthetic(60, 40, boxes); string(img2.Pix) != string(img.Pix) {
		t.Fatal("randomCrop modified its input image")
	}
}

func TestTranslateKeepsBoxes(t *testing.T) {
	boxes := testBoxes()
	img := synthetic(60, 40, boxes)
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 9))
		out, ob := randomTranslate(img, append([]loss.Box(nil), boxes...), r, fillGrey)
		checkCovers(t, "translate", out, ob)
		tx := ob[0].X1 - boxes[0].X1
		if math.Abs(tx-(ob[1].X2-boxes[1].X2)) > 1e-9 || tx < -11 || tx > 18 {
			t.Fatalf("seed %d: inconsistent shift %v, boxes %+v", seed, tx, ob)
		}
	}
}

// TestTranslateInteger: an integer shift moves pixels exactly and fills
// the uncovered band.
func TestTranslateInteger(t *testing.T) {
	img := dataset.NewImage(5, 3, 0)
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	out := translate(img, 2, -1, 99)
	for y := range 3 {
		for x := range 5 {
			sx, sy := x-2, y+1
			for c := range 3 {
				want := uint8(99)
				if sx >= 0 && sy < 3 {
					want = img.Pix[(sy*5+sx)*3+c]
				}
				if got := out.Pix[(y*5+x)*3+c]; got != want {
					t.Fatalf("(%d,%d,%d) = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
}

func TestFlip(t *testing.T) {
	boxes := testBoxes()
	img := synthetic(60, 40, boxes)
	out, ob := flipH(img, append([]loss.Box(nil), boxes...))
	checkCovers(t, "flip", out, ob)
	if ob[0].X1 != 60-30 || ob[0].X2 != 60-12 || ob[0].Y1 != 8 {
		t.Fatalf("flipped box %+v", ob[0])
	}
}

// TestApply runs the whole augmentation many times: boxes always cover
// their pixels, the flip never happens unless enabled, the same seed gives
// the same result, and the input is never modified.
func TestApply(t *testing.T) {
	boxes := testBoxes()
	img := synthetic(60, 40, boxes)
	orig := append([]uint8(nil), img.Pix...)
	for _, flip := range []bool{false, true} {
		a := Augment{Flip: flip, Fill: fillGrey}
		flipped := false
		for seed := range uint64(100) {
			out, ob := a.Apply(img, boxes, rand.New(rand.NewPCG(seed, 1)))
			checkCovers(t, "apply", out, ob)
			// Box 0 is left of box 1 unless mirrored.
			if ob[0].X1 > ob[1].X1 {
				flipped = true
			}
			out2, ob2 := a.Apply(img, boxes, rand.New(rand.NewPCG(seed, 1)))
			if string(out2.Pix) != string(out.Pix) || ob2[0] != ob[0] || ob2[1] != ob[1] {
				t.Fatalf("seed %d: not deterministic", seed)
			}
			if math.IsNaN(ob[0].X1) {
				t.Fatal("NaN box")
			}
		}
		if flipped != flip {
			t.Errorf("Flip=%v: a mirrored result seen: %v", flip, flipped)
		}
	}
	if string(orig) != string(img.Pix) || boxes[0] != testBoxes()[0] {
		t.Fatal("Apply modified its inputs")
	}
}
