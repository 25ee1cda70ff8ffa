package train

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrSourceClosed is returned by Next after Close.
var ErrSourceClosed = errors.New("training data source is closed")

// PatchSource is the Source NewSource returns: Workers goroutines make the
// batches of a Dataset ahead of Next, worker w making batches w, w+Workers,
// w+2*Workers ... (counted from StartBatch) into its own buffered channel,
// and Next reading the channels in turn, so batches come in index order and
// the stream is the same for any number of workers.
type PatchSource struct {
	ds     *Dataset
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

// Stream starts the workers making batches from StartBatch on. Cancelling
// ctx stops them (Next then returns ctx's error); Close stops them too and
// waits until they have returned.
func (d *Dataset) Stream(ctx context.Context) *PatchSource {
	o := d.opt
	wctx, cancel := context.WithCancel(ctx)
	s := &PatchSource{ds: d, ctx: wctx, cancel: cancel}
	s.next.Store(o.StartBatch)
	per := max(1, (o.Prefetch+o.Workers-1)/o.Workers)
	s.outs = make([]chan batchResult, o.Workers)
	for w := range s.outs {
		s.outs[w] = make(chan batchResult, per)
		s.wg.Add(1)
		go s.work(w)
	}
	return s
}

// work makes the batches of worker w until the context ends or a batch fails.
func (s *PatchSource) work(w int) {
	defer s.wg.Done()
	n := int64(len(s.outs))
	for i := s.ds.opt.StartBatch + int64(w); ; i += n {
		b, err := s.ds.Batch(i)
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
func (s *PatchSource) Next(ctx context.Context) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrSourceClosed
	}
	if s.err != nil {
		return nil, s.err
	}
	ch := s.outs[int((s.next.Load()-s.ds.opt.StartBatch)%int64(len(s.outs)))]
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

// Index is the index of the batch Next returns next (StartBatch plus the
// number of batches returned so far): the value to resume from.
func (s *PatchSource) Index() int64 { return s.next.Load() }

// Dataset is the images the batches are cut from.
func (s *PatchSource) Dataset() *Dataset { return s.ds }

// Close stops the workers and waits for them to return. It is idempotent.
func (s *PatchSource) Close() error {
	s.closed.Store(true)
	s.cancel()
	s.wg.Wait()
	return nil
}
