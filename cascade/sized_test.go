package cascade

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// scaleRecorder is an Upscaler of fixed scales that records the scale it
// was run at (bicubic underneath).
type scaleRecorder struct {
	scales []int
	ran    []int
}

func (s *scaleRecorder) Name() string  { return "rec" }
func (s *scaleRecorder) Scales() []int { return s.scales }
func (s *scaleRecorder) Upscale(ctx context.Context, img *data.Image, opts Options, p Progress) (*data.Image, error) {
	s.ran = append(s.ran, opts.Scale)
	return Bicubic{}.Upscale(ctx, img, opts, p)
}

func TestTargetSize(t *testing.T) {
	for _, tc := range []struct {
		t          Target
		w, h       int
		wantW, wan int
	}{
		{Target{Factor: 3.5}, 20, 15, 70, 53},
		{Target{Factor: 1}, 20, 15, 20, 15},
		{Target{Width: 50}, 20, 15, 50, 38},
		{Target{Height: 30}, 20, 15, 40, 30},
		{Target{Width: 33, Height: 90}, 20, 15, 33, 90},
	} {
		w, h, err := tc.t.Size(tc.w, tc.h, 0)
		if err != nil || w != tc.wantW || h != tc.wan {
			t.Errorf("%s of %dx%d = %dx%d, %v; want %dx%d", tc.t, tc.w, tc.h, w, h, err, tc.wantW, tc.wan)
		}
	}
	for _, bad := range []Target{{Factor: 0.9}, {Factor: math.NaN()}, {Factor: math.Inf(1)}, {Factor: 1e9},
		{Width: -1}, {Width: MaxTargetSide + 1}, {Factor: 2, Width: 10}, {}} {
		if _, _, err := bad.Size(20, 15, 0); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, _, err := (Target{Width: 10}).Size(20, 15, 0); err == nil || !strings.Contains(err.Error(), "smaller") {
		t.Errorf("a smaller size: %v", err)
	}
	if _, _, err := (Target{Width: 100000, Height: 100000}).Size(20, 15, 300e6); err == nil {
		t.Error("10 GP accepted under a 300 MP bound")
	}
}

func TestSizedRunsSmallestCoveringScale(t *testing.T) {
	x2 := &scaleRecorder{scales: []int{2}}
	x4 := &scaleRecorder{scales: []int{4}}
	img := data.NewImage(10, 8, 3)
	for _, tc := range []struct {
		t        Target
		run      int
		outW, oh int
	}{
		{Target{Factor: 1.5}, 2, 15, 12},
		{Target{Factor: 2}, 2, 20, 16},
		{Target{Factor: 3.5}, 4, 35, 28},
		{Target{Width: 40, Height: 9}, 4, 40, 9},
	} {
		s, err := NewSized(tc.t, x2, x4)
		if err != nil {
			t.Fatal(err)
		}
		x2.ran, x4.ran = nil, nil
		out, err := s.Upscale(context.Background(), img, Options{}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.t, err)
		}
		ran := append(x2.ran, x4.ran...)
		if len(ran) != 1 || ran[0] != tc.run || out.W != tc.outW || out.H != tc.oh {
			t.Errorf("%s: ran %v, gave %dx%d; want x%d, %dx%d", tc.t, ran, out.W, out.H, tc.run, tc.outW, tc.oh)
		}
	}
	s, _ := NewSized(Target{Factor: 5}, x2, x4)
	if _, err := s.Upscale(context.Background(), img, Options{}, nil); err == nil || !strings.Contains(err.Error(), "never stretched") {
		t.Errorf("x5 from x2/x4 models: %v", err)
	}
}

func TestSizedByScale(t *testing.T) {
	x2 := &scaleRecorder{scales: []int{2, 4, 8}} // chains itself, as sr3-x2 does
	x4 := &scaleRecorder{scales: []int{4}}
	s, err := NewSizedByScale(Target{Factor: 3}, map[int]Upscaler{2: x2, 4: x4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upscale(context.Background(), data.NewImage(5, 4, 3), Options{}, nil); err != nil {
		t.Fatal(err)
	}
	if len(x2.ran) != 0 || len(x4.ran) != 1 || x4.ran[0] != 4 {
		t.Errorf("x3 ran x2 model %v, x4 model %v; want the x4 model at x4", x2.ran, x4.ran)
	}
	if _, err := NewSizedByScale(Target{Factor: 3}, map[int]Upscaler{3: x4}); err == nil {
		t.Error("a model registered at a scale it lacks was accepted")
	}
}

// TestSizedUpscaleDecoded: UpscaleDecoded (what the CLI runs for each
// file) checks a Sized's output against the Target size, not against
// opts.Scale times the input, and enlarges the alpha to the same size.
func TestSizedUpscaleDecoded(t *testing.T) {
	x4 := &scaleRecorder{scales: []int{4}}
	d := &data.Decoded{Image: data.NewImage(10, 8, 3), Alpha: data.NewImage(10, 8, 1), Depth: 8, Format: "png"}
	for _, tc := range []struct {
		t     Target
		scale int // opts.Scale, which Sized ignores
		w, h  int
	}{
		{Target{Factor: 3.5}, 4, 35, 28},
		{Target{Width: 25}, 0, 25, 20},
		{Target{Width: 40, Height: 32}, 2, 40, 32},
	} {
		s, err := NewSized(tc.t, x4)
		if err != nil {
			t.Fatal(err)
		}
		out, err := UpscaleDecoded(context.Background(), s, d, Options{Scale: tc.scale}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.t, err)
		}
		if out.Image.W != tc.w || out.Image.H != tc.h || out.Alpha == nil || out.Alpha.W != tc.w || out.Alpha.H != tc.h {
			t.Errorf("%s: %dx%d (alpha %v), want %dx%d with alpha of that size", tc.t, out.Image.W, out.Image.H, out.Alpha != nil, tc.w, tc.h)
		}
	}
	s, _ := NewSized(Target{Factor: 5}, x4)
	if _, err := UpscaleDecoded(context.Background(), s, d, Options{Scale: 4}, nil); err == nil || !strings.Contains(err.Error(), "never stretched") {
		t.Errorf("x5 from a x4 model: %v, want Sized's refusal", err)
	}
}

// TestUpscalerMemorySized: the --memory estimate of a Sized image counts
// its Target size and, when a resize follows, the model's result at the
// scale it runs, whatever opts.Scale says.
func TestUpscalerMemorySized(t *testing.T) {
	x4 := &scaleRecorder{scales: []int{4}}
	s, err := NewSized(Target{Factor: 3.5}, x4)
	if err != nil {
		t.Fatal(err)
	}
	in := int64(100 * 50)
	if got, want := UpscalerMemory(s, 100, 50, 4), 16*350*175+16*in+12*in*16; got != want {
		t.Errorf("x3.5 run at x4: %d bytes, want %d (the 350x175 output plus the float32 400x200 result)", got, want)
	}
	exact, _ := NewSized(Target{Width: 400}, x4)
	if got, want := UpscalerMemory(exact, 100, 50, 2), UpscaleMemory(100, 50, 4); got != want {
		t.Errorf("width 400 of 100 px (exactly x4): %d bytes, want %d", got, want)
	}
}
