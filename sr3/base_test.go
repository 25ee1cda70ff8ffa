package sr3

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/srcascade/srcascade/data"
)

// tinyBaseConfig is a small class-conditional base network for tests (8x8
// images, two levels).
func tinyBaseConfig(classes int) Config {
	c := DefaultBaseConfig(8, classes)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.ResBlocks = 1
	c.AttnLevels = []int{1}
	c.GroupNormGroups = 4
	c.Dropout = 0
	return c
}

// baseModel is a tiny base model with random weights.
func baseModel(t *testing.T, classes int) *Model {
	t.Helper()
	m, err := New(tinyBaseConfig(classes), goBackend(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	randomizeModel(t, m)
	return m
}

func TestDefaultBaseConfig(t *testing.T) {
	for _, tc := range []struct {
		size        int
		mults, attn []int
	}{
		{16, []int{1, 2, 2}, []int{1, 2}},
		{8, []int{1, 2}, []int{0, 1}},
		{32, []int{1, 2, 2, 2}, []int{2, 3}},
		{64, []int{1, 2, 2, 2}, []int{3}},
	} {
		for _, classes := range []int{0, 10} {
			c := DefaultBaseConfig(tc.size, classes)
			if err := c.Validate(); err != nil {
				t.Errorf("DefaultBaseConfig(%d, %d): %v", tc.size, classes, err)
			}
			if !slices.Equal(c.ChannelMults, tc.mults) || !slices.Equal(c.AttnLevels, tc.attn) {
				t.Errorf("DefaultBaseConfig(%d): mults %v attn %v, want %v %v", tc.size, c.ChannelMults, c.AttnLevels, tc.mults, tc.attn)
			}
			if tc.size%c.SizeMultiple() != 0 {
				t.Errorf("DefaultBaseConfig(%d): size multiple %d", tc.size, c.SizeMultiple())
			}
			if (c.Guidance > 0) != (classes > 0) {
				t.Errorf("DefaultBaseConfig(%d, %d): guidance %g", tc.size, classes, c.Guidance)
			}
			if c.Classes != classes || c.NoLabel() != int32(classes) {
				t.Errorf("DefaultBaseConfig(%d, %d): classes %d, no-label %d", tc.size, classes, c.Classes, c.NoLabel())
			}
		}
	}
}

func TestBaseConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want []string // substrings of the error; none = valid
	}{
		{"default", func(c *Config) {}, nil},
		{"unconditional", func(c *Config) { c.Classes, c.Guidance = 0, 0 }, nil},
		{"no guidance", func(c *Config) { c.Guidance = 0 }, nil},
		{"scale", func(c *Config) { c.Scale = 4 }, []string{"base", "scale"}},
		{"space_to_depth", func(c *Config) { c.Scale, c.SpaceToDepth = 2, true }, []string{"scale must be 1", "space_to_depth must be false"}},
		{"residual", func(c *Config) { c.Residual, c.ResidualScale = true, 4 }, []string{"residual must be false"}},
		{"cond_aug", func(c *Config) { c.CondAug, c.CondNoise = true, 0.1 }, []string{"cond_aug must be false"}},
		{"classes without base", func(c *Config) { c.Base = false }, []string{"classes 10 needs base"}},
		{"negative classes", func(c *Config) { c.Classes, c.Guidance = -1, 0 }, []string{"classes -1"}},
		{"guidance without classes", func(c *Config) { c.Classes = 0 }, []string{"guidance 1 needs classes"}},
		{"negative guidance", func(c *Config) { c.Guidance = -0.5 }, []string{"guidance -0.5"}},
		{"NaN guidance", func(c *Config) { c.Guidance = math.NaN() }, []string{"guidance NaN"}},
	} {
		c := DefaultBaseConfig(16, 10)
		tc.edit(&c)
		err := c.Validate()
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
	// An SR config with the base fields left out is unchanged.
	if err := DefaultConfig(4).Validate(); err != nil {
		t.Errorf("DefaultConfig(4): %v", err)
	}
}

// srX4ConfigJSON is pretrained/sr3-x4/config.json as shipped, before base
// models existed.
const srX4ConfigJSON = `{
  "version": 1,
  "scale": 4,
  "channels": 3,
  "base_channels": 64,
  "channel_mults": [
    1,
    2,
    2
  ],
  "res_blocks": 1,
  "attn_levels": [
    2
  ],
  "dropout": 0,
  "group_norm_groups": 16,
  "noise_embed_scale": 1000,
  "space_to_depth": true,
  "residual": true,
  "residual_scale": 4,
  "prediction": "x0",
  "schedule": "linear",
  "train_steps": 1000,
  "loss": "l2",
  "sampler": "ddim",
  "steps": 1,
  "eta": 0,
  "strength": 1
}
`

func TestSRConfigJSONUnchanged(t *testing.T) {
	c, err := UnmarshalConfig([]byte(srX4ConfigJSON))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, LegacyConfigX4()) {
		t.Errorf("parsed %+v\nwant LegacyConfigX4() %+v", c, LegacyConfigX4())
	}
	if c.Base || c.Classes != 0 || c.Guidance != 0 {
		t.Errorf("an SR config became a base one: %+v", c)
	}
	b, err := MarshalConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	// SR configs are written as before: without the base fields.
	for _, key := range []string{`"base"`, `"classes"`, `"guidance"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("re-encoded SR config has %s:\n%s", key, b)
		}
	}
	// A base config round-trips with its fields.
	bc := DefaultBaseConfig(16, 10)
	b, err = MarshalConfig(bc)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"base": true`, `"classes": 10`, `"guidance": 1`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("base config JSON lacks %s:\n%s", key, b)
		}
	}
	back, err := UnmarshalConfig(b)
	if err != nil || !reflect.DeepEqual(back, bc) {
		t.Errorf("base config round trip: %v\n%+v\nwant %+v", err, back, bc)
	}
}

func TestBaseUNetShapeErrors(t *testing.T) {
	g := graph.NewGraph(goBackend(t), "shapes")
	defer g.Finalize()
	f32 := func(name string, dims ...int) *graph.Node {
		return graph.Parameter(g, name, shapes.Make(dtypes.Float32, dims...))
	}
	x, lvl := f32("x", 2, 8, 8, 3), f32("level", 2)
	labels := graph.Parameter(g, "labels", shapes.Make(dtypes.Int32, 2))
	base, uncond, sr := tinyBaseConfig(3), tinyBaseConfig(0), tinyConfig()
	for _, tc := range []struct {
		name string
		cfg  Config
		in   UNetInputs
		want string // "" = valid
	}{
		{"base ok", base, UNetInputs{Noisy: x, NoiseLevel: lvl, Labels: labels}, ""},
		{"unconditional ok", uncond, UNetInputs{Noisy: x, NoiseLevel: lvl}, ""},
		{"sr ok", sr, UNetInputs{Noisy: x, Cond: x, NoiseLevel: lvl}, ""},
		{"base with cond", base, UNetInputs{Noisy: x, Cond: x, NoiseLevel: lvl, Labels: labels}, "base model (base), which takes no conditioning image"},
		{"sr without cond", sr, UNetInputs{Noisy: x, NoiseLevel: lvl}, "no conditioning image (cond)"},
		{"missing labels", base, UNetInputs{Noisy: x, NoiseLevel: lvl}, "classes 3 but no labels"},
		{"labels without classes", uncond, UNetInputs{Noisy: x, NoiseLevel: lvl, Labels: labels}, "the config has no classes"},
		{"labels shape", base, UNetInputs{Noisy: x, NoiseLevel: lvl, Labels: graph.Parameter(g, "l3", shapes.Make(dtypes.Int32, 3))}, "labels must be [2]"},
		{"labels dtype", base, UNetInputs{Noisy: x, NoiseLevel: lvl, Labels: f32("lf", 2)}, "labels must be integers"},
		{"no level", base, UNetInputs{Noisy: x, Labels: labels}, "no noise level"},
		{"size", base, UNetInputs{Noisy: f32("x5", 2, 5, 8, 3), NoiseLevel: lvl, Labels: labels}, "8x5 is not a multiple of 2"},
	} {
		err := checkUNetShapes(tc.cfg, tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDropLabels(t *testing.T) {
	const n, classes = 20000, 5
	labels := func() []int32 {
		l := make([]int32, n)
		for i := range l {
			l[i] = int32(i % classes)
		}
		return l
	}
	a := labels()
	DropLabels(a, classes, 0.25, rand.New(rand.NewPCG(1, 2)))
	dropped := 0
	for i, l := range a {
		switch l {
		case classes:
			dropped++
		case int32(i % classes):
		default:
			t.Fatalf("label %d became %d", i%classes, l)
		}
	}
	if rate := float64(dropped) / n; math.Abs(rate-0.25) > 0.015 {
		t.Errorf("dropped %.4f of the labels, want 0.25", rate)
	}
	b := labels()
	DropLabels(b, classes, 0.25, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(a, b) {
		t.Error("same seed, different drops")
	}
	c := labels()
	DropLabels(c, classes, 0.25, rand.New(rand.NewPCG(1, 3)))
	if slices.Equal(a, c) {
		t.Error("different seeds, same drops")
	}
	// p = 0 drops none, p = 1 all, and both draw the same number of values.
	r0, r1 := rand.New(rand.NewPCG(4, 5)), rand.New(rand.NewPCG(4, 5))
	none, all := labels(), labels()
	DropLabels(none, classes, 0, r0)
	DropLabels(all, classes, 1, r1)
	if !slices.Equal(none, labels()) {
		t.Error("p = 0 dropped labels")
	}
	for _, l := range all {
		if l != classes {
			t.Fatal("p = 1 kept a label")
		}
	}
	if r0.Uint64() != r1.Uint64() {
		t.Error("the number of random draws depends on p")
	}
	// No classes: nothing to drop.
	u := []int32{0, 0}
	DropLabels(u, 0, 1, rand.New(rand.NewPCG(1, 1)))
	if !slices.Equal(u, []int32{0, 0}) {
		t.Errorf("classes 0: labels became %v", u)
	}
}

// TestGuidanceOneCall checks that guided noise prediction (one network call
// of batch 2n) equals (1+w) eps(label) - w eps(no label) computed from two
// separate calls, and that labels change the prediction at all.
func TestGuidanceOneCall(t *testing.T) {
	const classes, n, h, w = 3, 2, 8, 8
	m := baseModel(t, classes)
	if v := m.store.GetVariable("/unet/class_embed/embeddings"); v == nil || !slices.Equal(v.Shape().Dimensions, []int{classes + 1, 4 * 8}) {
		t.Fatalf("class_embed/embeddings: %v", v)
	}
	x := flat(randTensor(11, n, h, w, 3))
	gamma := 0.4
	level := float32(NoiseLevel(gamma))
	levels := []float32{level, level}
	labels := []int32{0, 2}
	cond, err := m.PredictNoiseBase(x, n, h, w, levels, labels)
	if err != nil {
		t.Fatal(err)
	}
	uncond, err := m.PredictNoiseBase(x, n, h, w, levels, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := m.PredictNoiseBase(x, n, h, w, levels, []int32{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxAbsDiff(t, cond, uncond); d < 1e-3 {
		t.Fatalf("labels do not change the prediction (max diff %g)", d)
	}
	if d, _ := maxAbsDiff(t, cond, other); d < 1e-3 {
		t.Fatalf("different labels give the same prediction (max diff %g)", d)
	}
	const guidance = 1.5
	eps, err := m.GuidedEpsFunc(n, h, w, labels, guidance)
	if err != nil {
		t.Fatal(err)
	}
	before := m.Compilations()
	got, err := eps(context.Background(), x, gamma)
	if err != nil {
		t.Fatal(err)
	}
	if !m.shapes[[3]int{2 * n, h, w}] || m.Compilations() != before+1 {
		t.Errorf("guided step did not run as one call of batch %d (shapes %v, compilations %d -> %d)", 2*n, m.shapes, before, m.Compilations())
	}
	want := make([]float32, len(cond))
	for i := range want {
		want[i] = (1+guidance)*cond[i] - guidance*uncond[i]
	}
	if d, s := maxAbsDiff(t, got, want); d > 1e-5*max(1, s) {
		t.Errorf("guided eps differs from the mix of separate calls by %g (scale %g)", d, s)
	}
	// No guidance: the plain conditional prediction, one call of batch n.
	eps0, err := m.GuidedEpsFunc(n, h, w, labels, 0)
	if err != nil {
		t.Fatal(err)
	}
	got0, err := eps0(context.Background(), x, gamma)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxAbsDiff(t, got0, cond); d != 0 {
		t.Errorf("guidance 0 differs from the conditional prediction by %g", d)
	}

	// Misuse is refused.
	if _, err := m.GuidedEpsFunc(n, h, w, []int32{0, 4}, 1); err == nil || !strings.Contains(err.Error(), "label[1] = 4") {
		t.Errorf("label out of range: %v", err)
	}
	if _, err := m.GuidedEpsFunc(n, h, w, labels, -1); err == nil || !strings.Contains(err.Error(), "guidance") {
		t.Errorf("negative guidance: %v", err)
	}
	if _, err := m.PredictNoise(x, x, n, h, w, levels, nil); err == nil || !strings.Contains(err.Error(), "base model") {
		t.Errorf("cond given to a base model: %v", err)
	}
	if _, err := m.EpsFunc(x, n, h, w, 0); err == nil {
		t.Error("EpsFunc of a base model: no error")
	}
	if _, err := m.Upscale(context.Background(), randImage(4, 4, 3, 1), m.Config.SamplerConfig(), NewGaussianNoise(1), nil); err == nil {
		t.Error("Upscale with a base model: no error")
	}
	u := baseModel(t, 0)
	if _, err := u.GuidedEpsFunc(n, h, w, nil, 1); err == nil || !strings.Contains(err.Error(), "no classes") {
		t.Errorf("guidance on an unconditional model: %v", err)
	}
	if _, err := u.PredictNoiseBase(x, n, h, w, levels, labels); err == nil {
		t.Error("labels given to an unconditional model: no error")
	}
	if _, err := testModel(t).Generate(context.Background(), 1, 8, 8, nil, 0, m.Config.SamplerConfig(), NewGaussianNoise(1), nil); err == nil {
		t.Error("Generate with an SR model: no error")
	}
	if _, err := m.Generate(context.Background(), 1, 7, 8, nil, 0, m.Config.SamplerConfig(), NewGaussianNoise(1), nil); err == nil || !strings.Contains(err.Error(), "not a multiple of 2") {
		t.Errorf("Generate 7x8 (size multiple 2): %v", err)
	}
	sc := m.Config.SamplerConfig()
	sc.Strength = 0.5
	if _, err := m.Generate(context.Background(), 1, 8, 8, nil, 0, sc, NewGaussianNoise(1), nil); err == nil || !strings.Contains(err.Error(), "strength") {
		t.Errorf("Generate at strength 0.5: %v", err)
	}
}

func TestBaseSaveLoadBitIdentical(t *testing.T) {
	const n, h, w = 2, 8, 8
	for _, classes := range []int{0, 2} {
		m := baseModel(t, classes)
		x := flat(randTensor(21, n, h, w, 3))
		levels := []float32{0.2, 0.7}
		var labels []int32
		if classes > 0 {
			labels = []int32{1, 2}
		}
		want, err := m.PredictNoiseBase(x, n, h, w, levels, labels)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "base")
		if err := m.Save(dir); err != nil {
			t.Fatal(err)
		}
		m2, err := Load(dir, goBackend(t))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m2.Config, m.Config) {
			t.Errorf("classes %d: config %+v, saved %+v", classes, m2.Config, m.Config)
		}
		if m2.NumParams() != m.NumParams() {
			t.Errorf("classes %d: params: saved %d, loaded %d", classes, m.NumParams(), m2.NumParams())
		}
		_, hasTable := m2.Weights()["unet/class_embed/embeddings"]
		if hasTable != (classes > 0) {
			t.Errorf("classes %d: class table present = %v", classes, hasTable)
		}
		got, err := m2.PredictNoiseBase(x, n, h, w, levels, labels)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			d, _ := maxAbsDiff(t, got, want)
			t.Errorf("classes %d: loaded model predicts differently (max diff %g)", classes, d)
		}
	}
}

// TestBaseLearnsClasses trains a tiny class-conditional base model on flat
// colours (class 0 red, class 1 blue, 8x8) with label dropout, then
// generates: label 0 must come out red, label 1 blue, with and without
// guidance, from the same noise. (300 steps of batch 8, about 10 s here.)
func TestBaseLearnsClasses(t *testing.T) {
	cfg := tinyBaseConfig(2)
	backend := goBackend(t)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(5); err != nil {
		t.Fatal(err)
	}
	opt := optimizer.Adam().LearningRate(3e-3).Done()
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x0, noise, gamma, labels *graph.Node) *graph.Node {
		g := x0.Graph()
		store.SetTraining(g, true)
		loss := DiffusionLoss(scope, cfg, LossInputs{X0: x0, Noise: noise, Gamma: gamma, Labels: labels})
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	sched, err := NewSchedule(cfg.Schedule, cfg.TrainSteps)
	if err != nil {
		t.Fatal(err)
	}
	colour := [2][3]float32{{0.8, -0.8, -0.8}, {-0.8, -0.8, 0.8}}
	const batch, size, steps = 8, 8, 300
	per := size * size * 3
	rng := rand.New(rand.NewPCG(7, 8))
	x0 := make([]float32, batch*per)
	noise := make([]float32, batch*per)
	gamma := make([]float32, batch)
	labels := make([]int32, batch)
	start := time.Now()
	var first, last float64
	for step := range steps {
		for i := range batch {
			labels[i] = int32(rng.IntN(2))
			for j := range per {
				x0[i*per+j] = colour[labels[i]][j%3]
			}
			gamma[i] = float32(sched.SampleGamma(rng))
		}
		for j := range noise {
			noise[j] = float32(rng.NormFloat64())
		}
		DropLabels(labels, cfg.Classes, 0.2, rng)
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(x0, batch, size, size, 3),
			tensors.FromFlatDataAndDimensions(noise, batch, size, size, 3),
			tensors.FromFlatDataAndDimensions(gamma, batch),
			tensors.FromFlatDataAndDimensions(labels, batch))
		if err != nil {
			t.Fatal(err)
		}
		loss := float64(flat(out[0])[0])
		if step < 20 {
			first += loss / 20
		} else if step >= steps-20 {
			last += loss / 20
		}
	}
	t.Logf("loss %.4f -> %.4f in %v", first, last, time.Since(start))

	weights := map[string]*tensors.Tensor{}
	for v := range store.IterVariables() {
		if strings.HasPrefix(v.Path(), weightsPrefix) {
			weights[v.Path()[1:]] = v.MustValue()
		}
	}
	m, err := NewFromWeights(cfg, backend, weights)
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.SamplerConfig()
	sc.Steps = 10
	// The same noise with the labels swapped: the label, not the noise,
	// decides the colour.
	for _, run := range []struct {
		guidance float64
		gen      []int32
	}{{0, []int32{0, 1, 0, 1}}, {0, []int32{1, 0, 1, 0}}, {2, []int32{0, 1, 0, 1}}, {2, []int32{1, 0, 1, 0}}} {
		guidance, gen := run.guidance, run.gen
		imgs, err := m.Generate(context.Background(), len(gen), size, size, gen, guidance, sc, NewGaussianNoise(3), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, img := range imgs {
			if img.W != size || img.H != size || img.C != 3 || len(img.Pix) != per {
				t.Fatalf("image %d: %dx%dx%d, %d values", i, img.W, img.H, img.C, len(img.Pix))
			}
			var mean [3]float64
			for j, v := range img.Pix {
				if v < -1 || v > 1 {
					t.Fatalf("image %d: value %g outside [-1, 1]", i, v)
				}
				mean[j%3] += float64(v) / float64(size*size)
			}
			t.Logf("guidance %g, label %d: mean RGB %.2f %.2f %.2f", guidance, gen[i], mean[0], mean[1], mean[2])
			if red := mean[0] > mean[2]; red != (gen[i] == 0) {
				t.Errorf("guidance %g, label %d: mean red %.3f, blue %.3f", guidance, gen[i], mean[0], mean[2])
			}
		}
		// Image i does not depend on the batch size.
		one, err := m.Generate(context.Background(), 1, size, size, gen[:1], guidance, sc, NewGaussianNoise(3), nil)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := maxAbsDiff(t, one[0].Pix, imgs[0].Pix); d > 1e-4 {
			t.Errorf("guidance %g: image 0 alone differs from image 0 of a batch by %g", guidance, d)
		}
	}
}

// TestBaseUNetGradient checks the gradient through a tiny class-conditional
// base UNet (no conditioning image, a label per item) against finite
// differences.
func TestBaseUNetGradient(t *testing.T) {
	cfg := tinyBaseConfig(3)
	checkGradient(t, "base-unet", []int{2, 8, 8, 3}, func(s *model.Scope, x *graph.Node) *graph.Node {
		g := x.Graph()
		return UNet(s, cfg, UNetInputs{Noisy: x, NoiseLevel: graph.Const(g, []float32{0.6, 0.3}), Labels: graph.Const(g, []int32{1, 3})})
	})
}

// TestRegenerate checks SDEdit with a base model: a small strength keeps
// the input (the sampler starts from it barely noised and the random
// network's x0 moves it little at a low level), strength 1 forgets it
// (Generate with the same noise, up to the last level's trace of it), and bad inputs are refused.
func TestRegenerate(t *testing.T) {
	m := baseModel(t, 2)
	ctx := context.Background()
	imgs := make([]*data.Image, 2)
	for i := range imgs {
		imgs[i] = &data.Image{W: 8, H: 8, C: 3, Pix: flat(randTensor(uint64(20+i), 1, 8, 8, 3))}
		for j, v := range imgs[i].Pix {
			imgs[i].Pix[j] = min(max(v*0.5, -1), 1)
		}
	}
	labels := []int32{0, 1}
	sc := m.Config.SamplerConfig()
	sc.Steps, sc.Strength = 2, 0.02
	near, err := m.Regenerate(ctx, imgs, labels, 1, sc, NewGaussianNoise(3), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc.Strength = 1
	far, err := m.Regenerate(ctx, imgs, labels, 1, sc, NewGaussianNoise(3), nil)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := m.Generate(ctx, 2, 8, 8, labels, 1, sc, NewGaussianNoise(3), nil)
	if err != nil {
		t.Fatal(err)
	}
	rms := func(a, b *data.Image) float64 {
		var s float64
		for j := range a.Pix {
			d := float64(a.Pix[j] - b.Pix[j])
			s += d * d
		}
		return math.Sqrt(s / float64(len(a.Pix)))
	}
	for i := range imgs {
		dNear, dFar := rms(near[i], imgs[i]), rms(far[i], imgs[i])
		if dNear > 0.1 || dNear*3 > dFar {
			t.Errorf("image %d: strength 0.02 moved it by %.3f rms, strength 1 by %.3f: want small and much smaller", i, dNear, dFar)
		}
		// Strength 1 starts at the last level, which keeps sqrt(gamma_T)
		// (~1e-4 on the cosine schedule) of the image: Generate's start up
		// to that.
		if d := rms(far[i], gen[i]); d > 0.01 {
			t.Errorf("image %d: strength 1 differs from Generate by %.2g rms", i, d)
		}
	}
	bad := []*data.Image{imgs[0], {W: 4, H: 8, C: 3, Pix: make([]float32, 96)}}
	if _, err := m.Regenerate(ctx, bad, labels, 1, sc, NewGaussianNoise(3), nil); err == nil || !strings.Contains(err.Error(), "image 1 is 4x8x3") {
		t.Errorf("mixed sizes: error %v, want one naming image 1", err)
	}
	if _, err := m.Regenerate(ctx, nil, nil, 1, sc, NewGaussianNoise(3), nil); err == nil {
		t.Error("no images: want an error")
	}
}
