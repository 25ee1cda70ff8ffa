package data

import (
	"math"
)

// damageKnots maps the noise EstimateDamage measures (sigma, 8-bit levels)
// to the denoise level sr3-x4-real does best with, linearly between knots
// and on the last segment's slope beyond them. Found by sweeps of
// --denoise on held-out damaged crops (never Set5/Set14; BENCHMARKS.md,
// "Noise measured by PCA"): level 0 suits clean inputs (every 0.05 costs
// about 0.02-0.05 dB there), colour noise of sigma 2 reads 2.13 on the
// median crop and wants 0.1-0.15 (0.13: about where, at one level for the
// clean and the noisy input, its noise is amplified as much as bicubic
// amplifies it: 1.02 at 0.125, 0.94 at 0.15), sigma 5 reads 5.1 and wants
// 0.15-0.2, sigma 10 reads 10 and wants 0.25-0.3. Clean crops read up to
// 1.8, below the first knot's ramp end.
var damageKnots = [...]struct{ sigma, level float64 }{
	{1.3, 0}, {2.13, 0.13}, {5.1, 0.185}, {10, 0.27},
}

// Coefficients of EstimateDamage besides damageKnots.
const (
	damageLumaTexture = 1.0  // NoiseSigmaLuma taken as texture, not damage
	damageGridFloor   = 1.15 // BlockGridStrength taken as no grid (clean 64x64 crops read 0.69-1.29, 90% below 1.15)
	damagePerGrid     = 0.36 // level per unit of block grid above its floor
	damageGridMax     = 0.2  // the most the block grid adds (JPEG at any quality wants 0.1-0.2)
)

// DeblockedDamage is the least denoise level for an input that was
// deblocked (DeblockJPEG): JPEG's quantisation leaves blotches that no
// white-noise estimate sees, least of all where noise was there before the
// compression. On held-out crops a level of 0.1 against 0.05 gains 0.19 dB
// on blur+noise+JPEG (0.15 against 0.05: 0.27 on noise+JPEG) and costs
// 0.02 at quality 50 and 0.09 at 90 (BENCHMARKS.md).
const DeblockedDamage = 0.1

// DeblockedNoise is the least sigma (8-bit levels) at which the automatic
// prefilter (cascade.Options.Prefilter) denoises a deblocked JPEG:
// noise that went through JPEG lost the fine grain every white-noise
// estimate reads, yet its coarse part is left. On held-out crops, filtering
// at 3 gains 0.16-0.19 dB on noise+JPEG damage and costs nothing on
// JPEG alone (BENCHMARKS.md).
const DeblockedNoise = 3

// NoiseDamage returns the denoise level for noise of the given sigma
// (8-bit levels, as NoiseSigmaRGB measures it): damageKnots interpolated.
func NoiseDamage(sigma float64) float64 {
	k := damageKnots
	if !(sigma > k[0].sigma) {
		return 0
	}
	i := 1
	for i < len(k)-1 && sigma > k[i].sigma {
		i++
	}
	a, b := k[i-1], k[i]
	return min(1, a.level+(sigma-a.sigma)*(b.level-a.level)/(b.sigma-a.sigma))
}

// EstimateNoise estimates the standard deviation, in 8-bit levels, of the
// white noise in img, colour or grey: the larger of NoiseSigmaRGB and
// NoiseSigmaLuma's excess over damageLumaTexture (the part of the luma
// estimate that a small crop's texture gives). Clean held-out 64x64 LR
// crops read 0.26-1.80 (median 0.8), colour noise of sigma 2 reads 2.2 on
// average, 5 reads 5.1 and 10 reads 9.9.
func EstimateNoise(img *Image) float64 {
	if img == nil || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H*img.C {
		return 0
	}
	return max(NoiseSigmaRGB(img), NoiseSigmaLuma(img)-damageLumaTexture)
}

// lumaOfColourNoise is the standard deviation of the BT.601 luma of white
// noise of sigma 1 drawn independently on R, G and B:
// sqrt(0.299^2 + 0.587^2 + 0.114^2).
const lumaOfColourNoise = 0.6684

// EstimateColourNoise estimates the standard deviation, in 8-bit levels,
// of white noise drawn independently on each colour channel of img, the
// noise the automatic prefilter removes, requiring both estimators to see
// it: the smaller of NoiseSigmaRGB and the sigma of colour noise whose
// luma NoiseSigmaLuma measures. Each alone reads some clean photos as noisy
// (NoiseSigmaRGB saturated colour edges: on the LR of Set5's bird 3.0, of
// Set14's flowers 5.3, whose luma reads 0.1 and 0.4; NoiseSigmaLuma strong
// grey texture: grass reads up to 13.6); true colour noise reads its sigma
// in both. 0 for a grey image (no colour noise to see).
func EstimateColourNoise(img *Image) float64 {
	if img == nil || img.C != 3 || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H*3 {
		return 0
	}
	return min(NoiseSigmaRGB(img), NoiseSigmaLuma(img)/lumaOfColourNoise)
}

// PrefilterFloor is the noise sigma (8-bit levels) above which the
// automatic prefilter filters (PrefilterSigma): the first of damageKnots,
// where noise starts to count as damage.
const PrefilterFloor = 1.3

// PrefilterSigma returns the sigma (8-bit levels) at which the real-photo
// models' automatic prefilter (cascade.Options.Prefilter) denoises an
// input with colour noise of sigma noise (EstimateColourNoise at upscale
// time; the drawn sigma in training, train.DegradeOptions.Prefilter): the
// noise's sigma when above PrefilterFloor, else 0; at least DeblockedNoise
// when the input was deblocked; at most 255. On held-out 64x64 LR crops,
// EstimateColourNoise reads clean ones 0.17-1.73 (3 of 32 above 1.3),
// colour noise of sigma 2 0.68-2.56 (median 1.98) and sigma 5 2.03-5.35
// (median 4.77).
func PrefilterSigma(noise float64, deblocked bool) float64 {
	sigma := 0.0
	if noise > PrefilterFloor {
		sigma = min(noise, 255)
	}
	if deblocked {
		sigma = max(sigma, DeblockedNoise)
	}
	return sigma
}

// greyPrefilterMax bounds the sigma at which the automatic prefilter
// filters a grey image (8-bit levels): fine grey texture reads as strong
// noise (64x64 LR crops of the training photos made grey: a chameleon's
// scales 14.4, 3 of 228 crops above 3), and filtering it at its reading
// wipes it (the scales' x4 output: 20.71 dB unfiltered, 20.55 at 10,
// 19.77 at 14.4).
const greyPrefilterMax = 10

// AutoPrefilterSigma returns the sigma (8-bit levels) at which the
// automatic prefilter (cascade.Options.Prefilter) denoises img,
// deblocked or not: for a colour image PrefilterSigma of its colour noise
// (EstimateColourNoise); for a grey one (IsGrey: one channel or three equal
// ones) PrefilterSigma of its grey noise (NoiseSigmaLuma), and at least
// DeblockedNoise/sqrt3 when deblocked. A JPEG's error is mostly in the
// luma, equal on R, G and B in a colour JPEG too, where the prefilter at
// DeblockedNoise filters it as grey noise of DeblockedNoise/sqrt3 (its
// opponent Y is the channels' sum over sqrt3); a grey JPEG gets the same.
// A grey image's estimate has no second witness, as the colour one has,
// so it is trusted up to greyPrefilterMax. On the held-out 64x64 LR crops
// made grey, NoiseSigmaLuma reads clean ones 0.07-2.17 (median 0.53), grey
// noise of sigma 2 0.69-2.63 (median 1.97), sigma 5 2.83-6.28 (median 4.95)
// and sigma 10 8.62-10.75.
func AutoPrefilterSigma(img *Image, deblocked bool) float64 {
	if img == nil || img.W < 1 || img.H < 1 || img.C < 1 || len(img.Pix) != img.W*img.H*img.C {
		return 0
	}
	if !IsGrey(img) {
		return PrefilterSigma(EstimateColourNoise(img), deblocked)
	}
	sigma := PrefilterSigma(min(NoiseSigmaLuma(img), greyPrefilterMax), false)
	if deblocked {
		sigma = max(sigma, DeblockedNoise/math.Sqrt(3))
	}
	return sigma
}

// EstimateDamage estimates the denoise level (cascade.Options.Denoise)
// that suits img, from 0 (clean) to 1: NoiseDamage of its noise
// (EstimateNoise) plus a term for a JPEG block grid (BlockGridStrength:
// damagePerGrid times its excess over damageGridFloor, at most
// damageGridMax: the grid of a small image is a noisy measure, and more
// level only smooths a JPEG's detail away), clamped to [0, 1].
// It is the automatic denoise level of models trained with a denoise
// control. Blur is not seen: a blurred input gets the level of a clean one,
// which is what suits it (the model sharpens it either way).
func EstimateDamage(img *Image) float64 {
	if img == nil || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H*img.C {
		return 0
	}
	d := NoiseDamage(EstimateNoise(img))
	if g := BlockGridStrength(img, 1); !math.IsNaN(g) {
		d += min(damageGridMax, damagePerGrid*max(0, g-damageGridFloor))
	}
	return min(1, max(0, d))
}
