package train

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestEpochOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := EpochOrder(10, 4, r)
	if len(b) != 3 {
		t.Fatalf("%d batches, want ⌈10/4⌉ = 3", len(b))
	}
	var flat []int
	for _, x := range b {
		if len(x) != 4 {
			t.Fatalf("batch of %d, want 4", len(x))
		}
		flat = append(flat, x...)
	}
	// The first 10 positions are a permutation; 10, 11 repeat positions 0, 1.
	seen := slices.Clone(flat[:10])
	slices.Sort(seen)
	if !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("not a permutation: %v", flat[:10])
	}
	if flat[10] != flat[0] || flat[11] != flat[1] {
		t.Fatalf("last batch not topped up from the start: %v", flat)
	}
	// A second epoch from the same stream is shuffled differently.
	b2 := EpochOrder(10, 4, r)
	if slices.Equal(b2[0], b[0]) && slices.Equal(b2[1], b[1]) {
		t.Errorf("second epoch has the same order")
	}
}

// TestLoaderDeterministic: the prepared batches are the same whatever the
// worker count and prefetch depth, and come in order.
func TestLoaderDeterministic(t *testing.T) {
	batches := EpochOrder(23, 4, rand.New(rand.NewPCG(3, 4)))
	prep := func(i int, r *rand.Rand) ([2]uint64, error) {
		time.Sleep(time.Duration(r.IntN(200)) * time.Microsecond) // shuffle completion order
		return [2]uint64{uint64(i), r.Uint64()}, nil
	}
	run := func(workers, depth, first int) [][][2]uint64 {
		l := NewLoader(context.Background(), batches, first, 99, prep, workers, depth)
		defer l.Close()
		var out [][][2]uint64
		for {
			b, err := l.Next(context.Background())
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	ref := run(1, 1, 0)
	if len(ref) != len(batches) {
		t.Fatalf("%d batches, want %d", len(ref), len(batches))
	}
	for b := range ref {
		for k := range ref[b] {
			if int(ref[b][k][0]) != batches[b][k] {
				t.Fatalf("batch %d sample %d is index %d, want %d", b, k, ref[b][k][0], batches[b][k])
			}
		}
	}
	for _, wd := range [][2]int{{2, 1}, {4, 3}, {3, 2}} {
		got := run(wd[0], wd[1], 0)
		if !slices.EqualFunc(got, ref, func(a, b [][2]uint64) bool { return slices.Equal(a, b) }) {
			t.Fatalf("workers=%d depth=%d: batches differ from the serial run", wd[0], wd[1])
		}
	}
	// Resuming at batch 2 yields exactly the tail.
	tail := run(2, 2, 2)
	if !slices.EqualFunc(tail, ref[2:], func(a, b [][2]uint64) bool { return slices.Equal(a, b) }) {
		t.Fatal("starting at batch 2 differs from the tail of the full run")
	}
}

func TestLoaderError(t *testing.T) {
	batches := [][]int{{0, 1}, {2, 3}, {4, 5}}
	bad := errors.New("bad sample")
	l := NewLoader(context.Background(), batches, 0, 1, func(i int, _ *rand.Rand) (int, error) {
		if i == 3 {
			return 0, bad
		}
		return i, nil
	}, 2, 1)
	defer l.Close()
	if _, err := l.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Next(context.Background()); !errors.Is(err, bad) {
		t.Fatalf("got %v, want the sample error", err)
	}
	// Closing early with batches pending must not hang.
	l2 := NewLoader(context.Background(), batches, 0, 1, func(i int, _ *rand.Rand) (int, error) { return i, nil }, 1, 1)
	l2.Close()
}

// TestLoaderPrefetches: while the consumer holds batch 0, the producer
// prepares ahead, but never more than depth batches beyond the one it is
// blocked on sending.
func TestLoaderPrefetches(t *testing.T) {
	batches := make([][]int, 10)
	for i := range batches {
		batches[i] = []int{i}
	}
	var mu sync.Mutex
	prepared := 0
	l := NewLoader(context.Background(), batches, 0, 1, func(i int, _ *rand.Rand) (int, error) {
		mu.Lock()
		prepared++
		mu.Unlock()
		return i, nil
	}, 1, 2)
	defer l.Close()
	if _, err := l.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Consumed 1; the channel holds 2 and the producer has a 4th ready.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		p := prepared
		mu.Unlock()
		if p == 4 {
			break
		}
		if p > 4 {
			t.Fatalf("%d batches prepared with 1 consumed and depth 2, want at most 4", p)
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d batches prepared ahead", p)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if prepared != 4 {
		t.Fatalf("%d batches prepared, want the bound of 4", prepared)
	}
}
