package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"darkgo/dataset"
	"darkgo/loss"
	"darkgo/mat"
	"darkgo/yolo"
)

var lossCommand = &command{
	name:  "loss",
	usage: "-model yolov3|yolov3-tiny -classes N -weights FILE -annotations FILE [-size 416]",
	short: "print the training loss of a model on an annotated data set",
	long: `Loss runs the model (inference mode: batch-norm running statistics) on
every image of the annotation file, letterboxed to size×size with no
augmentation, and prints one JSON object

	{"giou": …, "conf": …, "prob": …, "total": …}

each the mean over images of the per-image sum over the scales of that loss
term (SPEC §7; the reference's label assignment of §6.4). Lines without
boxes are skipped, as the reference's data set drops them. Images are fed in
RGB channel order, the project's convention (the reference feeds BGR; the
two agree on grey images such as the MNIST canvases).`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		var o lossOptions
		fs.StringVar(&o.model, "model", "yolov3", "model: yolov3 or yolov3-tiny")
		fs.IntVar(&o.classes, "classes", 0, "number of classes `N` (0: infer from the weights file size)")
		fs.StringVar(&o.weights, "weights", "", "darknet .weights `file`")
		fs.StringVar(&o.annotations, "annotations", "", "annotation `file` (one image per line: path x1,y1,x2,y2,class …)")
		fs.IntVar(&o.size, "size", 416, "network input side in pixels, a multiple of 32")
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected arguments %q: %w", args, errUsage)
			}
			res, err := runLoss(ctx, o)
			if err != nil {
				return err
			}
			return json.NewEncoder(os.Stdout).Encode(res)
		}
	},
}

type lossOptions struct {
	model, weights, annotations string
	classes, size               int
}

// lossJSON is the command's output, fields in this order.
type lossJSON struct {
	GIoU  float64 `json:"giou"`
	Conf  float64 `json:"conf"`
	Prob  float64 `json:"prob"`
	Total float64 `json:"total"`
}

// headForward runs the network on one letterboxed image (planar (3, size,
// size), values in [0, 1]) and returns the raw head outputs ordered by
// increasing stride, each (1, 3·(5+C), size/stride, size/stride).
type headForward func(img []float32) ([][]float32, error)

func runLoss(ctx context.Context, o lossOptions) (*lossJSON, error) {
	switch {
	case o.weights == "":
		return nil, fmt.Errorf("-weights is required: %w", errUsage)
	case o.annotations == "":
		return nil, fmt.Errorf("-annotations is required: %w", errUsage)
	case o.size <= 0 || o.size%32 != 0:
		return nil, fmt.Errorf("-size %d is not a positive multiple of 32: %w", o.size, errUsage)
	case o.classes < 0:
		return nil, fmt.Errorf("-classes %d is negative: %w", o.classes, errUsage)
	}
	classes := o.classes
	if classes == 0 {
		c, _, err := yolo.ClassesForFile(o.model, o.weights)
		if err != nil {
			return nil, err
		}
		classes = c
	}
	arch, err := yolo.NewArch(o.model, classes)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, errUsage)
	}
	cfg := lossConfig(arch, o.size)

	samples, err := dataset.ReadAnnotations(o.annotations, dataset.Options{NumClasses: classes})
	if err != nil {
		return nil, err
	}
	model := yolo.NewModel(arch)
	if _, err := model.LoadWeights(o.weights); err != nil {
		return nil, err
	}
	forward, err := newHeadForward(model, o.size)
	if err != nil {
		return nil, err
	}

	var sum loss.Terms
	images := 0
	for _, s := range samples {
		if len(s.Boxes) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		img, err := dataset.LoadImage(s.File)
		if err != nil {
			return nil, err
		}
		x, geo := dataset.Letterbox(img, o.size)
		boxes := make([]loss.Box, len(s.Boxes))
		for i, b := range s.Boxes {
			lb := geo.Box(b)
			boxes[i] = loss.Box{X1: float64(lb.X1), Y1: float64(lb.Y1), X2: float64(lb.X2), Y2: float64(lb.Y2), Class: lb.Class}
		}
		targets, err := loss.Assign(&cfg, boxes)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", o.annotations, s.Line, err)
		}
		raw, err := forward(x)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", o.annotations, s.Line, err)
		}
		res, err := loss.Compute(&cfg, raw, []*loss.Targets{targets}, nil)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", o.annotations, s.Line, err)
		}
		sum.GIoU += res.Terms.GIoU
		sum.Conf += res.Terms.Conf
		sum.Prob += res.Terms.Prob
		images++
	}
	if images == 0 {
		return nil, fmt.Errorf("%s: no image with boxes", o.annotations)
	}
	n := float64(images)
	out := &lossJSON{GIoU: sum.GIoU / n, Conf: sum.Conf / n, Prob: sum.Prob / n}
	out.Total = out.GIoU + out.Conf + out.Prob
	return out, nil
}

// lossConfig builds the loss configuration from the model's heads (strides
// and anchors, ordered by increasing stride) for a size×size input.
func lossConfig(arch *yolo.Arch, size int) loss.Config {
	cfg := loss.Config{Width: size, Height: size, Classes: arch.Classes}
	for _, h := range arch.Heads {
		cfg.Strides = append(cfg.Strides, h.Stride)
		var an [][2]float64
		for _, a := range h.Anchors {
			an = append(an, [2]float64{float64(a[0]), float64(a[1])})
		}
		cfg.Anchors = append(cfg.Anchors, an)
	}
	return cfg
}

// newHeadForward returns the inference forward pass of model (batch-norm
// running statistics, folded) for one size×size image.
func newHeadForward(model *yolo.Model, size int) (headForward, error) {
	inf := yolo.NewInference(model, 0)
	return func(img []float32) ([][]float32, error) {
		heads, err := inf.Forward(mat.FromData(img, 1, 3, size, size))
		if err != nil {
			return nil, err
		}
		raw := make([][]float32, len(heads))
		for i, h := range heads {
			raw[i] = h.Data // read before the next Forward overwrites it
		}
		return raw, nil
	}, nil
}
