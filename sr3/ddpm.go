package sr3

import (
	"fmt"
	"math"
)

// This file holds the DDPM math on flat float32 batches: the forward process q(x_t | x_0), the
// conversions between the noise and the clean image, and the posterior q(x_s | x_t, x_0) used by the
// ancestral sampler. Every function takes dst first; dst may be the same slice as any input (the
// operations are elementwise). Mismatched lengths are a programming error and panic.

// QSample draws x_t from q(x_t | x_0) = N(sqrt(gamma) x_0, (1-gamma) I) with the given standard
// normal noise: dst = sqrt(gamma) x0 + sqrt(1-gamma) noise.
func QSample(dst, x0, noise []float32, gamma float64) {
	checkLen("QSample", len(dst), len(x0), len(noise))
	a, b := float32(math.Sqrt(gamma)), float32(math.Sqrt(1-gamma))
	for i := range dst {
		dst[i] = a*x0[i] + b*noise[i]
	}
}

// QSampleBatch is [QSample] with one gamma per batch item: the batch holds len(gammas) items of
// len(dst)/len(gammas) consecutive values each (e.g. NHWC or NCHW with the batch axis first).
func QSampleBatch(dst, x0, noise []float32, gammas []float64) {
	checkLen("QSampleBatch", len(dst), len(x0), len(noise))
	if len(gammas) == 0 || len(dst)%len(gammas) != 0 {
		panic(fmt.Sprintf("sr3: QSampleBatch: %d values do not split into %d items", len(dst), len(gammas)))
	}
	n := len(dst) / len(gammas)
	for b, g := range gammas {
		lo, hi := b*n, (b+1)*n
		QSample(dst[lo:hi], x0[lo:hi], noise[lo:hi], g)
	}
}

// PredictStartFromNoise inverts [QSample]: the clean image implied by x_t at level gamma and the
// noise eps, dst = (xt - sqrt(1-gamma) eps) / sqrt(gamma).
func PredictStartFromNoise(dst, xt, eps []float32, gamma float64) {
	checkLen("PredictStartFromNoise", len(dst), len(xt), len(eps))
	a, b := float32(1/math.Sqrt(gamma)), float32(math.Sqrt(1-gamma)/math.Sqrt(gamma))
	for i := range dst {
		dst[i] = a*xt[i] - b*eps[i]
	}
}

// PredictNoiseFromStart is the noise implied by x_t at level gamma and the clean image x0,
// dst = (xt - sqrt(gamma) x0) / sqrt(1-gamma). It needs gamma < 1.
func PredictNoiseFromStart(dst, xt, x0 []float32, gamma float64) {
	checkLen("PredictNoiseFromStart", len(dst), len(xt), len(x0))
	d := math.Sqrt(1 - gamma)
	a, b := float32(1/d), float32(math.Sqrt(gamma)/d)
	for i := range dst {
		dst[i] = a*xt[i] - b*x0[i]
	}
}

// PosteriorCoefs are the coefficients of the posterior
// q(x_s | x_t, x_0) = N(Coef1 x_0 + Coef2 x_t, Variance I) between two levels gamma_t < gamma_s
// (s before t: less noise), for consecutive schedule steps or any respaced pair.
type PosteriorCoefs struct {
	// Coef1 multiplies x_0: sqrt(gamma_s) (1 - gamma_t/gamma_s) / (1 - gamma_t).
	Coef1 float64
	// Coef2 multiplies x_t: sqrt(gamma_t/gamma_s) (1 - gamma_s) / (1 - gamma_t).
	Coef2 float64
	// Variance is beta-tilde: (1 - gamma_t/gamma_s) (1 - gamma_s) / (1 - gamma_t).
	Variance float64
}

// Posterior returns the coefficients of q(x_s | x_t, x_0) from gamma_t (the noisier level) and
// gamma_s >= gamma_t. With alpha = gamma_t/gamma_s the one-jump forward process
// q(x_t | x_s) = N(sqrt(alpha) x_s, (1-alpha) I) plays the role of a single DDPM step of
// beta = 1-alpha, so for consecutive training steps these are DDPM's posterior_mean_coef1/2 and
// posterior_variance exactly. gamma_s = 1 (the clean image) gives Coef1 = 1, Coef2 = 0, Variance = 0.
func Posterior(gammaT, gammaS float64) PosteriorCoefs {
	if gammaT >= 1 {
		// No noise at t: x_s is x_t.
		return PosteriorCoefs{Coef2: 1}
	}
	alpha := gammaT / gammaS
	beta := 1 - alpha
	den := 1 - gammaT
	return PosteriorCoefs{
		Coef1:    math.Sqrt(gammaS) * beta / den,
		Coef2:    math.Sqrt(alpha) * (1 - gammaS) / den,
		Variance: max(0, beta*(1-gammaS)/den),
	}
}

// Mean writes the posterior mean Coef1 x0 + Coef2 xt into dst.
func (p PosteriorCoefs) Mean(dst, x0, xt []float32) {
	checkLen("PosteriorCoefs.Mean", len(dst), len(x0), len(xt))
	a, b := float32(p.Coef1), float32(p.Coef2)
	for i := range dst {
		dst[i] = a*x0[i] + b*xt[i]
	}
}

// DDPMStep is one ancestral step from level gammaT to gammaS >= gammaT: it samples
// x_s ~ q(x_s | x_t, x_0 = x0) = N(Coef1 x0 + Coef2 xt, beta-tilde I) with the standard normal noise
// z, into dst. x0 is the model's (possibly clipped) estimate of the clean image. z may be nil when
// the variance is 0 (gammaS = 1, the last step).
func DDPMStep(dst, xt, x0 []float32, gammaT, gammaS float64, z []float32) {
	p := Posterior(gammaT, gammaS)
	if p.Variance == 0 {
		p.Mean(dst, x0, xt)
		return
	}
	checkLen("DDPMStep", len(dst), len(xt), len(x0), len(z))
	a, b, c := float32(p.Coef1), float32(p.Coef2), float32(math.Sqrt(p.Variance))
	for i := range dst {
		dst[i] = a*x0[i] + b*xt[i] + c*z[i]
	}
}

func checkLen(fn string, n int, others ...int) {
	for _, m := range others {
		if m != n {
			panic(fmt.Sprintf("sr3: %s: slice lengths differ (%d and %d)", fn, n, m))
		}
	}
}
