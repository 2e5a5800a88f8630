package dataset

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Size is a box's width and height.
type Size struct{ W, H float64 }

// IoUSize is the IoU of two boxes with the same top-left corner (or
// centre), compared by size only, as darknet's calc_anchors does:
// min(w)·min(h) / (a.W·a.H + b.W·b.H − min(w)·min(h)).
func IoUSize(a, b Size) float64 {
	inter := min(a.W, b.W) * min(a.H, b.H)
	return inter / (a.W*a.H + b.W*b.H - inter)
}

// maxKMeansIters is darknet's do_kmeans iteration limit.
const maxKMeansIters = 1000

// KMeansAnchors clusters box sizes into k anchors with darknet's IoU
// k-means (calc_anchors, do_kmeans): the distance is 1 − IoUSize; the
// centres start at k distinct sizes drawn with rng, then boxes are assigned
// to the nearest centre and each centre moves to the mean size of its boxes
// (a centre left without boxes stays), until no assignment changes or 1000
// rounds. It returns the anchors sorted by area, ascending, and the mean
// over boxes of the IoU with their best anchor.
func KMeansAnchors(sizes []Size, k int, rng *rand.Rand) ([]Size, float64, error) {
	if k < 1 {
		return nil, 0, fmt.Errorf("dataset: anchors: k = %d, want ≥ 1", k)
	}
	var distinct []Size
	seen := map[Size]bool{}
	for _, s := range sizes {
		if !(s.W > 0 && s.H > 0) {
			return nil, 0, fmt.Errorf("dataset: anchors: box size %v×%v is not positive", s.W, s.H)
		}
		if !seen[s] {
			seen[s] = true
			distinct = append(distinct, s)
		}
	}
	if len(distinct) < k {
		return nil, 0, fmt.Errorf("dataset: anchors: %d distinct box sizes, fewer than %d anchors", len(distinct), k)
	}
	// Darknet draws rand()%rows with repeats; distinct starting sizes avoid
	// two identical centres that would never separate.
	centres := make([]Size, k)
	for i, j := range rng.Perm(len(distinct))[:k] {
		centres[i] = distinct[j]
	}
	kmeans(sizes, centres)
	slices.SortStableFunc(centres, func(a, b Size) int {
		switch x, y := a.W*a.H, b.W*b.H; {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	mean := 0.0
	for _, s := range sizes {
		_, iou := nearest(s, centres)
		mean += iou
	}
	return centres, mean / float64(len(sizes)), nil
}

// kmeans runs darknet's IoU k-means from the given centres, in place.
func kmeans(sizes, centres []Size) {
	assign := make([]int, len(sizes))
	for i := range assign {
		assign[i] = -1
	}
	for range maxKMeansIters {
		changed := false
		for i, s := range sizes {
			if c, _ := nearest(s, centres); c != assign[i] {
				assign[i], changed = c, true
			}
		}
		if !changed {
			break
		}
		sum, n := make([]Size, len(centres)), make([]int, len(centres))
		for i, s := range sizes {
			c := assign[i]
			sum[c].W += s.W
			sum[c].H += s.H
			n[c]++
		}
		for c := range centres {
			if n[c] > 0 {
				centres[c] = Size{sum[c].W / float64(n[c]), sum[c].H / float64(n[c])}
			}
		}
	}
}

// nearest returns the centre with the largest IoUSize (smallest 1 − IoU;
// the first on ties) and that IoU.
func nearest(s Size, centres []Size) (int, float64) {
	best, bi := -1.0, 0
	for i, c := range centres {
		if v := IoUSize(s, c); v > best {
			best, bi = v, i
		}
	}
	return bi, best
}

// LetterboxSizes returns the sizes of the samples' boxes as the network sees
// them after the letterbox to size×size (SPEC §5.2): width and height
// scaled by min(size/W, size/H). The samples need their image sizes
// (ReadAnnotations without SkipImages).
func LetterboxSizes(samples []Sample, size int) ([]Size, error) {
	var out []Size
	for _, s := range samples {
		if s.W == 0 || s.H == 0 {
			return nil, errors.New("dataset: anchors: image sizes unknown (read the annotations with images)")
		}
		g := LetterboxGeometry(s.W, s.H, size)
		for _, b := range s.Boxes {
			out = append(out, Size{float64(b.X2-b.X1) * g.Scale, float64(b.Y2-b.Y1) * g.Scale})
		}
	}
	return out, nil
}
