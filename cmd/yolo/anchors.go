package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"darkgo/dataset"
)

var anchorsCommand = &command{
	name:  "anchors",
	usage: "-annotations FILE [-n 9] [-size 416] [-seed 1] [-restarts 1]",
	short: "compute anchor boxes for a data set (IoU k-means)",
	long: `Anchors clusters the sizes of the annotated boxes into n anchors with
darknet's calc_anchors method: k-means with the distance 1 − IoU, boxes
compared by width and height only, centres started at n random boxes.
Sizes are measured in the size×size network input after the seed's
letterbox (scaled by min(size/width, size/height), aspect kept; darknet
stretches instead), so every image's header is read. It prints the anchors
sorted by area, as pixel pairs ready for a model configuration, and the mean
IoU of each box with its best anchor. -restarts runs k-means that many times
from different random starts and keeps the best mean IoU (darknet runs once).`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		o := &anchorsOptions{}
		fs.StringVar(&o.annotations, "annotations", "", "annotation `file` (path x1,y1,x2,y2,class …)")
		fs.IntVar(&o.n, "n", 9, "number of anchors (9 for yolov3, 6 for yolov3-tiny)")
		fs.IntVar(&o.size, "size", 416, "network input side in pixels")
		fs.Uint64Var(&o.seed, "seed", 1, "random seed")
		fs.IntVar(&o.restarts, "restarts", 1, "k-means runs; the best mean IoU is kept")
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected arguments %q: %w", args, errUsage)
			}
			return runAnchors(o, os.Stdout)
		}
	},
}

type anchorsOptions struct {
	annotations       string
	n, size, restarts int
	seed              uint64
}

func runAnchors(o *anchorsOptions, w io.Writer) error {
	switch {
	case o.annotations == "":
		return fmt.Errorf("-annotations is required: %w", errUsage)
	case o.n < 1:
		return fmt.Errorf("-n must be at least 1: %w", errUsage)
	case o.size < 1:
		return fmt.Errorf("-size must be positive: %w", errUsage)
	case o.restarts < 1:
		return fmt.Errorf("-restarts must be at least 1: %w", errUsage)
	}
	samples, err := dataset.ReadAnnotations(o.annotations, dataset.Options{})
	if err != nil {
		return err
	}
	sizes, err := dataset.LetterboxSizes(samples, o.size)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.seed, 0x616e63686f7273)) // "anchors"
	var best []dataset.Size
	bestIoU := -1.0
	for range o.restarts {
		a, iou, err := dataset.KMeansAnchors(sizes, o.n, rng)
		if err != nil {
			return err
		}
		if iou > bestIoU {
			best, bestIoU = a, iou
		}
	}
	fmt.Fprintf(w, "%d boxes in %d images, %d anchors for a %d×%d input, sorted by area:\n", len(sizes), len(samples), o.n, o.size, o.size)
	var pairs []string
	for _, a := range best {
		fmt.Fprintf(w, "  %7.2f × %7.2f\n", a.W, a.H)
		pairs = append(pairs, fmt.Sprintf("%d,%d", int(math.Round(a.W)), int(math.Round(a.H))))
	}
	fmt.Fprintf(w, "anchors = %s\n", strings.Join(pairs, ", "))
	fmt.Fprintf(w, "mean IoU = %.2f%%\n", 100*bestIoU)
	return nil
}
