package handoff

import (
	"testing"
	"time"
)

// TestHandoff: every posted job is done once, in order, before Wait
// returns; an idle helper parks, and the next job wakes it; Close ends it.
func TestHandoff(t *testing.T) {
	var h Handoff
	h.Init()
	var job, sum int // the job travels in a variable, as in mat and conv
	ended := make(chan struct{})
	go func() {
		for h.Next() {
			sum += job
			h.Finish()
		}
		close(ended)
	}()
	want := 0
	for round := range 3 {
		for i := 1; i <= 100; i++ {
			job = i
			want += i
			h.Post()
			h.Wait()
			if sum != want {
				t.Fatalf("round %d, job %d: sum %d, want %d", round, i, sum, want)
			}
		}
		for deadline := time.Now().Add(5 * time.Second); !h.Parked(); {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the idle helper did not park", round)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if got := h.Finished(); got != 300 {
		t.Fatalf("Finished() = %d, want 300", got)
	}
	h.Close()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the helper did not end after Close")
	}
}
