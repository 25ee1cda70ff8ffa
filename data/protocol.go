package data

import "fmt"

// BenchmarkPair makes the pair of the super-resolution benchmark protocol
// (SR3, SRDiff, the Set5/Set14 tables) from an HR image: hr is img
// modcropped to a multiple of scale, lr its MATLAB-bicubic downscale by
// scale rounded to 8 bits. An image too small for the metrics (SSIM's
// window after the scale-pixel shave) is an error saying the size needed.
func BenchmarkPair(img *Image, scale int) (hr, lr *Image, err error) {
	hr = ModCrop(img, scale)
	if err := CheckMeasurable(hr.W, hr.H, scale); err != nil {
		side := (SSIMWindow + 2*scale + scale - 1) / scale * scale
		return nil, nil, fmt.Errorf("%dx%d is too small to measure at x%d (%v); the protocol needs at least %dx%d", img.W, img.H, scale, err, side, side)
	}
	lr = Quantize(Resize(hr, hr.W/scale, hr.H/scale))
	return hr, lr, nil
}

// Scores are the benchmark protocol's metrics of a super-resolved image.
type Scores struct {
	PSNR        float64 // Y-PSNR in dB, scale pixels shaved (+Inf for identical images)
	SSIM        float64 // Y-SSIM, scale pixels shaved
	Detail      float64 // DetailRatio: 1 = as much fine detail as HR
	Consistency float64 // Consistency: how far sr, downscaled, is from lr
}

// BenchmarkScores measures sr (hr's size, rounded to 8 bits) against hr
// and lr of BenchmarkPair at scale.
func BenchmarkScores(hr, lr, sr *Image, scale int) Scores {
	return Scores{
		PSNR:        PSNRY(hr, sr, scale),
		SSIM:        SSIMY(hr, sr, scale),
		Detail:      DetailRatio(sr, hr, scale),
		Consistency: Consistency(sr, lr, scale),
	}
}
