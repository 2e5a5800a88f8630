package train

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
)

// EpochOrder returns the sample indices of every batch of one epoch
// (SPEC §6.2): a permutation of 0…n−1 drawn from r, cut into ⌈n/B⌉ batches
// of B; position p ≥ n wraps to p − n, so the last batch is topped up from
// the start of the permuted list and every batch is full. (The seed shuffles
// once at construction and again after each epoch: the same thing as a
// fresh shuffle before each epoch.) It panics if n < 1 or batch < 1.
func EpochOrder(n, batch int, r *rand.Rand) [][]int {
	if n < 1 || batch < 1 {
		panic(fmt.Sprintf("train: EpochOrder: n = %d, batch = %d", n, batch))
	}
	perm := r.Perm(n)
	nb := (n + batch - 1) / batch
	out := make([][]int, nb)
	for b := range out {
		out[b] = make([]int, batch)
		for k := range batch {
			out[b][k] = perm[(b*batch+k)%n]
		}
	}
	return out
}

// SampleRand returns the random stream of the sample at position pos of an
// epoch whose seed is epochSeed. Every sample gets its own stream, so the
// result of preparing it does not depend on which goroutine prepares it or
// when: data loading is deterministic whatever the number of workers.
func SampleRand(epochSeed uint64, pos int) *rand.Rand {
	return rand.New(rand.NewPCG(epochSeed, uint64(pos)))
}

// PrepareFunc prepares sample index (into the data set) at position pos of
// the epoch, drawing any randomness from r only.
type PrepareFunc[T any] func(index int, r *rand.Rand) (T, error)

// Loader prepares the batches of one epoch in the background: a producer
// goroutine prepares batch b+1, b+2, … (up to Depth ahead) while the caller
// trains on batch b. Within a batch the samples are prepared by Workers
// goroutines. Sample k of batch b has position b·B + k and the random stream
// SampleRand(epochSeed, b·B + k).
type Loader[T any] struct {
	out    chan loaded[T]
	cancel context.CancelFunc
	done   chan struct{}
}

type loaded[T any] struct {
	batch []T
	err   error
}

// NewLoader starts preparing batches[first:] (first > 0 when resuming in
// the middle of an epoch). depth ≥ 1 is the number of prepared batches that
// may wait in the channel; workers ≥ 1 goroutines prepare the samples of
// one batch. Call Close when done, even after an error or io.EOF.
func NewLoader[T any](ctx context.Context, batches [][]int, first int, epochSeed uint64, prepare PrepareFunc[T], workers, depth int) *Loader[T] {
	ctx, cancel := context.WithCancel(ctx)
	l := &Loader[T]{out: make(chan loaded[T], max(depth, 1)), cancel: cancel, done: make(chan struct{})}
	// The channel holds depth batches; the producer prepares one more
	// while blocked on sending, so at most depth+1 batches exist at once.
	workers = max(workers, 1)
	go func() {
		defer close(l.done)
		defer close(l.out)
		for b := first; b < len(batches); b++ {
			batch := make([]T, len(batches[b]))
			errs := make([]error, len(batches[b]))
			var wg sync.WaitGroup
			next := make(chan int)
			for range min(workers, len(batch)) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range next {
						pos := b*len(batches[b]) + k
						batch[k], errs[k] = prepare(batches[b][k], SampleRand(epochSeed, pos))
					}
				}()
			}
			for k := range batch {
				next <- k
			}
			close(next)
			wg.Wait()
			var err error
			for _, e := range errs {
				if e != nil {
					err = e
					break
				}
			}
			select {
			case l.out <- loaded[T]{batch, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return l
}

// Next returns the next prepared batch, io.EOF after the last one, or the
// error of the first sample that failed to prepare.
func (l *Loader[T]) Next(ctx context.Context) ([]T, error) {
	select {
	case r, ok := <-l.out:
		if !ok {
			return nil, io.EOF
		}
		return r.batch, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the producer and waits for it to exit.
func (l *Loader[T]) Close() {
	l.cancel()
	<-l.done
}
