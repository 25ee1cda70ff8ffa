package data

import (
	"math"
	"slices"
)

// noiseBlock is the side of the blocks NoiseSigma estimates over.
const noiseBlock = 8

// NoiseSigma estimates the standard deviation, in 8-bit levels, of white
// noise in img's luma (BT.601 Y): Immerkær's fast estimator (the 3x3
// difference-of-Laplacians mask [1 -2 1; -2 4 -2; 1 -2 1], whose response
// to smooth shading is zero; sigma = sqrt(pi/2)/6 times the mean absolute
// response) in each 8x8 block, of which it takes the 10th percentile:
// texture and edges raise a block's estimate, and most photos have flat
// blocks where the noise shows alone. It is biased low, consistently: for
// grey white noise of sigma s RGB levels on smooth content it measures
// noiseGain * s (the luma's 219/255 range and the percentile), which
// EstimateDamage's coefficients take into account. 0 for an image under
// 10x10 pixels.
func NoiseSigma(img *Image) float64 {
	y, w, h := lumaPlane(img, 0, false)
	var blocks []float64
	for by := 1; by+noiseBlock <= h-1; by += noiseBlock {
		for bx := 1; bx+noiseBlock <= w-1; bx += noiseBlock {
			s := 0.0
			for r := by; r < by+noiseBlock; r++ {
				for x := bx; x < bx+noiseBlock; x++ {
					up, mid, dn := y[(r-1)*w+x-1:], y[r*w+x-1:], y[(r+1)*w+x-1:]
					v := up[0] - 2*up[1] + up[2] - 2*mid[0] + 4*mid[1] - 2*mid[2] + dn[0] - 2*dn[1] + dn[2]
					s += math.Abs(v)
				}
			}
			blocks = append(blocks, s/(noiseBlock*noiseBlock))
		}
	}
	if len(blocks) == 0 {
		return 0
	}
	slices.Sort(blocks)
	return math.Sqrt(math.Pi/2) / 6 * blocks[len(blocks)/10]
}

// noiseGain is NoiseSigma's measure of grey white noise of sigma 1
// (TestNoiseSigma).
const noiseGain = 0.69

// Coefficients of EstimateDamage, fitted by least squares to
// train.DegradationStrength over crops of the training photos damaged by
// train.RealWorldDegrade (TestDamageCalibrationTable writes the table: 222 crops of 96x96 LR
// from every third photo; the fit's RMS error is 0.12 and its correlation
// with the strength 0.58, for strengths whose median is 0.20).
const (
	damageNoiseFloor = 0     // NoiseSigma below which there is no damage, levels (fitted: 0)
	damagePerNoise   = 0.065 // strength per level of noise above the floor
	damagePerGrid    = 0.28  // strength per unit of block grid above 1
)

// EstimateDamage estimates how damaged img is, on the scale of
// train.DegradationStrength (0 = a clean bicubic downscale, 1 = an RMS
// difference of 32 levels or more from it): a linear function of its
// noise (NoiseSigma) and of its JPEG block grid (BlockGridStrength),
// clamped to [0, 1]. It is the automatic denoise level of models trained
// with a denoise control (cascade.Options.Denoise). Blur is not seen: a
// blurred input gets the level of a clean one.
func EstimateDamage(img *Image) float64 {
	if img == nil || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H*img.C {
		return 0
	}
	d := damagePerNoise * max(0, NoiseSigma(img)-damageNoiseFloor)
	if g := BlockGridStrength(img, 1); !math.IsNaN(g) {
		d += damagePerGrid * max(0, g-1)
	}
	return min(1, max(0, d))
}
