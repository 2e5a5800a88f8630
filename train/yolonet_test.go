package train

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"darkgo/loss"
	"darkgo/mat"
	"darkgo/yolo"
)

// TestYOLOResumeExact is the determinism/resume test on the real model:
// YOLOv3-tiny at 64×64 on three synthetic images, batch 2 (2 updates per
// epoch, the last topped up), 2 epochs, with augmentation. Training the 4 updates straight and 1 update + resume
// from disk (with another worker count) + 3 updates give bit-identical
// darknet weights, BN running statistics included.
func TestYOLOResumeExact(t *testing.T) {
	if testing.Short() {
		t.Skip("trains YOLOv3-tiny for a few updates")
	}
	dir := t.TempDir()
	names := filepath.Join(dir, "names.txt")
	os.WriteFile(names, []byte("a\nb\n"), 0o644)
	cfg := DefaultConfig()
	cfg.Model, cfg.Names, cfg.Size, cfg.Batch, cfg.Epochs, cfg.Warmup = "yolov3-tiny", names, 64, 2, 2, 1
	cfg.Train = writeSynthSet(t, dir, "train", 3, 72, 64, 2, 1)
	// No validation set: the validation path is covered by TestResumeExact,
	// and every saved checkpoint (weights + Adam moments, ~100 MB, fsynced)
	// costs more than the updates themselves.
	cfg.LR, cfg.LREnd, cfg.Workers = 1e-3, 1e-5, 1
	cfg.Out = filepath.Join(dir, "straight")
	start := time.Now()
	a, err := Setup(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Log.Close()
	want, err := os.ReadFile(filepath.Join(cfg.Out, LastName+".weights"))
	if err != nil {
		t.Fatal(err)
	}
	if a.State.Step != 4 {
		t.Fatalf("straight run made %d updates, want 4", a.State.Step)
	}

	cfg.Out = filepath.Join(dir, "split")
	b, err := Setup(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.StopAfter = 1
	if err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Log.Close()
	c, err := SetupResume(cfg.Out, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Log.Close()
	got, _ := os.ReadFile(filepath.Join(cfg.Out, LastName+".weights"))
	if !bytes.Equal(got, want) {
		t.Fatal("4 updates straight and 1 + resume + 3 give different weights")
	}
	for _, r := range a.Log.History {
		t.Logf("%s epoch %d update %d lr %.3g giou %.4f conf %.4f prob %.4f total %.4f", r.Phase, r.Epoch, r.Step, r.LR, r.GIoU, r.Conf, r.Prob, r.Total)
	}
	t.Logf("%v for 2 runs, 5 checkpoints and a resume", time.Since(start))
}

// TestLossConfig: the loss configuration built from the model's heads
// equals the loss package's own transcription of SPEC §1.
func TestLossConfig(t *testing.T) {
	for model, want := range map[string]loss.Config{
		"yolov3": loss.YOLOv3(10, 416, 416), "yolov3-tiny": loss.YOLOv3Tiny(10, 416, 416),
	} {
		if got := LossConfig(yolo.MustArch(model, 10), 416); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: from the heads %+v, loss package %+v", model, got, want)
		}
	}
}

// TestSetupTransfer: -init copies every conv but the output convs from a
// model with another class count (SPEC §8.2), and the parameter list names
// every trainable tensor.
func TestSetupTransfer(t *testing.T) {
	dir := t.TempDir()
	src := yolo.NewModel(yolo.MustArch("yolov3-tiny", 3))
	src.InitRandom(rand.New(rand.NewPCG(42, 42)))
	for i := range src.Convs {
		for _, p := range []*mat.Tensor{src.Convs[i].Bias, src.Convs[i].Gamma, src.Convs[i].Mean} {
			if p != nil {
				for j := range p.Data {
					p.Data[j] = float32(i + j + 1)
				}
			}
		}
	}
	init := filepath.Join(dir, "src.weights")
	if err := src.SaveWeights(init, yolo.DefaultHeader()); err != nil {
		t.Fatal(err)
	}
	names := filepath.Join(dir, "names.txt")
	os.WriteFile(names, []byte("a\nb\n"), 0o644)
	cfg := DefaultConfig()
	cfg.Model, cfg.Names, cfg.Size, cfg.Init, cfg.Out = "yolov3-tiny", names, 64, init, filepath.Join(dir, "out")
	cfg.Train = writeSynthSet(t, dir, "train", 2, 64, 64, 2, 1)
	var notes []string
	tr, err := Setup(cfg, func(s string) { notes = append(notes, s) })
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Log.Close()
	m := tr.Net.(*YOLONet).Model
	for i := range m.Convs {
		same := reflect.DeepEqual(m.Convs[i].W.Data, src.Convs[i].W.Data) && reflect.DeepEqual(m.Convs[i].Bias.Data, src.Convs[i].Bias.Data)
		if same == m.Arch.IsOutputConv(i) {
			t.Errorf("conv %d (output: %v): copied = %v", i, m.Arch.IsOutputConv(i), same)
		}
	}
	if len(notes) == 0 || !strings.Contains(notes[0], "transfer") {
		t.Errorf("no transfer note: %q", notes)
	}
	// 13 convs: 11 with kernel, β, γ and 2 with kernel, bias.
	ps := tr.Net.Params()
	if len(ps) != 11*3+2*2 || ps[0].Name != "conv_0/kernel" || ps[2].Name != "conv_0/gamma" || ps[len(ps)-1].Name != "conv_12/bias" {
		t.Errorf("%d params, first %s, %s, last %s", len(ps), ps[0].Name, ps[2].Name, ps[len(ps)-1].Name)
	}
	var n int64
	for _, p := range ps {
		n += int64(p.Value.Len())
	}
	if want := m.Arch.Counts().Trainable; n != want {
		t.Errorf("%d trainable values, want %d", n, want)
	}
}

// TestYOLOOverfits: 30 Adam updates on the same two images (no
// augmentation) must cut YOLOv3-tiny's loss at 64×64 at least 5-fold (it falls ~18-fold):
// with a sign error or a mis-wired gradient anywhere between the loss and
// the kernels it would not.
func TestYOLOOverfits(t *testing.T) {
	if testing.Short() {
		t.Skip("30 YOLOv3-tiny updates")
	}
	dir := t.TempDir()
	d, err := LoadData(writeSynthSet(t, dir, "set", 2, 64, 64, 2, 9), 2, 1, DefaultCacheBytes)
	if err != nil {
		t.Fatal(err)
	}
	m := yolo.NewModel(yolo.MustArch("yolov3-tiny", 2))
	m.InitRandom(rand.New(rand.NewPCG(1, initStream)))
	net := NewYOLONet(m, 2)
	tr := &Trainer{Net: net, Loss: LossConfig(m.Arch, 64), params: net.Params()}
	tr.Adam = NewAdam(tr.params, 2)
	x := mat.New(2, 3, 64, 64)
	targets := make([]*loss.Targets, 2)
	for i := range 2 {
		ex, err := d.Prepare(i, &tr.Loss, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		copy(x.Data[i*3*64*64:], ex.Image)
		targets[i] = ex.Targets
	}
	var first, last float64
	for k := int64(1); k <= 30; k++ {
		terms, err := tr.step(k, x, targets, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		if k == 1 {
			first = terms.Total()
		}
		last = terms.Total()
	}
	t.Logf("loss %.3f → %.3f after 30 updates", first, last)
	if !(last < first/5) {
		t.Errorf("loss %.3f → %.3f: did not fall 5-fold", first, last)
	}
}
