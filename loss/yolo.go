package loss

import (
	"fmt"
	"math"
)

// maxLogSize bounds tw and th inside exp when decoding w and h: e^80·anchor
// is ~1e37 pixels, so areas (~1e74) and their products stay finite in
// float64 while the loss there is already flat (its gradient is below
// 1e-30); beyond the bound the w, h gradient is taken as 0. The reference
// lets exp overflow, which turns the loss into NaN (SPEC §12 quirk 24).
const maxLogSize = 80

// Terms are the three loss terms of SPEC §7.
type Terms struct {
	GIoU float64 // box term: Σ r·(2 − w·h/(W·H))·(1 − GIoU)
	Conf float64 // objectness: Σ (r − p)²·(r + bg)·CE(r, x)
	Prob float64 // classes: Σ r·Σ_c CE(t_c, x_c)
}

// Total returns GIoU + Conf + Prob.
func (t Terms) Total() float64 { return t.GIoU + t.Conf + t.Prob }

func (t *Terms) add(u Terms) { t.GIoU += u.GIoU; t.Conf += u.Conf; t.Prob += u.Prob }

func (t Terms) scale(f float64) Terms { return Terms{t.GIoU * f, t.Conf * f, t.Prob * f} }

// Stats are per-scale counts, batch totals, useful to see what the loss
// did (they match the golden case's diagnostics).
type Stats struct {
	Positives int // slots with objectness target 1
	Ignored   int // background slots left out because their best IoU ≥ 0.5
	// ConfPositive and ConfBackground split Terms.Conf of the scale (batch
	// mean) into positive and background slots.
	ConfPositive, ConfBackground float64
}

// Result is the loss of a batch.
type Result struct {
	Terms  Terms     // the loss: mean over images of the per-image sum over scales
	Scales []Terms   // [scale]: mean over images; Σ over scales = Terms
	Images [][]Terms // [image][scale]: per-image sums over slots
	Stats  []Stats   // [scale]
}

// Compute evaluates the YOLOv3 loss (SPEC §7) of a batch of N images from
// the raw head outputs, and optionally its gradient.
//
// raw[i] is scale i's head output, darknet NCHW, shape
// (N, A·(5+C), S_h, S_w) with channel a·(5+C) + k for field k (0 tx, 1 ty,
// 2 tw, 3 th, 4 objectness logit, 5+c class logits), S_h = H/stride,
// S_w = W/stride. targets[n] is image n's assignment (from Assign with the
// same cfg).
//
// If grad is not nil, grad[i] (same shape as raw[i]) is overwritten with
// ∂Result.Terms.Total()/∂raw[i], the gradient of the batch-mean total
// (SPEC §7.4). Entries with no influence on the loss are set to 0.
func Compute(cfg *Config, raw [][]float32, targets []*Targets, grad [][]float32) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := len(targets)
	if n == 0 {
		return nil, fmt.Errorf("loss: empty batch")
	}
	ns := len(cfg.Strides)
	if len(raw) != ns {
		return nil, fmt.Errorf("loss: %d raw outputs for %d scales", len(raw), ns)
	}
	if grad != nil && len(grad) != ns {
		return nil, fmt.Errorf("loss: %d gradient outputs for %d scales", len(grad), ns)
	}
	for i := range ns {
		want := cfg.RawLen(i, n)
		if len(raw[i]) != want {
			rows, cols := cfg.Grid(i)
			return nil, fmt.Errorf("loss: scale %d: raw has %d values, want %d×%d×%d×%d = %d",
				i, len(raw[i]), n, cfg.NumAnchors()*(5+cfg.Classes), rows, cols, want)
		}
		if grad != nil && len(grad[i]) != want {
			return nil, fmt.Errorf("loss: scale %d: grad has %d values, want %d", i, len(grad[i]), want)
		}
	}
	for b, t := range targets {
		if t == nil || len(t.Scales) != ns {
			return nil, fmt.Errorf("loss: image %d: targets do not match the config", b)
		}
		for i := range ns {
			rows, cols := cfg.Grid(i)
			st := &t.Scales[i]
			if st.Rows != rows || st.Cols != cols || len(st.Label) != rows*cols*cfg.NumAnchors()*(5+cfg.Classes) ||
				len(st.List) != 4*cfg.maxBoxes() {
				return nil, fmt.Errorf("loss: image %d scale %d: targets do not match the config", b, i)
			}
		}
	}

	res := &Result{Scales: make([]Terms, ns), Images: make([][]Terms, n), Stats: make([]Stats, ns)}
	inv := 1 / float64(n)
	for b := range n {
		res.Images[b] = make([]Terms, ns)
		for i := range ns {
			var g []float32
			if grad != nil {
				g = grad[i]
			}
			var st Stats
			res.Images[b][i] = scaleLoss(cfg, i, b, raw[i], targets[b], g, inv, &st)
			res.Scales[i].add(res.Images[b][i].scale(inv))
			res.Stats[i].Positives += st.Positives
			res.Stats[i].Ignored += st.Ignored
			res.Stats[i].ConfPositive += st.ConfPositive * inv
			res.Stats[i].ConfBackground += st.ConfBackground * inv
		}
	}
	for i := range ns {
		res.Terms.add(res.Scales[i])
	}
	return res, nil
}

// scaleLoss returns the per-image sums of scale i for image b and, if g is
// not nil, writes gradScale·∂(sum)/∂raw into g for that image.
func scaleLoss(cfg *Config, i, b int, raw []float32, t *Targets, g []float32, gradScale float64, st *Stats) Terms {
	na, nc := cfg.NumAnchors(), cfg.Classes
	nf := 5 + nc
	sc := &t.Scales[i]
	rows, cols := sc.Rows, sc.Cols
	plane := rows * cols
	s := float64(cfg.Strides[i])
	area := float64(cfg.Width) * float64(cfg.Height)

	// Ground truth for the ignore mask: this scale's list, or every box.
	var gts [][4]float64
	if cfg.IgnoreAllScales {
		for _, r := range t.Boxes {
			gts = append(gts, r.XYWH)
		}
	} else {
		used := min(sc.Count, cfg.maxBoxes())
		for k := range used {
			r := sc.List[4*k : 4*k+4]
			gts = append(gts, [4]float64{float64(r[0]), float64(r[1]), float64(r[2]), float64(r[3])})
		}
	}

	var sum Terms
	for a := range na {
		aw, ah := cfg.Anchors[i][a][0], cfg.Anchors[i][a][1]
		base := (b*na + a) * nf * plane // channel a·(5+C) of image b
		for row := range rows {
			for col := range cols {
				cell := row*cols + col
				at := func(k int) int { return base + k*plane + cell }
				slot := cell*na + a
				lab := sc.Label[slot*nf : (slot+1)*nf]
				r := float64(lab[4])

				// Decode (SPEC §4).
				tx, ty := float64(raw[at(0)]), float64(raw[at(1)])
				tw, th := float64(raw[at(2)]), float64(raw[at(3)])
				sx, sy := sigmoid(tx), sigmoid(ty)
				ew, wIn := expClamped(tw)
				eh, hIn := expClamped(th)
				pred := [4]float64{(sx + float64(col)) * s, (sy + float64(row)) * s, ew * aw, eh * ah}
				if math.IsNaN(pred[0] + pred[1] + pred[2] + pred[3]) {
					// NaN raw box values: the reference's GIoU term turns
					// NaN (even times r = 0); keep that signal for NaN
					// guards, which the NaN-safe geometry would hide.
					sum.GIoU = math.NaN()
				}

				// Ignore mask: background unless some listed box overlaps.
				bg := 0.0
				if r < 1 {
					m := 0.0
					for _, gt := range gts {
						m = math.Max(m, iou(pred, gt))
					}
					if m < IgnoreIoU {
						bg = 1 - r
					} else {
						st.Ignored++
					}
				}

				// Confidence, with the focal factor (r − p)² kept in the
				// gradient (quirk 25).
				x := float64(raw[at(4)])
				p := sigmoid(x)
				wc := r + bg
				var dx float64
				if math.IsNaN(x) {
					sum.Conf = math.NaN() // also where wc = 0, as the reference
				}
				if wc != 0 {
					ce := bce(r, x)
					lc := (r - p) * (r - p) * wc * ce
					sum.Conf += lc
					if r > 0 {
						st.ConfPositive += lc
					} else {
						st.ConfBackground += lc
					}
					dx = wc * (p - r) * (2*p*(1-p)*ce + (r-p)*(r-p))
				}
				if g != nil {
					g[at(4)] = float32(gradScale * dx)
				}

				if r == 0 {
					for c := range nc {
						if math.IsNaN(float64(raw[at(5+c)])) {
							sum.Prob = math.NaN() // the reference's 0·NaN
						}
					}
					if g != nil {
						for _, k := range [4]int{0, 1, 2, 3} {
							g[at(k)] = 0
						}
						for c := range nc {
							g[at(5+c)] = 0
						}
					}
					continue
				}
				st.Positives++

				// GIoU, only where r ≠ 0 (quirk 24).
				gt := [4]float64{float64(lab[0]), float64(lab[1]), float64(lab[2]), float64(lab[3])}
				bboxScale := 2 - gt[2]*gt[3]/area
				v, dv := giou(pred, gt)
				sum.GIoU += r * bboxScale * (1 - v)
				// ∂/∂v = −r·scale; chain through the decode.
				f := -r * bboxScale * gradScale
				if g != nil {
					g[at(0)] = float32(f * dv[0] * s * sx * (1 - sx))
					g[at(1)] = float32(f * dv[1] * s * sy * (1 - sy))
					g[at(2)] = float32(f * dv[2] * pred[2] * wIn)
					g[at(3)] = float32(f * dv[3] * pred[3] * hIn)
				}

				// Classes: r·Σ CE(t_c, x_c), ∂/∂x_c = r·(σ(x_c) − t_c).
				for c := range nc {
					xc, tc := float64(raw[at(5+c)]), float64(lab[5+c])
					sum.Prob += r * bce(tc, xc)
					if g != nil {
						g[at(5+c)] = float32(gradScale * r * (sigmoid(xc) - tc))
					}
				}
			}
		}
	}
	return sum
}

// expClamped returns e^t with t clamped to ±maxLogSize, and 1 if t was
// inside the bounds (the derivative factor), 0 otherwise.
func expClamped(t float64) (float64, float64) {
	switch {
	case t > maxLogSize:
		return math.Exp(maxLogSize), 0
	case t < -maxLogSize:
		return math.Exp(-maxLogSize), 0
	case math.IsNaN(t):
		return math.NaN(), 0
	}
	return math.Exp(t), 1
}
