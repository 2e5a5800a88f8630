package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"darkgo/yolo"
)

var inferCommand = &command{
	name:  "infer",
	usage: "-model M -classes N -weights FILE -input-npy X.npy -dump-raw DIR",
	short: "run the network on a .npy batch and dump the raw head outputs",
	long: `Infer is for numerical cross-checks against other implementations. It
runs the model on a float32 NumPy array of shape (N, 3, H, W) — RGB in
[0, 1], H and W multiples of 32, no letterbox — and writes the raw head
outputs, before any sigmoid or exp, as DIR/raw_s32.npy, raw_s16.npy and
raw_s8.npy (tiny: the first two): float32 little-endian, C order, shape
(N, 3·(5+C), H/stride, W/stride), channel = anchor·(5+C) + field, darknet's
layout. The forward pass is the inference one (batch norm folded into the
convolutions, epsilon 1e-3).`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		c := &inferConfig{}
		fs.StringVar(&c.model, "model", "yolov3", "model: yolov3 or yolov3-tiny")
		fs.IntVar(&c.classes, "classes", 80, "number of classes")
		fs.StringVar(&c.weights, "weights", "", "darknet .weights `file` (required)")
		fs.StringVar(&c.input, "input-npy", "", "input .npy `file`, float32 (N, 3, H, W) (required)")
		fs.StringVar(&c.dump, "dump-raw", "", "output `directory` for raw_s*.npy (required)")
		fs.IntVar(&c.workers, "workers", 0, "GEMM workers (0: all CPUs)")
		fs.BoolVar(&c.verbose, "v", false, "print the layer table and timing to stderr")
		return func(ctx context.Context, args []string) error { return runInfer(c, args) }
	},
}

type inferConfig struct {
	model, weights, input, dump string
	classes, workers            int
	verbose                     bool
}

func runInfer(c *inferConfig, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q: %w", args, errUsage)
	}
	for _, f := range []struct{ name, v string }{{"-weights", c.weights}, {"-input-npy", c.input}, {"-dump-raw", c.dump}} {
		if f.v == "" {
			return fmt.Errorf("%s is required: %w", f.name, errUsage)
		}
	}
	arch, err := yolo.NewArch(c.model, c.classes)
	if err != nil {
		return err
	}
	x, err := yolo.LoadNPY(c.input)
	if err != nil {
		return err
	}
	if len(x.Shape) != 4 || x.Shape[0] < 1 || x.Shape[1] != 3 {
		return fmt.Errorf("%s: shape %v, want (N, 3, H, W)", c.input, x.Shape)
	}
	plan, err := arch.NewPlan(x.Shape[2], x.Shape[3])
	if err != nil {
		return fmt.Errorf("%s: %v", c.input, err)
	}
	if c.verbose {
		plan.WriteTable(os.Stderr)
	}
	m := yolo.NewModel(arch)
	if _, err := m.LoadWeights(c.weights); err != nil {
		return err
	}
	if err := os.MkdirAll(c.dump, 0o755); err != nil {
		return err
	}
	inf := yolo.NewInference(m, c.workers)
	t0 := time.Now()
	heads, err := inf.Forward(x)
	if err != nil {
		return err
	}
	if c.verbose {
		fmt.Fprintf(os.Stderr, "forward: %v for %d image(s)\n", time.Since(t0).Round(time.Millisecond), x.Shape[0])
	}
	// Largest stride first, as the files are named.
	for h := len(heads) - 1; h >= 0; h-- {
		path := filepath.Join(c.dump, fmt.Sprintf("raw_s%d.npy", arch.Heads[h].Stride))
		if err := yolo.SaveNPY(path, heads[h]); err != nil {
			return err
		}
		fmt.Printf("%s %v\n", path, heads[h].Shape)
	}
	return nil
}
