// Package membudget admits work against a memory budget: a semaphore
// weighted by bytes, so that a batch of large images in flight together
// cannot take more memory than the budget, while small ones still run
// side by side.
package membudget

import (
	"context"
	"sync"
)

// Budget is a semaphore weighted by bytes. A request larger than the whole
// budget is admitted alone, once nothing else is held, so that it still
// runs (and the caller can say it goes over). Safe for concurrent use.
type Budget struct {
	mu      sync.Mutex
	cap     int64
	used    int64
	held    int
	peak    int           // most requests held at once
	changed chan struct{} // closed and replaced at each release
}

// New returns a budget of capacity bytes (at least 1).
func New(capacity int64) *Budget {
	return &Budget{cap: max(capacity, 1), changed: make(chan struct{})}
}

// Capacity returns the budget in bytes.
func (b *Budget) Capacity() int64 { return b.cap }

// Acquire waits until n bytes fit the budget beside what is held, or,
// for n above the whole budget, until nothing is held; alone reports the
// latter. It returns ctx's error if ctx ends first, holding nothing.
func (b *Budget) Acquire(ctx context.Context, n int64) (alone bool, err error) {
	n = max(n, 0)
	for {
		b.mu.Lock()
		fits := b.used+n <= b.cap
		if n > b.cap {
			fits = b.held == 0
		}
		if fits {
			b.used += n
			b.held++
			b.peak = max(b.peak, b.held)
			b.mu.Unlock()
			return n > b.cap, nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// Release returns n bytes acquired by one Acquire.
func (b *Budget) Release(n int64) {
	b.mu.Lock()
	b.used -= max(n, 0)
	b.held--
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// Peak returns the most requests that were held at once.
func (b *Budget) Peak() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}
