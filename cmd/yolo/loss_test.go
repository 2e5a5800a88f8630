package main

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"darkgo/dataset"
	"darkgo/loss"
	"darkgo/mat"
	"darkgo/yolo"
)

// The loss configuration built from the model's heads matches the loss
// package's own tables of SPEC §1 (two independent transcriptions).
func TestLossConfigFromArch(t *testing.T) {
	for _, c := range []struct {
		model string
		want  loss.Config
	}{
		{"yolov3", loss.YOLOv3(10, 416, 416)},
		{"yolov3-tiny", loss.YOLOv3Tiny(10, 416, 416)},
	} {
		arch, err := yolo.NewArch(c.model, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := lossConfig(arch, 416); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: config from the heads %+v, loss package %+v", c.model, got, c.want)
		}
	}
}

func TestLossUsageErrors(t *testing.T) {
	for _, o := range []lossOptions{
		{model: "yolov3", annotations: "a.txt", size: 416},               // no weights
		{model: "yolov3", weights: "w", size: 416},                       // no annotations
		{model: "yolov3", weights: "w", annotations: "a.txt", size: 400}, // not a multiple of 32
		{model: "yolov3", weights: "w", annotations: "a.txt", size: 416, classes: -1},
		{model: "yolov9", weights: "w", annotations: "a.txt", size: 416, classes: 2},
	} {
		if _, err := runLoss(context.Background(), o); !errors.Is(err, errUsage) {
			t.Errorf("%+v: err %v, want a usage error", o, err)
		}
	}
}

// End to end on a tiny random model: the command's mean over images equals
// the loss package's batch mean over the same letterboxed images run as one
// batch, and a line without boxes is skipped.
func TestLossCommandEndToEnd(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	const classes, size = 3, 64
	type img struct {
		w, h  int
		boxes []dataset.Box
	}
	imgs := []img{
		{80, 60, []dataset.Box{{X1: 5, Y1: 8, X2: 40, Y2: 50, Class: 2}, {X1: 50, Y1: 10, X2: 78, Y2: 30, Class: 0}}},
		{50, 70, []dataset.Box{{X1: 10, Y1: 20, X2: 30, Y2: 45, Class: 1}}},
		{40, 40, nil},
	}
	var ann strings.Builder
	for k, m := range imgs {
		im := dataset.NewImage(m.w, m.h, 0)
		for j := range im.Pix {
			im.Pix[j] = uint8(rng.IntN(256))
		}
		name := filepath.Join(dir, fmt.Sprintf("%d.png", k))
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, im.RGBA()); err != nil {
			t.Fatal(err)
		}
		f.Close()
		ann.WriteString(name)
		for _, b := range m.boxes {
			fmt.Fprintf(&ann, " %d,%d,%d,%d,%d", b.X1, b.Y1, b.X2, b.Y2, b.Class)
		}
		ann.WriteString("\n")
	}
	annFile := filepath.Join(dir, "ann.txt")
	if err := os.WriteFile(annFile, []byte(ann.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	arch, err := yolo.NewArch("yolov3-tiny", classes)
	if err != nil {
		t.Fatal(err)
	}
	model := yolo.NewModel(arch)
	model.InitRandom(rng)
	for i := range model.Convs {
		if !model.Convs[i].BN() {
			for j := range model.Convs[i].Bias.Data {
				model.Convs[i].Bias.Data[j] = float32(2*rng.Float64() - 1)
			}
		}
	}
	weights := filepath.Join(dir, "tiny.weights")
	if err := model.SaveWeights(weights, yolo.DefaultHeader()); err != nil {
		t.Fatal(err)
	}

	got, err := runLoss(context.Background(), lossOptions{model: "yolov3-tiny", weights: weights, annotations: annFile, size: size})
	if err != nil {
		t.Fatal(err)
	}

	// The same images as one batch of two.
	cfg := loss.YOLOv3Tiny(classes, size, size)
	x := mat.New(2, 3, size, size)
	var targets []*loss.Targets
	for k, m := range imgs[:2] {
		im, err := dataset.LoadImage(filepath.Join(dir, fmt.Sprintf("%d.png", k)))
		if err != nil {
			t.Fatal(err)
		}
		lb, geo := dataset.Letterbox(im, size)
		copy(x.Data[k*3*size*size:], lb)
		var boxes []loss.Box
		for _, b := range m.boxes {
			b = geo.Box(b)
			boxes = append(boxes, loss.Box{X1: float64(b.X1), Y1: float64(b.Y1), X2: float64(b.X2), Y2: float64(b.Y2), Class: b.Class})
		}
		tg, err := loss.Assign(&cfg, boxes)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	heads, err := yolo.NewInference(model, 1).Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	raw := [][]float32{heads[0].Data, heads[1].Data}
	res, err := loss.Compute(&cfg, raw, targets, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{res.Terms.GIoU, res.Terms.Conf, res.Terms.Prob, res.Terms.Total()}
	for k, g := range []float64{got.GIoU, got.Conf, got.Prob, got.Total} {
		if math.Abs(g-want[k]) > 1e-5*math.Abs(want[k]) || want[k] == 0 {
			t.Errorf("term %d: command %v, batch of two %v", k, g, want[k])
		}
	}
	t.Logf("%+v", *got)
}
