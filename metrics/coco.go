package metrics

import "slices"

// cocoIoUThresholds are pycocotools' iouThrs, np.linspace(.5, .95, 10):
// i·step + 0.5 with step = (0.95 − 0.5)/9 and the last set to 0.95,
// reproduced bit for bit so that IoUs on a threshold decide as there.
var cocoIoUThresholds = func() [10]float64 {
	var t [10]float64
	step := (0.95 - 0.5) / 9
	for i := range t {
		t[i] = float64(i)*step + 0.5
	}
	t[9] = 0.95
	return t
}()

// cocoRecallPoints is pycocotools' recThrs, np.linspace(0, 1, 101).
const cocoRecallPoints = 101

func cocoRecallThreshold(i int) float64 {
	if i == cocoRecallPoints-1 {
		return 1
	}
	return float64(i) * 0.01
}

// eps is np.spacing(1), which pycocotools adds to the precision
// denominator.
const eps = 2.220446049250313e-16

// classAPCOCO is pycocotools' evaluateImg + accumulate for one category,
// area range "all", no crowd regions and no maxDets cut. It returns the AP
// averaged over the ten IoU thresholds, and the AP at 0.50 and 0.75.
func classAPCOCO(images []Image, c, nTruth int) (ap, ap50, ap75 float64) {
	// matched[t] lists, for every detection of class c over all images in
	// image order and, within an image, by score (stable), whether it
	// matched at threshold t; scores in the same order.
	var scores []float64
	var matched [len(cocoIoUThresholds)][]bool
	for _, im := range images {
		var gt []xywh
		for _, o := range im.Truth {
			if o.Class == c {
				gt = append(gt, toXYWH(o.Box))
			}
		}
		var dt []Detection
		for _, d := range im.Detections {
			if d.Class == c {
				dt = append(dt, d)
			}
		}
		slices.SortStableFunc(dt, func(a, b Detection) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		})
		ious := make([][]float64, len(dt))
		for i, d := range dt {
			scores = append(scores, d.Score)
			ious[i] = make([]float64, len(gt))
			for j, g := range gt {
				ious[i][j] = iouCOCO(toXYWH(d.Box), g)
			}
		}
		for t, thr := range cocoIoUThresholds {
			gtm := make([]bool, len(gt))
			for i := range dt {
				// The best still-unmatched ground truth with IoU ≥ thr;
				// like pycocotools, a later one with an equal IoU wins.
				iou, m := min(thr, 1-1e-10), -1
				for j := range gt {
					if gtm[j] || ious[i][j] < iou {
						continue
					}
					iou, m = ious[i][j], j
				}
				if m >= 0 {
					gtm[m] = true
				}
				matched[t] = append(matched[t], m >= 0)
			}
		}
	}
	// accumulate: one stable sort of all detections by score.
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	var apT [len(cocoIoUThresholds)]float64
	for t := range cocoIoUThresholds {
		nd := len(order)
		rc, pr := make([]float64, nd), make([]float64, nd)
		tp, fp := 0.0, 0.0
		for k, i := range order {
			if matched[t][i] {
				tp++
			} else {
				fp++
			}
			rc[k] = tp / float64(nTruth)
			pr[k] = tp / (fp + tp + eps)
		}
		for k := nd - 1; k > 0; k-- {
			if pr[k] > pr[k-1] {
				pr[k-1] = pr[k]
			}
		}
		// q[r] = pr at the first rank whose recall reaches recThrs[r]
		// (np.searchsorted side='left'), 0 past the last detection.
		sum, k := 0.0, 0
		for r := range cocoRecallPoints {
			thr := cocoRecallThreshold(r)
			for k < nd && rc[k] < thr {
				k++
			}
			if k == nd {
				break
			}
			sum += pr[k]
		}
		apT[t] = sum / cocoRecallPoints
	}
	for _, a := range apT {
		ap += a
	}
	return ap / float64(len(apT)), apT[0], apT[5]
}
