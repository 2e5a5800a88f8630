package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	_ "image/gif" // decoders registered for image.Decode
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"darkgo/dataset"
	"darkgo/yolo"
)

var detectCommand = &command{
	name:  "detect",
	usage: "-model yolov3|yolov3-tiny -weights FILE -names coco|FILE [-size 416] [-score 0.3] [-iou 0.45] [-nms hard|soft] [-out DIR] [-json] IMAGE|DIR...",
	short: "detect objects in images with darknet weights",
	long: `Detect runs YOLOv3 or YOLOv3-tiny on each image (PNG, JPEG or GIF; a
directory means every such file in it), prints the detections and writes
each image with its boxes and "label score" captions to the -out directory
(JPEG inputs as JPEG, others as PNG; -out "" writes nothing).

The pipeline is the tutorial's (SPEC §5): letterbox to -size×-size (RGB,
bilinear, grey padding), forward, decode, boxes back in image pixels,
score = objectness × class probability > -score, per-class NMS (hard at
-iou, or Gaussian soft-NMS), sorted by score. -names coco uses the embedded
80 COCO names; otherwise a file with one name per line, whose count must
equal the class count the weights file holds. Images go through the
network -batch at a time.`,
	setup: func(fs *flag.FlagSet) func(context.Context, []string) error {
		c := &detectConfig{}
		fs.StringVar(&c.model, "model", "yolov3", "model: yolov3 or yolov3-tiny")
		fs.StringVar(&c.weights, "weights", "", "darknet .weights `file` (required)")
		fs.StringVar(&c.names, "names", "coco", "class names: coco, or a `file` with one name per line")
		fs.IntVar(&c.size, "size", 416, "network input side in pixels (a multiple of 32)")
		fs.Float64Var(&c.score, "score", 0.3, "score threshold (objectness × class probability)")
		fs.Float64Var(&c.iou, "iou", 0.45, "NMS IoU threshold")
		fs.StringVar(&c.nms, "nms", "hard", "NMS method: hard or soft")
		fs.StringVar(&c.out, "out", "detections", "directory for the annotated images (\"\": none)")
		fs.BoolVar(&c.json, "json", false, "print the detections as JSON")
		fs.IntVar(&c.batch, "batch", 1, "images per forward pass")
		fs.IntVar(&c.workers, "workers", 0, "GEMM workers (0: all CPUs)")
		fs.BoolVar(&c.verbose, "v", false, "print the layer table and timings to stderr")
		return func(ctx context.Context, args []string) error { return runDetect(ctx, c, args, os.Stdout) }
	},
}

type detectConfig struct {
	model, weights, names, nms, out string
	size, batch, workers            int
	score, iou                      float64
	json, verbose                   bool
}

// detectResult is one image's output, as printed with -json.
type detectResult struct {
	Image      string          `json:"image"`
	Width      int             `json:"width"`
	Height     int             `json:"height"`
	Detections []jsonDetection `json:"detections"`
	Output     string          `json:"output,omitempty"`
}

type jsonDetection struct {
	Class int        `json:"class"`
	Name  string     `json:"name"`
	Score float32    `json:"score"`
	Box   [4]float32 `json:"box"` // x1, y1, x2, y2 in image pixels
}

func runDetect(ctx context.Context, c *detectConfig, args []string, stdout io.Writer) error {
	if c.weights == "" {
		return fmt.Errorf("-weights is required: %w", errUsage)
	}
	if len(args) == 0 {
		return fmt.Errorf("no images given: %w", errUsage)
	}
	method := yolo.HardNMS
	switch c.nms {
	case "hard":
	case "soft":
		method = yolo.SoftNMS
	default:
		return fmt.Errorf("-nms %q: want hard or soft: %w", c.nms, errUsage)
	}
	if c.batch < 1 {
		return fmt.Errorf("-batch %d: must be at least 1: %w", c.batch, errUsage)
	}
	var names []string
	if c.names == "coco" {
		names = yolo.COCONames()
	} else {
		var err error
		if names, err = dataset.ReadNames(c.names); err != nil {
			return err
		}
	}
	k, _, err := yolo.ClassesForFile(c.model, c.weights)
	if err != nil {
		return err
	}
	if k != len(names) {
		return fmt.Errorf("-names %s has %d class names but %s holds %s with %d classes", c.names, len(names), c.weights, c.model, k)
	}
	arch, err := yolo.NewArch(c.model, k)
	if err != nil {
		return err
	}
	plan, err := arch.NewPlan(c.size, c.size)
	if err != nil {
		return fmt.Errorf("-size: %v: %w", err, errUsage)
	}
	if c.verbose {
		plan.WriteTable(os.Stderr)
	}
	paths, err := imagePaths(args)
	if err != nil {
		return err
	}
	m := yolo.NewModel(arch)
	if _, err := m.LoadWeights(c.weights); err != nil {
		return err
	}
	det := yolo.NewDetector(m, c.workers)
	det.InW, det.InH = c.size, c.size
	det.Score, det.IoU, det.Method = float32(c.score), float32(c.iou), method
	if c.out != "" {
		if err := os.MkdirAll(c.out, 0o755); err != nil {
			return err
		}
	}
	colors := yolo.ClassColors(k)
	var results []detectResult
	failed := 0
	for start := 0; start < len(paths); start += c.batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		var imgs []image.Image
		var ok []string
		var formats []string
		for _, p := range paths[start:min(start+c.batch, len(paths))] {
			img, format, err := readImage(p)
			if err != nil {
				fmt.Fprintf(os.Stderr, "yolo detect: %v\n", err)
				failed++
				continue
			}
			imgs, ok, formats = append(imgs, img), append(ok, p), append(formats, format)
		}
		if len(imgs) == 0 {
			continue
		}
		t0 := time.Now()
		dets, err := det.Detect(imgs)
		if err != nil {
			return err
		}
		if c.verbose {
			fmt.Fprintf(os.Stderr, "%d image(s) in %v\n", len(imgs), time.Since(t0).Round(time.Millisecond))
		}
		for i, p := range ok {
			b := imgs[i].Bounds()
			r := detectResult{Image: p, Width: b.Dx(), Height: b.Dy(), Detections: []jsonDetection{}}
			for _, d := range dets[i] {
				r.Detections = append(r.Detections, jsonDetection{d.Class, names[d.Class], d.Score, [4]float32{d.X1, d.Y1, d.X2, d.Y2}})
			}
			if c.out != "" {
				canvas := yolo.ToRGBA(imgs[i]) // may be imgs[i] itself: it is not used again
				yolo.DrawDetections(canvas, dets[i], names, colors)
				if r.Output, err = writeImage(c.out, p, formats[i], canvas); err != nil {
					return err
				}
			}
			if !c.json {
				printResult(stdout, r)
			}
			results = append(results, r)
		}
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, len(paths))
	}
	return nil
}

func printResult(w io.Writer, r detectResult) {
	fmt.Fprintf(w, "%s (%d×%d): %d object(s)", r.Image, r.Width, r.Height, len(r.Detections))
	if r.Output != "" {
		fmt.Fprintf(w, " → %s", r.Output)
	}
	fmt.Fprintln(w)
	for _, d := range r.Detections {
		fmt.Fprintf(w, "  %-16s %.2f  (%.0f, %.0f)-(%.0f, %.0f)\n", d.Name, d.Score, d.Box[0], d.Box[1], d.Box[2], d.Box[3])
	}
}

var imageExts = []string{".jpg", ".jpeg", ".png", ".gif"}

// imagePaths expands directories into their image files (sorted).
func imagePaths(args []string) ([]string, error) {
	var paths []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			paths = append(paths, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, e := range entries {
			if !e.IsDir() && slices.Contains(imageExts, strings.ToLower(filepath.Ext(e.Name()))) {
				paths = append(paths, filepath.Join(a, e.Name()))
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no .jpg, .jpeg, .png or .gif files", a)
		}
	}
	return paths, nil
}

func readImage(path string) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: cannot decode image: %v", path, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, "", fmt.Errorf("%s: image is empty", path)
	}
	return img, format, nil
}

// writeImage saves img in dir under the input's base name: JPEG inputs as
// JPEG (quality 90), anything else as PNG.
func writeImage(dir, input, format string, img image.Image) (string, error) {
	base := strings.TrimSuffix(filepath.Base(input), filepath.Ext(input))
	ext := ".png"
	if format == "jpeg" {
		ext = ".jpg"
	}
	out := filepath.Join(dir, base+ext)
	if abs1, _ := filepath.Abs(out); abs1 != "" {
		if abs2, _ := filepath.Abs(input); abs1 == abs2 {
			out = filepath.Join(dir, base+"_detections"+ext)
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if ext == ".jpg" {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(f, img)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %v", out, err)
	}
	return out, nil
}
