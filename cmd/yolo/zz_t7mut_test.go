package main

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"darkgo/mat"
	"darkgo/train"
	"darkgo/yolo"
)

type brokenNet struct {
	*train.YOLONet
	mode string
}

func (b *brokenNet) Backward(d []*mat.Tensor) error {
	if err := b.YOLONet.Backward(d); err != nil {
		return err
	}
	for _, p := range b.YOLONet.Params() {
		switch {
		case b.mode == "frozen-backbone" && !strings.HasPrefix(p.Name, "conv_9/") && !strings.HasPrefix(p.Name, "conv_12/"):
			clear(p.Grad.Data)
		case b.mode == "flip-early" && (strings.HasPrefix(p.Name, "conv_1/") || strings.HasPrefix(p.Name, "conv_3/")):
			for i := range p.Grad.Data {
				p.Grad.Data[i] = -p.Grad.Data[i]
			}
		}
	}
	return nil
}

func TestT7Mutation(t *testing.T) {
	mode := os.Getenv("T7MODE")
	const side = 96
	canvases := []overfitCanvas{
		{{0, 4, 6, 44}, {1, 50, 46, 40}},
		{{2, 40, 2, 48}, {3, 6, 52, 40}},
		{{4, 8, 10, 40}, {5, 48, 44, 44}},
		{{6, 50, 8, 40}, {7, 4, 48, 44}},
	}
	epochs, copies := 3, 100
	dir := t.TempDir()
	ann, val, names := writeOverfitData(t, dir, side, canvases, copies)
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Size, cfg.Batch, cfg.Epochs, cfg.Warmup = "yolov3-tiny", side, 2, epochs, 0
	cfg.LR, cfg.LREnd, cfg.NoAugment, cfg.Seed = 1e-3, 1e-5, true, 1
	cfg.Names, cfg.Train, cfg.Val, cfg.Out, cfg.Workers = names, ann, val, filepath.Join(dir, "run"), 2
	os.MkdirAll(cfg.Out, 0o755)
	arch := yolo.MustArch(cfg.Model, 10)
	for i := range arch.Convs {
		t.Log(i, arch.IsOutputConv(i))
	}
	m := yolo.NewModel(arch)
	m.InitRandom(rand.New(rand.NewPCG(1, 0x1417)))
	tr1, _ := train.LoadData(ann, 10, 2, 1<<30)
	va, _ := train.LoadData(val, 10, 2, 1<<30)
	tr, err := train.NewTrainer(cfg, &brokenNet{train.NewYOLONet(m, 2), mode}, train.LossConfig(arch, side), tr1, va)
	if err != nil {
		t.Fatal(err)
	}
	tr.Log, _ = train.OpenLogger(cfg.Out, -1)
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	spe := int64(tr.StepsPerEpoch())
	var firstStep, firstEpoch, lastEpoch, valLoss float64
	for _, r := range tr.Log.History {
		switch {
		case r.Phase == "val":
			valLoss = r.Total
		case r.Step == 1:
			firstStep = r.Total
		}
		if r.Phase == "train" && r.Step <= spe {
			firstEpoch += r.Total / float64(spe)
		}
		if r.Phase == "train" && r.Step > int64(epochs-1)*spe {
			lastEpoch += r.Total / float64(spe)
		}
	}
	res, _, _, err := evalTutorial(context.Background(), cfg.Model, filepath.Join(cfg.Out, "last.weights"), side, val, names, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: first update %.4g, first epoch %.4g, last epoch %.4g (÷%.1f); validation %.4g; mAP %.3f", mode,
		firstStep, firstEpoch, lastEpoch, firstEpoch/lastEpoch, valLoss, res.MAP)
}
