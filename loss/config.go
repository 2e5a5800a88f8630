package loss

import (
	"fmt"
	"math"
)

// Thresholds and constants of the reference (SPEC §1, §6.4, §7.2).
const (
	// PositiveIoU: an anchor whose IoU with the ground truth exceeds this
	// (strictly) becomes a positive slot.
	PositiveIoU = 0.3
	// IgnoreIoU: a background slot whose prediction overlaps some listed
	// ground truth with IoU ≥ this is left out of the confidence term.
	IgnoreIoU = 0.5
	// Smoothing is the label-smoothing δ: class target (1−δ)·onehot + δ/C.
	Smoothing = 0.01
	// MaxBoxes is the default number of rows of each scale's ground-truth
	// list (YOLO_MAX_BBOX_PER_SCALE).
	MaxBoxes = 100
)

// Config describes the detector heads the loss is computed for. It is
// independent of the model package: a caller fills it from the model it
// trains. Scale i of every per-scale slice (targets, raw outputs, gradients,
// results) is the head with stride Strides[i].
type Config struct {
	Width, Height int // network input, pixels (W columns, H rows)
	Classes       int // C
	// Strides[i] is the stride of scale i in pixels; Width and Height must
	// be multiples of it. The grid of scale i is (Height/s) × (Width/s).
	Strides []int
	// Anchors[i][a] = (w, h) of anchor a of scale i in input pixels. Every
	// scale must have the same number of anchors A (3 for YOLOv3).
	Anchors [][][2]float64
	// MaxBoxes is the number of rows of each scale's ground-truth list
	// used by the ignore mask; 0 means MaxBoxes (100). Rows wrap around.
	MaxBoxes int
	// IgnoreAllScales, if set, computes the ignore mask against every
	// ground-truth box of the image (darknet's behaviour) instead of the
	// reference's list of boxes assigned to the same scale (SPEC §12 quirk
	// 9). Off by default: the golden vectors encode the reference.
	IgnoreAllScales bool
}

// YOLOv3 returns the configuration of the YOLOv3 heads (strides 8, 16, 32
// and the anchors of SPEC §1) for a width×height input and the given
// number of classes.
func YOLOv3(classes, width, height int) Config {
	return Config{
		Width: width, Height: height, Classes: classes,
		Strides: []int{8, 16, 32},
		Anchors: [][][2]float64{
			{{10, 13}, {16, 30}, {33, 23}},
			{{30, 61}, {62, 45}, {59, 119}},
			{{116, 90}, {156, 198}, {373, 326}},
		},
	}
}

// YOLOv3Tiny returns the configuration of the YOLOv3-tiny heads (strides
// 16, 32; anchors of SPEC §1 with darknet's masks 0,1,2 and 3,4,5).
func YOLOv3Tiny(classes, width, height int) Config {
	return Config{
		Width: width, Height: height, Classes: classes,
		Strides: []int{16, 32},
		Anchors: [][][2]float64{
			{{10, 14}, {23, 27}, {37, 58}},
			{{81, 82}, {135, 169}, {344, 319}},
		},
	}
}

// NumAnchors returns A, the number of anchors per scale.
func (c *Config) NumAnchors() int {
	if len(c.Anchors) == 0 {
		return 0
	}
	return len(c.Anchors[0])
}

// Grid returns the grid size (rows, cols) of scale i.
func (c *Config) Grid(i int) (rows, cols int) {
	return c.Height / c.Strides[i], c.Width / c.Strides[i]
}

// RawLen returns the number of float32 values of scale i's raw output for a
// batch of n images: n · A·(5+C) · rows · cols.
func (c *Config) RawLen(i, n int) int {
	rows, cols := c.Grid(i)
	return n * c.NumAnchors() * (5 + c.Classes) * rows * cols
}

func (c *Config) maxBoxes() int {
	if c.MaxBoxes == 0 {
		return MaxBoxes
	}
	return c.MaxBoxes
}

// Validate reports whether the configuration is usable.
func (c *Config) Validate() error {
	switch {
	case c.Width <= 0 || c.Height <= 0:
		return fmt.Errorf("loss: config: input %d×%d is not positive", c.Width, c.Height)
	case c.Classes <= 0:
		return fmt.Errorf("loss: config: %d classes", c.Classes)
	case len(c.Strides) == 0:
		return fmt.Errorf("loss: config: no scales")
	case len(c.Anchors) != len(c.Strides):
		return fmt.Errorf("loss: config: %d anchor sets for %d strides", len(c.Anchors), len(c.Strides))
	case c.MaxBoxes < 0:
		return fmt.Errorf("loss: config: MaxBoxes %d is negative", c.MaxBoxes)
	}
	a := len(c.Anchors[0])
	for i, s := range c.Strides {
		if s <= 0 || c.Width%s != 0 || c.Height%s != 0 {
			return fmt.Errorf("loss: config: input %d×%d is not a multiple of stride %d", c.Width, c.Height, s)
		}
		if len(c.Anchors[i]) != a || a == 0 {
			return fmt.Errorf("loss: config: scale %d has %d anchors, want %d (> 0)", i, len(c.Anchors[i]), a)
		}
		for _, an := range c.Anchors[i] {
			if !(an[0] > 0 && an[1] > 0) || math.IsInf(an[0], 0) || math.IsInf(an[1], 0) {
				return fmt.Errorf("loss: config: scale %d: anchor %v is not a positive size", i, an)
			}
		}
	}
	return nil
}
