package train

import (
	"math"
	"math/rand/v2"

	"github.com/srcascade/srcascade/data"
)

// realESRGANStage are the settings of one of the two rounds of Real-ESRGAN's
// second-order degradation (its train_realesrgan_x4plus.yml): blur, random
// resize, noise, JPEG.
type realESRGANStage struct {
	BlurProb   float64 // probability of the blur (1 in the first round)
	Blur       blurSettings
	ResizeProb [3]float64 // up, down, keep
	ResizeUp   Range      // scale when up
	ResizeDown Range      // scale when down
	GaussProb  float64    // Gaussian noise with this probability, else Poisson
	NoiseSigma Range      // Gaussian sigma, 8-bit levels
	Poisson    Range      // Poisson noise scale
	GreyProb   float64    // probability that the noise is the same on every channel
	JPEG       Range      // JPEG quality
}

// realESRGANSettings are Real-ESRGAN's published x4plus degradation
// settings: the two rounds and the probability of the final sinc filter.
var realESRGANSettings = struct {
	First, Second realESRGANStage
	FinalSincProb float64
}{
	First: realESRGANStage{
		BlurProb:   1,
		Blur:       blurSettings{Sigma: Range{0.2, 3}, BetaGen: Range{0.5, 4}, BetaPlat: Range{1, 2}, SincProb: 0.1},
		ResizeProb: [3]float64{0.2, 0.7, 0.1},
		ResizeUp:   Range{1, 1.5},
		ResizeDown: Range{0.15, 1},
		GaussProb:  0.5,
		NoiseSigma: Range{1, 30},
		Poisson:    Range{0.05, 3},
		GreyProb:   0.4,
		JPEG:       Range{30, 95},
	},
	Second: realESRGANStage{
		BlurProb:   0.8,
		Blur:       blurSettings{Sigma: Range{0.2, 1.5}, BetaGen: Range{0.5, 4}, BetaPlat: Range{1, 2}, SincProb: 0.1},
		ResizeProb: [3]float64{0.3, 0.4, 0.3},
		ResizeUp:   Range{1, 1.2},
		ResizeDown: Range{0.3, 1},
		GaussProb:  0.5,
		NoiseSigma: Range{1, 25},
		Poisson:    Range{0.05, 2.5},
		GreyProb:   0.4,
		JPEG:       Range{30, 95},
	},
	FinalSincProb: 0.8,
}

// realESRGANLR makes the lrW x lrH input of hr by Real-ESRGAN's second-order
// degradation model, in its order:
//
//	round 1: blur (random kernel), random resize, Gaussian or Poisson noise
//	         (colour or grey), clamp, JPEG;
//	round 2: blur with probability 0.8, random resize to (lr size) x scale,
//	         noise, then in random order either
//	         [resize to the LR size, sinc filter, clamp, JPEG] or
//	         [clamp, JPEG, resize to the LR size, sinc filter];
//	rounded to 8 bits.
//
// Resizes pick area, bilinear or bicubic at random (F.interpolate, see
// interpResize); the final sinc filter applies with probability 0.8. The
// HR crop itself is not changed (Real-ESRGAN's unsharp masking of the
// ground truth is not done), so the pair stays aligned: every kernel is
// centred and every resize maps pixel centres.
func realESRGANLR(hr *data.Image, lrW, lrH int, rng *rand.Rand) (*data.Image, error) {
	s := &realESRGANSettings
	k1 := randomKernel(s.First.Blur, rng)
	k2 := randomKernel(s.Second.Blur, rng)
	var sinc *kernel2D
	if rng.Float64() < s.FinalSincProb {
		k := sincKernel2D(kernelSizes[rng.IntN(len(kernelSizes))], Range{math.Pi / 3, math.Pi}.draw(rng))
		sinc = &k
	}

	// Round 1, at the HR size.
	img := filter2D(hr, k1)
	f := drawResizeScale(s.First, rng)
	img = interpResize(img, max(1, int(float64(hr.W)*f)), max(1, int(float64(hr.H)*f)), rng.IntN(len(resizeModes)))
	addRandomNoise(img, s.First, rng)
	clampUnit(img)
	var err error
	if img, err = jpegRoundTrip(data.Quantize(img), int(math.Round(s.First.JPEG.draw(rng)))); err != nil {
		return nil, err
	}

	// Round 2.
	if rng.Float64() < s.Second.BlurProb {
		img = filter2D(img, k2)
	}
	f = drawResizeScale(s.Second, rng)
	img = interpResize(img, max(1, int(float64(lrW)*f)), max(1, int(float64(lrH)*f)), rng.IntN(len(resizeModes)))
	addRandomNoise(img, s.Second, rng)
	quality := int(math.Round(s.Second.JPEG.draw(rng)))
	mode := rng.IntN(len(resizeModes))
	toLR := func(m *data.Image) *data.Image {
		m = interpResize(m, lrW, lrH, mode)
		if sinc != nil {
			m = filter2D(m, *sinc)
		}
		return m
	}
	if rng.Float64() < 0.5 {
		img = toLR(img)
		clampUnit(img)
		if img, err = jpegRoundTrip(data.Quantize(img), quality); err != nil {
			return nil, err
		}
	} else {
		clampUnit(img)
		if img, err = jpegRoundTrip(data.Quantize(img), quality); err != nil {
			return nil, err
		}
		img = toLR(img)
	}
	return data.Quantize(img), nil
}

// drawResizeScale draws a round's resize factor: up, down or keep with the
// round's probabilities, uniform within the range of the choice.
func drawResizeScale(s realESRGANStage, rng *rand.Rand) float64 {
	switch choose(rng, s.ResizeProb[:]) {
	case 0:
		return s.ResizeUp.draw(rng)
	case 1:
		return s.ResizeDown.draw(rng)
	}
	return 1
}

// clampUnit clamps every value to [-1, 1].
func clampUnit(img *data.Image) {
	for i, v := range img.Pix {
		img.Pix[i] = min(max(v, -1), 1)
	}
}

// addRandomNoise adds a round's noise to img: Gaussian with probability
// GaussProb (sigma uniform in NoiseSigma levels), else Poisson (scale
// uniform in Poisson); the same on every channel with probability GreyProb.
func addRandomNoise(img *data.Image, s realESRGANStage, rng *rand.Rand) {
	if rng.Float64() < s.GaussProb {
		sigma := s.NoiseSigma.draw(rng)
		grey := rng.Float64() < s.GreyProb
		addGaussianNoise(img, sigma, grey, rng)
		return
	}
	scale := s.Poisson.draw(rng)
	grey := rng.Float64() < s.GreyProb
	addPoissonNoise(img, scale, grey, rng)
}

// addGaussianNoise adds N(0, sigma²) noise (sigma in 8-bit levels),
// independent per channel, or one draw per pixel shared by its channels
// when grey.
func addGaussianNoise(img *data.Image, sigma float64, grey bool, rng *rand.Rand) {
	sd := sigma / 255 * 2 // [-1, 1] units
	C := img.C
	for p := 0; p < len(img.Pix); p += C {
		if grey {
			n := float32(sd * rng.NormFloat64())
			for c := range C {
				img.Pix[p+c] += n
			}
			continue
		}
		for c := range C {
			img.Pix[p+c] += float32(sd * rng.NormFloat64())
		}
	}
}

// poissonLevels is the number of intensity levels of the Poisson noise
// model (basicsr's 2^ceil(log2(distinct values)): 256 for any image with
// more than 128 distinct 8-bit values).
const poissonLevels = 256

// addPoissonNoise adds scale times signal-dependent Poisson noise: with v
// the value in [0,1] (rounded to 8 bits), the noise is Poisson(v*L)/L - v,
// L = poissonLevels, on every channel, or on the luma (0.299 R + 0.587 G +
// 0.114 B) and shared by the channels when grey.
func addPoissonNoise(img *data.Image, scale float64, grey bool, rng *rand.Rand) {
	C := img.C
	unit := func(v float32) float64 {
		return math.Round(min(max((float64(v)+1)/2, 0), 1)*255) / 255
	}
	noise := func(v float64) float32 {
		return float32((poisson(v*poissonLevels, rng)/poissonLevels - v) * scale * 2)
	}
	for p := 0; p < len(img.Pix); p += C {
		if grey && C == 3 {
			y := 0.299*unit(img.Pix[p]) + 0.587*unit(img.Pix[p+1]) + 0.114*unit(img.Pix[p+2])
			n := noise(math.Round(y*255) / 255)
			for c := range C {
				img.Pix[p+c] += n
			}
			continue
		}
		for c := range C {
			img.Pix[p+c] += noise(unit(img.Pix[p+c]))
		}
	}
}

// poisson draws a Poisson variate of mean lambda: by Knuth's product of
// uniforms below 30, by the normal approximation rounded (and kept >= 0)
// above, where it is within a fraction of a percent in distribution.
func poisson(lambda float64, rng *rand.Rand) float64 {
	if lambda <= 0 {
		return 0
	}
	if lambda < 30 {
		l, k, p := math.Exp(-lambda), 0.0, 1.0
		for {
			p *= rng.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	return max(0, math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64()))
}
