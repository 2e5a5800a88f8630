package train

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"darkgo/mat"
)

func TestGuard(t *testing.T) {
	if err := checkTerms(3, 1, 2, 3); err != nil {
		t.Fatal(err)
	}
	err := checkTerms(7, 1, math.NaN(), 3)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Step != 7 || nf.Where != "loss term conf" {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "update 7") || !strings.Contains(err.Error(), "conf") {
		t.Errorf("message %q does not name the step and the term", err)
	}
	g := mat.New(1000)
	g.Data[10] = math.MaxFloat32 // large but finite values pass
	g.Data[11] = math.MaxFloat32
	ps := []Param{{Name: "conv_0/kernel", Value: mat.New(1000), Grad: mat.New(1000)}, {Name: "conv_5/gamma", Value: mat.New(1000), Grad: g}}
	if err := checkGrads(9, ps); err != nil {
		t.Fatal(err)
	}
	g.Data[617] = float32(math.Inf(-1))
	err = checkGrads(9, ps)
	if !errors.As(err, &nf) || nf.Index != 617 || nf.Where != "gradient of conv_5/gamma" || !math.IsInf(nf.Value, -1) {
		t.Fatalf("got %v", err)
	}
}

func TestProgressLine(t *testing.T) {
	p := &Progress{StepsPerEpoch: 250, TotalSteps: 25000}
	p.Observe(2 * time.Second)
	p.ObserveVal(10 * time.Second)
	r := Record{Phase: "train", Epoch: 3, Step: 870, LR: 9.98e-5, GIoU: 1.234, Conf: 4.56, Prob: 0.12, Total: 5.914, ImagesPerSec: 2}
	line := p.Line(r, 100)
	// 24,130 updates × 2 s + 97 validations × 10 s = 49,230 s.
	for _, want := range []string{"epoch   4/100", "step   120/250", "update     870", "lr 9.98e-05", "giou    1.23", "total    5.91", "2.00 img/s", "ETA 13h40m30s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
}

// TestCheckSliceEveryPosition puts one NaN or infinity at each position of
// slices of lengths 1..19 (every lane of the eight-way screen and of its
// tail) among large finite values: each must be found at its index.
func TestCheckSliceEveryPosition(t *testing.T) {
	for n := 1; n < 20; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = math.MaxFloat32 * float32(1-2*(i%2))
		}
		if err := checkSlice(1, "x", x); err != nil {
			t.Fatalf("n=%d, all finite: %v", n, err)
		}
		for i := range x {
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
				keep := x[i]
				x[i] = bad
				var nf *NonFiniteError
				if err := checkSlice(1, "x", x); !errors.As(err, &nf) || nf.Index != i {
					t.Fatalf("n=%d: %g at %d: got %v", n, bad, i, err)
				}
				x[i] = keep
			}
		}
	}
}

// TestCheckGradsLarge: the screen of a gradient large enough to be split
// between goroutines finds a non-finite value in either half, at its index,
// and the first parameter in order is named when two fail.
func TestCheckGradsLarge(t *testing.T) {
	const n = 1<<19 + 3
	ps := []Param{{Name: "a", Grad: mat.New(n)}, {Name: "b", Grad: mat.New(n)}}
	if err := checkGrads(1, ps); err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{5, n/2 - 1, n / 2, n - 1} {
		ps[1].Grad.Data[at] = float32(math.NaN())
		var nf *NonFiniteError
		if err := checkGrads(2, ps); !errors.As(err, &nf) || nf.Index != at || nf.Where != "gradient of b" {
			t.Fatalf("NaN at %d of b: got %v", at, err)
		}
		ps[0].Grad.Data[n-at-1] = float32(math.Inf(1))
		if err := checkGrads(2, ps); !errors.As(err, &nf) || nf.Index != n-at-1 || nf.Where != "gradient of a" {
			t.Fatalf("+Inf at %d of a and NaN in b: got %v", n-at-1, err)
		}
		ps[0].Grad.Data[n-at-1], ps[1].Grad.Data[at] = 0, 0
	}
}
