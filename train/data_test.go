package train

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"darkgo/loss"
)

// TestPrepareBoxesMatchPixels: after augmentation and letterboxing, every
// input pixel lying entirely inside a prepared box is dark (the painted
// object) and the boxes are float (not truncated). The synthetic images
// are 80×60, so the 64×64 letterbox scales by 0.8 and pads 8 rows top and
// bottom.
func TestPrepareBoxesMatchPixels(t *testing.T) {
	dir := t.TempDir()
	path := writeSynthSet(t, dir, "set", 6, 80, 60, 2, 5)
	d, err := LoadData(path, 2, 2, DefaultCacheBytes)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loss.YOLOv3Tiny(2, 64, 64)
	aug := &Augment{Fill: 255}
	fractional := false
	for i := range d.Len() {
		for seed := range uint64(20) {
			a := aug
			if seed == 0 {
				a = nil // also without augmentation
			}
			ex, err := d.Prepare(i, &cfg, a, rand.New(rand.NewPCG(seed, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if len(ex.Image) != 3*64*64 || ex.Targets == nil || len(ex.Boxes) != len(d.Samples[i].Boxes) {
				t.Fatalf("example shapes: %d pixels, %d boxes", len(ex.Image), len(ex.Boxes))
			}
			for _, b := range ex.Boxes {
				if b.X1 != math.Trunc(b.X1) || b.Y2 != math.Trunc(b.Y2) {
					fractional = true
				}
				for y := int(math.Ceil(b.Y1)); y+1 <= int(math.Floor(b.Y2)); y++ {
					for x := int(math.Ceil(b.X1)); x+1 <= int(math.Floor(b.X2)); x++ {
						// Bilinear resizing blurs one source pixel into
						// its neighbours: skip the outer ring.
						if float64(x) < b.X1+1 || float64(x+2) > b.X2 || float64(y) < b.Y1+1 || float64(y+2) > b.Y2 {
							continue
						}
						if v := ex.Image[y*64+x]; v > 100.0/255 {
							t.Fatalf("image %d seed %d: pixel (%d,%d) inside box %+v is %.3f, not dark", i, seed, x, y, b, v)
						}
					}
				}
			}
		}
	}
	if !fractional {
		t.Error("all prepared boxes are integers: are they still truncated (quirk 5)?")
	}
}

func TestLoadDataDropsEmptyAndCaches(t *testing.T) {
	dir := t.TempDir()
	path := writeSynthSet(t, dir, "set", 3, 40, 40, 2, 5)
	ann, _ := os.ReadFile(path)
	ann = append(ann, []byte("set_000.png\n")...) // an image without boxes
	os.WriteFile(path, ann, 0o644)
	d, err := LoadData(path, 2, 1, 2*40*40*3) // room for two decoded images
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 {
		t.Fatalf("%d samples, want 3 (the box-less line dropped)", d.Len())
	}
	if d.Images[0] == nil || d.Images[1] == nil || d.Images[2] != nil {
		t.Fatalf("cache: %v %v %v, want the first two decoded", d.Images[0] != nil, d.Images[1] != nil, d.Images[2] != nil)
	}
	if _, err := d.image(2); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadData(filepath.Join(dir, "missing.txt"), 2, 1, 0); err == nil {
		t.Fatal("no error for a missing annotation file")
	}
}
