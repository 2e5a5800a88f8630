package loss

import "math"

// Boxes here are centre form (cx, cy, w, h), SPEC §0.

// iou is the reference's bbox_iou (SPEC §7.1) of two centre-form boxes:
// intersection over union, no epsilon, sizes used as given. Where the union
// is not positive (two empty boxes) or the result is not a number (sizes
// that overflowed to ±Inf), it returns 0 instead of NaN.
func iou(a, b [4]float64) float64 {
	ax1, ax2 := a[0]-a[2]/2, a[0]+a[2]/2
	ay1, ay2 := a[1]-a[3]/2, a[1]+a[3]/2
	bx1, bx2 := b[0]-b[2]/2, b[0]+b[2]/2
	by1, by2 := b[1]-b[3]/2, b[1]+b[3]/2
	iw := math.Max(math.Min(ax2, bx2)-math.Max(ax1, bx1), 0)
	ih := math.Max(math.Min(ay2, by2)-math.Max(ay1, by1), 0)
	inter := iw * ih
	union := a[2]*a[3] + b[2]*b[3] - inter
	if !(union > 0) {
		return 0
	}
	v := inter / union
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// giou is the reference's bbox_giou (SPEC §7.1) of a prediction p and a
// ground truth g, both centre form, with its gradient with respect to p:
//
//	I = inter, U = area(p) + area(g) − I, E = area of the enclosing box
//	GIoU = I/U − (E − U)/E
//
// Corners are re-ordered (min, max) as the reference does, so negative
// sizes behave like positive ones. Safety instead of NaN: if U ≤ 0 the IoU
// part is 0, if E ≤ 0 the enclosing-box penalty is 0 (both with zero
// gradient). At ties of the piecewise min/max the sub-gradient goes to p
// when p's edge is the strict winner, to g otherwise.
func giou(p, g [4]float64) (v float64, d [4]float64) {
	// Corners of p (x1 ≤ x2 after re-ordering) and of g.
	px1, px2 := p[0]-p[2]/2, p[0]+p[2]/2
	py1, py2 := p[1]-p[3]/2, p[1]+p[3]/2
	sx, sy := 1.0, 1.0 // sign of ∂(re-ordered corner)/∂(raw corner) swap
	if px1 > px2 {
		px1, px2, sx = px2, px1, -1
	}
	if py1 > py2 {
		py1, py2, sy = py2, py1, -1
	}
	gx1, gx2 := math.Min(g[0]-g[2]/2, g[0]+g[2]/2), math.Max(g[0]-g[2]/2, g[0]+g[2]/2)
	gy1, gy2 := math.Min(g[1]-g[3]/2, g[1]+g[3]/2), math.Max(g[1]-g[3]/2, g[1]+g[3]/2)

	pw, ph := px2-px1, py2-py1
	ap := pw * ph
	ag := (gx2 - gx1) * (gy2 - gy1)
	iw := math.Min(px2, gx2) - math.Max(px1, gx1)
	ih := math.Min(py2, gy2) - math.Max(py1, gy1)
	iwPos, ihPos := iw > 0, ih > 0
	iw, ih = math.Max(iw, 0), math.Max(ih, 0)
	inter := iw * ih
	union := ap + ag - inter
	ew := math.Max(px2, gx2) - math.Min(px1, gx1)
	eh := math.Max(py2, gy2) - math.Min(py1, gy1)
	ewPos, ehPos := ew > 0, eh > 0
	ew, eh = math.Max(ew, 0), math.Max(eh, 0)
	encl := ew * eh

	// G = I/U − 1 + U/E, with U = Ap + Ag − I.
	var dI, dAp, dE float64 // ∂G/∂I (total), ∂G/∂Ap, ∂G/∂E
	if union > 0 {
		v = inter / union
		dU := -inter / (union * union)
		dI += 1/union - dU
		dAp += dU
	}
	if encl > 0 {
		v += union/encl - 1
		dI -= 1 / encl
		dAp += 1 / encl
		dE = -union / (encl * encl)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		// Only reachable with sizes near the float64 range; callers keep
		// sizes far below it. Report the worst GIoU, with no gradient.
		return -1, [4]float64{}
	}

	// Gradients with respect to the ordered corners of p.
	var dx1, dx2, dy1, dy2 float64
	// Ap = (x2 − x1)(y2 − y1)
	dx1 -= dAp * ph
	dx2 += dAp * ph
	dy1 -= dAp * pw
	dy2 += dAp * pw
	// I = iw·ih, iw = min(x2, gx2) − max(x1, gx1)
	if iwPos && ihPos {
		if px2 < gx2 {
			dx2 += dI * ih
		}
		if px1 > gx1 {
			dx1 -= dI * ih
		}
		if py2 < gy2 {
			dy2 += dI * iw
		}
		if py1 > gy1 {
			dy1 -= dI * iw
		}
	}
	// E = ew·eh, ew = max(x2, gx2) − min(x1, gx1)
	if ewPos && ehPos {
		if px2 > gx2 {
			dx2 += dE * eh
		}
		if px1 < gx1 {
			dx1 -= dE * eh
		}
		if py2 > gy2 {
			dy2 += dE * ew
		}
		if py1 < gy1 {
			dy1 -= dE * ew
		}
	}
	// Back to (cx, cy, w, h): raw corners are c ∓ w/2; a swap exchanges
	// which raw corner is the ordered min, flipping the sign for w.
	d[0] = dx1 + dx2
	d[1] = dy1 + dy2
	d[2] = sx * (dx2 - dx1) / 2
	d[3] = sy * (dy2 - dy1) / 2
	return v, d
}

// sigmoid is σ(x) = 1/(1 + e^−x), evaluated without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// bce is TensorFlow's stable binary cross-entropy of logit x against target
// z: max(x, 0) − x·z + log(1 + e^−|x|). Its derivative in x is σ(x) − z.
func bce(z, x float64) float64 {
	return math.Max(x, 0) - x*z + math.Log1p(math.Exp(-math.Abs(x)))
}
