package main

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainCommand: usage errors exit 2; a one-epoch run of YOLOv3-tiny at
// 64×64 on two images writes its checkpoints and logs; a second run into
// the same directory is refused; -resume of a finished run does nothing.
func TestTrainCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for one epoch")
	}
	dir := t.TempDir()
	var ann strings.Builder
	for i := range 2 {
		img := image.NewGray(image.Rect(0, 0, 64, 64))
		for j := range img.Pix {
			img.Pix[j] = 255
		}
		for y := 10; y < 30; y++ {
			for x := 20 + i; x < 36+i; x++ {
				img.Pix[y*64+x] = 30
			}
		}
		name := fmt.Sprintf("im%d.png", i)
		f, _ := os.Create(filepath.Join(dir, name))
		png.Encode(f, img)
		f.Close()
		fmt.Fprintf(&ann, "%s %d,10,%d,30,%d\n", name, 20+i, 36+i, i)
	}
	annPath, names := filepath.Join(dir, "ann.txt"), filepath.Join(dir, "names.txt")
	os.WriteFile(annPath, []byte(ann.String()), 0o644)
	os.WriteFile(names, []byte("zero\none\n"), 0o644)
	out := filepath.Join(dir, "run")

	if code := run([]string{"train", "-train", annPath}, io.Discard, io.Discard); code != 2 {
		t.Errorf("missing -names: exit %d, want 2", code)
	}
	if code := run([]string{"train", "-names", names, "-train", annPath, "-size", "100"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("-size 100: exit %d, want 2", code)
	}
	args := []string{"train", "-model", "yolov3-tiny", "-names", names, "-train", annPath, "-val", annPath,
		"-size", "64", "-batch", "2", "-epochs", "1", "-warmup", "0", "-out", out, "-q"}
	if code := run(args, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("train: exit %d", code)
	}
	for _, f := range []string{"last.weights", "last.state", "best.weights", "best.state", "loss.csv", "loss.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if code := run(args, io.Discard, io.Discard); code != 1 {
		t.Errorf("second run into the same -out: exit %d, want 1", code)
	}
	if code := run([]string{"train", "-resume", out}, io.Discard, os.Stderr); code != 0 {
		t.Errorf("resume of a finished run: exit %d", code)
	}
}
