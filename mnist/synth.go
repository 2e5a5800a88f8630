package mnist

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"darkgo/dataset"
)

// sizeGroup is one row of SPEC §10.2 step 3: a digit side is
// trunc(28·ratio) for a ratio drawn from ratios, up to max digits a canvas.
type sizeGroup struct {
	ratios []float64
	max    int
}

// sizeGroups are small, medium and big, drawn in this order.
var sizeGroups = [...]sizeGroup{
	{[]float64{0.5, 0.8}, 3},
	{[]float64{1.0, 1.5, 2.0}, 6},
	{[]float64{3.0, 4.0}, 3},
}

const (
	baseSide = 28 // the digit side the ratios multiply
	// MaxOverlapIoU is the placement rule: a new digit's box must have
	// IoU < 0.02 with every box already placed. The seed divides the
	// intersection by the sum of the areas instead of the union (SPEC §12
	// quirk 1); this is the fixed, true-IoU version.
	MaxOverlapIoU = 0.02
	// MinCanvasSize is the smallest canvas the smallest digit (14 px) fits.
	MinCanvasSize = 16
	// maxTries bounds the placement attempts for one digit; after that the
	// digit is skipped. The seed retries forever, which at 416 px always
	// ends quickly; small canvases could otherwise loop for ever.
	maxTries = 1000
)

// DigitSide returns trunc(28·ratio), the side of a digit scaled by ratio.
func DigitSide(ratio float64) int { return int(baseSide * ratio) }

// Canvas is one synthesised image and its objects.
type Canvas struct {
	Img   *dataset.Image // size×size, white background, dark digits
	Boxes []dataset.Box  // placement order; Class is the digit
}

// Synthesize draws one canvas as SPEC §10.2 describes: a size×size white
// canvas; for each size group (small, medium, big) a count N uniform in
// {0…max}, then N times a ratio uniform in the group and a digit uniform in
// digits, inverted (255 − ink) to a dark digit on white, resized bilinearly
// to side×side and pasted (background included) at a uniform position
// xmin, ymin ∈ [0, size−side−1) whose box has IoU < MaxOverlapIoU with all
// boxes placed so far and with the seed's sentinel box (0,0,1,1). A canvas
// with no digit is discarded and drawn again. Boxes are the pasted squares,
// xmax = xmin + side.
//
// Ratios whose side does not fit (side > size−2) are left out of their
// group; at the default 416 all fit. The random draws, in order, are the
// counts, ratio, digit and positions, all from rng, so a seed reproduces
// the canvas exactly.
func Synthesize(rng *rand.Rand, digits *Set, size int) (Canvas, error) {
	if size < MinCanvasSize {
		return Canvas{}, fmt.Errorf("mnist: canvas size %d is below %d", size, MinCanvasSize)
	}
	if digits.N == 0 {
		return Canvas{}, errors.New("mnist: no digits to draw from")
	}
	for {
		c := drawCanvas(rng, digits, size)
		if len(c.Boxes) > 0 {
			return c, nil
		}
	}
}

func drawCanvas(rng *rand.Rand, digits *Set, size int) Canvas {
	img := dataset.NewImage(size, size, 255)
	placed := []dataset.Box{{X1: 0, Y1: 0, X2: 1, Y2: 1}} // the seed's sentinel
	var boxes []dataset.Box
	inv := make([]uint8, digits.Rows*digits.Cols)
	var patch []uint8
	for _, g := range sizeGroups {
		var ratios []float64
		for _, r := range g.ratios {
			if DigitSide(r) <= size-2 {
				ratios = append(ratios, r)
			}
		}
		n := rng.IntN(g.max + 1)
		if len(ratios) == 0 {
			continue
		}
		for range n {
			side := DigitSide(ratios[rng.IntN(len(ratios))])
			d := rng.IntN(digits.N)
			box, ok := place(rng, placed, side, size)
			if !ok {
				continue
			}
			for i, p := range digits.Digit(d) {
				inv[i] = 255 - p
			}
			patch = patch[:0]
			patch = append(patch, make([]uint8, side*side)...)
			dataset.ResizeBilinear(patch, side, side, inv, digits.Cols, digits.Rows, 1)
			for y := range side {
				row := img.Pix[((box.Y1+y)*size+box.X1)*3:]
				for x, v := range patch[y*side : (y+1)*side] {
					row[3*x], row[3*x+1], row[3*x+2] = v, v, v
				}
			}
			box.Class = int(digits.Labels[d])
			placed = append(placed, box)
			boxes = append(boxes, box)
		}
	}
	return Canvas{Img: img, Boxes: boxes}
}

// place draws positions until the side×side box overlaps no placed box by
// IoU ≥ MaxOverlapIoU.
func place(rng *rand.Rand, placed []dataset.Box, side, size int) (dataset.Box, bool) {
	for range maxTries {
		x, y := rng.IntN(size-side-1), rng.IntN(size-side-1)
		b := dataset.Box{X1: x, Y1: y, X2: x + side, Y2: y + side}
		ok := true
		for _, p := range placed {
			if iou(b, p) >= MaxOverlapIoU {
				ok = false
				break
			}
		}
		if ok {
			return b, true
		}
	}
	return dataset.Box{}, false
}

// iou is the plain intersection over union of two corner boxes.
func iou(a, b dataset.Box) float64 {
	w := min(a.X2, b.X2) - max(a.X1, b.X1)
	h := min(a.Y2, b.Y2) - max(a.Y1, b.Y1)
	if w <= 0 || h <= 0 {
		return 0
	}
	inter := float64(w * h)
	return inter / (float64((a.X2-a.X1)*(a.Y2-a.Y1)+(b.X2-b.X1)*(b.Y2-b.Y1)) - inter)
}

// JPEGQuality is the quality canvases are saved with (OpenCV's default).
const JPEGQuality = 95

// Split describes one output split of WriteSplit.
type Split struct {
	Name   string // "train" writes DIR/mnist_train/*.jpg and DIR/mnist_train.txt
	Count  int    // canvases to write
	Digits *Set   // the digit pool, disjoint from the other split's
}

// WriteSplit synthesises s.Count canvases of size×size into
// dir/mnist_<name>/000001.jpg … (JPEG quality 95) and writes the annotation
// file dir/mnist_<name>.txt, one line per canvas with the image's absolute
// path and its boxes (SPEC §10.2 step 5). Existing files of the same names
// are overwritten; nothing else is deleted. progress, if not nil, is called
// after each canvas with the number written so far.
func WriteSplit(ctx context.Context, rng *rand.Rand, dir string, s Split, size int, progress func(done int)) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	imgDir := filepath.Join(abs, "mnist_"+s.Name)
	if err := os.MkdirAll(imgDir, 0o755); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	var ann strings.Builder
	var buf bytes.Buffer
	for n := range s.Count {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := Synthesize(rng, s.Digits, size)
		if err != nil {
			return err
		}
		buf.Reset()
		if err := jpeg.Encode(&buf, c.Img.RGBA(), &jpeg.Options{Quality: JPEGQuality}); err != nil {
			return fmt.Errorf("mnist: encoding canvas %d: %w", n+1, err)
		}
		path := filepath.Join(imgDir, fmt.Sprintf("%06d.jpg", n+1))
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("mnist: %w", err)
		}
		ann.WriteString(path)
		for _, b := range c.Boxes {
			fmt.Fprintf(&ann, " %d,%d,%d,%d,%d", b.X1, b.Y1, b.X2, b.Y2, b.Class)
		}
		ann.WriteByte('\n')
		if progress != nil {
			progress(n + 1)
		}
	}
	if err := os.WriteFile(filepath.Join(abs, "mnist_"+s.Name+".txt"), []byte(ann.String()), 0o644); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	return nil
}

// WriteNames writes dir/mnist.names: the ten lines "0" … "9".
func WriteNames(dir string) error {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	for d := range 10 {
		fmt.Fprintln(w, d)
	}
	w.Flush()
	if err := os.WriteFile(filepath.Join(dir, "mnist.names"), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	return nil
}
