package data

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor calls fn on disjoint chunks [lo, hi) covering [0, n), spread
// over runtime.GOMAXPROCS(0) goroutines. grain is the smallest chunk worth a
// goroutine; below 2*grain everything runs on the calling goroutine.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n <= 0 {
		return
	}
	if workers < 2 || n < 2*grain {
		fn(0, n)
		return
	}
	// About four chunks per worker balances uneven chunks (boundary rows
	// with more taps, a busy core) without much scheduling overhead.
	chunk := max(grain, (n+4*workers-1)/(4*workers))
	chunks := (n + chunk - 1) / chunk
	workers = min(workers, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * chunk
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}
