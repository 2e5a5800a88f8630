package loss

import (
	"fmt"
	"math"
)

// Box is one ground-truth box in corner form, in network-input pixels
// (after letterboxing): columns X1 ≤ X2, rows Y1 ≤ Y2, and a class in
// [0, C). The reference uses integer pixels; any values work.
type Box struct {
	X1, Y1, X2, Y2 float64
	Class          int
}

// XYWH returns the box in centre form: ((x1+x2)/2, (y1+y2)/2, x2−x1, y2−y1),
// no +1.
func (b Box) XYWH() [4]float64 {
	return [4]float64{(b.X1 + b.X2) / 2, (b.Y1 + b.Y2) / 2, b.X2 - b.X1, b.Y2 - b.Y1}
}

// Targets is the label assignment of one image (SPEC §6.4): what the
// reference's preprocess_true_boxes returns, plus a record of every
// decision for tests and diagnostics.
type Targets struct {
	Scales []ScaleTargets // one per Config.Strides entry
	Boxes  []BoxRecord    // one per input box, in input order
}

// ScaleTargets holds one scale's label tensor and ground-truth list.
// Slot (row, col, a) has index (row·Cols + col)·A + a.
type ScaleTargets struct {
	Rows, Cols int // grid size S_h × S_w
	// Label is (Rows, Cols, A, 5+C), float32 as in the reference: x, y, w,
	// h of the ground truth (centre form, input pixels), objectness r (0 or
	// 1), then the C smoothed class targets. All zero for unassigned slots.
	Label []float32
	// Owner is (Rows, Cols, A): the index in Targets.Boxes of the box
	// written last to the slot (a later box overwrites an earlier one,
	// SPEC §12 quirk 10), or −1.
	Owner []int32
	// List is (MaxBoxes, 4): the centre-form boxes assigned to this scale,
	// box k at row k mod MaxBoxes (rows wrap around, quirk 10); rows never
	// written are zero. The ignore mask reads it.
	List []float32
	// Count is the number of boxes appended to List (may exceed MaxBoxes).
	Count int
}

// BoxRecord records how one box was assigned.
type BoxRecord struct {
	XYWH [4]float64 // centre form, pixels
	// AnchorIoU[i][a] is the IoU of the box (divided by the stride) with
	// anchor a of scale i centred on the box's cell (the 0.3 test).
	AnchorIoU [][]float64
	// Fallback is true when no anchor exceeded PositiveIoU and the best of
	// all anchors (scale-major, first maximum) was used instead.
	Fallback bool
	Slots    []Slot // every slot the box wrote, in writing order
}

// Slot names one (scale, anchor, row, col) position.
type Slot struct{ Scale, Anchor, Row, Col int }

// Assign computes the targets of one image from its ground-truth boxes, as
// the reference's preprocess_true_boxes (SPEC §6.4): per box and per scale,
// every anchor (centred on the box's cell) whose IoU with the box exceeds
// 0.3 becomes positive; if none at any scale does, the anchor with the
// largest IoU over all scales (scale-major order, first maximum) is used. A
// positive slot receives the box, objectness 1 and the class target
// (1−δ)·onehot + δ/C; a later box overwrites an earlier one. The box is
// appended once to the list of each scale where it became positive.
//
// Boxes must have X1 ≤ X2, Y1 ≤ Y2, a centre inside the input
// ([0, W) × [0, H)) and a class in [0, C); otherwise Assign returns an error
// (the reference would crash or silently wrap a negative index).
func Assign(cfg *Config, boxes []Box) (*Targets, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	na, nf, mb := cfg.NumAnchors(), 5+cfg.Classes, cfg.maxBoxes()
	t := &Targets{Scales: make([]ScaleTargets, len(cfg.Strides)), Boxes: make([]BoxRecord, len(boxes))}
	for i := range t.Scales {
		rows, cols := cfg.Grid(i)
		st := &t.Scales[i]
		st.Rows, st.Cols = rows, cols
		st.Label = make([]float32, rows*cols*na*nf)
		st.Owner = make([]int32, rows*cols*na)
		for k := range st.Owner {
			st.Owner[k] = -1
		}
		st.List = make([]float32, mb*4)
	}
	// Class targets, rounded to float32 once as the reference stores them.
	on := float32((1-Smoothing)*1 + Smoothing/float64(cfg.Classes))
	off := float32(Smoothing / float64(cfg.Classes))

	for bi, b := range boxes {
		if err := checkBox(cfg, b); err != nil {
			return nil, fmt.Errorf("loss: box %d %v: %w", bi, b, err)
		}
		xywh := b.XYWH()
		rec := &t.Boxes[bi]
		rec.XYWH = xywh
		rec.AnchorIoU = make([][]float64, len(cfg.Strides))

		write := func(i, a, row, col int) {
			st := &t.Scales[i]
			slot := (row*st.Cols+col)*na + a
			l := st.Label[slot*nf : (slot+1)*nf]
			l[0], l[1], l[2], l[3] = float32(xywh[0]), float32(xywh[1]), float32(xywh[2]), float32(xywh[3])
			l[4] = 1
			for c := range cfg.Classes {
				l[5+c] = off
			}
			l[5+b.Class] = on
			st.Owner[slot] = int32(bi)
			rec.Slots = append(rec.Slots, Slot{Scale: i, Anchor: a, Row: row, Col: col})
		}
		appendList := func(i int) {
			st := &t.Scales[i]
			r := st.List[(st.Count%mb)*4:]
			r[0], r[1], r[2], r[3] = float32(xywh[0]), float32(xywh[1]), float32(xywh[2]), float32(xywh[3])
			st.Count++
		}

		best, bestI, bestA := -1.0, 0, 0
		positive := false
		for i, s := range cfg.Strides {
			fs := float64(s)
			scaled := [4]float64{xywh[0] / fs, xywh[1] / fs, xywh[2] / fs, xywh[3] / fs}
			gx, gy := int(math.Floor(scaled[0])), int(math.Floor(scaled[1]))
			rec.AnchorIoU[i] = make([]float64, na)
			matched := false
			for a, an := range cfg.Anchors[i] {
				anchor := [4]float64{float64(gx) + 0.5, float64(gy) + 0.5, an[0] / fs, an[1] / fs}
				v := iou(scaled, anchor)
				rec.AnchorIoU[i][a] = v
				if v > best {
					best, bestI, bestA = v, i, a
				}
				if v > PositiveIoU {
					write(i, a, gy, gx)
					matched = true
				}
			}
			if matched {
				appendList(i)
				positive = true
			}
		}
		if !positive {
			rec.Fallback = true
			fs := float64(cfg.Strides[bestI])
			write(bestI, bestA, int(math.Floor(xywh[1]/fs)), int(math.Floor(xywh[0]/fs)))
			appendList(bestI)
		}
	}
	return t, nil
}

func checkBox(cfg *Config, b Box) error {
	for _, v := range []float64{b.X1, b.Y1, b.X2, b.Y2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("coordinate %v is not finite", v)
		}
	}
	if b.X2 < b.X1 || b.Y2 < b.Y1 {
		return fmt.Errorf("corners out of order (need x1 ≤ x2, y1 ≤ y2)")
	}
	if b.Class < 0 || b.Class >= cfg.Classes {
		return fmt.Errorf("class %d outside [0, %d)", b.Class, cfg.Classes)
	}
	cx, cy := (b.X1+b.X2)/2, (b.Y1+b.Y2)/2
	if cx < 0 || cx >= float64(cfg.Width) || cy < 0 || cy >= float64(cfg.Height) {
		return fmt.Errorf("centre (%g, %g) outside the %d×%d input", cx, cy, cfg.Width, cfg.Height)
	}
	return nil
}
