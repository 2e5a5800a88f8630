package conv

import (
	"runtime"
	"sync"
)

// minSplit is the number of floats a pass must touch before it is split
// among goroutines: below it, starting them costs more than it saves.
const minSplit = 1 << 16

// parallelFor runs f over [0, n) cut into contiguous ranges, one per
// goroutine up to GOMAXPROCS, when floats (what the whole pass reads and
// writes) is at least minSplit; otherwise it calls f(0, n) on this
// goroutine. The elementwise layers (batch norm, pooling, the residual
// add) use it over their channels or planes: each index's result must
// not depend on the cut, so the bits are the same for any number of
// goroutines.
func parallelFor(n, floats int, f func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), n, max(1, floats/minSplit))
	if p <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < p; i++ {
		wg.Go(func() { f(n*i/p, n*(i+1)/p) })
	}
	f(0, n/p)
	wg.Wait()
}
