package srcascade

import (
	"strconv"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/pretrained"
)

// DefaultScale is the scale of an upscale when Options.Scale is 0, as
// `srcascade upscale` has it without -s.
const DefaultScale = 4

// DefaultSeed is the noise seed when Options.Seed is 0, as `srcascade
// upscale` has it without --seed: the zero Options give the CLI's pixels.
const DefaultSeed = 1

// Options choose the model and the sampling of an upscale. The zero value
// is the CLI's defaults (`srcascade upscale` without flags); every field
// left at zero takes the default its comment names.
type Options struct {
	// Model is a built-in model name (pretrained.List), a checkpoint
	// folder written by training, or models joined with "+" (a cascade,
	// such as "sr3-x4+sr3-x2"); "" = pretrained.Default(Scale).
	Model string
	// Backend is the compute backend of learned models: "" = automatic
	// ($GOMLX_BACKEND, else XLA if installed, else go), "go", "xla:cpu",
	// "xla:cuda" or a PJRT plugin path.
	Backend string
	// Scale is the output scale: 2, 3, 4 or 8; 0 = DefaultScale. A scale
	// the model lacks runs at its next larger one, resized down exactly
	// (cascade.ForScale).
	Scale int
	// Seed is the noise seed: the same seed gives the same pixels; 0 =
	// DefaultSeed (so seeds 0 and 1 give the same output).
	Seed int64
	// Steps is the number of sampler steps: 0 = the model's default, 1 =
	// the one-step estimate.
	Steps int
	// Sampler is "ddim" or "ddpm"; "" = the model's.
	Sampler string
	// Eta is DDIM's eta: 0 deterministic, 1 as noisy as DDPM.
	Eta float64
	// Strength is the partial-noise start in [0,1]; 0 = the model's default.
	Strength float64
	// Tile is the tile size in input pixels, which bounds memory; 0 =
	// automatic.
	Tile int
	// CondNoise is the CDM conditioning-augmentation level; nil =
	// automatic (see cascade.Options.CondNoise).
	CondNoise *float64
	// Denoise is the denoise level, 0 (clean input) to 1 (heavily damaged),
	// of models trained with a denoise control; nil = estimated from each
	// input (see cascade.Options.Denoise).
	Denoise *float64
	// Deblock is the JPEG deblocking of the input before a learned model:
	// 0 = automatic (the real-photo models deblock an input found to be a
	// JPEG decode, at its quality), cascade.DeblockOff = never, 1..100 =
	// the quality the input was saved at (see cascade.Options.Deblock).
	Deblock int
	// Prefilter is the DCT denoising of the input before a learned model,
	// after any deblocking: 0 = automatic (the real-photo models filter an
	// input whose noise they measure, and every deblocked JPEG),
	// cascade.PrefilterOff = never, above 0 = the noise sigma in 8-bit
	// levels to filter at (see cascade.Options.Prefilter).
	Prefilter float64
	// Target asks for an output size other than a model scale: any
	// factor >= 1 (3.5) or a width and/or height (cascade.Target); zero =
	// Scale. With a Target, Scale must be 0: the learned model runs at the
	// smallest scale it has that covers each image's size, then an exact
	// MATLAB-bicubic resize gives the size (pretrained.OpenSized; Model ""
	// = the default model of each scale).
	Target cascade.Target
	// Consistency projects every sampler step's estimate (and the result)
	// so that its MATLAB-bicubic downscale equals the input (ILVR/DDNM,
	// cascade.Options.Consistency): for clean inputs, not for JPEGs or
	// noisy photos, whose damage it re-imposes (BENCHMARKS.md).
	Consistency bool
	// TTA averages each learned pass over the input and its three mirror
	// images (cascade.Options.TTA): 4x the time, a little more fidelity,
	// most on noisy inputs.
	TTA bool
}

// Resolved returns o with its defaults filled in: Scale DefaultScale,
// Model pretrained.Default(Scale), Seed DefaultSeed where they are zero.
// With a Target, Scale and Model keep their zero (each image runs the
// scale that covers its size). The other fields keep their zero, which
// the model resolves itself.
func (o Options) Resolved() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Target != (cascade.Target{}) {
		return o
	}
	if o.Scale == 0 {
		o.Scale = DefaultScale
	}
	if o.Model == "" {
		o.Model = pretrained.Default(o.Scale)
	}
	return o
}

// Cascade returns the per-call options of a cascade.Upscaler for o,
// defaults filled in (Resolved).
func (o Options) Cascade() cascade.Options {
	r := o.Resolved()
	return cascade.Options{
		Scale: r.Scale, Seed: r.Seed, Steps: r.Steps, Sampler: r.Sampler,
		Eta: r.Eta, Strength: r.Strength, Tile: r.Tile, CondNoise: r.CondNoise,
		Denoise: r.Denoise, Deblock: r.Deblock, Prefilter: r.Prefilter, Consistency: r.Consistency, TTA: r.TTA,
	}
}

// size writes the size o asks as messages do: "x4", "x3.5", "w1920",
// "1920x1080" (its Target when set), or "" for none.
func (o Options) size() string {
	if o.Target != (cascade.Target{}) {
		return o.Target.String()
	}
	if o.Scale == 0 {
		return ""
	}
	return "x" + strconv.Itoa(o.Scale)
}
