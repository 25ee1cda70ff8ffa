package cascade

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// Defaults of Generator.
const (
	// DefaultBaseSize is the side of a base model's samples when
	// Generator.Size is 0: the size sr3.DefaultBaseConfig is tuned for. A
	// base model's Config has no size (the UNet is convolutional and runs
	// at any multiple of its SizeMultiple), but it samples best at the
	// size it was trained at.
	DefaultBaseSize = 16
	// DefaultGenerateBatch bounds the images of one base sampler run when
	// Generator.Batch is 0 (with guidance every network call has twice as
	// many rows).
	DefaultGenerateBatch = 16
)

// GenerateOptions are the per-call choices of Generator.Generate.
type GenerateOptions struct {
	// Seed drives all the noise: the same seed, labels and settings give
	// the same images. Sample i draws its base noise and its
	// super-resolution seed from SampleSeed(Seed, i), so it does not
	// depend on how many images are generated with it.
	Seed int64
	// Steps, Sampler and Eta are the base model's sampler settings; 0, ""
	// (and Eta 0: deterministic DDIM) leave the model's defaults
	// (sr3.Config.SamplerConfig).
	Steps   int
	Sampler string
	Eta     float64
	// Guidance is the classifier-free guidance scale; nil = the model's
	// default (sr3.Config.Guidance).
	Guidance *float64
	// SR are the options of the upscaler. Scale 0 is the upscaler's
	// smallest scale; Seed and Generated are set per sample (see
	// Generator.Generate). CondNoise nil = each stage's automatic level
	// for generated inputs (sr3.Config.CondNoise).
	SR Options
}

// Generator is a cascade that makes images from noise (Cascaded Diffusion
// Models): a base model (sr3.Config.Base) samples small Size x Size images,
// optionally class-conditional with classifier-free guidance, and an
// optional Upscaler (a single stage or a Pipeline) enlarges each of them,
// every stage conditioned on a generated input.
type Generator struct {
	// Base is the base model; required.
	Base *sr3.Model
	// Upscaler enlarges the base samples; nil = none (the base samples are
	// the final images).
	Upscaler Upscaler
	// Size is the side of the base samples in pixels, a multiple of
	// Base.Config.SizeMultiple(); 0 = DefaultBaseSize. Give the size the
	// base model was trained at: the config does not record it.
	Size int
	// Batch bounds the images of one base sampler run; 0 =
	// DefaultGenerateBatch. It does not change the images (up to the
	// network's batch arithmetic), only memory and speed.
	Batch int
}

// SampleSeed is the seed of sample i of a generation with seed: a SplitMix64
// hash of both, deterministic and different per sample. The base model's
// noise of sample i is sr3.NewGaussianNoise(SampleSeed(seed, i)) (its own
// stream, whatever the batch); its upscale runs with the seed
// SampleSeed(seed, i) too (the upscalers' noise fields hash the seed
// differently from sr3's Gaussian source).
func SampleSeed(seed int64, i int) int64 {
	return int64(splitMix64(uint64(seed) ^ splitMix64(uint64(i)+0x510e527fade682d1)))
}

// size is the base samples' side with the default applied.
func (g *Generator) size() int {
	if g.Size > 0 {
		return g.Size
	}
	return DefaultBaseSize
}

// Scale returns the output scale of a call: opts.SR.Scale, or the
// upscaler's smallest scale when it is 0; 1 without an upscaler.
func (g *Generator) Scale(opts GenerateOptions) int {
	switch {
	case g.Upscaler == nil:
		return 1
	case opts.SR.Scale > 0:
		return opts.SR.Scale
	}
	if s := g.Upscaler.Scales(); len(s) > 0 {
		return slices.Min(s)
	}
	return 0
}

// SamplerConfig returns the base model's sampler settings of a call: the
// model's defaults where opts leaves them open, always from pure noise
// (Strength 1).
func (g *Generator) SamplerConfig(opts GenerateOptions) (sr3.SamplerConfig, error) {
	if g.Base == nil {
		return sr3.SamplerConfig{}, errors.New("cascade: generator without a base model")
	}
	sc := g.Base.Config.SamplerConfig()
	if opts.Steps > 0 {
		sc.Steps = opts.Steps
	}
	if opts.Sampler != "" {
		sc.Kind = opts.Sampler
	}
	sc.Eta = opts.Eta
	sc.Strength = 1
	if err := sc.Validate(); err != nil {
		return sc, fmt.Errorf("base model: %w", err)
	}
	return sc, nil
}

// Guidance returns the guidance scale of a call: opts.Guidance, else the
// base model's default.
func (g *Generator) Guidance(opts GenerateOptions) float64 {
	if opts.Guidance != nil {
		return *opts.Guidance
	}
	if g.Base == nil {
		return 0
	}
	return g.Base.Config.Guidance
}

// check validates the generator and a call's options before any work.
func (g *Generator) check(n int, labels []int32, opts GenerateOptions) (sr3.SamplerConfig, error) {
	sc, err := g.SamplerConfig(opts)
	if err != nil {
		return sc, err
	}
	cfg := g.Base.Config
	if !cfg.Base {
		return sc, errors.New("cascade: generate needs a base model (sr3.Config.Base); this one is a super-resolution stage")
	}
	if n < 1 {
		return sc, fmt.Errorf("cascade: generate %d images: want at least 1", n)
	}
	if labels != nil && len(labels) != n {
		return sc, fmt.Errorf("cascade: generate: %d labels for %d images", len(labels), n)
	}
	for i, l := range labels {
		if l < 0 || int(l) > cfg.Classes {
			return sc, fmt.Errorf("cascade: generate: label[%d] = %d: the model has %d classes (0..%d, %d = no label)", i, l, cfg.Classes, cfg.Classes-1, cfg.Classes)
		}
	}
	if s, m := g.size(), cfg.SizeMultiple(); s%m != 0 {
		return sc, fmt.Errorf("cascade: generate: size %d is not a multiple of %d, which the base model's UNet needs", s, m)
	}
	if w := g.Guidance(opts); !(w >= 0) || (w > 0 && cfg.Classes == 0) {
		return sc, fmt.Errorf("cascade: generate: guidance %g: want >= 0, and 0 for a model without classes", w)
	}
	if g.Upscaler != nil {
		scale := g.Scale(opts)
		if !slices.Contains(g.Upscaler.Scales(), scale) {
			return sc, fmt.Errorf("cascade: generate: upscaler %s upscales by %s, not x%d", g.Upscaler.Name(), joinInts(g.Upscaler.Scales()), scale)
		}
		so := opts.SR
		so.Generated = true
		if err := checkCondLevels(g.Upscaler, so); err != nil {
			return sc, fmt.Errorf("cascade: generate: %w", err)
		}
	}
	return sc, nil
}

// checkCondLevels resolves the conditioning-augmentation level of every
// SR3 stage of up (descending into pipelines) for generated inputs, so a
// level the stage refuses fails before any sampling.
func checkCondLevels(up Upscaler, opts Options) error {
	switch u := up.(type) {
	case *Pipeline:
		for _, s := range u.Stages() {
			if err := checkCondLevels(s, opts); err != nil {
				return err
			}
		}
	case *SR3Stage:
		if _, err := u.CondLevel(opts, true); err != nil {
			return err
		}
	}
	return nil
}

// Generate makes n images: the base model samples n Size x Size images,
// image i conditioned on labels[i] (0..Classes-1, or Classes for no label;
// nil = all unconditional, as a model without classes needs) with
// classifier-free guidance (GenerateOptions.Guidance), in runs of up to
// Batch images; then, with an Upscaler, each is enlarged by
// Scale(opts), one image at a time, with opts.SR but for the seed
// SampleSeed(opts.Seed, i) and Generated true (so stages trained with
// conditioning augmentation apply their automatic level; an explicit
// opts.SR.CondNoise applies as given).
//
// It returns the base samples and the final images, HWC in [-1, 1]
// (final is base without an Upscaler). Every sample depends only on the
// seed, its index, its label and the settings, not on n or Batch.
//
// progress (may be nil) receives one non-decreasing done/total over the
// whole call, in thousandths of an image: the base phase counts n images
// (each batch's sampler steps spread over its images) and, with an
// Upscaler, the super-resolution phase n more (each image's own progress
// within its share), so the two phases weigh the same whatever their real
// cost. The last report is total/total. ctx is checked between steps.
func (g *Generator) Generate(ctx context.Context, n int, labels []int32, opts GenerateOptions, progress Progress) (base, final []*data.Image, err error) {
	sc, err := g.check(n, labels, opts)
	if err != nil {
		return nil, nil, err
	}
	const unit = 1000 // progress units per image and phase
	total := n * unit
	if g.Upscaler != nil {
		total *= 2
	}
	last := 0
	report := func(done int) {
		if progress != nil {
			last = max(last, min(done, total))
			progress(last, total)
		}
	}
	size, guidance := g.size(), g.Guidance(opts)
	batch := g.Batch
	if batch <= 0 {
		batch = DefaultGenerateBatch
	}
	base = make([]*data.Image, 0, n)
	for start := 0; start < n; start += batch {
		k := min(batch, n-start)
		var bl []int32
		if labels != nil {
			bl = labels[start : start+k]
		}
		noise := sampleNoise{seed: opts.Seed, first: start, n: k}
		step := func(done, steps int) {
			if steps > 0 {
				report(start*unit + k*unit*done/steps)
			}
		}
		imgs, err := g.Base.Generate(ctx, k, size, size, bl, guidance, sc, noise, step)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("cascade: generate: base images %d-%d: %w", start+1, start+k, err)
		}
		base = append(base, imgs...)
		report((start + k) * unit)
	}
	if g.Upscaler == nil {
		return base, base, nil
	}
	scale := g.Scale(opts)
	final = make([]*data.Image, n)
	for i, img := range base {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		so := opts.SR
		so.Scale = scale
		so.Seed = SampleSeed(opts.Seed, i)
		so.Generated = true
		offset := (n + i) * unit
		sp := func(done, tot int) {
			if tot > 0 {
				report(offset + unit*min(max(done, 0), tot)/tot)
			}
		}
		out, err := g.Upscaler.Upscale(ctx, img, so, sp)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("cascade: generate: upscaling image %d with %s: %w", i+1, g.Upscaler.Name(), err)
		}
		if out.W != img.W*scale || out.H != img.H*scale {
			return nil, nil, fmt.Errorf("cascade: generate: %s returned %dx%d for %dx%d at x%d", g.Upscaler.Name(), out.W, out.H, img.W, img.H, scale)
		}
		final[i] = out
		report(offset + unit)
	}
	return base, final, nil
}

// sampleNoise is the sr3.NoiseSource of a batch of n samples starting at
// sample first: sample j's part of every call comes from its own stream,
// sr3.NewGaussianNoise(SampleSeed(seed, first+j)), so a sample's noise
// does not depend on the batch it is in.
type sampleNoise struct {
	seed     int64
	first, n int
}

// Fill implements sr3.NoiseSource.
func (s sampleNoise) Fill(call int, dst []float32) {
	per := len(dst) / s.n
	for j := range s.n {
		sr3.NewGaussianNoise(SampleSeed(s.seed, s.first+j)).Fill(call, dst[j*per:(j+1)*per])
	}
}
