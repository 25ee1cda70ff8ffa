package cascade

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// Tiling defaults of SR3Stage, in UNet input pixels: LR pixels for a
// space-to-depth model (the UNet runs at LR resolution), HR pixels
// otherwise.
const (
	// DefaultTileSize bounds a tile's side when Options.Tile is 0.
	DefaultTileSize = 128
	// DefaultOverlap is the least overlap of neighbouring tiles (a
	// quarter of the tile when a smaller tile is asked for).
	DefaultOverlap = 16
	// DefaultBatchPixels bounds the UNet input pixels of one network
	// call (tiles per call times a tile's area) on accelerator backends
	// (XLA) when SR3Stage.BatchPixels is 0. On the Go backend the default
	// is one tile per call: measured on 2 cores (x4, 9 tiles of 96x96 LR),
	// batches of 3 tiles were 13% slower and took 2.2 times the memory of
	// single tiles, one batch of all 9 was 2.2 times slower with 4 times
	// the memory.
	DefaultBatchPixels = 4 * DefaultTileSize * DefaultTileSize
)

// SR3Stage is an Upscaler running a trained SR3 model (sr3.Model) on
// images of any size with bounded memory.
//
// The LR image's exact bicubic upsampling (data.Resize) is computed once
// and cut into overlapping HR tiles of one shape (see PlanTiles and
// SR3Stage.Plan), so the network compiles once per image size class;
// each tile's conditioning is the full image's bicubic, not the bicubic of
// an LR crop, so tiles agree with the whole image at their borders. Tiles
// go through the sampler in batches (up to BatchPixels per network call,
// every batch padded to the same size); all tiles of a batch share every step's
// noise level, and the noise of every tile at every step is cut from one
// global NoiseField of the seed, so overlapping tiles see the same noise.
// The tiles' final HR outputs are blended with raised-cosine feather
// weights across each overlap, normalised by the sum of the weights
// (FeatherWeights): the outputs of neighbouring tiles, which agree closely
// in their overlap, are cross-faded without seams. (Blending the clean
// image estimates at every step would tie the tiles together more tightly
// but needs the whole image in the sampler; final blending keeps memory
// bounded by the batch.)
//
// Its methods are safe for concurrent use; network evaluations are
// serialised by the model.
type SR3Stage struct {
	// BatchPixels bounds the UNet input pixels of one network call; a
	// batch holds at least one tile. 0 = one tile per call on the Go
	// backend, DefaultBatchPixels on others.
	BatchPixels int

	name  string
	model *sr3.Model
	// eps builds the noise predictor for a batch of conditioning tiles;
	// the model's EpsFunc, replaced in tests.
	eps func(cond []float32, n, h, w int, condLevel float64) (sr3.EpsFunc, error)
}

// NewSR3Stage wraps a model as an Upscaler named name.
func NewSR3Stage(name string, m *sr3.Model) (*SR3Stage, error) {
	if m == nil {
		return nil, errors.New("cascade: SR3 stage without a model")
	}
	if err := m.Config.Validate(); err != nil {
		return nil, fmt.Errorf("cascade: SR3 stage %s: %w", name, err)
	}
	return &SR3Stage{name: name, model: m, eps: m.EpsFunc}, nil
}

// Name returns the stage's name.
func (s *SR3Stage) Name() string { return s.name }

// Model returns the wrapped model.
func (s *SR3Stage) Model() *sr3.Model { return s.model }

// Scales lists the model's scale and its powers up to 8: a scale s^k runs
// the model k times, each pass conditioned on the previous one's output
// (e.g. x4 from a x2 model).
func (s *SR3Stage) Scales() []int {
	f := s.model.Config.Scale
	out := []int{f}
	for v := f * f; f > 1 && v <= 8; v *= f {
		out = append(out, v)
	}
	return out
}

// AcceptsGrey reports that Upscale takes single-channel images (they run
// through an RGB model as three equal channels and come back grey).
func (s *SR3Stage) AcceptsGrey() bool { return true }

// passes returns how many times the model runs for an output scale.
func (s *SR3Stage) passes(scale int) (int, error) {
	scales := s.Scales()
	if i := slices.Index(scales, scale); i >= 0 {
		return i + 1, nil
	}
	return 0, fmt.Errorf("model %s is a x%d model: it upscales by %s, not x%d", s.name, s.model.Config.Scale, joinInts(scales), scale)
}

// SamplerConfig returns the sampler settings of a call: the model's
// defaults (sr3.Config.SamplerConfig) where opts leaves them open (Steps 0,
// Sampler "", Strength 0). Eta is taken as given: 0 is deterministic DDIM.
func (s *SR3Stage) SamplerConfig(opts Options) (sr3.SamplerConfig, error) {
	sc := s.model.Config.SamplerConfig()
	if opts.Steps > 0 {
		sc.Steps = opts.Steps
	}
	if opts.Sampler != "" {
		sc.Kind = opts.Sampler
	}
	sc.Eta = opts.Eta
	if opts.Strength > 0 {
		sc.Strength = opts.Strength
	}
	if err := sc.Validate(); err != nil {
		return sc, fmt.Errorf("model %s: %w", s.name, err)
	}
	return sc, nil
}

// Upscale enlarges img by opts.Scale (the model's scale or a power of it)
// with the model's sampler, tiled (see SR3Stage). It reports progress as
// sampler steps done over all tile batches (and passes), checks ctx
// between steps, and is deterministic for opts.Seed.
func (s *SR3Stage) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	if img == nil || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H*img.C {
		return nil, fmt.Errorf("model %s: empty or malformed image", s.name)
	}
	mc := s.model.Config.Channels
	grey := img.C == 1 && mc == 3
	if img.C != mc && !grey {
		return nil, fmt.Errorf("model %s: the image has %d channels, the model takes %d", s.name, img.C, mc)
	}
	passes, err := s.passes(opts.Scale)
	if err != nil {
		return nil, err
	}
	sc, err := s.SamplerConfig(opts)
	if err != nil {
		return nil, err
	}
	f := s.model.Config.Scale
	jobs := make([]*tileJob, passes)
	total := 0
	w, h := img.W, img.H
	for p := range jobs {
		if jobs[p], err = s.planJob(w, h, opts.Tile, sc); err != nil {
			return nil, err
		}
		total += jobs[p].units() * ttaRuns(opts)
		w, h = w*f, h*f
	}
	cur := img
	if grey {
		cur = data.GreyToRGB(img)
	}
	q, err := s.DeblockQuality(opts, cur, opts.Generated)
	if err != nil {
		return nil, err
	}
	if q > 0 {
		if cur, err = data.DeblockJPEG(cur, q); err != nil {
			return nil, fmt.Errorf("model %s: %w", s.name, err)
		}
	}
	sigma, err := s.PrefilterSigma(opts, cur, opts.Generated, q)
	if err != nil {
		return nil, err
	}
	if sigma > 0 {
		if cur, err = data.DenoiseBM3DContext(ctx, cur, sigma); err != nil {
			return nil, fmt.Errorf("model %s: %w", s.name, err)
		}
	}
	first := cur
	field := NewNoiseField(opts.Seed)
	done := 0
	for p, job := range jobs {
		pf := field
		if p > 0 {
			pf = field.derive(p)
		}
		level, err := s.CondLevel(opts, p > 0 || opts.Generated)
		if err != nil {
			return nil, err
		}
		in := augment(cur, level, field.derive(condNoiseStream+p))
		if s.model.Config.Denoise {
			if level, err = s.DenoiseLevel(opts, cur, p > 0 || opts.Generated, q); err != nil {
				return nil, err
			}
		}
		runs := ttaRuns(opts)
		outs := make([]*data.Image, runs)
		for r := range runs {
			o := ttaOrientations[r]
			var tp *tileProjector
			if opts.Consistency {
				// Against the pass's input itself, not its augmented copy.
				if tp, err = newTileProjector(job, data.Orient(cur, o), f); err != nil {
					return nil, fmt.Errorf("model %s: %w", s.name, err)
				}
			}
			base := done + r*job.units()
			report := func(d int) {
				if progress != nil {
					progress(base+d, total)
				}
			}
			sr, err := s.run(ctx, job, data.Orient(in, o), level, sc, pf, newBlender(job.plan, mc), tp, report)
			if err != nil {
				return nil, fmt.Errorf("model %s: upscaling %dx%d: %w", s.name, img.W, img.H, err)
			}
			outs[r] = data.Orient(sr, o)
		}
		out := meanImage(outs)
		if opts.Consistency {
			if out, err = projectResult(out, cur, f); err != nil {
				return nil, fmt.Errorf("model %s: %w", s.name, err)
			}
		}
		cur = out
		done += job.units() * runs
	}
	if opts.Consistency && passes > 1 {
		// Each pass matches its own input; the result must match the image.
		if cur, err = projectResult(cur, first, opts.Scale); err != nil {
			return nil, fmt.Errorf("model %s: %w", s.name, err)
		}
	}
	if grey {
		cur = data.RGBToGrey(cur)
	}
	return cur, nil
}

// condNoiseStream numbers the noise-field sub-streams of the conditioning
// augmentation (one per pass), apart from the passes' sampler noise.
const condNoiseStream = 1 << 20

// TakesCondNoise reports whether the model was trained with conditioning
// augmentation (sr3.Config.CondAug), so it takes a level above 0.
func (s *SR3Stage) TakesCondNoise() bool {
	return s.model.Config.CondAug && !s.model.Config.Denoise
}

// TakesDenoise reports whether the model was trained with a denoise
// control (sr3.Config.Denoise), so Options.Denoise applies to it.
func (s *SR3Stage) TakesDenoise() bool { return s.model.Config.Denoise }

// DenoiseLevel returns the denoise level of a pass of a model with a
// denoise control: the level asked for in opts.Denoise, else 0 for a
// generated input and data.EstimateDamage of a real one, at least
// data.DeblockedDamage when deblocked (the JPEG quality img was deblocked
// at, DeblockQuality) is above 0.
func (s *SR3Stage) DenoiseLevel(opts Options, img *data.Image, generated bool, deblocked int) (float64, error) {
	switch {
	case opts.Denoise != nil:
		if l := *opts.Denoise; !(l >= 0 && l <= 1) {
			return 0, fmt.Errorf("model %s: denoise level %g: want 0 <= level <= 1", s.name, l)
		}
		return *opts.Denoise, nil
	case generated:
		return 0, nil
	}
	level := data.EstimateDamage(img)
	if deblocked > 0 {
		level = max(level, data.DeblockedDamage)
	}
	return level, nil
}

// DeblockQuality returns the JPEG quality a real input is deblocked at
// before the first pass (Options.Deblock), 0 for none: the quality asked
// for, else for a model with a denoise control the quality
// data.EstimateJPEGQuality finds, if any.
func (s *SR3Stage) DeblockQuality(opts Options, img *data.Image, generated bool) (int, error) {
	switch q := opts.Deblock; {
	case q < DeblockOff || q > 100:
		return 0, fmt.Errorf("model %s: deblock %d: want a JPEG quality 1..100, 0 (automatic) or %d (off)", s.name, q, DeblockOff)
	case q == DeblockOff || generated:
		return 0, nil
	case q > 0:
		return q, nil
	case !s.model.Config.Denoise:
		return 0, nil
	}
	q, ok, err := data.EstimateJPEGQuality(img)
	if err != nil || !ok {
		return 0, err
	}
	return q, nil
}

// CondLevel returns the conditioning-augmentation level of a pass: the
// level asked for in opts.CondNoise, else the model's default
// (sr3.Config.CondNoise) for a generated input and 0 for a real one. A level
// above 0 for a model trained without augmentation is an error naming it.
func (s *SR3Stage) CondLevel(opts Options, generated bool) (float64, error) {
	cfg := s.model.Config
	level := 0.0
	switch {
	case opts.CondNoise != nil:
		level = *opts.CondNoise
	case generated:
		level = cfg.CondNoise
	}
	if !(level >= 0 && level <= 1) {
		return 0, fmt.Errorf("model %s: conditioning noise %g: want 0 <= level <= 1", s.name, level)
	}
	if level > 0 && cfg.Denoise {
		return 0, fmt.Errorf("model %s: conditioning noise %g: its conditioning level is a denoise control: set the denoise level instead: %w", s.name, level, sr3.ErrNoCondAug)
	}
	if level > 0 && !cfg.CondAug {
		return 0, fmt.Errorf("model %s: conditioning noise %g: %w", s.name, level, sr3.ErrNoCondAug)
	}
	return level, nil
}

// augment returns img with CDM conditioning noise: img + level * the
// field's values over the whole image (so every tile of it sees the same
// noise); img itself when level is 0.
func augment(img *data.Image, level float64, field NoiseField) *data.Image {
	if level == 0 {
		return img
	}
	out := &data.Image{W: img.W, H: img.H, C: img.C, Pix: make([]float32, len(img.Pix))}
	field.FillRect(0, Rect{W: img.W, H: img.H}, img.C, out.Pix)
	l := float32(level)
	for i, v := range img.Pix {
		out.Pix[i] = v + l*out.Pix[i]
	}
	return out
}

// Plan returns the tiles (in HR pixels) that Upscale cuts the bicubic
// upsampling of a w x h image into at the model's scale, for a tile size
// in LR pixels (0 = automatic, see DefaultTileSize).
func (s *SR3Stage) Plan(w, h, tile int) (TilePlan, error) {
	cfg := s.model.Config
	f := cfg.Scale
	// unet is the UNet input pixels per LR pixel along an axis.
	unet := f
	if cfg.SpaceToDepth {
		unet = 1
	}
	overlap := ceilDiv(DefaultOverlap, unet)
	if tile <= 0 {
		tile = max(1, DefaultTileSize/unet)
	} else {
		overlap = min(overlap, tile/4)
	}
	mult := cfg.SizeMultiple()
	return PlanTiles(w*f, h*f, TileGeometry{
		MaxSize: tile * f,
		Overlap: overlap * f,
		Unit:    lcm(mult, f),
		Align:   f,
		Pad:     mult,
	})
}

func joinInts(v []int) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("x%d", x)
	}
	return s
}
