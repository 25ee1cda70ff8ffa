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

// Coefficients of EstimateDamage. They map what it measures to the denoise
// level sr3-x4-real does best with, found by a sweep of --denoise 0, 0.1,
// 0.2, 0.3 on held-out damaged crops (never Set5/Set14; BENCHMARKS.md, "The
// real-photo model"): the best level rises with the noise like a square
// root (about 0.1 at sigma 2 levels, 0.2 at 5, 0.3 at 10), JPEG wants 0.1
// to 0.2 (the block grid falls below bicubic's from about 0.15), and clean
// or merely blurred inputs 0, where every 0.1 of level costs about 0.3 dB.
// A measured noise of up to 1 level is taken as the photo's own texture
// (clean held-out crops measure 0.93 on average).
const (
	damageNoiseFloor   = 1.0  // NoiseSigma taken as texture, not damage
	damagePerRootNoise = 0.16 // level per square root of a level of noise above the floor
	damageGridFloor    = 1.03 // BlockGridStrength taken as no grid
	damagePerGrid      = 0.36 // level per unit of block grid above its floor
	damageGridMax      = 0.2  // the most the block grid adds (JPEG at any quality wants 0.1-0.2)
)

// EstimateDamage estimates the denoise level (cascade.Options.Denoise)
// that suits img, from 0 (clean) to 1: a function of its noise
// (NoiseSigma: damagePerRootNoise times the square root of the noise above
// damageNoiseFloor) plus one of its JPEG block grid (BlockGridStrength:
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
	d := damagePerRootNoise * math.Sqrt(max(0, NoiseSigma(img)-damageNoiseFloor))
	if g := BlockGridStrength(img, 1); !math.IsNaN(g) {
		d += min(damageGridMax, damagePerGrid*max(0, g-damageGridFloor))
	}
	return min(1, max(0, d))
}
