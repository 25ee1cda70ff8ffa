// Package cascade chains srcascade's stages: an optional base generator
// followed by super-resolution stages, with tiling, blending and CDM
// conditioning augmentation, behind the Upscaler interface the CLI uses.
package cascade

import (
	"context"

	"github.com/srcascade/srcascade/data"
)

// Options are the per-call sampling choices of an upscale.
type Options struct {
	Scale    int     // output scale (2, 4, 8)
	Seed     int64   // noise seed; same seed, same output
	Steps    int     // sampler steps; 0 = the model's default; 1 = one-step estimate
	Sampler  string  // "ddim" or "ddpm"; "" = model default
	Eta      float64 // DDIM eta
	Strength float64 // partial-noise start, 0..1; 0 = model default
	Tile     int     // tile size in input pixels; 0 = automatic
	// CondNoise is the CDM conditioning-augmentation level: Gaussian noise
	// of this standard deviation ([-1,1] units) is added to each stage's
	// input before its bicubic upsampling, and the level is given to the
	// network (sr3.Config.CondAug). nil = automatic: the model's default
	// level (sr3.Config.CondNoise) on generated inputs, none on real ones.
	CondNoise *float64
	// Denoise is the level given to stages trained with a denoise control
	// (sr3.Config.Denoise): how damaged the input is, from 0 (clean: keep
	// every detail) to 1 (heavily blurred, noisy or JPEG-compressed: smooth
	// the damage away), on the scale of train.DegradationStrength. nil =
	// automatic: estimated from each real input by data.EstimateDamage, 0 for
	// generated inputs. Stages without the control ignore it.
	Denoise *float64
	// Deblock removes JPEG block artefacts from a real input before a
	// learned stage upscales it, by re-application of JPEG on the shifted
	// block grids (data.DeblockJPEG). 0 = automatic: for stages with a
	// denoise control (the real-photo models), when
	// data.EstimateJPEGQuality finds that the input is a JPEG decode, at
	// its quality; DeblockOff = never; 1..100 = the input was saved as a
	// JPEG of this quality: deblock it for any learned stage.
	Deblock int
	// Prefilter removes white noise from a real input before a learned
	// stage upscales it (after any deblocking), by BM3D (data.DenoiseBM3D:
	// similar 8x8 patches filtered together) at a noise sigma in 8-bit
	// levels. 0 = automatic: for stages with a denoise control (the
	// real-photo models), at data.AutoPrefilterSigma: the sigma of a
	// colour image's colour noise or of a grey image's grey noise when
	// above data.PrefilterFloor, and at least data.DeblockedNoise on a
	// deblocked JPEG (whose noise the estimate cannot see); the denoise
	// level is then estimated from the filtered input. PrefilterOff =
	// never; a sigma above 0 (up to 255) = filter at it for any learned
	// stage.
	Prefilter float64
	// Generated marks the input as the output of an earlier stage (a later
	// stage of a Pipeline), which the automatic CondNoise augments.
	Generated bool
	// Consistency turns on ILVR/DDNM consistency: every clean-image estimate
	// of the sampler is projected so that its MATLAB bicubic downscale
	// equals the stage's input (data.ConsistencyProjector), and so is the
	// result, which then matches the input exactly up to 8-bit rounding
	// (SR3's consistency metric near 0). Every stage projects against its
	// own input; a Pipeline, a multi-pass SR3Stage and a Rescaled also
	// project their final result against their own input at the scale asked.
	// Tiles are projected against the LR pixels they hold whole (see
	// SR3Stage); Bicubic projects its result. It re-imposes the input as it
	// is, noise and JPEG blocks included: use it on clean inputs.
	Consistency bool
	// TTA (test-time augmentation, a self-ensemble) runs every pass of a
	// learned stage on the input as it is and mirrored left-right,
	// top-bottom and both, mirrors the results back and averages them: 4x
	// the time, for a little more fidelity (most on noisy inputs, whose
	// noise the four runs see differently) and less of the noise pattern
	// of one run. Bicubic ignores it.
	TTA bool
}

// DeblockOff turns Options.Deblock's automatic JPEG deblocking off.
const DeblockOff = -1

// Progress receives progress reports: done of total units of the current image.
type Progress func(done, total int)

// Upscaler makes an image larger. Implementations need only be safe for
// use by one goroutine at a time (a learned stage's compiled network and
// buffers are not shared): callers serialise or open one per worker.
// srcascade.Upscaler wraps one for concurrent use, calls queueing on it.
type Upscaler interface {
	Name() string
	// Scales lists the output scales this upscaler supports.
	Scales() []int
	// Upscale returns img enlarged by opts.Scale (colour only; alpha is
	// handled by the caller). progress may be nil.
	Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error)
}
