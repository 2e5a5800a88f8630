package train

import "math"

// Schedule is the seed's learning-rate schedule (SPEC §8.3): a linear
// warm-up over Warmup updates to Init, then a cosine decay to End at update
// Total. With k the 1-based number of the update about to be applied:
//
//	k < Warmup:  lr(k) = k/Warmup · Init
//	k ≥ Warmup:  lr(k) = End + ½(Init − End)(1 + cos(π·(k − Warmup)/(Total − Warmup)))
//
// The seed computes the same formula but one step late (SPEC §12 quirk 8):
// its very first update runs at Adam's default 1e-3 (ten times Init), update
// k ≥ 2 uses the value computed after update k−1 from counter gs = k, and its
// last logged value is lr(Total+1). Here update k uses lr(k) for every k, so
// update 1 runs at Init/Warmup (2e-7 for the MNIST config), the warm-up
// reaches Init exactly at update Warmup, and the last update (k = Total)
// runs at End. The values themselves equal the seed's table (SPEC §13.3)
// with "lr set after update gs" read as "lr used by update gs"; only the
// first update differs.
type Schedule struct {
	Init, End     float64
	Warmup, Total int64 // in updates (steps); Warmup ≤ Total
}

// LR returns the learning rate of update k (k ≥ 1). Past Total the cosine
// keeps running (as the seed does), which only matters for a resumed run
// whose Total was lowered.
func (s Schedule) LR(k int64) float64 {
	if k < s.Warmup {
		return float64(k) / float64(s.Warmup) * s.Init
	}
	if s.Total <= s.Warmup {
		return s.Init
	}
	frac := float64(k-s.Warmup) / float64(s.Total-s.Warmup)
	return s.End + 0.5*(s.Init-s.End)*(1+math.Cos(math.Pi*frac))
}
