package handoff

import (
	"runtime"
	"sync/atomic"
)

// Handoff passes jobs from the calling goroutine to one helper goroutine
// and waits for them; the job itself travels in a field of the caller's
// that it writes before Post and the helper reads after Next. A helper
// spins for a while after each job, watching for the next, and only then
// parks on wake. Parking on a channel alone costs more than a small job:
// the goroutine woken by a send is run next on the sender's own processor,
// that is after the sender has done its share (in mat, a 256×256×256
// product gained nothing from a second worker).
//
// The caller publishes job i by storing posted = i; the helper, having
// finished i − 1, watches posted, and stores finished = i when done. Both
// are atomics, so the job's fields written before posted, and the helper's
// share of C written before finished, are visible across.
type Handoff struct {
	posted, finished atomic.Uint64
	parked           atomic.Bool   // the helper is (about to be) blocked on wake
	wake             chan struct{} // capacity 1; closed to end the helper
}

// helperSpins is how many times a helper checks for the next job before
// parking (tens of microseconds). It yields its processor every
// yieldEvery checks, so a watching helper holds up other runnable
// goroutines for a moment at most.
const (
	helperSpins = 1 << 14
	yieldEvery  = 1 << 8
)

// Post hands the next job (already in the worker's job field) to the helper.
func (h *Handoff) Post() {
	h.posted.Add(1)
	// The helper stores parked before its last look at posted, and this
	// loads parked after storing posted: one of the two sees the other, so
	// a parking helper cannot miss the job. A wake-up it did not need only
	// makes it look once more.
	if h.parked.Load() {
		select {
		case h.wake <- struct{}{}:
		default: // one wake-up is pending already
		}
	}
}

// Wait returns when the helper has finished the last job posted.
func (h *Handoff) Wait() {
	want := h.posted.Load()
	for spins := 1; h.finished.Load() != want; spins++ {
		if spins%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
}

// Next, on the helper, waits for the job after the one it finished; it
// reports false when the handoff has been closed.
func (h *Handoff) Next() bool {
	done := h.finished.Load()
	for spins := 1; h.posted.Load() == done; spins++ {
		if spins%yieldEvery == 0 {
			runtime.Gosched()
		}
		if spins < helperSpins {
			continue
		}
		h.parked.Store(true)
		if h.posted.Load() == done {
			if _, ok := <-h.wake; !ok {
				return false
			}
		}
		h.parked.Store(false)
		spins = 0
	}
	return true
}

// Finish, on the helper, reports the current job done.
func (h *Handoff) Finish() { h.finished.Add(1) }

// Init readies h for a helper; Close, once the last job is done, ends it
// (its Next reports false).
func (h *Handoff) Init()  { h.wake = make(chan struct{}, 1) }
func (h *Handoff) Close() { close(h.wake) }

// Finished is the number of jobs the helper has finished, and Parked
// whether it is blocked, for tests.
func (h *Handoff) Finished() uint64 { return h.finished.Load() }
func (h *Handoff) Parked() bool     { return h.parked.Load() }
