package train

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

// Options are the optimisation and bookkeeping settings of a training run.
// The network and diffusion settings (including the loss) are the
// sr3.Config; both are saved with every checkpoint.
type Options struct {
	// Steps is the total number of optimisation steps (a resumed run stops
	// at the same total).
	Steps int `json:"steps"`
	// Batch is the number of patches per step and Patch the HR patch side
	// (for a base stage, the images per step and their side): the data
	// source makes them; Run checks its batches against these.
	Batch int `json:"batch"`
	Patch int `json:"patch"`
	// LR is the peak Adam learning rate, reached after Warmup steps of
	// linear warm-up.
	LR     float64 `json:"lr"`
	Warmup int     `json:"warmup"`
	// DecayFrom is the step from which the learning rate follows a cosine
	// from LR down to zero at Steps (cosine annealing, Loshchilov &
	// Hutter); 0 keeps it constant after the warm-up. A resumed run may
	// set or move it, so a long run at a constant rate can be annealed at
	// its end.
	DecayFrom int `json:"decay_from,omitempty"`
	// GradClip clips the gradient by its global L2 norm (0 = off).
	GradClip float64 `json:"grad_clip"`
	// EMADecay is the decay of the exponential moving average of the
	// weights (what inference uses). The effective decay ramps up as
	// min(EMADecay, step/(10+step)) so early checkpoints are usable.
	EMADecay float64 `json:"ema_decay"`
	// Every is the period, in steps, of checkpoints and validation
	// (0 = only at the end).
	Every int `json:"every"`
	// ValSteps is the number of sampler steps of the validation estimate
	// (1 = the one-step estimate), ValSampler its kind ("ddim" or "ddpm",
	// default DDIM) and ValStrength its start level (default: the
	// config's Strength). For a base stage, ValSteps and ValSampler are
	// those of the sample sheet (see SamplesFile; ValStrength does not
	// apply: a base stage starts from pure noise).
	ValSteps    int     `json:"val_steps"`
	ValSampler  string  `json:"val_sampler,omitempty"`
	ValStrength float64 `json:"val_strength,omitempty"`
	// CondNoise is the largest CDM conditioning-augmentation level of the
	// LR inputs (see DataOptions.CondNoiseMax; 0 = off). It needs a
	// config with CondAug, whose network takes the level.
	CondNoise float64 `json:"cond_noise,omitempty"`
	// LabelDropout is the probability that a base stage's training label is
	// replaced by the "no label" token (sr3.DropLabels), which trains the
	// unconditional predictions classifier-free guidance mixes in (Ho &
	// Salimans: 0.1 to 0.2). Only for class-conditional base stages.
	LabelDropout float64 `json:"label_dropout,omitempty"`
	// HighNoise is the share of training items whose noise level is drawn
	// from the noisiest tenth of the schedule (sr3.Schedule.SampleGammaFrom
	// with t from 0.9 T), where the one-step estimate the shipped models
	// default to is made; the rest follow SR3's draw over all levels
	// (0, the default, draws every item as SR3 does). It concentrates the
	// training on the one-step estimate at the cost of the lower levels
	// multi-step samplers visit.
	HighNoise float64 `json:"high_noise,omitempty"`
	// Classes are the class names of a class-conditional base stage, label
	// i being Classes[i] (the sorted class folders; see LabelledOptions).
	// They are saved with every checkpoint (ClassesFile) so generation can
	// name its classes; a resumed run must train on the same classes.
	Classes []string `json:"classes,omitempty"`
	// Out is the checkpoint folder.
	Out string `json:"out"`
	// Seed fixes the weights' initialisation, the noise and noise levels of
	// every step (drawn from (Seed, step), so a resumed run draws what the
	// uninterrupted run would have) and dropout.
	Seed int64 `json:"seed"`
	// Init names the weights a fresh run starts from instead of a random
	// initialisation (a warm start, see InitWeights): a built-in model
	// name or a model folder, recorded in InfoFile. Empty for a cold start.
	Init string `json:"init,omitempty"`
	// InitWeights are the weights a fresh run starts from (names as in
	// sr3.WeightsFile, e.g. the EMA weights of a shipped model), with a
	// fresh optimiser and EMA. They must be the network's weights, names
	// and shapes, except that they may lack the conditioning-level
	// embedding (sr3.Config.CondAug: a clean model warm-starting a denoise
	// one), which then starts at zero, so that the warm-started network
	// computes exactly what the init model did. Ignored on Resume.
	InitWeights map[string]*tensors.Tensor `json:"-"`
	// Resume continues from the checkpoint in Out; without it, Run refuses
	// to overwrite an existing checkpoint.
	Resume bool `json:"-"`
	// Backend runs the computation (nil: sr3.NewBackend("")).
	Backend compute.Backend `json:"-"`
}

// DefaultOptions returns the defaults of `srcascade train`.
func DefaultOptions() Options {
	return Options{
		Steps:    20000,
		Batch:    8,
		Patch:    64,
		LR:       2e-4,
		Warmup:   500,
		GradClip: 1,
		EMADecay: 0.999,
		Every:    1000,
		ValSteps: 1,
		Out:      "checkpoint",
		Seed:     1,
	}
}

// DefaultBaseOptions returns the defaults of `srcascade train --stage base`
// for a base stage generating size x size images: DefaultOptions with Patch
// = size, label dropout 0.1 (Ho & Salimans's lower value: the rest of
// the steps train the class-conditional predictions the samples come
// from) and a sample sheet of BaseSheetSteps DDIM steps at each checkpoint.
func DefaultBaseOptions(size int) Options {
	o := DefaultOptions()
	o.Patch = size
	o.LabelDropout = 0.1
	o.ValSteps = BaseSheetSteps
	return o
}

// Validate reports every problem with the options.
func (o Options) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if o.Steps < 1 {
		bad("steps %d: want at least 1", o.Steps)
	}
	if o.Batch < 1 || o.Batch > MaxBatch {
		bad("batch %d: want 1..%d", o.Batch, MaxBatch)
	}
	if o.Patch < 1 || o.Patch > MaxPatch {
		bad("patch %d: want 1..%d pixels", o.Patch, MaxPatch)
	}
	if !(o.LR > 0) || math.IsInf(o.LR, 0) {
		bad("lr %g: want a positive learning rate", o.LR)
	}
	if o.Warmup < 0 {
		bad("warmup %d: want 0 or more steps", o.Warmup)
	}
	if o.DecayFrom < 0 || (o.DecayFrom > 0 && o.DecayFrom >= o.Steps) {
		bad("decay_from %d: want 0 (no decay) or a step before the last (%d)", o.DecayFrom, o.Steps)
	}
	if !(o.GradClip >= 0) || math.IsInf(o.GradClip, 0) {
		bad("grad_clip %g: want 0 (off) or a positive norm", o.GradClip)
	}
	if !(o.EMADecay >= 0 && o.EMADecay < 1) {
		bad("ema_decay %g: want 0 <= decay < 1", o.EMADecay)
	}
	if o.Every < 0 {
		bad("every %d: want 0 (only at the end) or a period in steps", o.Every)
	}
	if o.ValSteps < 1 {
		bad("val_steps %d: want at least 1", o.ValSteps)
	}
	if o.ValSampler != "" && o.ValSampler != "ddim" && o.ValSampler != "ddpm" {
		bad("val_sampler %q: want ddim or ddpm", o.ValSampler)
	}
	if !(o.ValStrength >= 0 && o.ValStrength <= 1) {
		bad("val_strength %g: want 0 (the config's) or 0 < strength <= 1", o.ValStrength)
	}
	if !(o.CondNoise >= 0 && o.CondNoise <= 1) {
		bad("cond_noise %g: want 0 (off) or a level up to 1", o.CondNoise)
	}
	if !(o.LabelDropout >= 0 && o.LabelDropout <= 1) {
		bad("label_dropout %g: want a probability, 0 to 1", o.LabelDropout)
	}
	if !(o.HighNoise >= 0 && o.HighNoise <= 1) {
		bad("high_noise %g: want a share, 0 to 1", o.HighNoise)
	}
	if strings.TrimSpace(o.Out) == "" {
		bad("no checkpoint folder (out)")
	}
	if len(errs) > 0 {
		return errors.New("train: invalid options: " + strings.Join(errs, "; "))
	}
	return nil
}

// learningRate is the learning rate of step (0-based): linear warm-up,
// then LR, then from DecayFrom a cosine down to zero at Steps.
func (o Options) learningRate(step int) float64 {
	lr := o.LR
	if o.Warmup > 0 && step < o.Warmup {
		lr *= float64(step+1) / float64(o.Warmup)
	}
	if o.DecayFrom > 0 && step >= o.DecayFrom && o.Steps > o.DecayFrom {
		t := float64(step-o.DecayFrom) / float64(o.Steps-o.DecayFrom)
		lr *= 0.5 * (1 + math.Cos(math.Pi*t))
	}
	return lr
}

// emaDecay is the EMA decay used at step (0-based): it ramps up as
// step/(10+step), so step 0 copies the weights into the EMA.
func (o Options) emaDecay(step int) float64 {
	return math.Min(o.EMADecay, float64(step)/float64(10+step))
}
