package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"darkgo/dataset"
	"darkgo/mnist"
	"darkgo/yolo"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEvalDetectionsFile scores the SPEC §13.5 example from files: three
// objects, detections TP, duplicate, TP → AP 5/9. The images do not exist:
// file mode never opens them.
func TestEvalDetectionsFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"names": "digit\nletter\n",
		"gt.txt": "img/a b.jpg 0,0,9,9,0 20,0,29,9,0 40,0,49,9,0\n" +
			"img/c.jpg\n",
		"det.txt": "img/c.jpg 1,1,5,5,1,0.99\n" +
			"./img/a b.jpg 0,0,9,9,0,0.9 0.5,0,9,9,0,0.8 20,0,29.5,9,0,0.7\n",
	})
	o := &evalOptions{annotations: filepath.Join(dir, "gt.txt"), names: filepath.Join(dir, "names"),
		detections: filepath.Join(dir, "det.txt"), metric: "voc", matchIoU: 0.5, json: true}
	var out, errOut bytes.Buffer
	if err := runEval(context.Background(), o, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var j evalJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if math.Abs(j.MAP-5.0/9) > 1e-12 || len(j.Classes) != 1 || j.Classes[0].Name != "digit" || j.Images != 2 || j.IgnoredDetections != 1 {
		t.Errorf("got %s", out.String())
	}
	if !strings.Contains(errOut.String(), "1 detections of classes absent") {
		t.Errorf("stderr %q", errOut.String())
	}
	o.json = false
	out.Reset()
	if err := runEval(context.Background(), o, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " 55.556% = digit AP") || !strings.Contains(out.String(), "mAP = 55.556%") {
		t.Errorf("table:\n%s", out.String())
	}
	o.metric = "voc07"
	out.Reset()
	if err := runEval(context.Background(), o, &out, &errOut); err != nil || !strings.Contains(out.String(), "mAP = 54.545%") {
		t.Errorf("voc07 (6/11): %v\n%s", err, out.String())
	}

	for _, c := range []struct {
		mod  func(o *evalOptions)
		want string
	}{
		{func(o *evalOptions) { o.set, o.nmsIoU = []string{"iou", "match-iou"}, 0.7 }, "disagree"},
		{func(o *evalOptions) { o.set = []string{"score"} }, "-score applies to model mode"},
		{func(o *evalOptions) { o.weights = "w" }, "either -weights"},
		{func(o *evalOptions) { o.metric = "ap" }, "unknown metric"},
		{func(o *evalOptions) { o.matchIoU = 0 }, "matching IoU 0 is outside"},
	} {
		o := &evalOptions{annotations: filepath.Join(dir, "gt.txt"), names: filepath.Join(dir, "names"),
			detections: filepath.Join(dir, "det.txt"), metric: "voc", matchIoU: 0.5}
		c.mod(o)
		err := runEval(context.Background(), o, &out, &errOut)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want a usage error with %q", err, c.want)
		}
	}
	// In file mode -iou is the matching threshold: at 0.96 only the exact
	// box matches (the others have +1-pixel IoU 95/100 and 100/105), AP 1/3.
	o = &evalOptions{annotations: filepath.Join(dir, "gt.txt"), names: filepath.Join(dir, "names"),
		detections: filepath.Join(dir, "det.txt"), metric: "voc", matchIoU: 0.5, nmsIoU: 0.96, set: []string{"iou"}, json: true}
	out.Reset()
	if err := runEval(context.Background(), o, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || math.Abs(j.MAP-1.0/3) > 1e-12 || j.MatchIoU == nil || *j.MatchIoU != 0.96 {
		t.Errorf("-iou 0.96 in file mode: %s", out.String())
	}
	// A detection line for an image the ground truth does not have.
	writeFiles(t, dir, map[string]string{"det2.txt": "img/z.jpg 1,1,5,5,0,0.5\n"})
	o = &evalOptions{annotations: filepath.Join(dir, "gt.txt"), names: filepath.Join(dir, "names"),
		detections: filepath.Join(dir, "det2.txt"), metric: "coco", matchIoU: 0.5}
	if err := runEval(context.Background(), o, &out, &errOut); err == nil || !strings.Contains(err.Error(), "det2.txt:1: image img/z.jpg is not in the ground truth") {
		t.Errorf("err = %v", err)
	}
}

// TestEvalModel runs model mode with a random yolov3-tiny on three small
// MNIST canvases, writes the detections, and checks that scoring the
// written file in file mode gives the same result.
func TestEvalModel(t *testing.T) {
	dir := t.TempDir()
	all, err := mnist.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	if err := mnist.WriteSplit(context.Background(), rng, dir, mnist.Split{Name: "test", Count: 3, Digits: all.Slice(8000, all.N)}, 96, nil); err != nil {
		t.Fatal(err)
	}
	if err := mnist.WriteNames(dir); err != nil {
		t.Fatal(err)
	}
	model := yolo.NewModel(yolo.MustArch("yolov3-tiny", 10))
	model.InitRandom(rng)
	for i := range model.Convs {
		if !model.Convs[i].BN() {
			for j := range model.Convs[i].Bias.Data {
				model.Convs[i].Bias.Data[j] = float32(4*rng.Float64() - 1)
			}
		}
	}
	weights := filepath.Join(dir, "tiny.weights")
	if err := model.SaveWeights(weights, yolo.DefaultHeader()); err != nil {
		t.Fatal(err)
	}
	ann, names, detOut := filepath.Join(dir, "mnist_test.txt"), filepath.Join(dir, "mnist.names"), filepath.Join(dir, "det.txt")
	for _, metric := range []string{"voc", "coco"} {
		o := &evalOptions{annotations: ann, names: names, model: "yolov3-tiny", weights: weights, size: 96,
			score: 0.05, nmsIoU: 0.5, matchIoU: 0.5, metric: metric, json: true, detectionsOut: detOut}
		var out, errOut bytes.Buffer
		if err := runEval(context.Background(), o, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		var fromModel, fromFile evalJSON
		if err := json.Unmarshal(out.Bytes(), &fromModel); err != nil {
			t.Fatal(err)
		}
		if fromModel.Images != 3 || fromModel.ImagesPerSecond == nil || *fromModel.ImagesPerSecond <= 0 {
			t.Errorf("model mode: %s", out.String())
		}
		body, _ := os.ReadFile(detOut)
		if strings.Count(string(body), "\n") != 3 || !strings.Contains(string(body), ",") {
			t.Fatalf("detections file:\n%s", body)
		}
		o = &evalOptions{annotations: ann, names: names, detections: detOut, matchIoU: 0.5, metric: metric, json: true}
		out.Reset()
		if err := runEval(context.Background(), o, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out.Bytes(), &fromFile); err != nil {
			t.Fatal(err)
		}
		if fromFile.MAP != fromModel.MAP || len(fromFile.Classes) != len(fromModel.Classes) {
			t.Errorf("%s: model mode mAP %v, re-scored file %v", metric, fromModel.MAP, fromFile.MAP)
		}
	}
}

func TestAnchorsCommand(t *testing.T) {
	dir := t.TempDir()
	all, err := mnist.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if err := mnist.WriteSplit(context.Background(), rand.New(rand.NewPCG(1, 1)), dir, mnist.Split{Name: "train", Count: 10, Digits: all}, 416, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := &anchorsOptions{annotations: filepath.Join(dir, "mnist_train.txt"), n: 3, size: 416, seed: 1, restarts: 2}
	if err := runAnchors(o, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "anchors = ") || !strings.Contains(s, "mean IoU = ") || strings.Count(s, " × ") != 3 {
		t.Errorf("output:\n%s", s)
	}
	// The canvases hold at most 7 distinct sizes.
	o.n = 9
	if err := runAnchors(o, &out); err == nil || !strings.Contains(err.Error(), "fewer than 9 anchors") {
		t.Errorf("err = %v", err)
	}
}

// TestLetterboxAgree: the trainer letterboxes with dataset.Letterbox and
// the detector with yolo.LetterboxImage; they must give the network the
// same pixels bit for bit.
func TestLetterboxAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{640, 480}, {37, 91}, {96, 96}, {100, 30}, {200, 201}} {
		img := dataset.NewImage(sz[0], sz[1], 0)
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		const size = 96
		a, g := dataset.Letterbox(img, size)
		b := make([]float32, 3*size*size)
		lb := yolo.LetterboxImage(b, img.RGBA(), size, size)
		if g.NW != lb.NW || g.NH != lb.NH || g.DX != lb.DX || g.DY != lb.DY {
			t.Errorf("%v: geometry %+v vs %+v", sz, g, lb)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%v: value %d: dataset %v, yolo %v", sz, i, a[i], b[i])
			}
		}
	}
}
