package cascade

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// tinyBaseConfig is a small class-conditional base network (8x8 samples,
// two levels, 8 channels) that samples in milliseconds.
func tinyBaseConfig(classes int) sr3.Config {
	c := sr3.DefaultBaseConfig(8, classes)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.ResBlocks = 1
	c.AttnLevels = []int{1}
	c.GroupNormGroups = 4
	c.Dropout = 0
	c.Steps = 2
	return c
}

// recordingUpscaler is a bicubic Upscaler that records the images and
// options it was called with.
type recordingUpscaler struct {
	Bicubic
	inputs []*data.Image
	opts   []Options
}

func (r *recordingUpscaler) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	r.inputs = append(r.inputs, img.Clone())
	r.opts = append(r.opts, opts)
	return r.Bicubic.Upscale(ctx, img, opts, progress)
}

func generate(t *testing.T, g *Generator, n int, labels []int32, opts GenerateOptions) (base, final []*data.Image) {
	t.Helper()
	base, final, err := g.Generate(context.Background(), n, labels, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(base) != n || len(final) != n {
		t.Fatalf("%d base and %d final images, want %d", len(base), len(final), n)
	}
	return base, final
}

func TestGeneratorSizes(t *testing.T) {
	m := tinyModel(t, tinyBaseConfig(3))
	for _, tc := range []struct {
		up          Upscaler
		scale, want int
	}{
		{nil, 0, 8},
		{Bicubic{}, 0, 16}, // the smallest scale
		{Bicubic{}, 4, 32},
		{mustPipeline(t, Bicubic{}, Bicubic{}), 0, 32},
		{mustPipeline(t, Bicubic{}, Bicubic{}), 8, 64},
	} {
		g := &Generator{Base: m, Upscaler: tc.up, Size: 8}
		opts := GenerateOptions{Seed: 1, SR: Options{Scale: tc.scale}}
		base, final := generate(t, g, 3, []int32{0, 1, 2}, opts)
		for i := range base {
			if b := base[i]; b.W != 8 || b.H != 8 || b.C != 3 {
				t.Errorf("up %v: base %d is %s, want 8x8x3", tc.up, i, b)
			}
			if f := final[i]; f.W != tc.want || f.H != tc.want || f.C != 3 {
				t.Errorf("up %v x%d: final %d is %s, want %dx%dx3", tc.up, tc.scale, i, f, tc.want, tc.want)
			}
			for _, v := range base[i].Pix {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("base %d has value %g outside [-1, 1]", i, v)
				}
			}
		}
		if tc.up == nil && &final[0] != &base[0] {
			t.Error("without an upscaler the final images should be the base samples")
		}
		if got := g.Scale(opts); tc.up != nil && got*8 != tc.want {
			t.Errorf("Scale = %d, want %d", got, tc.want/8)
		}
	}
}

func mustPipeline(t *testing.T, stages ...Upscaler) *Pipeline {
	t.Helper()
	p, err := NewPipeline(stages...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGeneratorDeterministic(t *testing.T) {
	m := tinyModel(t, tinyBaseConfig(3))
	g := &Generator{Base: m, Upscaler: Bicubic{}, Size: 8}
	labels := []int32{0, 1, 2, 0}
	opts := GenerateOptions{Seed: 7}
	base1, final1 := generate(t, g, 4, labels, opts)
	base2, final2 := generate(t, g, 4, labels, opts)
	for i := range base1 {
		if !slices.Equal(base1[i].Pix, base2[i].Pix) || !slices.Equal(final1[i].Pix, final2[i].Pix) {
			t.Fatalf("image %d differs between two runs with the same seed", i)
		}
	}
	// A sample does not depend on n nor on the batches.
	one, _ := generate(t, g, 1, labels[:1], opts)
	if d := maxDiff(one[0].Pix, base1[0].Pix); d > 1e-4 {
		t.Errorf("sample 0 alone differs from sample 0 of 4 by %g", d)
	}
	gb := &Generator{Base: m, Size: 8, Batch: 3}
	batched, _ := generate(t, gb, 4, labels, opts)
	for i := range batched {
		if d := maxDiff(batched[i].Pix, base1[i].Pix); d > 1e-4 {
			t.Errorf("sample %d in batches of 3 differs by %g", i, d)
		}
	}
	// Another seed, other images; samples of one run differ.
	other, _ := generate(t, g, 4, labels, GenerateOptions{Seed: 8})
	if d := maxDiff(other[0].Pix, base1[0].Pix); d < 1e-3 {
		t.Errorf("seeds 7 and 8 give the same sample 0 (max diff %g)", d)
	}
	if d := maxDiff(base1[0].Pix, base1[3].Pix); d < 1e-3 {
		t.Errorf("samples 0 and 3 (same label) are the same (max diff %g)", d)
	}
}

func TestGeneratorLabels(t *testing.T) {
	m := tinyModel(t, tinyBaseConfig(3))
	g := &Generator{Base: m, Size: 8}
	opts := GenerateOptions{Seed: 3}
	a, _ := generate(t, g, 2, []int32{0, 1}, opts)
	b, _ := generate(t, g, 2, []int32{0, 2}, opts)
	if d := maxDiff(a[0].Pix, b[0].Pix); d > 1e-4 {
		t.Errorf("sample 0 (label 0 in both runs) differs by %g", d)
	}
	if d := maxDiff(a[1].Pix, b[1].Pix); d < 1e-3 {
		t.Errorf("sample 1 with labels 1 and 2 is the same (max diff %g): labels not honoured", d)
	}
	// The labels reach the model as given: the same as the model's own
	// Generate with the sample's noise.
	sc, err := g.SamplerConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Generate(context.Background(), 2, 8, 8, []int32{0, 1}, m.Config.Guidance, sc, sampleNoise{seed: 3, n: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if d := maxDiff(want[i].Pix, a[i].Pix); d != 0 {
			t.Errorf("sample %d differs from sr3's Generate by %g", i, d)
		}
	}
	// Guidance changes a labelled sample; without labels it does nothing.
	w0 := 0.0
	g0, _ := generate(t, g, 2, []int32{0, 1}, GenerateOptions{Seed: 3, Guidance: &w0})
	if d := maxDiff(g0[0].Pix, a[0].Pix); d < 1e-4 {
		t.Errorf("guidance 0 and the default %g give the same sample (max diff %g)", m.Config.Guidance, d)
	}
	u1, _ := generate(t, g, 1, nil, opts)
	u0, _ := generate(t, g, 1, nil, GenerateOptions{Seed: 3, Guidance: &w0})
	if d := maxDiff(u1[0].Pix, u0[0].Pix); d > 1e-5 {
		t.Errorf("unlabelled sample changes with guidance by %g", d)
	}
}

func TestGeneratorUpscalerOptions(t *testing.T) {
	m := tinyModel(t, tinyBaseConfig(2))
	rec := &recordingUpscaler{}
	g := &Generator{Base: m, Upscaler: rec, Size: 8}
	level := 0.25
	opts := GenerateOptions{Seed: 11, SR: Options{Scale: 4, Steps: 3, Sampler: "ddpm", CondNoise: &level, Seed: 99}}
	var reports [][2]int
	base, final, err := g.Generate(context.Background(), 3, []int32{0, 1, 0}, opts, func(d, t int) { reports = append(reports, [2]int{d, t}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.opts) != 3 {
		t.Fatalf("upscaler called %d times, want 3", len(rec.opts))
	}
	seeds := map[int64]bool{}
	for i, o := range rec.opts {
		want := opts.SR
		want.Seed, want.Generated = SampleSeed(11, i), true
		if o.Scale != 4 || o.Seed != want.Seed || !o.Generated || o.Steps != 3 || o.Sampler != "ddpm" || o.CondNoise == nil || *o.CondNoise != level {
			t.Errorf("upscale %d got options %+v, want %+v", i, o, want)
		}
		seeds[o.Seed] = true
		if !slices.Equal(rec.inputs[i].Pix, base[i].Pix) {
			t.Errorf("upscale %d got another image than base sample %d", i, i)
		}
		if final[i].W != 32 {
			t.Errorf("final %d is %s", i, final[i])
		}
	}
	if len(seeds) != 3 {
		t.Errorf("samples share SR seeds: %v", seeds)
	}
	if len(reports) == 0 || reports[len(reports)-1] != [2]int{6000, 6000} {
		t.Fatalf("progress %v should end at 6000/6000", reports)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i][0] < reports[i-1][0] || reports[i][1] != 6000 {
			t.Fatalf("progress goes back or changes total: %v", reports)
		}
	}
	if !slices.ContainsFunc(reports, func(r [2]int) bool { return r[0] == 3000 }) {
		t.Errorf("progress %v has no report at the end of the base phase (3000)", reports)
	}
}

// TestGeneratorSR3StageGenerated checks that an SR3 stage after a base
// model takes its automatic conditioning level for generated inputs.
func TestGeneratorSR3StageGenerated(t *testing.T) {
	cfg := tinyConfig(2)
	cfg.CondAug, cfg.CondNoise = true, 0.2
	stage := tinyStage(t, cfg)
	var levels []float64
	eps := stage.eps
	stage.eps = func(cond []float32, n, h, w int, condLevel float64) (sr3.EpsFunc, error) {
		levels = append(levels, condLevel)
		return eps(cond, n, h, w, condLevel)
	}
	g := &Generator{Base: tinyModel(t, tinyBaseConfig(0)), Upscaler: stage, Size: 8}
	_, final := generate(t, g, 2, nil, GenerateOptions{Seed: 1})
	if final[0].W != 16 {
		t.Errorf("final is %s, want 16x16", final[0])
	}
	if len(levels) == 0 || slices.ContainsFunc(levels, func(l float64) bool { return l != 0.2 }) {
		t.Errorf("conditioning levels %v, want the model's 0.2 for generated inputs", levels)
	}
	zero := 0.0
	levels = nil
	generate(t, g, 1, nil, GenerateOptions{Seed: 1, SR: Options{CondNoise: &zero}})
	if len(levels) == 0 || slices.ContainsFunc(levels, func(l float64) bool { return l != 0 }) {
		t.Errorf("conditioning levels %v with an explicit 0, want 0", levels)
	}
}

func TestGeneratorErrors(t *testing.T) {
	base := tinyModel(t, tinyBaseConfig(2))
	uncond := tinyModel(t, tinyBaseConfig(0))
	sr := tinyModel(t, tinyConfig(2))
	plain := tinyStage(t, tinyConfig(2)) // trained without conditioning augmentation
	w := 1.0
	level := 0.1
	tests := []struct {
		name   string
		g      *Generator
		n      int
		labels []int32
		opts   GenerateOptions
		want   string
	}{
		{"no model", &Generator{}, 1, nil, GenerateOptions{}, "without a base model"},
		{"SR model", &Generator{Base: sr, Size: 8}, 1, nil, GenerateOptions{}, "needs a base model"},
		{"n 0", &Generator{Base: base, Size: 8}, 0, nil, GenerateOptions{}, "0 images"},
		{"labels", &Generator{Base: base, Size: 8}, 2, []int32{0}, GenerateOptions{}, "1 labels for 2 images"},
		{"label range", &Generator{Base: base, Size: 8}, 1, []int32{3}, GenerateOptions{}, "label[0] = 3"},
		{"size", &Generator{Base: base, Size: 9}, 1, nil, GenerateOptions{}, "size 9 is not a multiple of 2"},
		{"guidance", &Generator{Base: uncond, Size: 8}, 1, nil, GenerateOptions{Guidance: &w}, "guidance 1"},
		{"sampler", &Generator{Base: base, Size: 8}, 1, nil, GenerateOptions{Sampler: "euler"}, "euler"},
		{"scale", &Generator{Base: base, Upscaler: Bicubic{}, Size: 8}, 1, nil, GenerateOptions{SR: Options{Scale: 5}}, "not x5"},
		{"cond noise", &Generator{Base: base, Upscaler: mustPipeline(t, Bicubic{}, plain), Size: 8}, 1, nil,
			GenerateOptions{SR: Options{CondNoise: &level}}, "conditioning noise 0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.g.Generate(context.Background(), tc.n, tc.labels, tc.opts, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := (&Generator{Base: base, Size: 8}).Generate(ctx, 1, nil, GenerateOptions{}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v, want context.Canceled", err)
	}
}
