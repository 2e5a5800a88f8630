package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"darkgo/mnist"
)

var mnistDataCommand = &command{
	name:  "mnist-data",
	usage: "-out DIR [-train 1000] [-test 200] [-size 416] [-seed 1] [-mnist-dir DIR]",
	short: "synthesise the tutorial's MNIST detection data set",
	long: `Mnist-data writes the tutorial's digit-detection data set (SPEC §10):
white size×size canvases with 1 to 12 dark MNIST digits each, as
DIR/mnist_train/000001.jpg …, DIR/mnist_test/…, the annotation files
DIR/mnist_train.txt and DIR/mnist_test.txt (absolute image paths, boxes
xmin,ymin,xmax,ymax,digit) and DIR/mnist.names.

By default the digits come from the embedded MNIST test set (no download):
train canvases use its first 8,000 digits, test canvases its last 2,000.
With -mnist-dir, the directory's official IDX files are used instead
(train-images-idx3-ubyte[.gz] and friends): the training file for train
canvases, the t10k file for test canvases. The same -seed writes the same
files; each split has its own random stream, so the test canvases do not
change with -train.`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		c := &mnistDataConfig{}
		fs.StringVar(&c.out, "out", "", "output `directory` (created if missing)")
		fs.IntVar(&c.train, "train", 1000, "number of train canvases")
		fs.IntVar(&c.test, "test", 200, "number of test canvases")
		fs.IntVar(&c.size, "size", 416, "canvas side in pixels")
		fs.Uint64Var(&c.seed, "seed", 1, "random seed")
		fs.StringVar(&c.mnistDir, "mnist-dir", "", "`directory` with the official MNIST IDX files (default: the embedded test set)")
		return func(ctx context.Context, args []string) error { return runMNISTData(ctx, c, args) }
	},
}

type mnistDataConfig struct {
	out         string
	train, test int
	size        int
	seed        uint64
	mnistDir    string
}

func runMNISTData(ctx context.Context, c *mnistDataConfig, args []string) error {
	switch {
	case len(args) > 0:
		return fmt.Errorf("unexpected arguments %q: %w", args, errUsage)
	case c.out == "":
		return fmt.Errorf("-out is required: %w", errUsage)
	case c.train < 0 || c.test < 0:
		return fmt.Errorf("-train and -test must not be negative: %w", errUsage)
	case c.size < mnist.MinCanvasSize:
		return fmt.Errorf("-size must be at least %d: %w", mnist.MinCanvasSize, errUsage)
	}
	var train, test *mnist.Set
	if c.mnistDir == "" {
		all, err := mnist.Embedded()
		if err != nil {
			return err
		}
		train, test = all.Slice(0, 8000), all.Slice(8000, all.N)
	} else {
		var err error
		if train, test, err = mnist.ReadDir(c.mnistDir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	for i, s := range []mnist.Split{{Name: "train", Count: c.train, Digits: train}, {Name: "test", Count: c.test, Digits: test}} {
		// One stream per split, so the test canvases of a seed do not
		// depend on -train.
		rng := rand.New(rand.NewPCG(c.seed, 0x6d6e697374+uint64(i))) // "mnist"
		progress := func(done int) {
			if done == s.Count || done%10 == 0 {
				fmt.Fprintf(os.Stderr, "\r  %*d/%d %s canvases", len(fmt.Sprint(s.Count)), done, s.Count, s.Name)
			}
		}
		err := mnist.WriteSplit(ctx, rng, c.out, s, c.size, progress)
		if s.Count > 0 {
			fmt.Fprintln(os.Stderr)
		}
		if err != nil {
			return err
		}
	}
	if err := mnist.WriteNames(c.out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d train and %d test canvases (%d×%d) to %s in %.1fs\n",
		c.train, c.test, c.size, c.size, c.out, time.Since(start).Seconds())
	return nil
}
