package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"darkgo/dataset"
	"darkgo/metrics"
	"darkgo/yolo"
)

var evalCommand = &command{
	name: "eval",
	usage: "-annotations FILE -names FILE (-weights FILE [-model yolov3] [-size 416] [-score 0.05] [-iou 0.5] | -detections FILE)\n" +
		"          [-metric voc|voc07|coco] [-match-iou 0.5] [-json] [-detections-out FILE]",
	short: "score detections: per-class AP and mAP (VOC, VOC07 or COCO)",
	long: `Eval prints the average precision of each class present in the ground
truth and their mean (mAP), as the seed's evaluate_mAP.py does (SPEC §9).

Model mode (-weights): runs the detector on every image of the annotation
file (letterbox to size×size, score threshold -score, hard NMS at IoU -iou:
the seed's 0.05 and 0.50), rounds each box to whole pixels (truncation) and
each score to 4 decimals as the seed does, and also prints images/s (the
detector only: letterbox, forward pass, decoding, NMS; not JPEG decoding).
-detections-out writes what was scored as a detections file.

File mode (-detections): scores detections made by any tool. The file has
one line per image, the annotation format with a score after each box:

	path x1,y1,x2,y2,class,score x1,y1,x2,y2,class,score …

Coordinates keep their fractions; a line with only a path is an image
without detections; an annotated image with no line counts as one. Images
are matched by path. No image file is opened in this mode.

Metrics (-metric): voc is the seed's (VOC2010+ all-point AP, +1-pixel IoU
≥ -match-iou, each object matched once, duplicates are false positives);
voc07 is the same matching with 11-point AP; coco is pycocotools' bbox AP
averaged over IoU .50:.05:.95 (101-point, no +1; -match-iou unused), also
giving AP50 and AP75. Equal scores keep their input order. -match-iou is
the matching threshold, independent of the NMS threshold -iou of model
mode; in file mode, where no NMS runs, -iou sets the matching threshold.
-json prints one JSON object instead of the table.`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		o := &evalOptions{}
		fs.StringVar(&o.annotations, "annotations", "", "ground-truth annotation `file` (path x1,y1,x2,y2,class …)")
		fs.StringVar(&o.names, "names", "", "class-names `file`, one per line")
		fs.StringVar(&o.detections, "detections", "", "detections `file` to score (file mode)")
		fs.StringVar(&o.model, "model", "yolov3", "model: yolov3 or yolov3-tiny (model mode)")
		fs.StringVar(&o.weights, "weights", "", "darknet .weights `file` (model mode)")
		fs.IntVar(&o.size, "size", 416, "network input side, a multiple of 32 (model mode)")
		fs.Float64Var(&o.score, "score", 0.05, "keep detections scoring above this (model mode)")
		fs.Float64Var(&o.nmsIoU, "iou", 0.5, "NMS IoU threshold (model mode); with -detections, the matching IoU")
		fs.Float64Var(&o.matchIoU, "match-iou", 0.5, "IoU a detection needs to match an object (voc, voc07)")
		fs.StringVar(&o.metric, "metric", "voc", "voc, voc07 or coco")
		fs.BoolVar(&o.json, "json", false, "print one JSON object")
		fs.StringVar(&o.detectionsOut, "detections-out", "", "write the model's detections to `file` (model mode)")
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected arguments %q: %w", args, errUsage)
			}
			fs.Visit(func(f *flag.Flag) { o.set = append(o.set, f.Name) })
			return runEval(ctx, o, os.Stdout, os.Stderr)
		}
	},
}

type evalOptions struct {
	annotations, names, detections, model, weights, metric, detectionsOut string
	size                                                                  int
	score, nmsIoU, matchIoU                                               float64
	json                                                                  bool
	set                                                                   []string // flags given on the command line
}

func runEval(ctx context.Context, o *evalOptions, stdout, stderr io.Writer) error {
	switch {
	case o.annotations == "":
		return fmt.Errorf("-annotations is required: %w", errUsage)
	case o.names == "":
		return fmt.Errorf("-names is required: %w", errUsage)
	case (o.weights == "") == (o.detections == ""):
		return fmt.Errorf("give either -weights (run a model) or -detections (score a file): %w", errUsage)
	}
	if o.detections != "" {
		for _, f := range []string{"model", "size", "score", "detections-out"} {
			if slices.Contains(o.set, f) {
				return fmt.Errorf("-%s applies to model mode (-weights), not to -detections: %w", f, errUsage)
			}
		}
		// No NMS runs in file mode, so -iou can only mean the matching
		// threshold there.
		if slices.Contains(o.set, "iou") {
			if slices.Contains(o.set, "match-iou") && o.matchIoU != o.nmsIoU {
				return fmt.Errorf("-iou %v and -match-iou %v disagree (with -detections both set the matching threshold): %w", o.nmsIoU, o.matchIoU, errUsage)
			}
			o.matchIoU = o.nmsIoU
		}
	}
	if !(o.matchIoU > 0 && o.matchIoU <= 1) {
		return fmt.Errorf("matching IoU %v is outside (0, 1]: %w", o.matchIoU, errUsage)
	}
	metric, err := metrics.ParseMetric(o.metric)
	if err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	names, err := dataset.ReadNames(o.names)
	if err != nil {
		return err
	}
	var (
		samples []dataset.Sample
		dets    [][]metrics.Detection
		speed   float64 // images/s, model mode
	)
	if o.detections != "" {
		samples, err = dataset.ReadAnnotations(o.annotations, dataset.Options{NumClasses: len(names), SkipImages: true})
		if err != nil {
			return err
		}
		f, err := os.Open(o.detections)
		if err != nil {
			return err
		}
		lines, err := metrics.ReadDetections(f, o.detections, len(names))
		f.Close()
		if err != nil {
			return err
		}
		paths := make([]string, len(samples))
		for i, s := range samples {
			paths[i] = s.Path
		}
		var missing int
		if dets, missing, err = metrics.AssignDetections(paths, lines, o.detections); err != nil {
			return err
		}
		if missing > 0 {
			fmt.Fprintf(stderr, "note: %d of %d annotated images have no line in %s (scored as no detections)\n", missing, len(samples), o.detections)
		}
	} else {
		samples, err = dataset.ReadAnnotations(o.annotations, dataset.Options{NumClasses: len(names)})
		if err != nil {
			return err
		}
		if dets, speed, err = detectAll(ctx, o, len(names), samples, stderr); err != nil {
			return err
		}
	}
	images := make([]metrics.Image, len(samples))
	for i, s := range samples {
		for _, b := range s.Boxes {
			images[i].Truth = append(images[i].Truth, metrics.Object{
				Box: metrics.Box{X1: float64(b.X1), Y1: float64(b.Y1), X2: float64(b.X2), Y2: float64(b.Y2)}, Class: b.Class})
		}
		images[i].Detections = dets[i]
	}
	res, err := metrics.Evaluate(images, metrics.Options{Metric: metric, MatchIoU: o.matchIoU})
	if err != nil {
		return err
	}
	if res.IgnoredDetections > 0 {
		fmt.Fprintf(stderr, "note: %d detections of classes absent from the ground truth were not scored\n", res.IgnoredDetections)
	}
	if o.json {
		return printEvalJSON(stdout, res, names, len(samples), speed, o.weights != "")
	}
	printEvalTable(stdout, res, names, len(samples), speed, o.weights != "")
	return nil
}

// detectAll runs the model on every sample's image and returns the
// detections rounded as the seed's get_mAP does (SPEC §9.2 step 3).
func detectAll(ctx context.Context, o *evalOptions, classes int, samples []dataset.Sample, stderr io.Writer) ([][]metrics.Detection, float64, error) {
	switch {
	case o.size <= 0 || o.size%32 != 0:
		return nil, 0, fmt.Errorf("-size %d is not a positive multiple of 32: %w", o.size, errUsage)
	case !(o.score >= 0 && o.score < 1):
		return nil, 0, fmt.Errorf("-score %v is outside [0, 1): %w", o.score, errUsage)
	case !(o.nmsIoU > 0 && o.nmsIoU <= 1):
		return nil, 0, fmt.Errorf("-iou %v is outside (0, 1]: %w", o.nmsIoU, errUsage)
	}
	k, _, err := yolo.ClassesForFile(o.model, o.weights)
	if err != nil {
		return nil, 0, err
	}
	if k != classes {
		return nil, 0, fmt.Errorf("%s holds a %s with %d classes but %s names %d", o.weights, o.model, k, o.names, classes)
	}
	arch, err := yolo.NewArch(o.model, classes)
	if err != nil {
		return nil, 0, fmt.Errorf("%v: %w", err, errUsage)
	}
	model := yolo.NewModel(arch)
	if _, err := model.LoadWeights(o.weights); err != nil {
		return nil, 0, err
	}
	det := yolo.NewDetector(model, 0)
	det.InW, det.InH = o.size, o.size
	det.Score, det.IoU = float32(o.score), float32(o.nmsIoU)

	var out strings.Builder
	dets := make([][]metrics.Detection, len(samples))
	var busy time.Duration
	for i, s := range samples {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		img, err := decodeImage(s.File)
		if err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %w", o.annotations, s.Line, err)
		}
		start := time.Now()
		found, err := det.Detect([]image.Image{img})
		busy += time.Since(start)
		if err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %w", o.annotations, s.Line, err)
		}
		out.WriteString(s.Path)
		for _, d := range found[0] {
			// The seed stores int(x) corners and "%.4f" scores, and ranks
			// by the rounded score.
			score, _ := strconv.ParseFloat(strconv.FormatFloat(float64(d.Score), 'f', 4, 64), 64)
			m := metrics.Detection{Box: metrics.Box{X1: math.Trunc(float64(d.X1)), Y1: math.Trunc(float64(d.Y1)),
				X2: math.Trunc(float64(d.X2)), Y2: math.Trunc(float64(d.Y2))}, Class: d.Class, Score: score}
			dets[i] = append(dets[i], m)
			fmt.Fprintf(&out, " %g,%g,%g,%g,%d,%.4f", m.X1, m.Y1, m.X2, m.Y2, m.Class, m.Score)
		}
		out.WriteByte('\n')
		if (i+1)%10 == 0 || i+1 == len(samples) {
			fmt.Fprintf(stderr, "\r  %d/%d images", i+1, len(samples))
		}
	}
	if len(samples) > 0 {
		fmt.Fprintln(stderr)
	}
	if o.detectionsOut != "" {
		if err := os.WriteFile(o.detectionsOut, []byte(out.String()), 0o644); err != nil {
			return nil, 0, err
		}
	}
	speed := 0.0
	if busy > 0 {
		speed = float64(len(samples)) / busy.Seconds()
	}
	return dets, speed, nil
}

func decodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// className returns the name of class c, or its number if the names file
// is shorter (cannot happen after validation, but costs nothing).
func className(names []string, c int) string {
	if c < len(names) {
		return names[c]
	}
	return strconv.Itoa(c)
}

// printEvalTable prints one line per class, in the seed's order (class
// names sorted as strings), then the mean.
func printEvalTable(w io.Writer, res *metrics.Result, names []string, nImages int, speed float64, model bool) {
	classes := slices.Clone(res.Classes)
	slices.SortStableFunc(classes, func(a, b metrics.ClassAP) int {
		return strings.Compare(className(names, a.Class), className(names, b.Class))
	})
	switch res.Metric {
	case metrics.COCO:
		fmt.Fprintf(w, "coco mAP@[.50:.95] over %d images\n", nImages)
		for _, c := range classes {
			fmt.Fprintf(w, "%7.3f%% = %s AP  (AP50 %.3f%%, AP75 %.3f%%; %d objects, %d detections)\n",
				100*c.AP, className(names, c.Class), 100*c.AP50, 100*c.AP75, c.Truth, c.Detections)
		}
		fmt.Fprintf(w, "mAP = %.3f%%  (AP50 %.3f%%, AP75 %.3f%%)", 100*res.MAP, 100*res.MAP50, 100*res.MAP75)
	default:
		fmt.Fprintf(w, "%s mAP%d over %d images\n", res.Metric, int(math.Round(100*res.MatchIoU)), nImages)
		for _, c := range classes {
			fmt.Fprintf(w, "%7.3f%% = %s AP  (%d objects, %d detections)\n", 100*c.AP, className(names, c.Class), c.Truth, c.Detections)
		}
		fmt.Fprintf(w, "mAP = %.3f%%", 100*res.MAP)
	}
	if model {
		fmt.Fprintf(w, ", %.2f images/s", speed)
	}
	fmt.Fprintln(w)
}

type evalClassJSON struct {
	Class      int      `json:"class"`
	Name       string   `json:"name"`
	AP         float64  `json:"ap"`
	AP50       *float64 `json:"ap50,omitempty"`
	AP75       *float64 `json:"ap75,omitempty"`
	Truth      int      `json:"objects"`
	Detections int      `json:"detections"`
}

type evalJSON struct {
	Metric            string          `json:"metric"`
	MatchIoU          *float64        `json:"match_iou,omitempty"`
	Images            int             `json:"images"`
	MAP               float64         `json:"map"`
	MAP50             *float64        `json:"map50,omitempty"`
	MAP75             *float64        `json:"map75,omitempty"`
	Classes           []evalClassJSON `json:"classes"`
	IgnoredDetections int             `json:"ignored_detections"`
	ImagesPerSecond   *float64        `json:"images_per_second,omitempty"`
}

// printEvalJSON prints the result as one JSON object; AP values are
// fractions in [0, 1], classes in id order.
func printEvalJSON(w io.Writer, res *metrics.Result, names []string, nImages int, speed float64, model bool) error {
	ptr := func(v float64) *float64 { return &v }
	j := evalJSON{Metric: res.Metric.String(), Images: nImages, MAP: res.MAP, IgnoredDetections: res.IgnoredDetections, Classes: []evalClassJSON{}}
	coco := res.Metric == metrics.COCO
	if coco {
		j.MAP50, j.MAP75 = ptr(res.MAP50), ptr(res.MAP75)
	} else {
		j.MatchIoU = ptr(res.MatchIoU)
	}
	if model {
		j.ImagesPerSecond = ptr(speed)
	}
	for _, c := range res.Classes {
		cj := evalClassJSON{Class: c.Class, Name: className(names, c.Class), AP: c.AP, Truth: c.Truth, Detections: c.Detections}
		if coco {
			cj.AP50, cj.AP75 = ptr(c.AP50), ptr(c.AP75)
		}
		j.Classes = append(j.Classes, cj)
	}
	enc := json.NewEncoder(w)
	return enc.Encode(j)
}
