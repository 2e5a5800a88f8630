package train

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// NonFiniteError stops training when a loss term, an output or a gradient
// is NaN or ±Inf. The update that produced it is not applied and nothing is
// saved, so the last checkpoint on disk is the last good state.
type NonFiniteError struct {
	Step  int64  // the update that failed (1-based)
	Where string // "loss term conf", "gradient of conv_57/kernel", …
	Value float64
	Index int // element index within the tensor, −1 for a scalar
}

func (e *NonFiniteError) Error() string {
	at := ""
	if e.Index >= 0 {
		at = fmt.Sprintf(" (element %d)", e.Index)
	}
	return fmt.Sprintf("train: update %d: %s is %v%s; stopped before applying it, the last checkpoint is untouched",
		e.Step, e.Where, e.Value, at)
}

// checkTerms returns a NonFiniteError naming the first non-finite term.
func checkTerms(step int64, giou, conf, prob float64) error {
	for _, t := range []struct {
		name string
		v    float64
	}{{"giou", giou}, {"conf", conf}, {"prob", prob}} {
		if math.IsNaN(t.v) || math.IsInf(t.v, 0) {
			return &NonFiniteError{Step: step, Where: "loss term " + t.name, Value: t.v, Index: -1}
		}
	}
	return nil
}

// checkSlice returns a NonFiniteError for the first non-finite element of x.
func checkSlice(step int64, where string, x []float32) error {
	if allFinite(x) {
		return nil
	}
	for i, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return &NonFiniteError{Step: step, Where: where, Value: f, Index: i}
		}
	}
	return nil
}

// allFinite reports whether every element of x is finite. It is a fast
// screen: v·0 is ±0 for a finite v and NaN otherwise, so the sums stay 0
// unless some element is not finite. Eight independent sums keep the loop
// from waiting on each add's latency (the gradients of YOLOv3 are 62M
// floats).
func allFinite(x []float32) bool {
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8]
		s[0] += v[0] * 0
		s[1] += v[1] * 0
		s[2] += v[2] * 0
		s[3] += v[3] * 0
		s[4] += v[4] * 0
		s[5] += v[5] * 0
		s[6] += v[6] * 0
		s[7] += v[7] * 0
	}
	for _, v := range x[i:] {
		s[0] += v * 0
	}
	return (s[0]+s[1])+(s[2]+s[3])+(s[4]+s[5])+(s[6]+s[7]) == 0
}

// checkGrads checks every parameter's gradient and names the first
// non-finite element in parameter order. The screen of large gradients
// is split between two goroutines (it reads 250 MB for YOLOv3 while the
// other core would idle); only a failed screen searches, serially.
func checkGrads(step int64, params []Param) error {
	for _, p := range params {
		x := p.Grad.Data
		ok := true
		if half := len(x) / 2; half >= 1<<18 && runtime.GOMAXPROCS(0) > 1 {
			var wg sync.WaitGroup
			var first bool
			wg.Go(func() { first = allFinite(x[:half]) })
			ok = allFinite(x[half:])
			wg.Wait()
			ok = ok && first
		} else {
			ok = allFinite(x)
		}
		if !ok {
			return checkSlice(step, "gradient of "+p.Name, x)
		}
	}
	return nil
}
