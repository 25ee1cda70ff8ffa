package sr3

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// EpsFunc predicts the noise in x at noise level gamma (alpha_bar); x and the result are flat
// batches of the same length. It must not modify x nor keep it after returning; the sampler only
// reads the result (it may be a buffer the function reuses on the next call). The network is
// conditioned on [NoiseLevel](gamma) = sqrt(gamma).
type EpsFunc func(ctx context.Context, x []float32, gamma float64) ([]float32, error)

// Sampler kinds accepted in [SamplerConfig].Kind.
const (
	// DDPM is the ancestral sampler of Ho et al. as SR3 uses it, respaced to any number of steps.
	DDPM = "ddpm"
	// DDIM is the sampler of Song et al. with its eta parameter (0 = deterministic).
	DDIM = "ddim"
)

// SamplerKinds lists the sampler kinds [Sample] accepts.
var SamplerKinds = []string{DDPM, DDIM}

// SamplerConfig chooses how [Sample] runs the reverse process.
type SamplerConfig struct {
	// Kind is DDPM ("ddpm") or DDIM ("ddim").
	Kind string
	// Steps is the number of network evaluations, at least 1. Steps = 1 is the one-step estimate:
	// a single evaluation at the start level and the predicted clean image. More steps than the
	// schedule has indices below the start level are clamped (see [Schedule.Timesteps]).
	Steps int
	// Eta scales the noise of DDIM steps (0 = deterministic, 1 = DDPM); must be >= 0, and is
	// ignored by DDPM.
	Eta float64
	// Strength in (0, 1] is where sampling starts: at level index round(Strength*T)-1, from the
	// initial image noised to that level (1 = from almost pure noise; below 1 = SDEdit's partial
	// start from a noised initial image, fewer levels left to walk down).
	Strength float64
	// Spacing places the visited levels: "" or [Trailing] (even in t), or [Quadratic] (more
	// steps at low noise); see [Schedule.SpacedTimesteps].
	Spacing string
	// ClipX0, when > 0, clips every estimate of the clean image to [-ClipX0, ClipX0] (SR3's
	// clip_denoised with ClipX0 = 1). 0 disables clipping: a model that diffuses a residual (HR minus
	// bicubic) has no [-1, 1] range, so pick the bound for what the model diffuses.
	ClipX0 float64
	// ProjectX0, when not nil, is applied in place to every estimate of the clean image after
	// clipping, before the step uses it: e.g. a consistency projection that makes the downsampled
	// estimate match the low-resolution input (ILVR/DDNM style). gamma is the level of the step.
	ProjectX0 func(x0 []float32, gamma float64)
}

// Validate reports the first problem with the configuration, in words a user can act on.
func (c SamplerConfig) Validate() error {
	switch {
	case c.Kind != DDPM && c.Kind != DDIM:
		return fmt.Errorf("sr3: unknown sampler %q (known: %v)", c.Kind, SamplerKinds)
	case c.Steps < 1 || c.Steps > MaxSteps:
		return fmt.Errorf("sr3: sampler steps = %d, need 1..%d", c.Steps, MaxSteps)
	case !(c.Strength > 0 && c.Strength <= 1):
		return fmt.Errorf("sr3: sampler strength = %g, need 0 < strength <= 1", c.Strength)
	case !(c.Eta >= 0) || math.IsInf(c.Eta, 0):
		return fmt.Errorf("sr3: DDIM eta = %g, need a finite eta >= 0", c.Eta)
	case c.Spacing != "" && c.Spacing != Trailing && c.Spacing != Quadratic:
		return fmt.Errorf("sr3: unknown timestep spacing %q (known: %v)", c.Spacing, Spacings)
	case !(c.ClipX0 >= 0) || math.IsInf(c.ClipX0, 0):
		return fmt.Errorf("sr3: x0 clip bound = %g, need a finite bound >= 0 (0 = no clipping)", c.ClipX0)
	}
	return nil
}

// Sample runs the reverse process and returns the final clean image estimate x_0.
//
// It visits the levels of s.SpacedTimesteps(cfg.Steps, cfg.Strength, cfg.Spacing) (for the default
// spacing s.Gammas(cfg.Steps, cfg.Strength)), starting at the first from
// x = QSample(x0Init, noise call 0, gamma_start), where x0Init is the initial image of a partial start
// (strength < 1); for a start from noise it may be all zeros (it then contributes nothing, at
// strength 1 it would contribute sqrt(gamma_{T-1}) x0Init, under 1% on the default schedules).
// len(x0Init) sets the batch size. At every visited level it evaluates eps, forms the clean image
// estimate x0 = PredictStartFromNoise(x, eps, gamma), clips and projects it as cfg says, and steps
// to the next level with [DDPMStep] or [DDIMStep], drawing the step's noise from call i+1 of noise
// when the step adds any. From the last level it returns x0 itself (the step to gamma = 1 is
// deterministic for both samplers), so Steps = 1 is the one-step estimate.
//
// The result is a deterministic function of the inputs and the noise source. ctx is checked before
// every step and passed to eps; cancellation returns an error wrapping ctx.Err(). progress, if not
// nil, is called after every step with (done, total).
func Sample(ctx context.Context, s *Schedule, cfg SamplerConfig, x0Init []float32, noise NoiseSource, eps EpsFunc, progress func(step, total int)) ([]float32, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case s == nil || s.T() == 0:
		return nil, errors.New("sr3: sample: no noise schedule")
	case len(x0Init) == 0:
		return nil, errors.New("sr3: sample: empty initial image batch")
	case noise == nil:
		return nil, errors.New("sr3: sample: no noise source")
	case eps == nil:
		return nil, errors.New("sr3: sample: no noise predictor")
	}
	ts, err := s.SpacedTimesteps(cfg.Steps, cfg.Strength, cfg.Spacing)
	if err != nil {
		return nil, err
	}
	gammas := s.GammasAt(ts)
	total := len(gammas)
	n := len(x0Init)
	x, x0, z := make([]float32, n), make([]float32, n), make([]float32, n)
	noise.Fill(0, z)
	QSample(x, x0Init, z, gammas[0])
	for i, g := range gammas {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("sr3: sampling stopped before step %d of %d: %w", i+1, total, err)
		}
		e, err := eps(ctx, x, g)
		if err != nil {
			return nil, fmt.Errorf("sr3: sampling step %d of %d (gamma %.4g): %w", i+1, total, g, err)
		}
		if len(e) != n {
			return nil, fmt.Errorf("sr3: sampling step %d of %d: noise prediction has %d values for %d inputs", i+1, total, len(e), n)
		}
		if j := firstNonFinite(e); j >= 0 {
			return nil, fmt.Errorf("sr3: sampling step %d of %d (gamma %.4g): noise prediction [%d] = %g", i+1, total, g, j, e[j])
		}
		PredictStartFromNoise(x0, x, e, g)
		if cfg.ClipX0 > 0 {
			clip(x0, float32(cfg.ClipX0))
		}
		if cfg.ProjectX0 != nil {
			cfg.ProjectX0(x0, g)
		}
		if i == total-1 {
			if progress != nil {
				progress(i+1, total)
			}
			return x0, nil
		}
		next := gammas[i+1]
		switch cfg.Kind {
		case DDPM:
			var zs []float32
			if Posterior(g, next).Variance > 0 {
				noise.Fill(i+1, z)
				zs = z
			}
			DDPMStep(x, x, x0, g, next, zs)
		case DDIM:
			var zs []float32
			if DDIMSigma(g, next, cfg.Eta) > 0 {
				noise.Fill(i+1, z)
				zs = z
			}
			DDIMStep(x, x, x0, g, next, cfg.Eta, zs)
		}
		if progress != nil {
			progress(i+1, total)
		}
	}
	return x0, nil // not reached: the last step returns above
}

func clip(x []float32, bound float32) {
	for i, v := range x {
		x[i] = min(max(v, -bound), bound)
	}
}

// firstNonFinite returns the index of the first NaN or infinite value, or -1.
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if v-v != 0 { // NaN or ±Inf
			return i
		}
	}
	return -1
}
