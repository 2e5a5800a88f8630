package dataset

import (
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestResizeBilinearHand(t *testing.T) {
	// 2 → 4 along x: source coordinates −0.25, 0.25, 0.75, 1.25, clamped
	// to [0, 1]: 0, 25, 75, 100 (what cv2.resize gives).
	dst := make([]uint8, 4)
	ResizeBilinear(dst, 4, 1, []uint8{0, 100}, 2, 1, 1)
	if want := []uint8{0, 25, 75, 100}; string(dst) != string(want) {
		t.Errorf("got %v, want %v", dst, want)
	}
	// 4 → 2: coordinates 0.5, 2.5, the means of the pairs.
	dst = dst[:2]
	ResizeBilinear(dst, 2, 1, []uint8{0, 10, 20, 31}, 4, 1, 1)
	if dst[0] != 5 || dst[1] != 26 {
		t.Errorf("shrink got %v, want [5 26]", dst)
	}
}

// TestResizeBilinearNaive compares with a direct float64 evaluation of the
// half-pixel formula with clamped coordinates.
func TestResizeBilinearNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][4]int{{28, 28, 14, 14}, {28, 28, 56, 56}, {28, 28, 22, 22}, {5, 3, 11, 7}, {7, 9, 3, 2}, {1, 1, 4, 3}, {6, 4, 6, 4}} {
		sw, sh, dw, dh := sz[0], sz[1], sz[2], sz[3]
		const ch = 3
		src := make([]uint8, sw*sh*ch)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		dst := make([]uint8, dw*dh*ch)
		ResizeBilinear(dst, dw, dh, src, sw, sh, ch)
		at := func(x, y, c int) float64 { return float64(src[(y*sw+x)*ch+c]) }
		for y := range dh {
			for x := range dw {
				fx := math.Min(math.Max((float64(x)+0.5)*float64(sw)/float64(dw)-0.5, 0), float64(sw-1))
				fy := math.Min(math.Max((float64(y)+0.5)*float64(sh)/float64(dh)-0.5, 0), float64(sh-1))
				x0, y0 := int(fx), int(fy)
				x1, y1 := min(x0+1, sw-1), min(y0+1, sh-1)
				ax, ay := fx-float64(x0), fy-float64(y0)
				for c := range ch {
					want := (1-ay)*((1-ax)*at(x0, y0, c)+ax*at(x1, y0, c)) + ay*((1-ax)*at(x0, y1, c)+ax*at(x1, y1, c))
					got := float64(dst[(y*dw+x)*ch+c])
					if math.Abs(got-want) > 0.5+1e-3 {
						t.Fatalf("%v: (%d,%d,%d) got %v want %.3f", sz, x, y, c, got, want)
					}
				}
			}
		}
		if sw == dw && sh == dh && string(src) != string(dst) {
			t.Errorf("%v: same-size resize is not a copy", sz)
		}
	}
}

func TestLetterbox(t *testing.T) {
	g := LetterboxGeometry(640, 480, 416)
	if g.Scale != 0.65 || g.NW != 416 || g.NH != 312 || g.DX != 0 || g.DY != 52 {
		t.Errorf("geometry %+v, want scale 0.65, 416×312 at (0, 52) (SPEC §13.5)", g)
	}
	if b := g.Box(Box{X1: 100, Y1: 100, X2: 201, Y2: 300, Class: 4}); b != (Box{65, 117, 130, 247, 4}) {
		t.Errorf("box %+v", b) // 201·0.65 = 130.65 → 130; 300·0.65+52 = 247
	}
	img := NewImage(4, 2, 200)
	out, g := Letterbox(img, 8)
	if g.NW != 8 || g.NH != 4 || g.DY != 2 || len(out) != 3*64 {
		t.Fatalf("geometry %+v", g)
	}
	for c := range 3 {
		for y := range 8 {
			want := float32(128.0 / 255)
			if y >= 2 && y < 6 {
				want = 200.0 / 255
			}
			if v := out[c*64+y*8+3]; v != want {
				t.Fatalf("channel %d row %d = %v, want %v", c, y, v, want)
			}
		}
	}
}

func TestLoadImage(t *testing.T) {
	dir := t.TempDir()
	m := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for y := range 8 {
		for x := range 16 {
			m.Set(x, y, color.RGBA{200, 40, 90, 255})
		}
	}
	p := filepath.Join(dir, "a.jpg")
	f, _ := os.Create(p)
	jpeg.Encode(f, m, &jpeg.Options{Quality: 95})
	f.Close()
	img, err := LoadImage(p)
	if err != nil {
		t.Fatal(err)
	}
	if w, h, err := ImageSize(p); err != nil || w != 16 || h != 8 {
		t.Errorf("ImageSize %d %d %v", w, h, err)
	}
	if img.W != 16 || img.H != 8 {
		t.Fatalf("size %d×%d", img.W, img.H)
	}
	r, g, b := int(img.Pix[0]), int(img.Pix[1]), int(img.Pix[2])
	if abs(r-200) > 6 || abs(g-40) > 6 || abs(b-90) > 6 {
		t.Errorf("pixel %d %d %d, want ≈ 200 40 90 (RGB order)", r, g, b)
	}
	if _, err := LoadImage(filepath.Join(dir, "none.jpg")); err == nil {
		t.Error("missing file accepted")
	}
	back := img.RGBA()
	if back.Pix[0] != img.Pix[0] || back.Pix[3] != 255 {
		t.Error("RGBA round trip")
	}
}

func abs(x int) int { return max(x, -x) }
