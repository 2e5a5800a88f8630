package train

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestLoggerAndPlot(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLogger(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	for s := int64(1); s <= 6; s++ {
		r := Record{Phase: "train", Epoch: int(s-1) / 3, Step: s, LR: 1e-4 * float64(s), GIoU: 10 / float64(s), Conf: 100 / float64(s), Prob: 1 / float64(s)}
		r.Total = r.GIoU + r.Conf + r.Prob
		if err := l.Log(r); err != nil {
			t.Fatal(err)
		}
		if s%3 == 0 {
			if err := l.Log(Record{Phase: "val", Epoch: int(s-1) / 3, Step: s, Total: 50 / float64(s)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Plot(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// TensorBoard: file_version + 6 train + 2 val events with the seed's tags.
	files, _ := filepath.Glob(filepath.Join(dir, "log", "events.out.tfevents.*"))
	if len(files) != 1 {
		t.Fatalf("event files: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	evs := decodeEvents(t, data)
	if len(evs) != 9 {
		t.Fatalf("%d events, want 9", len(evs))
	}
	if v := evs[1].values["lr"]; evs[1].step != 1 || v != float32(1e-4) {
		t.Errorf("first train event: step %d lr %g", evs[1].step, v)
	}
	for _, tag := range []string{"loss/total_loss", "loss/giou_loss", "loss/conf_loss", "loss/prob_loss"} {
		if _, ok := evs[2].values[tag]; !ok {
			t.Errorf("train event lacks %s", tag)
		}
	}
	if v := evs[4].values["validate_loss/total_val"]; evs[4].step != 0 || math.Abs(float64(v)-50.0/3) > 1e-5 {
		t.Errorf("first val event: step %d total %g (%v)", evs[4].step, v, evs[4].values)
	}

	// PNG: decodes, has the plot size, and shows the validation red.
	f, _ := os.ReadFile(filepath.Join(dir, "loss.png"))
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, plotW, plotH) {
		t.Fatalf("plot bounds %v", img.Bounds())
	}
	red := 0
	for y := range plotH {
		for x := range plotW {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == (color.RGBA{214, 39, 40, 255}) {
				red++
			}
		}
	}
	if red < 50 {
		t.Errorf("only %d validation-red pixels", red)
	}

	// Resume after update 4: rows of updates 5, 6 and the val row at 6 go.
	l2, err := OpenLogger(dir, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(l2.History) != 5 || l2.History[4].Step != 4 || l2.History[3].Phase != "val" {
		t.Fatalf("resumed history: %+v", l2.History)
	}
	if err := l2.Log(Record{Phase: "train", Epoch: 1, Step: 5, Total: 1}); err != nil {
		t.Fatal(err)
	}
	l2.Close()
	hist, err := readHistory(filepath.Join(dir, "loss.csv"))
	if err != nil || len(hist) != 6 || hist[5].Step != 5 || hist[5].Total != 1 || hist[1].GIoU != 5 {
		t.Fatalf("csv after resume: %v %+v", err, hist)
	}
}

// TestLine checks the rasteriser against the exact pixels of two lines.
func TestLine(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	c := color.RGBA{1, 2, 3, 255}
	line(img, 1, 1, 7, 4, c, 1)
	// Bresenham from (1,1) to (7,4): y advances at x = 2 or 3, 4 or 5, 6 or 7.
	n := 0
	for y := range 10 {
		for x := range 10 {
			if img.RGBAAt(x, y) == c {
				n++
				// Every lit pixel is within ½ pixel (vertically) of the ideal line.
				ideal := 1 + float64(x-1)*3/6
				if math.Abs(float64(y)-ideal) > 0.5+1e-9 {
					t.Errorf("pixel (%d,%d) off the line (ideal y %.2f)", x, y, ideal)
				}
			}
		}
	}
	if n != 7 {
		t.Errorf("%d pixels lit, want 7 (one per column)", n)
	}
	if img.RGBAAt(1, 1) != c || img.RGBAAt(7, 4) != c {
		t.Error("end points not drawn")
	}
}

func TestNiceTicks(t *testing.T) {
	got := niceTicks(0, 25000)
	if len(got) < 3 || len(got) > 11 || got[0] != 0 || got[1] != 5000 {
		t.Errorf("niceTicks(0, 25000) = %v", got)
	}
	if s := tickLabel(0.001); s != "1e-3" {
		t.Errorf("tickLabel(0.001) = %q", s)
	}
}
