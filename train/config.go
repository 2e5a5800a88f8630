package train

import (
	"fmt"
	"runtime"
)

// Config is a training run's configuration. It is saved in every
// checkpoint, and a resumed run uses the saved one. Defaults (DefaultConfig)
// are the seed's configs.py (SPEC §1), except that the seed trains MNIST
// with COCO transfer switched on: we start from scratch unless Init is set.
type Config struct {
	Model  string // "yolov3" or "yolov3-tiny"
	Names  string // class names file
	Train  string // training annotation file
	Val    string // validation annotation file ("" skips validation)
	Size   int    // input side, multiple of 32
	Batch  int    // images per update
	Epochs int    // total epochs
	Warmup int    // warm-up epochs
	LR     float64
	LREnd  float64
	Out    string // output directory: checkpoints, logs, plot
	Init   string // optional darknet weights for transfer (all but the output convs)
	Seed   uint64 // model initialisation, data order and augmentation
	// Flip enables the horizontal flip (off by default: SPEC §12 quirk 2).
	Flip bool
	// Fill is the translate background (see Augment).
	Fill uint8
	// NoAugment switches augmentation off altogether.
	NoAugment bool
	// Workers is the number of goroutines for compute and data loading;
	// results do not depend on it, so a resumed run may change it.
	Workers int `json:"-"`
}

// DefaultConfig returns the seed's defaults.
func DefaultConfig() Config {
	return Config{
		Model: "yolov3", Size: 416, Batch: 4, Epochs: 100, Warmup: 2,
		LR: 1e-4, LREnd: 1e-6, Out: "runs/train", Seed: 1, Fill: 128,
		Workers: runtime.GOMAXPROCS(0),
	}
}

// Validate checks the numbers of a configuration.
func (c *Config) Validate() error {
	switch {
	case c.Model != "yolov3" && c.Model != "yolov3-tiny":
		return fmt.Errorf("train: model %q: want yolov3 or yolov3-tiny", c.Model)
	case c.Size < 32 || c.Size%32 != 0:
		return fmt.Errorf("train: size %d: want a positive multiple of 32", c.Size)
	case c.Batch < 1:
		return fmt.Errorf("train: batch %d: want ≥ 1", c.Batch)
	case c.Epochs < 1:
		return fmt.Errorf("train: epochs %d: want ≥ 1", c.Epochs)
	case c.Warmup < 0 || c.Warmup > c.Epochs:
		return fmt.Errorf("train: warm-up of %d epochs: want 0…epochs (%d)", c.Warmup, c.Epochs)
	case !(c.LR > 0) || !(c.LREnd >= 0) || c.LREnd > c.LR:
		return fmt.Errorf("train: lr %g, lr-end %g: want 0 ≤ lr-end ≤ lr, lr > 0", c.LR, c.LREnd)
	case c.Train == "":
		return fmt.Errorf("train: no training annotations")
	}
	return nil
}
