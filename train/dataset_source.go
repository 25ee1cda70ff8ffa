package train

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrSourceClosed is returned by Next after Close.
var ErrSourceClosed = errors.New("training data source is closed")

// stream is the background batch maker shared by the sources: workers
// goroutines make batches ahead of Next, worker w making batches w,
// w+workers, w+2*workers ... (counted from start) into its own buffered
// channel, and Next reading the channels in turn, so batches come in index
// order and the stream is the same for any number of workers.
type stream struct {
	batch  func(i int64) (*Batch, error) // makes batch i; safe for concurrent use
	start  int64
	ctx    context.Context // the workers'; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	outs   []chan batchResult
	closed atomic.Bool

	mu   sync.Mutex   // serialises Next
	next atomic.Int64 // index of the batch Next returns next
	err  error        // sticky: a batch that failed fails the stream
}

// batchResult is what a worker hands over.
type batchResult struct {
	b   *Batch
	err error
}

// newStream starts workers goroutines making batches from start on, with
// about prefetch batches made ahead in all. Cancelling ctx stops them.
func newStream(ctx context.Context, batch func(int64) (*Batch, error), start int64, workers, prefetch int) *stream {
	workers = max(1, workers)
	wctx, cancel := context.WithCancel(ctx)
	s := &stream{batch: batch, start: start, ctx: wctx, cancel: cancel}
	s.next.Store(start)
	per := max(1, (prefetch+workers-1)/workers)
	s.outs = make([]chan batchResult, workers)
	for w := range s.outs {
		s.outs[w] = make(chan batchResult, per)
		s.wg.Add(1)
		go s.work(w)
	}
	return s
}

// work makes the batches of worker w until the context ends or a batch fails.
func (s *stream) work(w int) {
	defer s.wg.Done()
	n := int64(len(s.outs))
	for i := s.start + int64(w); ; i += n {
		b, err := s.batch(i)
		select {
		case s.outs[w] <- batchResult{b, err}:
		case <-s.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// Next returns the next batch of the stream, blocking until it is made or
// ctx ends. It is safe for concurrent use (each call gets its own batch).
func (s *stream) Next(ctx context.Context) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrSourceClosed
	}
	if s.err != nil {
		return nil, s.err
	}
	ch := s.outs[int((s.next.Load()-s.start)%int64(len(s.outs)))]
	select {
	case r := <-ch:
		if r.err != nil {
			s.err = r.err
			return nil, r.err
		}
		s.next.Add(1)
		return r.b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.ctx.Done():
		if s.closed.Load() {
			return nil, ErrSourceClosed
		}
		return nil, s.ctx.Err()
	}
}

// Index is the index of the batch Next returns next (the start batch plus
// the number of batches returned so far): the value to resume from.
func (s *stream) Index() int64 { return s.next.Load() }

// Close stops the workers and waits for them to return. It is idempotent.
func (s *stream) Close() error {
	s.closed.Store(true)
	s.cancel()
	s.wg.Wait()
	return nil
}

// PatchSource is the Source NewSource returns: the batches of a Dataset,
// made by Workers goroutines ahead of Next (batch i by worker i mod
// Workers), in index order whatever the number of workers. It has Next,
// Index (the batch Next returns next: the value to resume from) and Close
// (stops the workers and waits for them; idempotent).
type PatchSource struct {
	*stream
	ds *Dataset
}

// Stream starts the workers making batches from StartBatch on. Cancelling
// ctx stops them (Next then returns ctx's error); Close stops them too and
// waits until they have returned.
func (d *Dataset) Stream(ctx context.Context) *PatchSource {
	o := d.opt
	return &PatchSource{stream: newStream(ctx, d.Batch, o.StartBatch, o.Workers, o.Prefetch), ds: d}
}

// Dataset is the images the batches are cut from.
func (s *PatchSource) Dataset() *Dataset { return s.ds }
