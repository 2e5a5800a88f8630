package yolo

import (
	"cmp"
	"math"
	"slices"
)

// Decode turns one image's raw head output into boxes (SPEC §4). raw is
// [3·(5+K), Gh, Gw] (darknet layout: channel a·(5+K) + field); the result
// is appended to dst as Gh·Gw·3 rows of 5+K values in (row, col, anchor)
// order — the upstream's (S, S, 3, 5+K) tensor —
//
//	bx = (σ(tx) + col)·stride     by = (σ(ty) + row)·stride
//	bw = exp(tw)·anchor_w          bh = exp(th)·anchor_h
//	[bx, by, bw, bh, σ(obj), σ(cls_0) … σ(cls_K−1)]
//
// in input pixels. Class probabilities are independent sigmoids, and tw, th
// are not clamped (exp may overflow to +Inf; postprocessing drops such boxes).
func Decode(dst, raw []float32, gh, gw, classes int, hd Head) []float32 {
	f := 5 + classes
	hw := gh * gw
	if len(raw) != A*f*hw {
		panic("yolo: Decode: raw is not [3·(5+K), Gh, Gw]")
	}
	s := float64(hd.Stride)
	for r := range gh {
		for q := range gw {
			for a := range A {
				ch := raw[a*f*hw+r*gw+q:] // field k of this cell at ch[k·hw]
				dst = append(dst,
					float32((sigmoid(ch[0])+float64(q))*s),
					float32((sigmoid(ch[hw])+float64(r))*s),
					float32(math.Exp(float64(ch[2*hw]))*float64(hd.Anchors[a][0])),
					float32(math.Exp(float64(ch[3*hw]))*float64(hd.Anchors[a][1])))
				for k := 4; k < f; k++ {
					dst = append(dst, float32(sigmoid(ch[k*hw])))
				}
			}
		}
	}
	return dst
}

func sigmoid(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

// Detection is one box in the original image's pixels, corner form.
type Detection struct {
	X1, Y1, X2, Y2 float32
	Score          float32 // objectness × probability of Class
	Class          int
}

// Letterbox describes how an image of W×H pixels was placed in the network
// input (SPEC §5.2): scaled by Scale to NW×NH and pasted at (DX, DY).
type Letterbox struct {
	W, H     int // original image
	InW, InH int // network input
	Scale    float64
	NW, NH   int
	DX, DY   int
}

// NewLetterbox computes the letterbox of a w×h image into an inW×inH input:
// scale = min(inW/w, inH/h), nw = trunc(scale·w), offsets (inW−nw)/2, (inH−nh)/2
// (integer division).
func NewLetterbox(w, h, inW, inH int) Letterbox {
	s := math.Min(float64(inW)/float64(w), float64(inH)/float64(h))
	nw, nh := max(1, int(s*float64(w))), max(1, int(s*float64(h))) // a 1×1000 image still has a row
	return Letterbox{W: w, H: h, InW: inW, InH: inH, Scale: s, NW: nw, NH: nh, DX: (inW - nw) / 2, DY: (inH - nh) / 2}
}

// Postprocess turns decoded rows (as from Decode, 5+K values each, all
// scales concatenated in stride order) into detections in the original
// image (SPEC §5.4): corner form, letterbox undone with float offsets
// r = min(inW/W, inH/H), dw = (inW − r·W)/2, clipped to [0, W−1]×[0, H−1],
// boxes of zero or non-finite area dropped, class = first argmax,
// score = objectness·p_class kept if > scoreThresh. Output is in input order.
func Postprocess(pred []float32, classes int, lb Letterbox, scoreThresh float32) []Detection {
	f := 5 + classes
	r := math.Min(float64(lb.InW)/float64(lb.W), float64(lb.InH)/float64(lb.H))
	dw := (float64(lb.InW) - r*float64(lb.W)) / 2
	dh := (float64(lb.InH) - r*float64(lb.H)) / 2
	var out []Detection
	for i := 0; i+f <= len(pred); i += f {
		p := pred[i : i+f]
		cx, cy, w, h := float64(p[0]), float64(p[1]), float64(p[2]), float64(p[3])
		x1, y1 := (cx-w/2-dw)/r, (cy-h/2-dh)/r
		x2, y2 := (cx+w/2-dw)/r, (cy+h/2-dh)/r
		x1, y1 = math.Max(x1, 0), math.Max(y1, 0)
		x2, y2 = math.Min(x2, float64(lb.W-1)), math.Min(y2, float64(lb.H-1))
		if x1 > x2 || y1 > y2 {
			x1, y1, x2, y2 = 0, 0, 0, 0
		}
		scale := math.Sqrt((x2 - x1) * (y2 - y1))
		if !(scale > 0 && !math.IsInf(scale, 1)) {
			continue
		}
		c := 0
		for k := 1; k < classes; k++ {
			if p[5+k] > p[5+c] {
				c = k
			}
		}
		score := p[4] * p[5+c]
		if !(score > scoreThresh) {
			continue
		}
		out = append(out, Detection{float32(x1), float32(y1), float32(x2), float32(y2), score, c})
	}
	return out
}

// NMSMethod selects hard or soft (Gaussian) non-maximum suppression.
type NMSMethod int

const (
	HardNMS NMSMethod = iota // drop boxes with IoU > threshold
	SoftNMS                  // decay scores by exp(−IoU²/σ), σ = SoftNMSSigma
)

// SoftNMSSigma is the upstream's Gaussian soft-NMS σ (the paper uses 0.5).
const SoftNMSSigma = 0.3

// IoU is the corner-form intersection over union without "+1", floored at
// float32 epsilon (SPEC §5.5).
func IoU(a, b Detection) float32 {
	areaA := (a.X2 - a.X1) * (a.Y2 - a.Y1)
	areaB := (b.X2 - b.X1) * (b.Y2 - b.Y1)
	iw := max(0, min(a.X2, b.X2)-max(a.X1, b.X1))
	ih := max(0, min(a.Y2, b.Y2)-max(a.Y1, b.Y1))
	inter := iw * ih
	return inter / max(areaA+areaB-inter, 1.1920929e-7)
}

// NMS runs per-class non-maximum suppression (SPEC §5.5): repeatedly keep
// the highest-scoring box of a class (first on ties) and suppress (hard:
// IoU > iouThresh) or decay (soft: score·exp(−IoU²/σ)) the others, dropping
// scores that fall to 0. Unlike the upstream, whose class order follows a
// hash set, the result is deterministic: sorted by score, highest first,
// ties kept in class then pick order.
func NMS(dets []Detection, iouThresh float32, method NMSMethod) []Detection {
	var out []Detection
	byClass := map[int][]Detection{}
	var classes []int
	for _, d := range dets {
		if _, ok := byClass[d.Class]; !ok {
			classes = append(classes, d.Class)
		}
		byClass[d.Class] = append(byClass[d.Class], d)
	}
	slices.Sort(classes)
	for _, c := range classes {
		rest := byClass[c]
		for len(rest) > 0 {
			best := 0
			for i := range rest {
				if rest[i].Score > rest[best].Score {
					best = i
				}
			}
			pick := rest[best]
			out = append(out, pick)
			rest = append(rest[:best], rest[best+1:]...)
			kept := rest[:0]
			for _, d := range rest {
				iou := IoU(pick, d)
				switch method {
				case HardNMS:
					if iou > iouThresh {
						d.Score = 0
					}
				case SoftNMS:
					d.Score *= float32(math.Exp(-float64(iou) * float64(iou) / SoftNMSSigma))
				}
				if d.Score > 0 {
					kept = append(kept, d)
				}
			}
			rest = kept
		}
	}
	slices.SortStableFunc(out, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
	return out
}
