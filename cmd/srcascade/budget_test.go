package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/internal/membudget"
)

// slowRGB is nearestRGB taking a while per image, so that images queue up
// behind the model step when the budget lets them.
type slowRGB struct{ nearestRGB }

func (m slowRGB) Upscale(ctx context.Context, img *data.Image, o cascade.Options, p cascade.Progress) (*data.Image, error) {
	time.Sleep(30 * time.Millisecond)
	return m.nearestRGB.Upscale(ctx, img, o, p)
}

// TestPipelineMemoryBudget is issue 12's item 12: with -j 4, a budget that
// holds one image's worth lets only one in flight at a time, a roomy one
// lets several; every image is done either way.
func TestPipelineMemoryBudget(t *testing.T) {
	one := cascade.UpscaleMemory(8, 6, 2)
	for _, c := range []struct {
		budget   int64
		wantPeak func(int) bool
		want     string
	}{
		{one + one/2, func(p int) bool { return p == 1 }, "1"},
		{100 * one, func(p int) bool { return p >= 2 }, "at least 2"},
	} {
		jobs := pipelineJobs(t, 6, false)
		b := membudget.New(c.budget)
		p := &pipeline{up: libUpscaler(t, slowRGB{nearestRGB{gain: [3]float32{1, 1, 1}}}, 2),
			enc: data.EncodeOptions{Format: "png"}, jobs: 4, budget: b, rep: newProgress(&env{stderr: io.Discard}, false)}
		for _, r := range p.run(context.Background(), jobs) {
			if r.status != statusDone {
				t.Fatalf("budget %d: %s: status %d (%v)", c.budget, r.in, r.status, r.err)
			}
		}
		if !c.wantPeak(b.Peak()) {
			t.Errorf("budget %d (one image %d): %d images in flight at most, want %s", c.budget, one, b.Peak(), c.want)
		}
	}
}

// TestPipelineOversizedImageRunsAlone: an image above the whole budget
// still runs, alone, and the log says so.
func TestPipelineOversizedImageRunsAlone(t *testing.T) {
	jobs := pipelineJobs(t, 3, false)
	var log bytes.Buffer
	b := membudget.New(10)
	p := &pipeline{up: libUpscaler(t, nearestRGB{gain: [3]float32{1, 1, 1}}, 2),
		enc: data.EncodeOptions{Format: "png"}, jobs: 3, budget: b, rep: newProgress(&env{stderr: &log}, false)}
	for _, r := range p.run(context.Background(), jobs) {
		if r.status != statusDone {
			t.Fatalf("%s: status %d (%v)", r.in, r.status, r.err)
		}
	}
	if b.Peak() != 1 {
		t.Errorf("%d oversized images in flight at once, want 1", b.Peak())
	}
	if n := strings.Count(log.String(), "runs alone"); n != 3 {
		t.Errorf("%d 'runs alone' notes, want 3:\n%s", n, log.String())
	}
}

// TestUpscaleMemoryFlag runs the binary: --memory is parsed (bad sizes are
// usage errors) and an image above it is upscaled alone with a note.
func TestUpscaleMemoryFlag(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		writePNG(t, filepath.Join(dir, "in", string(rune('a'+i))+".png"), photo(16, 12, i))
	}
	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-j", "2", "--memory", "1K", "-o", "out", "in")
	r.expectCode(t, 0)
	if n := strings.Count(r.stderr, "runs alone"); n != 2 {
		t.Errorf("%d 'runs alone' notes, want 2:\n%s", n, r.stderr)
	}
	assertSize(t, filepath.Join(dir, "out", "a.png"), 32, 24)
	for _, bad := range []string{"lots", "0", "-5G", "1e30"} {
		r := runCLI(t, dir, "upscale", "-m", "bicubic", "--memory", bad, "-o", "out2", "in")
		r.expectCode(t, 2)
		if !strings.Contains(r.stderr, "--memory") {
			t.Errorf("--memory %s: %s", bad, r.stderr)
		}
	}
}
