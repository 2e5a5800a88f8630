package yolo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"darkgo/mat"
)

// TestDecodeGolden decodes the stored golden raw outputs and compares the
// six cells per head listed in case.json (tolerance 1e-5·max(1, |ref|)).
func TestDecodeGolden(t *testing.T) {
	for _, gc := range goldenCases {
		c := loadGolden(t, gc.dir)
		a := MustArch(c.Model, c.Classes)
		f := 5 + c.Classes
		checked := 0
		for h, hd := range a.Heads {
			name := fmt.Sprintf("raw_s%d.npy", hd.Stride)
			raw, err := LoadNPY(filepath.Join(goldenDir, gc.dir, name))
			if err != nil {
				t.Fatal(err)
			}
			gh, gw := raw.Shape[2], raw.Shape[3]
			dec := Decode(nil, raw.Data, gh, gw, c.Classes, hd)
			if len(dec) != gh*gw*A*f {
				t.Fatalf("%s head %d: %d values", gc.dir, h, len(dec))
			}
			for _, cell := range c.Decoded {
				if cell.File != name {
					continue
				}
				checked++
				if cell.AnchorPx[0] != float64(hd.Anchors[cell.Anchor][0]) || cell.AnchorPx[1] != float64(hd.Anchors[cell.Anchor][1]) {
					t.Errorf("%s %s anchor %d: %v, ours %v", gc.dir, name, cell.Anchor, cell.AnchorPx, hd.Anchors[cell.Anchor])
				}
				row := dec[((cell.Row*gw+cell.Col)*A+cell.Anchor)*f:][:f]
				for k, want := range cell.Decoded {
					if math.Abs(float64(row[k])-want) > 1e-5*math.Max(1, math.Abs(want)) {
						t.Errorf("%s %s cell (a%d r%d c%d) field %d: %v, want %v", gc.dir, name, cell.Anchor, cell.Row, cell.Col, k, row[k], want)
					}
				}
			}
		}
		if checked != len(c.Decoded) {
			t.Errorf("%s: checked %d of %d decoded cells", gc.dir, checked, len(c.Decoded))
		}
	}
}

// TestDecodeHand decodes a 1×2 grid with K = 1 by hand.
func TestDecodeHand(t *testing.T) {
	hd := Head{Stride: 32, Anchors: [A][2]float32{{10, 20}, {30, 40}, {50, 60}}}
	gh, gw, f := 1, 2, 6
	raw := make([]float32, A*f*gh*gw) // [18, 1, 2]
	// anchor 1, col 1: tx = 0 → σ = 0.5, ty = 0, tw = ln 2, th = 0, obj = 0, cls = 0
	raw[(1*f+2)*2+1] = float32(math.Log(2))
	raw[(2*f+4)*2+0] = 100 // anchor 2, col 0: objectness σ(100) = 1
	dec := Decode(nil, raw, gh, gw, 1, hd)
	row := dec[(1*A+1)*f:][:f] // col 1, anchor 1
	want := []float32{(0.5 + 1) * 32, 0.5 * 32, 60, 40, 0.5, 0.5}
	for k := range want {
		if math.Abs(float64(row[k]-want[k])) > 1e-5 {
			t.Errorf("field %d: %v, want %v", k, row[k], want[k])
		}
	}
	if o := dec[(0*A+2)*f+4]; o != 1 {
		t.Errorf("objectness %v, want 1", o)
	}
}

func TestLetterbox(t *testing.T) {
	// SPEC §13.5: 640×480 → 416: scale 0.65, 416×312, offsets (0, 52).
	lb := NewLetterbox(640, 480, 416, 416)
	if lb.Scale != 0.65 || lb.NW != 416 || lb.NH != 312 || lb.DX != 0 || lb.DY != 52 {
		t.Errorf("letterbox %+v", lb)
	}
	// A 4×2 image with distinct colours into 8×8: scale 2, 8×4 at (0, 2).
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for y := range 2 {
		for x := range 4 {
			img.Set(x, y, color.RGBA{uint8(10 * x), uint8(100 + 50*y), 7, 255})
		}
	}
	dst := make([]float32, 3*8*8)
	lb = LetterboxImage(dst, img, 8, 8)
	if lb.NW != 8 || lb.NH != 4 || lb.DX != 0 || lb.DY != 2 {
		t.Fatalf("letterbox %+v", lb)
	}
	px := func(c, y, x int) float32 { return dst[c*64+y*8+x] * 255 }
	if px(0, 0, 0) != 128 || px(2, 7, 7) != 128 {
		t.Error("padding is not 128/255")
	}
	// Output x = 1 samples src (1.5·0.5 − 0.5) = 0.25: R = 0.25·10 = 2.5 → 3 (rounded; 2.5 rounds away).
	// Output x = 0 samples −0.25 → clamped to 0. Output x = 7 samples 3.25 → 3.
	for _, c := range []struct {
		x    int
		want float32
	}{{0, 0}, {1, 3}, {2, 8}, {7, 30}} {
		if got := px(0, 2, c.x); math.Abs(float64(got-c.want)) > 1e-4 {
			t.Errorf("R at x=%d: %v, want %v", c.x, got, c.want)
		}
	}
	// Rows: output y = 0..3 of the pasted image sample 0, 0.25, 0.75, 1 → G = 100, 112.5→113(rounded), 137.5→138, 150.
	for y, want := range []float32{100, 113, 138, 150} {
		if got := px(1, 2+y, 0); math.Abs(float64(got-want)) > 1e-4 {
			t.Errorf("G at row %d: %v, want %v", y, got, want)
		}
	}
	if px(2, 3, 3) != 7 {
		t.Error("B channel not carried")
	}
}

func TestPostprocess(t *testing.T) {
	// 640×480 letterboxed into 416: r = 0.65, dw = 0, dh = 52.
	lb := NewLetterbox(640, 480, 416, 416)
	k := 2
	rows := []float32{
		208, 208, 65, 130, 0.9, 0.2, 0.5, // kept: class 1, score 0.45 → (270, 220)…(370, 420)
		208, 208, 65, 130, 0.5, 0.4, 0.5, // score 0.25 ≤ 0.3: dropped
		10, 50, 4, 4, 0.9, 0.9, 0.1, // entirely in the top pad: y2 = 52 → 0 < y1 clipped... zero-area after clip
		410, 300, 40, 40, 1, 1, 0, // crosses the right edge: x2 clipped to 639
		208, 208, float32(math.Inf(1)), 10, 1, 1, 1, // exp overflow: clipped to the full width, kept (as upstream)
	}
	got := Postprocess(rows, k, lb, 0.3)
	if len(got) != 3 {
		t.Fatalf("%d detections: %+v", len(got), got)
	}
	want := Detection{X1: (175.5) / 0.65, Y1: (143 - 52) / 0.65, X2: (240.5) / 0.65, Y2: (273 - 52) / 0.65, Score: 0.45, Class: 1}
	d := got[0]
	for _, p := range [][2]float32{{d.X1, want.X1}, {d.Y1, want.Y1}, {d.X2, want.X2}, {d.Y2, want.Y2}, {d.Score, want.Score}} {
		if math.Abs(float64(p[0]-p[1])) > 1e-3 {
			t.Errorf("detection %+v, want %+v", d, want)
			break
		}
	}
	if d.Class != 1 || got[1].X2 != 639 || got[1].Class != 0 || got[2].X1 != 0 || got[2].X2 != 639 {
		t.Errorf("detections %+v", got)
	}
}

func TestIoU(t *testing.T) {
	a := Detection{X1: 0, Y1: 0, X2: 2, Y2: 2}
	b := Detection{X1: 1, Y1: 1, X2: 3, Y2: 3}
	if got := IoU(a, b); math.Abs(float64(got)-1.0/7) > 1e-7 {
		t.Errorf("IoU %v, want 1/7", got)
	}
	if got := IoU(a, Detection{X1: 5, Y1: 5, X2: 6, Y2: 6}); got != 0 {
		t.Errorf("disjoint IoU %v", got)
	}
	z := Detection{}
	if got := IoU(z, z); got != 0 { // 0 / ε, not NaN
		t.Errorf("empty IoU %v", got)
	}
}

func TestNMS(t *testing.T) {
	box := func(x1, y1, x2, y2, s float32, c int) Detection { return Detection{x1, y1, x2, y2, s, c} }
	dets := []Detection{
		box(0, 0, 10, 10, 0.6, 0),
		box(1, 0, 11, 10, 0.9, 0),   // IoU with the first 90/110 = 0.818 → suppresses it
		box(0, 0, 10, 10, 0.8, 1),   // other class: untouched
		box(20, 20, 30, 30, 0.7, 0), // disjoint: kept
		box(5, 0, 15, 10, 0.5, 0),   // IoU with the 0.9 box 60/140 = 0.43 ≤ 0.45 → kept
	}
	got := NMS(dets, 0.45, HardNMS)
	want := []float32{0.9, 0.8, 0.7, 0.5}
	if len(got) != len(want) {
		t.Fatalf("hard NMS kept %+v", got)
	}
	for i := range want {
		if got[i].Score != want[i] {
			t.Errorf("hard NMS %d: score %v, want %v (sorted by score)", i, got[i].Score, want[i])
		}
	}
	// Soft-NMS keeps every box; the 0.6 box is decayed by exp(−IoU²/0.3)
	// after the 0.9 pick (IoU 9/11), then the 0.5 box's turn comes first:
	// 0.5·exp(−(3/7)²/0.3) = 0.2711 vs 0.6·exp(−(9/11)²/0.3) = 0.0644,
	// and the 0.0644 box is then decayed by the 0.5 box too.
	soft := NMS(dets, 0.45, SoftNMS)
	if len(soft) != 5 {
		t.Fatalf("soft NMS returned %d boxes", len(soft))
	}
	s1 := 0.6 * math.Exp(-(81.0/121)/0.3)
	s2 := 0.5 * math.Exp(-(9.0/49)/0.3)
	iou := 50.0 / 150 // (0,0,10,10) vs (5,0,15,10)
	s1b := s1 * math.Exp(-iou*iou/0.3)
	for i, w := range []float64{0.9, 0.8, 0.7, s2, s1b} {
		if math.Abs(float64(soft[i].Score)-w) > 1e-6 {
			t.Errorf("soft NMS %d: %v, want %v", i, soft[i].Score, w)
		}
	}
	if len(NMS(nil, 0.45, HardNMS)) != 0 {
		t.Error("NMS of nothing")
	}
}

// TestColors checks the embedded tables against their definition: each is
// a permutation of the hues k/K converted like colorsys.hsv_to_rgb.
func TestColors(t *testing.T) {
	for _, k := range []int{10, 80, 3} {
		cs := ClassColors(k)
		want := map[color.RGBA]int{}
		for i := range k {
			r, g, b := hsvToRGB(float64(i) / float64(k))
			// The tables are BGR triples of (r, g, b); ClassColors shows them as seen.
			c := color.RGBA{b, g, r, 255}
			if k != 10 && k != 80 {
				c = color.RGBA{r, g, b, 255}
			}
			want[c]++
		}
		for _, c := range cs {
			want[c]--
		}
		for c, n := range want {
			if n != 0 {
				t.Errorf("K=%d: colour %v off by %d", k, c, n)
			}
		}
	}
	if c := ClassColors(10)[0]; c != (color.RGBA{255, 0, 50, 255}) {
		t.Errorf("class 0 colour %v", c)
	}
}

func TestDraw(t *testing.T) {
	if g := font['A'-32]; g != [7]uint8{0b01110, 0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001} {
		t.Errorf("glyph A %05b", g)
	}
	if g := font['~'-32]; g[3] != 0b10101 {
		t.Errorf("glyph ~ %05b", g)
	}
	img := image.NewRGBA(image.Rect(0, 0, 100, 80))
	red := color.RGBA{255, 0, 0, 255}
	DrawDetections(img, []Detection{{X1: 10, Y1: 30, X2: 60, Y2: 70, Score: 0.987, Class: 0}}, []string{"cat"}, []color.RGBA{red})
	// t = 1: line width 2 on each edge.
	for _, p := range []image.Point{{10, 30}, {11, 31}, {60, 70}, {59, 50}, {35, 69}} {
		if img.RGBAAt(p.X, p.Y) != red {
			t.Errorf("box edge %v not drawn", p)
		}
	}
	for _, p := range []image.Point{{12, 32}, {35, 50}, {61, 71}} {
		if img.RGBAAt(p.X, p.Y) != (color.RGBA{}) {
			t.Errorf("pixel %v inside/outside the box was painted", p)
		}
	}
	// Caption "cat 0.99": 8 glyphs, 47×7 pixels, on a 49×9 red box above y=30.
	w, h := TextSize("cat 0.99", 1)
	if w != 47 || h != 7 {
		t.Errorf("TextSize %d×%d", w, h)
	}
	if img.RGBAAt(10, 21) != red || img.RGBAAt(58, 29) != red {
		t.Error("caption box not drawn")
	}
	ink := 0
	for y := 22; y < 29; y++ {
		for x := 11; x < 58; x++ {
			if img.RGBAAt(x, y) == (color.RGBA{255, 255, 255, 255}) {
				ink++
			}
		}
	}
	// Ink pixels of "cat 0.99" counted from the glyphs.
	want := 0
	for _, ch := range "cat 0.99" {
		for _, row := range font[ch-32] {
			for b := row; b != 0; b &= b - 1 {
				want++
			}
		}
	}
	if ink != want {
		t.Errorf("caption has %d ink pixels, want %d", ink, want)
	}
	// Boxes at the image border are clipped, not a panic.
	DrawDetections(img, []Detection{{X1: 0, Y1: 0, X2: 99, Y2: 79, Score: 1, Class: 5}}, nil, nil)
}

func TestNPY(t *testing.T) {
	for _, shape := range [][]int{{5}, {2, 3}, {1, 21, 3, 5}, {0, 4}} {
		x := mat.New(shape...)
		for i := range x.Data {
			x.Data[i] = float32(i) - 1.5
		}
		var b bytes.Buffer
		if err := WriteNPY(&b, x); err != nil {
			t.Fatal(err)
		}
		if hl := 10 + int(binary.LittleEndian.Uint16(b.Bytes()[8:])); hl%64 != 0 || b.Bytes()[hl-1] != '\n' {
			t.Errorf("%v: header length %d is not a multiple of 64 ending in a newline", shape, hl)
		}
		y, err := ReadNPY(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if !y.SameShape(x) || relErrOrZero(y.Data, x.Data) {
			t.Errorf("%v: read back %v", shape, y.Shape)
		}
		if _, err := ReadNPY(bytes.NewReader(b.Bytes()[:b.Len()-1])); len(x.Data) > 0 && err == nil {
			t.Errorf("%v: truncated data accepted", shape)
		}
		if _, err := ReadNPY(bytes.NewReader(append(b.Bytes(), 0))); err == nil {
			t.Errorf("%v: trailing byte accepted", shape)
		}
	}
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"
	f8 := "\x93NUMPY\x01\x00" + string([]byte{byte(len(dict)), 0}) + dict + strings.Repeat("\x00", 16)
	if _, err := ReadNPY(strings.NewReader(f8)); err == nil || !strings.Contains(err.Error(), "float32") {
		t.Errorf("float64 array: %v", err)
	}
	if _, err := ReadNPY(strings.NewReader("PK\x03\x04 zip")); err == nil {
		t.Error(".npz accepted")
	}
}

func relErrOrZero(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return true
		}
	}
	return false
}
