package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"darkgo/mat"
	"darkgo/yolo"
)

// testModel saves a random yolov3-tiny with k classes and returns it and its path.
func testModel(t *testing.T, k int) (*yolo.Model, string) {
	t.Helper()
	m := yolo.NewModel(yolo.MustArch("yolov3-tiny", k))
	m.InitRandom(rand.New(rand.NewPCG(5, 6)))
	path := filepath.Join(t.TempDir(), "tiny.weights")
	if err := m.SaveWeights(path, yolo.DefaultHeader()); err != nil {
		t.Fatal(err)
	}
	return m, path
}

// TestInferCommand runs "yolo infer" on a batch of 2 and compares the dumped
// files with the library's forward pass; then the error cases.
func TestInferCommand(t *testing.T) {
	m, weights := testModel(t, 2)
	dir := t.TempDir()
	x := mat.New(2, 3, 64, 96)
	for i := range x.Data {
		x.Data[i] = float32(i%251) / 251
	}
	input := filepath.Join(dir, "x.npy")
	if err := yolo.SaveNPY(input, x); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "raw")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"infer", "-model", "yolov3-tiny", "-classes", "2", "-weights", weights, "-input-npy", input, "-dump-raw", out, "-workers", "1"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	heads, err := yolo.NewInference(m, 1).Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	for h, stride := range []int{16, 32} {
		got, err := yolo.LoadNPY(filepath.Join(out, fmt.Sprintf("raw_s%d.npy", stride)))
		if err != nil {
			t.Fatal(err)
		}
		if !got.SameShape(heads[h]) || got.Shape[1] != 21 || got.Shape[2] != 64/stride || got.Shape[3] != 96/stride {
			t.Fatalf("raw_s%d shape %v, want %v", stride, got.Shape, heads[h].Shape)
		}
		for i := range got.Data {
			if got.Data[i] != heads[h].Data[i] {
				t.Fatalf("raw_s%d[%d] = %v, want %v", stride, i, got.Data[i], heads[h].Data[i])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "raw_s8.npy")); !os.IsNotExist(err) {
		t.Error("tiny wrote raw_s8.npy")
	}
	bad := filepath.Join(dir, "bad.npy")
	os.WriteFile(bad, []byte("not numpy"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-classes", "3", "-weights", weights, "-input-npy", input}, "(that is yolov3-tiny with 2 classes)"},
		{[]string{"-classes", "2", "-weights", weights, "-input-npy", bad}, "not a .npy file"},
		{[]string{"-classes", "2", "-weights", filepath.Join(dir, "none"), "-input-npy", input}, "no such file"},
		{[]string{"-model", "yolov3", "-classes", "2", "-weights", weights, "-input-npy", input}, "(that is yolov3-tiny with 2 classes)"},
	} {
		stderr.Reset()
		args := append([]string{"infer", "-model", "yolov3-tiny", "-dump-raw", out}, c.args...)
		if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

// TestDetectCommand runs detection on a PNG and a JPEG with a random model
// and a low score threshold: results printed as JSON, annotated images
// written in the input's format; then the error cases.
func TestDetectCommand(t *testing.T) {
	_, weights := testModel(t, 2)
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 80, 60))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	os.WriteFile(filepath.Join(dir, "a.png"), b.Bytes(), 0o644)
	b.Reset()
	jpeg.Encode(&b, img, nil)
	os.WriteFile(filepath.Join(dir, "b.jpg"), b.Bytes(), 0o644)
	names := filepath.Join(dir, "names.txt")
	os.WriteFile(names, []byte("zero\r\none\n"), 0o644)
	outDir := filepath.Join(dir, "out")
	c := &detectConfig{model: "yolov3-tiny", weights: weights, names: names, size: 64, score: 0.01, iou: 0.45,
		nms: "hard", out: outDir, json: true, batch: 2, workers: 1}
	var stdout bytes.Buffer
	if err := runDetect(context.Background(), c, []string{dir}, &stdout); err != nil {
		t.Fatal(err)
	}
	var res []detectResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if len(res) != 2 || res[0].Width != 80 || res[0].Height != 60 {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		for i, d := range r.Detections {
			if d.Name != []string{"zero", "one"}[d.Class] || d.Score <= 0.01 || (i > 0 && d.Score > r.Detections[i-1].Score) {
				t.Errorf("%s: detection %+v", r.Image, d)
			}
		}
	}
	for _, f := range []string{"a.png", "b.jpg"} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
			t.Errorf("annotated %s: %v", f, err)
		}
	}
	// Errors: names count, undecodable image, missing file, bad flags.
	os.WriteFile(filepath.Join(dir, "names3.txt"), []byte("a\nb\nc\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.png"), []byte("garbage"), 0o644)
	for _, e := range []struct {
		mod  func(c *detectConfig)
		args []string
		want string
	}{
		{func(c *detectConfig) { c.names = filepath.Join(dir, "names3.txt") }, []string{dir}, "has 3 class names but"},
		{func(c *detectConfig) { c.names = "coco" }, []string{dir}, "holds yolov3-tiny with 2 classes"},
		{nil, []string{filepath.Join(dir, "bad.png")}, "1 of 1 images could not be read"},
		{nil, []string{filepath.Join(dir, "missing.png")}, "no such file"},
		{func(c *detectConfig) { c.nms = "fuzzy" }, []string{dir}, "want hard or soft"},
		{func(c *detectConfig) { c.size = 100 }, []string{dir}, "multiples of 32"},
		{func(c *detectConfig) { c.model = "yolov3" }, []string{dir}, "not a yolov3 file"},
	} {
		cc := *c
		cc.out = ""
		if e.mod != nil {
			e.mod(&cc)
		}
		stdout.Reset()
		err := runDetect(context.Background(), &cc, e.args, &stdout)
		if err == nil || !strings.Contains(err.Error(), e.want) {
			t.Errorf("%+v %v: err %v, want %q", cc, e.args, err, e.want)
		}
	}
}
