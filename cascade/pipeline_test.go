package cascade

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// fakeStage is an Upscaler that records the options and image channels of
// each call, reports units progress steps, and resizes with bicubic.
type fakeStage struct {
	name   string
	scales []int
	units  int
	fail   error

	got      []Options
	channels []int
}

func (f *fakeStage) Name() string  { return f.name }
func (f *fakeStage) Scales() []int { return f.scales }

func (f *fakeStage) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	f.got = append(f.got, opts)
	f.channels = append(f.channels, img.C)
	if f.fail != nil {
		return nil, f.fail
	}
	if img.C != 3 {
		return nil, fmt.Errorf("%s takes RGB, got %d channels", f.name, img.C)
	}
	for d := range f.units + 1 {
		if progress != nil {
			progress(d, f.units)
		}
	}
	return data.Resize(img, img.W*opts.Scale, img.H*opts.Scale), nil
}

func newPipeline(t *testing.T, stages ...Upscaler) *Pipeline {
	t.Helper()
	p, err := NewPipeline(stages...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pointwiseStage is a tiny SR3 stage of scale whose noise predictor is
// pointwise: fast, and its output depends on the seed.
func pointwiseStage(t *testing.T, name string, scale int) *SR3Stage {
	t.Helper()
	s, err := NewSR3Stage(name, tinyModel(t, tinyConfig(scale)))
	if err != nil {
		t.Fatal(err)
	}
	s.eps = pointwiseEps
	return s
}

// TestPipelineMatchesStagesByHand checks that a pipeline gives what its
// stages give when run by hand, each on the previous output with its
// StageSeed and Generated after the first, and that the stages' seeds
// differ.
func TestPipelineMatchesStagesByHand(t *testing.T) {
	ctx := context.Background()
	a := pointwiseStage(t, "a", 2)
	b := pointwiseStage(t, "b", 2)
	img := smoothImage(12, 10)
	opts := Options{Scale: 4, Seed: 7, Steps: 2, Sampler: "ddpm"}

	for _, second := range []Upscaler{b, Bicubic{}} {
		p := newPipeline(t, a, second)
		if want := "a+" + second.Name(); p.Name() != want {
			t.Errorf("Name() = %q, want %q", p.Name(), want)
		}
		got, err := p.Upscale(ctx, img, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		o1 := opts
		o1.Scale, o1.Seed = 2, StageSeed(7, 0)
		mid, err := a.Upscale(ctx, img, o1, nil)
		if err != nil {
			t.Fatal(err)
		}
		o2 := opts
		o2.Scale, o2.Seed, o2.Generated = 2, StageSeed(7, 1), true
		want, err := second.Upscale(ctx, mid, o2, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.W != 48 || got.H != 40 || got.C != 3 {
			t.Fatalf("%s x4 of 12x10 gave %s", p.Name(), got)
		}
		if d := maxDiff(got.Pix, want.Pix); d != 0 {
			t.Errorf("%s differs from its stages run by hand by %g", p.Name(), d)
		}
	}

	if StageSeed(7, 0) != 7 || StageSeed(7, 1) == 7 || StageSeed(7, 1) == StageSeed(7, 2) || StageSeed(7, 1) == StageSeed(8, 1) {
		t.Errorf("StageSeed(7, 0..2) = %d, %d, %d, StageSeed(8, 1) = %d: want the seed itself, then distinct",
			StageSeed(7, 0), StageSeed(7, 1), StageSeed(7, 2), StageSeed(8, 1))
	}
	// The derived seed matters: the second stage on the caller's seed
	// gives another image.
	mid, _ := a.Upscale(ctx, img, Options{Scale: 2, Seed: 7, Steps: 2, Sampler: "ddpm"}, nil)
	same, _ := b.Upscale(ctx, mid, Options{Scale: 2, Seed: 7, Steps: 2, Sampler: "ddpm", Generated: true}, nil)
	got, _ := newPipeline(t, a, b).Upscale(ctx, img, opts, nil)
	if maxDiff(got.Pix, same.Pix) == 0 {
		t.Error("the second stage ran on the caller's seed, want a derived one")
	}
}

// TestPipelineOptions checks what each stage is given: its own scale, the
// derived seed, Generated after the first stage, the rest passed through.
func TestPipelineOptions(t *testing.T) {
	f1 := &fakeStage{name: "one", scales: []int{4, 2}}
	f2 := &fakeStage{name: "two", scales: []int{2, 4}}
	p := newPipeline(t, f1, f2)
	level := 0.05
	opts := Options{Scale: 16, Seed: 3, Steps: 5, Sampler: "ddim", Eta: 0.5, Strength: 0.7, Tile: 32, CondNoise: &level}
	out, err := p.Upscale(context.Background(), smoothImage(3, 2), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.W != 48 || out.H != 32 {
		t.Errorf("x16 of 3x2 gave %dx%d", out.W, out.H)
	}
	if len(f1.got) != 1 || len(f2.got) != 1 {
		t.Fatalf("stages called %d and %d times, want once each", len(f1.got), len(f2.got))
	}
	for i, tt := range []struct {
		got   Options
		scale int
		gen   bool
	}{{f1.got[0], 4, false}, {f2.got[0], 4, true}} {
		want := opts
		want.Scale, want.Seed, want.Generated = tt.scale, StageSeed(3, i), tt.gen
		if tt.got.CondNoise != &level {
			t.Errorf("stage %d: CondNoise %v, want the caller's pointer", i+1, tt.got.CondNoise)
		}
		if tt.got != want {
			t.Errorf("stage %d got %+v, want %+v", i+1, tt.got, want)
		}
	}

	// A generated input stays generated for the first stage too.
	opts = Options{Scale: 4, Seed: 3, Generated: true}
	if _, err := p.Upscale(context.Background(), smoothImage(3, 2), opts, nil); err != nil {
		t.Fatal(err)
	}
	if !f1.got[1].Generated || !f2.got[1].Generated || f1.got[1].Scale != 2 || f2.got[1].Scale != 2 {
		t.Errorf("x4 of a generated input: stages got %+v and %+v, want x2 each, both generated", f1.got[1], f2.got[1])
	}
}

func TestPipelineProgress(t *testing.T) {
	f1 := &fakeStage{name: "one", scales: []int{2}, units: 3}
	f2 := &fakeStage{name: "two", scales: []int{2}, units: 7}
	for _, stages := range [][]Upscaler{{f1, f2}, {f1, Bicubic{}, f2}, {Bicubic{}, Bicubic{}}} {
		p := newPipeline(t, stages...)
		var reports [][2]int
		scale := 1 << len(stages)
		if _, err := p.Upscale(context.Background(), smoothImage(5, 4), Options{Scale: scale}, func(done, total int) {
			reports = append(reports, [2]int{done, total})
		}); err != nil {
			t.Fatal(err)
		}
		if len(reports) < len(stages) {
			t.Fatalf("%s: %d progress reports, want at least one per stage", p.Name(), len(reports))
		}
		total := 0
		for i, s := 0, 1; i < len(stages); i++ {
			s *= 2
			total += 5 * s * 4 * s
		}
		for i, r := range reports {
			if r[1] != total {
				t.Fatalf("%s: report %d = %v, want total %d (output pixels of all stages)", p.Name(), i, r, total)
			}
			if r[0] < 0 || r[0] > r[1] || (i > 0 && r[0] < reports[i-1][0]) {
				t.Fatalf("%s: reports %v are not monotonic within [0, total]", p.Name(), reports)
			}
		}
		if last := reports[len(reports)-1]; last[0] != last[1] {
			t.Errorf("%s: last report %v, want done = total", p.Name(), last)
		}
	}
	// Stage one's 3 units take 5*4*4 = 80 of 80 + 320 pixels.
	var reports []int
	newPipeline(t, f1, f2).Upscale(context.Background(), smoothImage(5, 4), Options{Scale: 4}, func(done, _ int) {
		reports = append(reports, done)
	})
	if !slices.Contains(reports, 80*2/3) || !slices.Contains(reports, 80+320*3/7) {
		t.Errorf("reports %v: want stage one's 2/3 at %d and stage two's 3/7 at %d", reports, 80*2/3, 80+320*3/7)
	}
}

func TestPipelineScales(t *testing.T) {
	p := newPipeline(t, Bicubic{}, Bicubic{})
	want := []int{4, 6, 8, 9, 12, 16, 24, 32, 64}
	if got := p.Scales(); !slices.Equal(got, want) {
		t.Errorf("bicubic+bicubic Scales() = %v, want %v", got, want)
	}
	if got := ChainScales([]int{4}, []int{2, 4, 8}); !slices.Equal(got, []int{8, 16, 32}) {
		t.Errorf("ChainScales({4}, {2,4,8}) = %v", got)
	}
	for _, tt := range []struct {
		scale  int
		scales [][]int
		want   []int
	}{
		{8, [][]int{{2, 3, 4, 8}, {2, 3, 4, 8}}, []int{2, 4}},
		{4, [][]int{{2, 3, 4, 8}, {2, 3, 4, 8}}, []int{2, 2}},
		{8, [][]int{{4}, {2, 4, 8}}, []int{4, 2}},
		{6, [][]int{{2, 3}, {2, 3}}, []int{2, 3}},
		{2, [][]int{{2}}, []int{2}},
		{5, [][]int{{2, 3, 4, 8}, {2, 3, 4, 8}}, nil},
		{2, [][]int{{2}, {2}}, nil},
	} {
		got, ok := SplitScale(tt.scale, tt.scales...)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("SplitScale(%d, %v) = %v, %v; want %v", tt.scale, tt.scales, got, ok, tt.want)
		}
	}

	_, err := p.Upscale(context.Background(), smoothImage(4, 4), Options{Scale: 2}, nil)
	if err == nil || !strings.Contains(err.Error(), "bicubic+bicubic") || !strings.Contains(err.Error(), "x4") || !strings.Contains(err.Error(), "x2") {
		t.Errorf("x2 on bicubic+bicubic: error %v, want one naming the pipeline, its scales and x2", err)
	}
	if _, err := NewPipeline(); err == nil {
		t.Error("NewPipeline() without stages: no error")
	}
	if _, err := NewPipeline(Bicubic{}, nil); err == nil {
		t.Error("NewPipeline with a nil stage: no error")
	}
}

// TestPipelineGreyAndErrors checks that a grey image goes grey through
// stages that take grey, becomes RGB before one that does not, and comes
// back grey; and that a stage's error names the pipeline and the stage.
func TestPipelineGreyAndErrors(t *testing.T) {
	rgbOnly := &fakeStage{name: "rgb", scales: []int{2}}
	p := newPipeline(t, Bicubic{}, rgbOnly)
	if !p.AcceptsGrey() {
		t.Error("a pipeline should accept grey")
	}
	grey := data.RGBToGrey(smoothImage(6, 5))
	out, err := p.Upscale(context.Background(), grey, Options{Scale: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.C != 1 || out.W != 24 || out.H != 20 {
		t.Errorf("grey x4 gave %s, want 24x20 grey", out)
	}
	if !slices.Equal(rgbOnly.channels, []int{3}) {
		t.Errorf("the RGB-only stage got channels %v, want [3]", rgbOnly.channels)
	}
	// Bicubic of the grey image, then the fake's bicubic of three equal
	// channels, averaged back: bicubic of bicubic.
	want := data.Resize(data.Resize(grey, 12, 10), 24, 20)
	if d := maxDiff(out.Pix, want.Pix); d > 1e-5 {
		t.Errorf("grey through the pipeline differs from bicubic twice by %g", d)
	}

	boom := errors.New("boom")
	p = newPipeline(t, Bicubic{}, &fakeStage{name: "bad", scales: []int{2}, fail: boom})
	_, err = p.Upscale(context.Background(), smoothImage(4, 4), Options{Scale: 4}, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "bicubic+bad") || !strings.Contains(err.Error(), "stage 2 (bad") {
		t.Errorf("failing stage: error %v, want boom naming the pipeline and stage 2 (bad)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Upscale(ctx, smoothImage(4, 4), Options{Scale: 4}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error %v, want context.Canceled", err)
	}
}
