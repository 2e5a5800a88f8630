package mnist

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"darkgo/dataset"
)

func TestDigitSide(t *testing.T) {
	var got []int
	for _, g := range sizeGroups {
		for _, r := range g.ratios {
			got = append(got, DigitSide(r))
		}
	}
	if want := []int{14, 22, 28, 42, 56, 84, 112}; !slices.Equal(got, want) {
		t.Errorf("sides %v, want %v (SPEC §13.5)", got, want)
	}
}

// flatDigits returns n 28×28 digits, digit i filled with the ink value
// 20·label+10 and labelled i%10, so a pasted patch tells its label.
func flatDigits(n int) *Set {
	s := &Set{N: n, Rows: 28, Cols: 28, Pix: make([]uint8, n*784), Labels: make([]uint8, n)}
	for i := range n {
		s.Labels[i] = uint8(i % 10)
		for j := range 784 {
			s.Pix[i*784+j] = 20*s.Labels[i] + 10
		}
	}
	return s
}

func TestSynthesizeInvariants(t *testing.T) {
	const size = 416
	digits := flatDigits(50)
	rng := rand.New(rand.NewPCG(1, 2))
	sides := []int{14, 22, 28, 42, 56, 84, 112}
	total, canvases := 0, 300
	for range canvases {
		c, err := Synthesize(rng, digits, size)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(c.Boxes); n < 1 || n > 12 {
			t.Fatalf("%d boxes", n)
		}
		total += len(c.Boxes)
		var perGroup [3]int
		for i, b := range c.Boxes {
			side := b.X2 - b.X1
			if b.Y2-b.Y1 != side || !slices.Contains(sides, side) {
				t.Fatalf("box %v is not a digit square", b)
			}
			perGroup[[]int{0, 0, 1, 1, 1, 2, 2}[slices.Index(sides, side)]]++
			if b.X1 < 0 || b.Y1 < 0 || b.X2 > size-2 || b.Y2 > size-2 {
				t.Fatalf("box %v outside [0, %d]", b, size-2)
			}
			for _, o := range c.Boxes[:i] {
				if v := iou(b, o); v >= MaxOverlapIoU {
					t.Fatalf("boxes %v and %v overlap with IoU %.4f", b, o, v)
				}
			}
		}
		if perGroup[0] > 3 || perGroup[1] > 6 || perGroup[2] > 3 {
			t.Fatalf("digits per group %v exceed 3, 6, 3", perGroup)
		}
		// The last digit pasted is never covered: its square holds exactly
		// the inverted flat value of its label.
		last := c.Boxes[len(c.Boxes)-1]
		want := 255 - (20*uint8(last.Class) + 10)
		for y := last.Y1; y < last.Y2; y++ {
			for x := last.X1; x < last.X2; x++ {
				for ch := range 3 {
					if v := c.Img.Pix[(y*size+x)*3+ch]; v != want {
						t.Fatalf("pixel (%d,%d) of the box of a %d is %d, want %d", x, y, last.Class, v, want)
					}
				}
			}
		}
		// Outside every box the canvas is white.
		for _, p := range [][2]int{{size - 1, size - 1}, {size - 1, 0}, {0, size - 1}} {
			if v := c.Img.Pix[(p[1]*size+p[0])*3]; v != 255 {
				t.Fatalf("corner %v is %d, not white", p, v)
			}
		}
	}
	// E[N] per canvas = 1.5 + 3 + 1.5 = 6, slightly more given non-empty
	// (6/(1 − 1/112) ≈ 6.05); the standard error over 300 canvases is ≈ 0.15.
	if mean := float64(total) / float64(canvases); mean < 5.4 || mean > 6.7 {
		t.Errorf("mean digits per canvas %.2f, want ≈ 6.05", mean)
	}
}

func TestSynthesizeDeterministic(t *testing.T) {
	digits := flatDigits(30)
	draw := func(seed uint64) []Canvas {
		rng := rand.New(rand.NewPCG(seed, 0))
		var cs []Canvas
		for range 5 {
			c, err := Synthesize(rng, digits, 200)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		return cs
	}
	a, b, c := draw(7), draw(7), draw(8)
	same := func(x, y []Canvas) bool {
		for i := range x {
			if !slices.Equal(x[i].Boxes, y[i].Boxes) || !bytes.Equal(x[i].Img.Pix, y[i].Img.Pix) {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("the same seed gave different canvases")
	}
	if same(a, c) {
		t.Error("different seeds gave the same canvases")
	}
}

func TestSynthesizeSmallCanvas(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{16, 30, 60} {
		for range 20 {
			c, err := Synthesize(rng, flatDigits(10), size)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range c.Boxes {
				if b.X2 > size-2 || b.Y2 > size-2 {
					t.Fatalf("size %d: box %v does not fit", size, b)
				}
			}
		}
	}
	if _, err := Synthesize(rng, flatDigits(10), 15); err == nil {
		t.Error("size 15 accepted")
	}
}

// TestWriteSplit writes a small split from real digits and reads it back
// with the dataset package's validating reader.
func TestWriteSplit(t *testing.T) {
	all, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	calls := 0
	s := Split{Name: "test", Count: 4, Digits: all.Slice(8000, all.N)}
	if err := WriteSplit(context.Background(), rand.New(rand.NewPCG(1, 1)), dir, s, 128, func(int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if err := WriteNames(dir); err != nil {
		t.Fatal(err)
	}
	if calls != 4 {
		t.Errorf("progress called %d times", calls)
	}
	names, err := dataset.ReadNames(filepath.Join(dir, "mnist.names"))
	if err != nil || len(names) != 10 || names[3] != "3" {
		t.Fatalf("names %v, %v", names, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "mnist.names")); len(b) != 20 {
		t.Errorf("mnist.names has %d bytes, want 20", len(b))
	}
	samples, err := dataset.ReadAnnotations(filepath.Join(dir, "mnist_test.txt"), dataset.Options{NumClasses: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 4 || !filepath.IsAbs(samples[0].Path) || samples[0].W != 128 || samples[0].H != 128 {
		t.Fatalf("samples %+v", samples)
	}
	img, err := dataset.LoadImage(samples[3].File)
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 128 || img.Pix[0] < 240 {
		t.Errorf("decoded canvas %d wide, corner %d", img.W, img.Pix[0])
	}
}
