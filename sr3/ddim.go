package sr3

import "math"

// DDIMSigma returns the standard deviation of the noise a DDIM step from gammaT to gammaS adds:
// sigma = eta sqrt((1-gamma_s)/(1-gamma_t)) sqrt(1 - gamma_t/gamma_s) (Song et al., eq. 16), that is
// eta times the square root of the DDPM posterior variance. eta = 0 is the deterministic DDIM
// sampler, eta = 1 is DDPM.
func DDIMSigma(gammaT, gammaS, eta float64) float64 {
	return eta * math.Sqrt(Posterior(gammaT, gammaS).Variance)
}

// DDIMStep is one DDIM step (Song et al., eq. 12) from level gammaT to gammaS >= gammaT, into dst:
//
//	eps = (x_t - sqrt(gamma_t) x0) / sqrt(1-gamma_t)
//	x_s = sqrt(gamma_s) x0 + sqrt(1 - gamma_s - sigma^2) eps + sigma z
//
// with sigma = [DDIMSigma](gammaT, gammaS, eta). x0 is the model's (possibly clipped or projected)
// estimate of the clean image; the noise direction eps is recomputed from it, so a clipped x0 and
// x_t stay consistent (as diffusers does). With eta = 1 the step equals [DDPMStep] exactly. z may be
// nil when sigma is 0 (eta = 0, or gammaS = 1).
func DDIMStep(dst, xt, x0 []float32, gammaT, gammaS, eta float64, z []float32) {
	checkLen("DDIMStep", len(dst), len(xt), len(x0))
	sigma := DDIMSigma(gammaT, gammaS, eta)
	if gammaT >= 1 {
		copy(dst, xt)
		return
	}
	// Direction pointing to x_t, clamped at 0 for eta > 1 where sigma^2 would exceed 1-gamma_s.
	k := math.Sqrt(max(0, 1-gammaS-sigma*sigma)) / math.Sqrt(1-gammaT)
	a := float32(math.Sqrt(gammaS) - k*math.Sqrt(gammaT)) // on x0
	b := float32(k)                                       // on x_t
	if sigma == 0 {
		for i := range dst {
			dst[i] = a*x0[i] + b*xt[i]
		}
		return
	}
	checkLen("DDIMStep", len(dst), len(z))
	c := float32(sigma)
	for i := range dst {
		dst[i] = a*x0[i] + b*xt[i] + c*z[i]
	}
}
