package srcascade

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// TestOptionsZeroIsCLIDefault: the zero Options run what `srcascade
// upscale` runs without flags: x4, the default model, seed 1 (a zero
// cascade.Options has seed 0, which gave other pixels than the CLI).
func TestOptionsZeroIsCLIDefault(t *testing.T) {
	c := Options{}.Cascade()
	if c.Scale != 4 || c.Seed != 1 || c.Steps != 0 || c.Strength != 0 || c.CondNoise != nil {
		t.Errorf("Options{}.Cascade() = %+v, want scale 4, seed 1, the rest the model's defaults", c)
	}
	if r := (Options{Scale: 2}).Resolved(); r.Model != "sr3-x4-real" || r.Seed != DefaultSeed {
		t.Errorf("Options{Scale: 2}.Resolved() = %+v, want model sr3-x4-real, seed %d", r, DefaultSeed)
	}
	if r := (Options{Seed: 7}).Resolved(); r.Seed != 7 {
		t.Errorf("seed 7 resolved to %d", r.Seed)
	}
}

// gate is an upscaler that counts how many calls run at once and blocks
// each until release is closed (or its context ends).
type gate struct {
	running, peak atomic.Int32
	release       chan struct{}
}

func (g *gate) Name() string  { return "gate" }
func (g *gate) Scales() []int { return []int{2} }
func (g *gate) Upscale(ctx context.Context, img *data.Image, opts cascade.Options, _ cascade.Progress) (*data.Image, error) {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return cascade.Bicubic{}.Upscale(ctx, img, opts, nil)
}

func tiny() *data.Decoded {
	return &data.Decoded{Image: data.NewImage(4, 3, 3), Depth: 8, Format: "png"}
}

// TestUpscalerSerialises: concurrent calls on one Upscaler run one at a
// time, and a call waiting for the model returns when its context ends.
func TestUpscalerSerialises(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	u, err := New(g, Options{Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			out, err := u.Upscale(context.Background(), tiny(), nil)
			if err == nil && (out.Image.W != 8 || out.Image.H != 6) {
				err = errors.New("wrong size")
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond) // let them queue
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() {
		_, err := u.Upscale(ctx, tiny(), nil)
		waited <- err
	}()
	cancel()
	select {
	case err := <-waited:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiting call: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a call waiting for the model did not return when its context ended")
	}
	close(g.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p := g.peak.Load(); p != 1 {
		t.Errorf("%d calls ran in the model at once, want 1", p)
	}
}

// TestUpscaleKeepsAlphaAndGrey: the library call keeps a grey image grey
// at 16 bits and its alpha, with the metadata.
func TestUpscaleKeepsAlphaAndGrey(t *testing.T) {
	d := &data.Decoded{Image: data.NewImage(5, 4, 1), Alpha: data.NewImage(5, 4, 1), Depth: 16, Format: "png",
		ICC: []byte("profile"), EXIF: []byte("MM\x00*\x00\x00\x00\x08\x00\x00")}
	out, err := Upscale(context.Background(), d, Options{Model: "bicubic", Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	if out.Image.C != 1 || out.Image.W != 10 || out.Alpha == nil || out.Alpha.W != 10 || out.Depth != 16 ||
		string(out.ICC) != "profile" || len(out.EXIF) == 0 {
		t.Errorf("got %v alpha %v depth %d icc %q: want grey 10x8 with alpha, 16-bit, profile kept", out.Image, out.Alpha, out.Depth, out.ICC)
	}
}

// TestUpscaleRefusesHugeOutput: an output above MaxOutputPixels is refused
// before it is allocated.
func TestUpscaleRefusesHugeOutput(t *testing.T) {
	if err := CheckOutputSize("a.png", 4000, 3000, 4); err != nil {
		t.Errorf("4000x3000 x4 (192 MP): %v, want accepted", err)
	}
	err := CheckOutputSize("big.png", 8000, 8000, 8)
	if !errors.Is(err, ErrOutputTooLarge) || !contains(err.Error(), "big.png", "64000x64000") {
		t.Errorf("8000x8000 x8: error %v, want ErrOutputTooLarge naming the file and the output size", err)
	}
}

// TestUpscaleWithOtherModelRefused: an Upscaler runs its own model and
// scale; options asking for another are an error, not silently ignored.
func TestUpscaleWithOtherModelRefused(t *testing.T) {
	u, err := Open(Options{Model: "bicubic", Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.UpscaleWith(context.Background(), tiny(), Options{Scale: 4}, nil); err == nil {
		t.Error("x4 options on a x2 Upscaler: no error")
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
