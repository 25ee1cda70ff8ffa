package cascade

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// tinyConfig is a small SR3 network that runs in milliseconds: two levels,
// 8 channels, no attention (space-to-depth and residual as the default).
func tinyConfig(scale int) sr3.Config {
	c := sr3.DefaultConfig(scale)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.ResBlocks = 1
	c.AttnLevels = nil
	c.GroupNormGroups = 4
	return c
}

var (
	backendOnce sync.Once
	backend     compute.Backend
	backendErr  error
)

func goBackend(t testing.TB) compute.Backend {
	t.Helper()
	backendOnce.Do(func() { backend, backendErr = sr3.NewBackend("go") })
	if backendErr != nil {
		t.Fatal(backendErr)
	}
	return backend
}

// tinyModel returns a model of cfg with random weights: a fresh model's
// zero-initialised output layer predicts zero noise everywhere, which
// would hide what tiling does to the network.
func tinyModel(t testing.TB, cfg sr3.Config) *sr3.Model {
	t.Helper()
	m, err := sr3.New(cfg, goBackend(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	ws := map[string]*tensors.Tensor{}
	all := m.Weights()
	for _, name := range slices.Sorted(maps.Keys(all)) {
		w := all[name]
		dims := w.Shape().Dimensions
		std := 0.3
		if len(dims) >= 2 {
			fanIn := 1
			for _, d := range dims[:len(dims)-1] {
				fanIn *= d
			}
			std = 1 / math.Sqrt(float64(fanIn))
		}
		v := make([]float32, w.Size())
		for i := range v {
			v[i] = float32(rng.NormFloat64() * std)
		}
		ws[name] = tensors.FromFlatDataAndDimensions(v, dims...)
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	return m
}

func tinyStage(t testing.TB, cfg sr3.Config) *SR3Stage {
	t.Helper()
	s, err := NewSR3Stage("tiny", tinyModel(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// smoothImage is a w x h RGB test image with structure at several scales.
func smoothImage(w, h int) *data.Image {
	img := data.NewImage(w, h, 3)
	for y := range h {
		for x := range w {
			for k := range 3 {
				v := 0.6 * math.Sin(0.35*float64(x)+float64(k)) * math.Cos(0.23*float64(y)-0.5*float64(k))
				v += 0.3 * math.Sin(float64(x*y)*0.05)
				img.Set(x, y, k, float32(v))
			}
		}
	}
	return img
}

func flatImage(w, h int, rgb [3]float32) *data.Image {
	img := data.NewImage(w, h, 3)
	for i := range w * h {
		copy(img.Pix[3*i:], rgb[:])
	}
	return img
}

// pointwiseEps is a noise predictor whose output at each value depends
// only on that value and its conditioning: with it, tiling changes
// nothing, so a tiled run must equal an untiled one.
func pointwiseEps(cond []float32, _, _, _ int, _ float64) (sr3.EpsFunc, error) {
	out := make([]float32, len(cond))
	return func(_ context.Context, x []float32, gamma float64) ([]float32, error) {
		g := float32(gamma)
		for i := range x {
			out[i] = 0.7*x[i] - 0.4*cond[i]*g + 0.1
		}
		return out, nil
	}, nil
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// upscalePix runs s on img at x2, seed 1, one step (the rest from opts)
// and returns the output's pixels, failing t on an error.
func upscalePix(t *testing.T, s *SR3Stage, img *data.Image, opts Options) []float32 {
	t.Helper()
	opts.Scale, opts.Seed, opts.Steps = 2, 1, 1
	out, err := s.Upscale(context.Background(), img, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out.Pix
}
