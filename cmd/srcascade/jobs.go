package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/internal/membudget"
	"github.com/srcascade/srcascade/internal/meminfo"
)

// status is how a job ended.
type status int

const (
	statusPending  status = iota // never started (the run was interrupted)
	statusDone                   // output written
	statusFailed                 // err says why
	statusCanceled               // stopped by the interrupt
)

// result is the outcome of one job.
type result struct {
	job
	status  status
	err     error
	inW     int // input size, when decoded
	inH     int
	seconds float64 // model time
	note    string  // what the log line says after the name, when not the default
}

// pipeline upscales jobs as realesrgan-ncnn-vulkan does: decode workers,
// one model step at a time, encode workers, with at most jobs images in
// flight, and, with a budget, only as many as its bytes allow (each image
// weighs cascade.UpscalerMemory of its header's size), so memory stays
// bounded whatever the images' sizes.
type pipeline struct {
	up     *srcascade.Upscaler // the library call, with the scale and sampling options
	limits data.Limits
	enc    data.EncodeOptions
	jobs   int
	budget *membudget.Budget // nil: no memory budget
	rep    *progress
	stdin  io.Reader // for the input "-"
	stdout io.Writer // for the output "-"
}

// loaded is an image between two workers: decoded on its way to the
// model, or upscaled on its way to the encoder.
type loaded struct {
	i       int
	d       *data.Decoded
	w, h    int     // input size
	seconds float64 // model time
}

// run processes jobs and returns their results in job order. When ctx is
// cancelled no new image is started, the model step is asked to stop, and
// nothing more is written; unfinished jobs come back as statusCanceled.
func (p *pipeline) run(ctx context.Context, jobs []job) []result {
	results := make([]result, len(jobs))
	for i, j := range jobs {
		results[i] = result{job: j}
	}
	p.rep.start(len(jobs))
	if len(jobs) == 0 {
		return results
	}
	n := max(1, p.jobs)
	tokens := make(chan struct{}, n) // images in flight
	cost := make([]int64, len(jobs)) // bytes each admitted image holds against the budget
	loadCh := make(chan int)
	procCh := make(chan loaded)
	saveCh := make(chan loaded)
	resCh := make(chan indexed)

	finish := func(i int, r result) {
		r.job = jobs[i]
		if p.budget != nil {
			p.budget.Release(cost[i])
		}
		<-tokens
		resCh <- indexed{i, r}
	}
	cancelled := func(i int) {
		finish(i, result{status: statusCanceled, err: ctx.Err()})
	}

	go func() { // feeder
		defer close(loadCh)
		for i := range jobs {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if p.budget != nil && !p.admit(ctx, jobs[i].in, &cost[i]) {
				<-tokens
				return
			}
			loadCh <- i
		}
	}()

	var loaders sync.WaitGroup
	for range n {
		loaders.Go(func() {
			for i := range loadCh {
				if ctx.Err() != nil {
					cancelled(i)
					continue
				}
				var d *data.Decoded
				var err error
				if jobs[i].in == stdio {
					d, err = decodeStdin(p.stdin, p.limits)
				} else {
					d, err = decodeSafely(jobs[i].in, p.limits)
				}
				if err == nil {
					err = p.up.CheckSize(displayName(jobs[i].in), d.Image.W, d.Image.H)
				}
				if err != nil {
					finish(i, result{status: statusFailed, err: err})
					continue
				}
				procCh <- loaded{i: i, d: d, w: d.Image.W, h: d.Image.H}
			}
		})
	}
	go func() { loaders.Wait(); close(procCh) }()

	go func() { // the model step, one image at a time
		defer close(saveCh)
		for l := range procCh {
			i := l.i
			if ctx.Err() != nil {
				cancelled(i)
				continue
			}
			name := jobs[i].in
			p.rep.begin(name)
			t0 := time.Now()
			out, err := p.up.Upscale(ctx, l.d, p.rep.step)
			l.seconds = time.Since(t0).Seconds()
			p.rep.end()
			l.d = out
			switch {
			case err != nil && ctx.Err() != nil:
				cancelled(i)
			case err != nil:
				finish(i, result{status: statusFailed, err: fmt.Errorf("%s: %w", name, err), inW: l.w, inH: l.h, seconds: l.seconds})
			default:
				saveCh <- l
			}
		}
	}()

	var savers sync.WaitGroup
	for range n {
		savers.Go(func() {
			for s := range saveCh {
				if ctx.Err() != nil {
					cancelled(s.i)
					continue
				}
				r := result{status: statusDone, inW: s.w, inH: s.h, seconds: s.seconds}
				save := save
				if jobs[s.i].out == stdio {
					save = func(_ string, d *data.Decoded, enc data.EncodeOptions) error { return encodeStdout(p.stdout, d, enc) }
				}
				if err := save(jobs[s.i].out, s.d, p.enc); err != nil {
					r.status, r.err = statusFailed, err
				}
				finish(s.i, r)
			}
		})
	}
	go func() { savers.Wait(); close(resCh) }()

	// The feeder stops early on cancel, so not every job sends a result.
	done := make([]bool, len(jobs))
	for r := range resCh {
		done[r.i] = true
		results[r.i] = r.result
		p.rep.finish(r.result)
	}
	for i := range results {
		if !done[i] {
			results[i].status = statusCanceled
		}
	}
	return results
}

// admit waits until the image at path fits the memory budget and records
// its cost; false when ctx ended first. The cost comes from the file's
// header (an unreadable header costs nothing here: the decoder reports
// it). An image above the whole budget runs alone, and the log says so.
func (p *pipeline) admit(ctx context.Context, path string, cost *int64) bool {
	if w, h, err := data.DecodeConfigFile(path); err == nil {
		*cost = p.up.Memory(w, h)
	}
	alone, err := p.budget.Acquire(ctx, *cost)
	if err != nil {
		return false
	}
	if alone {
		p.rep.logf("note: %s needs about %s, more than the --memory budget of %s: it runs alone",
			path, meminfo.Format(*cost), meminfo.Format(p.budget.Capacity()))
	}
	return true
}

// indexed is a result with the index of its job.
type indexed struct {
	i int
	result
}

// decodeSafely decodes one input; a decoder panic becomes an error naming the file.
func decodeSafely(path string, lim data.Limits) (d *data.Decoded, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("%s: decoder failed: %v", path, p)
		}
	}()
	d, err = data.DecodeFile(path, lim)
	if errors.Is(err, data.ErrTooLarge) {
		err = fmt.Errorf("%w (raise --max-pixels to allow it)", err)
	}
	if err == nil && d.Image == nil {
		err = fmt.Errorf("%s: decoder returned no image", path)
	}
	return d, err
}

// save writes d to path atomically, creating its folder.
func save(path string, d *data.Decoded, enc data.EncodeOptions) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write %s: encoder failed: %v", path, p)
		}
	}()
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
	}
	return data.EncodeFile(path, d, enc)
}

// errorsOf lists the failed results.
func errorsOf(results []result) []result {
	var out []result
	for _, r := range results {
		if r.status == statusFailed {
			out = append(out, r)
		}
	}
	return out
}
