package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"darkgo/train"
)

var trainCommand = &command{
	name:  "train",
	usage: "-names FILE -train ANN [-val ANN] [-model yolov3] [-size 416] [-batch 4] [-epochs 100] [-warmup 2] [-lr 1e-4] [-lr-end 1e-6] [-out DIR] [-init FILE] [-seed 1] | -resume DIR",
	short: "train YOLOv3 or YOLOv3-tiny on an annotated data set",
	long: `Train trains a detector the way the seed's train.py does (SPEC §8):
Adam, a linear warm-up over -warmup epochs to -lr then a cosine decay to
-lr-end, batches of -batch augmented images (random crop and translate; no
horizontal flip unless -flip), the validation loss after every epoch.

ANN files hold one image per line: "path x1,y1,x2,y2,class ...". The names
file has one class name per line. Training starts from a random
initialisation (seeded by -seed), or with -init from darknet weights of the
same model (any class count: every layer but the output convolutions is
copied, SPEC §8.2).

Everything goes to -out: last.weights/last.state after every epoch (and on
Ctrl-C), best.weights/best.state when the validation loss improves,
loss.csv, loss.png (redrawn every epoch) and TensorBoard event files in
log/ (tensorboard --logdir DIR/log). The .weights files are darknet
format, usable by detect and eval.

-resume DIR continues the run saved in DIR exactly where it stopped, with
its saved configuration (other flags except -workers and -steps are
ignored): the result is bit-identical to an uninterrupted run. Results do
not depend on -workers.`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		c := train.DefaultConfig()
		fs.StringVar(&c.Model, "model", c.Model, "`model`: yolov3 or yolov3-tiny")
		fs.StringVar(&c.Names, "names", "", "class names `file`")
		fs.StringVar(&c.Train, "train", "", "training annotation `file`")
		fs.StringVar(&c.Val, "val", "", "validation annotation `file` (optional)")
		fs.IntVar(&c.Size, "size", c.Size, "input side in pixels, a multiple of 32")
		fs.IntVar(&c.Batch, "batch", c.Batch, "images per update")
		fs.IntVar(&c.Epochs, "epochs", c.Epochs, "epochs")
		fs.IntVar(&c.Warmup, "warmup", c.Warmup, "warm-up epochs")
		fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate (after warm-up)")
		fs.Float64Var(&c.LREnd, "lr-end", c.LREnd, "final learning rate")
		fs.StringVar(&c.Out, "out", c.Out, "output `directory`")
		fs.StringVar(&c.Init, "init", "", "darknet weights `file` to start from (transfer)")
		fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (initialisation, data order, augmentation)")
		fs.BoolVar(&c.Flip, "flip", false, "enable the random horizontal flip (off: mirrored digits are not digits)")
		fill := fs.Uint("fill", uint(c.Fill), "grey level (0-255) of the pixels a random translation uncovers")
		fs.BoolVar(&c.NoAugment, "no-aug", false, "disable augmentation")
		fs.IntVar(&c.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines for compute and data loading")
		resume := fs.String("resume", "", "continue the run saved in `directory`")
		steps := fs.Int64("steps", 0, "stop (saving a checkpoint) after this many updates in this session; 0: run to the end")
		quiet := fs.Bool("q", false, "print only the last update of each epoch and the validation loss")
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected arguments %q: %w", args, errUsage)
			}
			if *fill > 255 {
				return fmt.Errorf("-fill %d: want 0…255: %w", *fill, errUsage)
			}
			c.Fill = uint8(*fill)
			return runTrain(ctx, c, *resume, *steps, *quiet)
		}
	},
}

func runTrain(ctx context.Context, c train.Config, resume string, steps int64, quiet bool) error {
	info := func(s string) { fmt.Println(s) }
	var t *train.Trainer
	var err error
	if resume != "" {
		t, err = train.SetupResume(resume, max(c.Workers, 1), info)
	} else {
		if c.Names == "" || c.Train == "" {
			return fmt.Errorf("-names and -train are required (or -resume DIR): %w", errUsage)
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%v: %w", err, errUsage)
		}
		if _, err := os.Stat(filepath.Join(c.Out, train.LastName+".state")); err == nil {
			return fmt.Errorf("%s already holds a run: continue it with -resume %s, or choose another -out", c.Out, c.Out)
		}
		t, err = train.Setup(c, info)
	}
	if err != nil {
		return err
	}
	defer t.Log.Close()
	t.StopAfter = steps
	sched := t.Schedule()
	fmt.Printf("%d epochs × %d updates of %d images; lr: warm-up to %g over %d updates, cosine to %g at update %d\n",
		t.Cfg.Epochs, t.StepsPerEpoch(), t.Cfg.Batch, t.Cfg.LR, sched.Warmup, t.Cfg.LREnd, sched.Total)
	fmt.Printf("writing %s: checkpoints, loss.csv, loss.png; tensorboard --logdir %s\n", t.Cfg.Out, filepath.Join(t.Cfg.Out, "log"))
	t.Report = func(r train.Record, line string) {
		if quiet && r.Phase == "train" && t.State.Batch < t.StepsPerEpoch() {
			return // -q: only the last update of each epoch and the validation
		}
		fmt.Println(line)
	}
	start := time.Now()
	err = t.Run(ctx)
	elapsed := time.Since(start).Round(time.Second)
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted after update %d (saved); continue with: yolo train -resume %s", t.State.Step, t.Cfg.Out)
	case err != nil:
		return err
	case t.State.Epoch < t.Cfg.Epochs:
		fmt.Printf("stopped after update %d (%v); continue with: yolo train -resume %s\n", t.State.Step, elapsed, t.Cfg.Out)
	default:
		fmt.Printf("done: %d updates in %v", t.State.Step, elapsed)
		if t.State.BestEpoch >= 0 {
			fmt.Printf("; best validation loss %.4f after epoch %d (%s)", t.State.BestVal, t.State.BestEpoch+1,
				filepath.Join(t.Cfg.Out, train.BestName+".weights"))
		}
		fmt.Println()
	}
	return nil
}
