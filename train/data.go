package train

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"darkgo/dataset"
	"darkgo/loss"
)

// Data is a training or validation set: the annotated samples and, when
// they fit in the cache budget, their decoded images (the seed's
// TRAIN_LOAD_IMAGES_TO_RAM). Images without boxes are dropped, as the seed
// drops their lines (SPEC §6.1).
type Data struct {
	Samples []dataset.Sample
	Images  []*dataset.Image // nil entries are decoded on demand
}

// DefaultCacheBytes is the decoded-image budget of LoadData: 1 GiB, enough
// for the 1000 MNIST canvases of 416×416 (0.5 GB).
const DefaultCacheBytes = 1 << 30

// LoadData reads and validates an annotation file (class ids < classes)
// and decodes its images with the given number of goroutines while their
// total size stays within cacheBytes; the rest are read when needed.
func LoadData(path string, classes, workers int, cacheBytes int64) (*Data, error) {
	samples, err := dataset.ReadAnnotations(path, dataset.Options{NumClasses: classes})
	if err != nil {
		return nil, err
	}
	d := &Data{}
	for _, s := range samples {
		if len(s.Boxes) > 0 {
			d.Samples = append(d.Samples, s)
		}
	}
	if len(d.Samples) == 0 {
		return nil, fmt.Errorf("train: %s: no image with a box", path)
	}
	d.Images = make([]*dataset.Image, len(d.Samples))
	var todo []int
	var bytes int64
	for i, s := range d.Samples {
		bytes += int64(s.W) * int64(s.H) * 3
		if bytes > cacheBytes {
			break
		}
		todo = append(todo, i)
	}
	errs := make([]error, len(d.Samples))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d.Images[i], errs[i] = dataset.LoadImage(d.Samples[i].File)
			}
		}()
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Len is the number of samples.
func (d *Data) Len() int { return len(d.Samples) }

func (d *Data) image(i int) (*dataset.Image, error) {
	if d.Images[i] != nil {
		return d.Images[i], nil
	}
	return dataset.LoadImage(d.Samples[i].File)
}

// Boxes returns sample i's boxes as float64 boxes in image pixels.
func (d *Data) Boxes(i int) []loss.Box {
	out := make([]loss.Box, len(d.Samples[i].Boxes))
	for j, b := range d.Samples[i].Boxes {
		out[j] = loss.Box{X1: float64(b.X1), Y1: float64(b.Y1), X2: float64(b.X2), Y2: float64(b.Y2), Class: b.Class}
	}
	return out
}

// Example is one prepared training input.
type Example struct {
	Image   []float32     // [3, S, S] planar in [0, 1], the letterboxed image
	Boxes   []loss.Box    // in input pixels, float (SPEC §12 quirk 5 fixed)
	Targets *loss.Targets // label assignment (SPEC §6.4)
}

// Prepare builds the network input and targets of sample i (SPEC §6.2):
// augment (if aug is not nil) → letterbox to cfg.Width (square) → boxes
// mapped with x' = x·scale + dx, kept as float64 → label assignment.
func (d *Data) Prepare(i int, cfg *loss.Config, aug *Augment, r *rand.Rand) (Example, error) {
	img, err := d.image(i)
	if err != nil {
		return Example{}, err
	}
	boxes := d.Boxes(i)
	if aug != nil {
		img, boxes = aug.Apply(img, boxes, r)
	}
	if cfg.Width != cfg.Height {
		return Example{}, fmt.Errorf("train: %d×%d input: only square inputs are supported", cfg.Width, cfg.Height)
	}
	pix, g := dataset.Letterbox(img, cfg.Width)
	for j := range boxes {
		b := &boxes[j]
		b.X1, b.X2 = b.X1*g.Scale+float64(g.DX), b.X2*g.Scale+float64(g.DX)
		b.Y1, b.Y2 = b.Y1*g.Scale+float64(g.DY), b.Y2*g.Scale+float64(g.DY)
	}
	t, err := loss.Assign(cfg, boxes)
	if err != nil {
		return Example{}, fmt.Errorf("train: %s:%d: %w", d.Samples[i].Path, d.Samples[i].Line, err)
	}
	return Example{Image: pix, Boxes: boxes, Targets: t}, nil
}
