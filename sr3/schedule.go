package sr3

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Schedule is a discrete diffusion noise schedule of T training steps.
//
// Betas[t] is the variance added at step t (t = 0..T-1) and AlphaBars[t] = prod_{k<=t} (1 - Betas[k])
// is the cumulative signal level gamma_t, strictly decreasing from just below 1 to just above 0. By
// convention the level "before step 0" is gamma_{-1} = 1 (no noise), see [Schedule.AlphaBar].
type Schedule struct {
	// Betas are the per-step noise variances, each in (0, 1).
	Betas []float64
	// AlphaBars are the cumulative products of 1-Betas: gamma_t for t = 0..T-1.
	AlphaBars []float64
}

// Default schedule used when a model config names none.
const (
	// DefaultScheduleName is the schedule name [NewSchedule] gets by default: "linear".
	DefaultScheduleName = "linear"
	// DefaultT is the default number of training steps: 1000.
	DefaultT = 1000
	// CosineOffset is the offset s of the cosine schedule (Nichol & Dhariwal use 0.008).
	CosineOffset = 0.008
	// maxBeta clips betas of the cosine schedule (Nichol & Dhariwal, Improved DDPM).
	maxBeta = 0.999
)

// ScheduleNames lists the names [NewSchedule] accepts.
var ScheduleNames = []string{"linear", "sr3", "cosine"}

// NewSchedule returns the named schedule with T training steps:
//
//   - "linear": the DDPM linear schedule (Ho et al.), betas from 1e-4 to 2e-2 at T = 1000, both ends
//     scaled by 1000/T for other T (as improved-diffusion does) so the process keeps the same total
//     noise, gamma_{T-1} ~ 4e-5, whatever T. This is the default ([DefaultScheduleName], [DefaultT]):
//     with continuous noise-level conditioning T only sets how finely training covers the levels, and
//     the inference step count is chosen freely at sampling time.
//   - "sr3": SR3's training schedule, linear betas from 1e-6 to 1e-2 at T = 2000, scaled by 2000/T for
//     other T. It ends at about the same level (gamma_{T-1} ~ 4.5e-5) but spends more steps at low
//     noise.
//   - "cosine": [CosineSchedule] with s = [CosineOffset].
//
// An unknown name, T < 1, or a T so small that a scaled beta reaches 1 is an error.
func NewSchedule(name string, T int) (*Schedule, error) {
	if T < 1 {
		return nil, fmt.Errorf("sr3: schedule %q: T = %d training steps, need at least 1", name, T)
	}
	var (
		s   *Schedule
		err error
	)
	switch name {
	case "linear":
		scale := 1000 / float64(T)
		s, err = LinearSchedule(T, 1e-4*scale, 2e-2*scale)
	case "sr3":
		scale := 2000 / float64(T)
		s, err = LinearSchedule(T, 1e-6*scale, 1e-2*scale)
	case "cosine":
		s, err = CosineSchedule(T, CosineOffset)
	default:
		return nil, fmt.Errorf("sr3: unknown noise schedule %q (known: %v)", name, ScheduleNames)
	}
	if err != nil {
		return nil, fmt.Errorf("sr3: schedule %q with T = %d: %w", name, T, err)
	}
	return s, nil
}

// LinearSchedule returns T betas evenly spaced from betaStart to betaEnd inclusive (numpy's
// linspace; a single step uses betaStart). It needs T >= 1 and 0 < betaStart <= betaEnd < 1.
func LinearSchedule(T int, betaStart, betaEnd float64) (*Schedule, error) {
	if T < 1 {
		return nil, fmt.Errorf("sr3: linear schedule: T = %d, need at least 1 step", T)
	}
	if !(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1) {
		return nil, fmt.Errorf("sr3: linear schedule: betas %g..%g, need 0 < start <= end < 1", betaStart, betaEnd)
	}
	betas := make([]float64, T)
	for t := range betas {
		if T == 1 {
			betas[t] = betaStart
			break
		}
		betas[t] = betaStart + (betaEnd-betaStart)*float64(t)/float64(T-1)
	}
	return FromBetas(betas)
}

// CosineSchedule returns the cosine schedule of Nichol & Dhariwal (Improved DDPM):
// gamma(t) = f(t)/f(0) with f(t) = cos^2((t/T + s)/(1 + s) * pi/2), discretised as
// beta_t = min(1 - f(t+1)/f(t), 0.999) for t = 0..T-1, so gamma_{T-1} is tiny but positive.
// It needs T >= 1 and s >= 0.
func CosineSchedule(T int, s float64) (*Schedule, error) {
	if T < 1 {
		return nil, fmt.Errorf("sr3: cosine schedule: T = %d, need at least 1 step", T)
	}
	if !(s >= 0) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("sr3: cosine schedule: offset s = %g, need a finite s >= 0", s)
	}
	f := func(t int) float64 {
		c := math.Cos((float64(t)/float64(T) + s) / (1 + s) * math.Pi / 2)
		return c * c
	}
	betas := make([]float64, T)
	for t := range betas {
		betas[t] = min(1-f(t+1)/f(t), maxBeta)
	}
	return FromBetas(betas)
}

// FromBetas builds a schedule from explicit betas, each in (0, 1).
func FromBetas(betas []float64) (*Schedule, error) {
	if len(betas) == 0 {
		return nil, fmt.Errorf("sr3: schedule: no betas")
	}
	s := &Schedule{Betas: append([]float64(nil), betas...), AlphaBars: make([]float64, len(betas))}
	prod := 1.0
	for t, b := range betas {
		if !(b > 0 && b < 1) {
			return nil, fmt.Errorf("sr3: schedule: beta[%d] = %g, need 0 < beta < 1", t, b)
		}
		prod *= 1 - b
		if prod <= 0 {
			return nil, fmt.Errorf("sr3: schedule: alpha_bar[%d] underflows to 0", t)
		}
		s.AlphaBars[t] = prod
	}
	return s, nil
}

// T returns the number of training steps.
func (s *Schedule) T() int { return len(s.AlphaBars) }

// AlphaBar returns gamma_t for t = -1..T-1, with gamma_{-1} = 1 (the clean image).
func (s *Schedule) AlphaBar(t int) float64 {
	if t < 0 {
		return 1
	}
	return s.AlphaBars[t]
}

// NoiseLevel returns the network's conditioning input for the level gamma: sqrt(gamma), the
// continuous noise level of SR3 (1 = clean, near 0 = pure noise). Give it per batch item.
func NoiseLevel(gamma float64) float64 { return math.Sqrt(gamma) }

// SampleGamma draws a training noise level gamma as the SR3 reference implementation does: pick a
// step t uniformly in 0..T-1, then draw sqrt(gamma) uniformly between sqrt(gamma_t) and
// sqrt(gamma_{t-1}) (gamma_{-1} = 1). The draw is uniform on the sqrt level, the network's input
// (SR3 writes gamma ~ U(gamma_{t-1}, gamma_t); its code samples sqrt(gamma)). The union of the
// intervals is [sqrt(gamma_{T-1}), 1], so every level met at inference has been trained on.
func (s *Schedule) SampleGamma(rng *rand.Rand) float64 {
	return s.SampleGammaFrom(rng, 0)
}

// SampleGammaFrom draws a noise level as SampleGamma does, with the step t
// uniform in tMin..T-1 instead (clamped to that range): tMin = 0 is
// SampleGamma, and tMin near T draws only the noisiest levels, where the
// one-step estimate is made.
func (s *Schedule) SampleGammaFrom(rng *rand.Rand, tMin int) float64 {
	tMin = min(max(tMin, 0), s.T()-1)
	t := tMin + rng.IntN(s.T()-tMin)
	lo, hi := math.Sqrt(s.AlphaBar(t)), math.Sqrt(s.AlphaBar(t-1))
	g := lo + (hi-lo)*rng.Float64()
	return g * g
}

// Timestep spacings accepted by [Schedule.SpacedTimesteps] and [SamplerConfig].Spacing.
const (
	// Trailing spaces the visited steps evenly in t (diffusers' timestep_spacing="trailing").
	Trailing = "trailing"
	// Quadratic spaces them evenly in sqrt(t), so more steps land at low noise (the DDIM paper's
	// "quad" spacing, made trailing). On Gaussian toy data it keeps much more of the data's
	// variance at few steps than Trailing (see TestSpacingKeepsVariance).
	Quadratic = "quadratic"
)

// Spacings lists the timestep spacings [Schedule.SpacedTimesteps] accepts.
var Spacings = []string{Trailing, Quadratic}

// Timesteps returns the schedule indices visited at inference for the given number of steps,
// starting at strength*T, in visiting order (strictly decreasing, noisiest first), with the
// [Trailing] spacing.
//
// With n = round(strength*T) steps available, step i = 0..k-1 of k is at index
// round(n*(k-i)/k) - 1, so the first step is at the start level exactly (index n-1; T-1 for
// strength 1) and the last step, from index round(n/k)-1, jumps to the clean image
// (gamma_{-1} = 1). Examples with T = 1000:
//
//	steps 4, strength 1:    999 749 499 249
//	steps 4, strength 0.5:  499 374 249 124
//	steps 1, strength 1:    999 (the one-step estimate from pure noise)
//	steps 1000, strength 1: 999 998 ... 1 0 (every training step, as SR3's sampler)
//
// Strength 1 starts from (almost) pure noise; a strength in (0, 1) is an SDEdit partial start from a
// noised initial image. steps is clamped to 1..n (more steps than schedule indices below the start
// would repeat levels) and strength to (0, 1], with at least one index available.
func (s *Schedule) Timesteps(steps int, strength float64) []int {
	ts, _ := s.SpacedTimesteps(steps, strength, Trailing)
	return ts
}

// SpacedTimesteps is [Schedule.Timesteps] with a choice of spacing ("" means [Trailing]). With n and
// k as there, step i is at index round(n*f((k-i)/k)) - 1 with f(u) = u for [Trailing] and
// f(u) = u^2 for [Quadratic]; indices crowded together at the low end are pushed apart so the
// sequence stays strictly decreasing and ends at or above 0. Quadratic examples with T = 1000:
//
//	steps 4, strength 1:  999 562 249 62
//	steps 8, strength 1:  999 765 562 390 249 140 62 15
//
// An unknown spacing is an error.
func (s *Schedule) SpacedTimesteps(steps int, strength float64, spacing string) ([]int, error) {
	var f func(u float64) float64
	switch spacing {
	case "", Trailing:
		f = func(u float64) float64 { return u }
	case Quadratic:
		f = func(u float64) float64 { return u * u }
	default:
		return nil, fmt.Errorf("sr3: unknown timestep spacing %q (known: %v)", spacing, Spacings)
	}
	T := s.T()
	if !(strength > 0) {
		strength = 0
	}
	n := int(math.Round(min(strength, 1) * float64(T)))
	n = max(1, min(n, T))
	k := max(1, min(steps, n))
	ts := make([]int, k)
	for i := range ts {
		ts[i] = int(math.Round(float64(n)*f(float64(k-i)/float64(k)))) - 1
	}
	// Push crowded indices apart from the end: last >= 0, each above the next. Since k <= n and
	// f(u) <= u, this never moves ts[0] = n-1.
	ts[k-1] = max(ts[k-1], 0)
	for i := k - 2; i >= 0; i-- {
		ts[i] = max(ts[i], ts[i+1]+1)
	}
	return ts, nil
}

// Gammas returns the levels gamma (alpha_bar) visited at inference, in visiting order: the
// noise level decreases, so gamma increases from the start level towards 1. They are the schedule's
// own values at [Schedule.Timesteps] (see there for the spacing, with examples); the sampler goes
// from each to the next and from the last to gamma = 1, the clean image.
func (s *Schedule) Gammas(steps int, strength float64) []float64 {
	return s.GammasAt(s.Timesteps(steps, strength))
}

// GammasAt returns gamma_t for each index t of ts (gamma_{-1} = 1).
func (s *Schedule) GammasAt(ts []int) []float64 {
	gs := make([]float64, len(ts))
	for i, t := range ts {
		gs[i] = s.AlphaBar(t)
	}
	return gs
}
