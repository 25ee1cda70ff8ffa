// Package sr3 is SR3: image super-resolution by iterative refinement (Saharia et al., 2021), a
// conditional denoising diffusion model that turns a bicubic-upsampled low-resolution image into a
// sharp high-resolution one.
//
// The package has two halves that know nothing about each other's internals, as in diffusers:
//
//   - The noise math, pure Go (schedule.go, sampler.go, ddpm.go, ddim.go, noise.go): the noise
//     [Schedule], the forward process [QSample], the conversions [PredictStartFromNoise] and
//     [PredictNoiseFromStart], the posterior q(x_s | x_t, x_0) ([Posterior]) and the samplers
//     ([Sample] with DDPM ancestral, DDIM with eta, a partial-noise start and a one-step estimate).
//   - The network (the UNet written with GoMLX, and Model, which holds config, weights and the
//     compiled step). The samplers reach it only through an [EpsFunc].
//
// # Parametrisation
//
// gamma is alpha_bar, the cumulative product of (1 - beta) over the schedule: a noisy sample is
// x_t = sqrt(gamma) x_0 + sqrt(1-gamma) eps with eps ~ N(0, I). The network predicts eps and is
// conditioned on the continuous noise level sqrt(gamma) (see [NoiseLevel]), not on an integer step: in
// training the level is drawn uniformly between two neighbouring schedule points
// ([Schedule.SampleGamma]), so any number of steps, on any grid of levels, can be used at inference.
//
// Everything here works on flat []float32 batches (any layout: NHWC, NCHW, ...); the noise math is
// elementwise, so the layout only matters to the network and to the [NoiseSource].
package sr3
