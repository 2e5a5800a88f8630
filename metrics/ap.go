package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Object is one ground-truth object.
type Object struct {
	Box
	Class int
}

// Detection is one detected object with its score.
type Detection struct {
	Box
	Class int
	Score float64
}

// Image is the ground truth and the detections of one image. The order of
// images, and of detections within an image, is the "input order" that
// breaks ties between equal scores.
type Image struct {
	Truth      []Object
	Detections []Detection
}

// Metric selects how AP is computed.
type Metric int

const (
	// VOC is the seed's protocol (SPEC §9.2): +1-pixel IoU ≥ MatchIoU, each
	// ground truth matched at most once, all-point interpolated AP.
	VOC Metric = iota
	// VOC07 is the same matching with the 11-point interpolated AP of the
	// VOC2007 devkit.
	VOC07
	// COCO is pycocotools' bbox AP: IoU without +1, thresholds
	// .50:.05:.95, greedy matching per image to the best unmatched ground
	// truth, 101-point interpolated precision; AP is the mean over the ten
	// thresholds.
	COCO
)

var metricNames = [...]string{VOC: "voc", VOC07: "voc07", COCO: "coco"}

func (m Metric) String() string {
	if m >= 0 && int(m) < len(metricNames) {
		return metricNames[m]
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// ParseMetric parses "voc", "voc07" or "coco".
func ParseMetric(s string) (Metric, error) {
	if i := slices.Index(metricNames[:], strings.ToLower(s)); i >= 0 {
		return Metric(i), nil
	}
	return 0, fmt.Errorf("metrics: unknown metric %q (want voc, voc07 or coco)", s)
}

// Options configure Evaluate.
type Options struct {
	Metric Metric
	// MatchIoU is the IoU a detection needs to match a ground truth under
	// VOC and VOC07 (the seed's MINOVERLAP, 0.5 when zero). COCO ignores it
	// and uses .50:.05:.95. It has nothing to do with the NMS threshold.
	MatchIoU float64
}

// ClassAP is the result for one class.
type ClassAP struct {
	Class      int
	Truth      int     // ground-truth objects of the class
	Detections int     // detections of the class
	AP         float64 // in [0, 1]
	// COCO only: AP at IoU 0.50 and 0.75 (pycocotools' AP50, AP75).
	AP50, AP75 float64
	// VOC and VOC07: precision and recall after each detection, in score
	// order (SPEC §9.2 step 7), as the seed writes to results.txt.
	Precision, Recall []float64
}

// Result is the outcome of Evaluate.
type Result struct {
	Metric   Metric
	MatchIoU float64   // VOC, VOC07
	Classes  []ClassAP // classes present in the ground truth, ascending id
	MAP      float64   // mean of Classes[i].AP
	// COCO only: the means of AP50 and AP75.
	MAP50, MAP75 float64
	// IgnoredDetections counts detections of classes that have no ground
	// truth; they cannot be scored (the seed raises an error; the VOC and
	// COCO tools leave such classes out of the mean, as here).
	IgnoredDetections int
}

// Evaluate scores the detections of images against their ground truth.
// Classes are those present in the ground truth; a class with objects but
// no detections has AP 0. Detections are ranked by score, descending, with
// a stable sort, so equal scores keep their input order.
func Evaluate(images []Image, opt Options) (*Result, error) {
	if opt.MatchIoU == 0 {
		opt.MatchIoU = 0.5
	}
	if !(opt.MatchIoU > 0 && opt.MatchIoU <= 1) {
		return nil, fmt.Errorf("metrics: matching IoU %v outside (0, 1]", opt.MatchIoU)
	}
	if opt.Metric < VOC || opt.Metric > COCO {
		return nil, fmt.Errorf("metrics: unknown metric %d", int(opt.Metric))
	}
	truth := map[int]int{}
	for _, im := range images {
		for _, o := range im.Truth {
			if o.Class < 0 {
				return nil, errors.New("metrics: negative ground-truth class")
			}
			truth[o.Class]++
		}
	}
	dets := map[int]int{}
	res := &Result{Metric: opt.Metric}
	for _, im := range images {
		for _, d := range im.Detections {
			if math.IsNaN(d.Score) || math.IsNaN(d.X1+d.Y1+d.X2+d.Y2) {
				return nil, errors.New("metrics: NaN in a detection")
			}
			if _, ok := truth[d.Class]; !ok {
				res.IgnoredDetections++
				continue
			}
			dets[d.Class]++
		}
	}
	classes := make([]int, 0, len(truth))
	for c := range truth {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	for _, c := range classes {
		ca := ClassAP{Class: c, Truth: truth[c], Detections: dets[c]}
		if opt.Metric == COCO {
			ca.AP, ca.AP50, ca.AP75 = classAPCOCO(images, c, truth[c])
		} else {
			tp := matchVOC(images, c, opt.MatchIoU)
			ca.Precision, ca.Recall = precisionRecall(tp, truth[c])
			if opt.Metric == VOC {
				ca.AP = APAllPoint(ca.Recall, ca.Precision)
			} else {
				ca.AP = AP11Point(ca.Recall, ca.Precision)
			}
		}
		res.Classes = append(res.Classes, ca)
	}
	if opt.Metric != COCO {
		res.MatchIoU = opt.MatchIoU
	}
	if n := float64(len(res.Classes)); n > 0 {
		for _, ca := range res.Classes {
			res.MAP += ca.AP
			res.MAP50 += ca.AP50
			res.MAP75 += ca.AP75
		}
		res.MAP, res.MAP50, res.MAP75 = res.MAP/n, res.MAP50/n, res.MAP75/n
	}
	return res, nil
}

// ranked is one detection of a class with the index of its image.
type ranked struct {
	img int
	Detection
}

// rankClass returns the detections of class c over all images in input
// order, stably sorted by score, descending.
func rankClass(images []Image, c int) []ranked {
	var r []ranked
	for i, im := range images {
		for _, d := range im.Detections {
			if d.Class == c {
				r = append(r, ranked{i, d})
			}
		}
	}
	slices.SortStableFunc(r, func(a, b ranked) int { return cmp.Compare(b.Score, a.Score) })
	return r
}

// matchVOC is SPEC §9.2 step 6: for each detection of class c in score
// order, the image's object of class c with the largest IoUVOC (first on
// ties, only overlapping ones) is a match if the IoU is ≥ thr; the
// detection is a true positive if that object was not matched before, and
// a false positive otherwise (a duplicate; there is no fallback to the
// second best object) or when nothing matches.
func matchVOC(images []Image, c int, thr float64) []bool {
	used := make([][]bool, len(images))
	for i, im := range images {
		used[i] = make([]bool, len(im.Truth))
	}
	r := rankClass(images, c)
	tp := make([]bool, len(r))
	for k, d := range r {
		best, jbest := -1.0, -1
		for j, o := range images[d.img].Truth {
			if o.Class != c {
				continue
			}
			// IoUVOC returns 0 for boxes that do not overlap; the seed
			// skips them, which the > keeps equivalent (best starts at −1
			// but a 0 never reaches thr > 0).
			if v := IoUVOC(d.Box, o.Box); v > best {
				best, jbest = v, j
			}
		}
		if jbest >= 0 && best >= thr && !used[d.img][jbest] {
			used[d.img][jbest] = true
			tp[k] = true
		}
	}
	return tp
}

// precisionRecall turns a ranked TP/FP list into the cumulative precision
// and recall of SPEC §9.2 step 7.
func precisionRecall(tp []bool, nTruth int) (prec, rec []float64) {
	prec, rec = make([]float64, len(tp)), make([]float64, len(tp))
	ntp, nfp := 0, 0
	for k, t := range tp {
		if t {
			ntp++
		} else {
			nfp++
		}
		rec[k] = float64(ntp) / float64(nTruth)
		prec[k] = float64(ntp) / float64(ntp+nfp)
	}
	return prec, rec
}

// APAllPoint is the VOC2010+ all-point AP of SPEC §9.2 step 8: with
// mrec = [0, rec…, 1] and mpre = [0, prec…, 0], make mpre non-increasing
// from the end, then AP = Σ (mrec[k] − mrec[k−1])·mpre[k] over the k ≥ 1
// where recall changes.
func APAllPoint(rec, prec []float64) float64 {
	mrec := append(append([]float64{0}, rec...), 1)
	mpre := append(append([]float64{0}, prec...), 0)
	for k := len(mpre) - 2; k >= 0; k-- {
		mpre[k] = max(mpre[k], mpre[k+1])
	}
	ap := 0.0
	for k := 1; k < len(mrec); k++ {
		if mrec[k] != mrec[k-1] {
			ap += (mrec[k] - mrec[k-1]) * mpre[k]
		}
	}
	return ap
}

// AP11Point is the VOC2007 11-point AP (py-faster-rcnn's voc_ap with
// use_07_metric): AP = Σ_t p(t)/11 over t = 0, 0.1, …, 1, where p(t) is the
// largest precision at a recall ≥ t (0 if none). The thresholds are
// computed as NumPy's arange(0, 1.1, 0.1) does, t = i·0.1 in float64, so
// t₃ = 0.30000000000000004 and a recall of exactly 3/10 does not reach it,
// as in the reference.
func AP11Point(rec, prec []float64) float64 {
	ap := 0.0
	for i := range 11 {
		t := float64(i) * 0.1
		p := 0.0
		for k, r := range rec {
			if r >= t {
				p = max(p, prec[k])
			}
		}
		ap += p / 11
	}
	return ap
}
