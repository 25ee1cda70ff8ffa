package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// cancelAfter is a test upscaler that cancels the run when its call number
// n starts and then fails like a cancelled model would.
type cancelAfter struct {
	nearestRGB
	n      int32
	calls  atomic.Int32
	cancel context.CancelFunc
}

func (m *cancelAfter) Upscale(ctx context.Context, img *data.Image, o cascade.Options, p cascade.Progress) (*data.Image, error) {
	if m.calls.Add(1) == m.n {
		m.cancel()
		return nil, ctx.Err()
	}
	return m.nearestRGB.Upscale(ctx, img, o, p)
}

// pipelineJobs writes n small images (plus a broken one when broken) and
// returns their jobs.
func pipelineJobs(t *testing.T, n int, broken bool) []job {
	dir := t.TempDir()
	var jobs []job
	for i := range n {
		in := filepath.Join(dir, "in", string(rune('a'+i))+".png")
		writePNG(t, in, photo(8, 6, i))
		jobs = append(jobs, job{in: in, out: filepath.Join(dir, "out", "sub", string(rune('a'+i))+".png")})
	}
	if broken {
		in := filepath.Join(dir, "in", "broken.png")
		os.WriteFile(in, []byte("\x89PNG\r\n\x1a\n"), 0o644)
		jobs = append(jobs, job{in: in, out: filepath.Join(dir, "out", "broken.png")})
	}
	return jobs
}

func TestPipeline(t *testing.T) {
	jobs := pipelineJobs(t, 5, true)
	p := &pipeline{up: libUpscaler(t, nearestRGB{gain: [3]float32{1, 1, 1}}, 2),
		enc: data.EncodeOptions{Format: "png"}, jobs: 2, rep: newProgress(&env{stderr: io.Discard}, false)}
	results := p.run(context.Background(), jobs)
	if len(results) != len(jobs) {
		t.Fatalf("%d results for %d jobs", len(results), len(jobs))
	}
	for i, r := range results {
		if r.job != jobs[i] {
			t.Errorf("result %d is for %s, want %s (results in job order)", i, r.in, jobs[i].in)
		}
		wantStatus := statusDone
		if i == len(jobs)-1 {
			wantStatus = statusFailed
		}
		if r.status != wantStatus {
			t.Errorf("%s: status %d (%v), want %d", r.in, r.status, r.err, wantStatus)
			continue
		}
		if r.status == statusDone {
			if r.inW != 8 || r.inH != 6 {
				t.Errorf("%s: input size %dx%d, want 8x6", r.in, r.inW, r.inH)
			}
			assertSize(t, r.out, 16, 12)
		}
	}
}

// TestPipelineCancel cancels the run while the model works on the third
// image: the first two are written, nothing after, and the rest come back
// cancelled rather than failed.
func TestPipelineCancel(t *testing.T) {
	jobs := pipelineJobs(t, 6, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := &cancelAfter{nearestRGB: nearestRGB{gain: [3]float32{1, 1, 1}}, n: 3, cancel: cancel}
	p := &pipeline{up: libUpscaler(t, up, 2), enc: data.EncodeOptions{Format: "png"}, jobs: 1,
		rep: newProgress(&env{stderr: io.Discard}, false)}
	results := p.run(ctx, jobs)
	for i, r := range results {
		_, statErr := os.Stat(r.out)
		switch {
		case i < 2 && (r.status != statusDone || statErr != nil):
			t.Errorf("%s: status %d, output %v; want done and written", r.in, r.status, statErr)
		case i >= 2 && (r.status != statusCanceled || statErr == nil):
			t.Errorf("%s: status %d, output exists %v; want cancelled, not written", r.in, r.status, statErr == nil)
		}
	}
	if c := up.calls.Load(); c != 3 {
		t.Errorf("model called %d times, want 3 (no new image after the cancel)", c)
	}
}

// libUpscaler wraps a test double as the library's Upscaler the
// pipeline runs, at scale.
func libUpscaler(t *testing.T, up cascade.Upscaler, scale int) *srcascade.Upscaler {
	t.Helper()
	u, err := srcascade.New(up, srcascade.Options{Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
