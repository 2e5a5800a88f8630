package train

import (
	"math"
	"testing"
)

// TestScheduleMNIST checks the SPEC §13.3 numbers (1000 images, batch 4:
// warm-up 500, total 25,000 updates). The seed sets these values after
// update gs−1 and so applies them at update gs (gs ≥ 2); with the
// off-by-one fixed they are the rates of update gs. The fix changes only
// update 1: 1e-4/500 = 2e-7 instead of the seed's 1e-3.
func TestScheduleMNIST(t *testing.T) {
	s := Schedule{Init: 1e-4, End: 1e-6, Warmup: 500, Total: 25000}
	cases := []struct {
		k    int64
		want float64
	}{
		{1, 2.0e-7}, // the seed: 1e-3
		{2, 4.0e-7},
		{3, 6.0e-7},
		{250, 5.0e-5},
		{499, 9.98e-5},
		{500, 1.0e-4},
		{501, 9.9999999593e-5},
		{1000, 9.9898296941e-5},
		{12750, 5.05e-5},
		{25000, 1.0e-6},
		{25001, 1.0000004070e-6}, // never applied in a 25,000-update run
	}
	for _, c := range cases {
		got := s.LR(c.k)
		// The §13.3 values are printed to 11 significant digits.
		if math.Abs(got-c.want) > 5e-11*c.want+1e-20 {
			t.Errorf("LR(%d) = %.11g, want %.11g", c.k, got, c.want)
		}
	}
}

func TestScheduleEdges(t *testing.T) {
	// No warm-up: the cosine starts at Init on update 0... and update 1 is
	// already slightly below it.
	s := Schedule{Init: 1, End: 0, Warmup: 0, Total: 4}
	for k, want := range []float64{1, 0.5 * (1 + math.Cos(math.Pi/4)), 0.5, 0.5 * (1 + math.Cos(3*math.Pi/4)), 0} {
		if got := s.LR(int64(k)); math.Abs(got-want) > 1e-15 {
			t.Errorf("no warm-up: LR(%d) = %g, want %g", k, got, want)
		}
	}
	// Warm-up as long as the run: linear to Init, no division by zero.
	s = Schedule{Init: 1e-3, End: 1e-6, Warmup: 10, Total: 10}
	if got := s.LR(10); got != 1e-3 {
		t.Errorf("Warmup == Total: LR(10) = %g, want 1e-3", got)
	}
	if got := s.LR(5); math.Abs(got-5e-4) > 1e-18 {
		t.Errorf("Warmup == Total: LR(5) = %g, want 5e-4", got)
	}
}
