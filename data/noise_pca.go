package data

import (
	"math"
	"slices"
)

// PCA noise estimation (Chen, Zhu and Heng, "An Efficient Statistical
// Method for Image Noise Level Estimation", ICCV 2015): the covariance of
// an image's small patches has eigenvalues of two kinds, a few large ones
// that carry the picture and many small ones that carry white noise alone,
// all of them sigma^2. The estimate is the mean of the smallest eigenvalues
// from the first rank on which they look like noise: where their mean no
// longer exceeds their median.

const (
	// noisePatch is the side of the square patches the PCA estimators use.
	noisePatch = 5
	// noiseMaxPatches bounds the patches they read: a bigger image is
	// sampled on a coarser grid of patch positions.
	noiseMaxPatches = 1 << 14
	// weakTextureIterations is how often NoiseSigmaLuma reselects its
	// weak-texture patches with a new estimate.
	weakTextureIterations = 10
	// weakTextureChi2 is the 0.99 quantile of the chi-square distribution
	// with 2*noisePatch*(noisePatch-1) = 40 degrees of freedom (Wilson and
	// Hilferty), the bound on a noise-only patch's gradient energy over its
	// expectation times that count (Liu, Tanaka and Okutomi 2013).
	weakTextureChi2 = 63.69
)

// NoiseSigmaRGB estimates the standard deviation, in 8-bit levels, of
// white noise drawn independently on each of img's colour channels, the
// noise of a camera sensor or of train's noise degradation: Chen et al.'s
// PCA estimate over 5x5x3 patches. A photo's own texture is strongly
// correlated between channels, so its colour patches leave dozens of
// dimensions to the noise, and the estimate stays near the truth on
// textured crops where per-plane estimators read texture as noise (on
// held-out 64x64 LR crops: sigma 2 reads 1.76-2.74, median 2.13; clean
// 0.26-1.80, median 0.61; 8-bit rounding alone is 0.29). Noise that is the
// same on every channel is not seen (NoiseSigmaLuma sees it). 0 for a grey
// image or one smaller than a patch.
func NoiseSigmaRGB(img *Image) float64 {
	if img == nil || img.C != 3 || img.W < noisePatch || img.H < noisePatch || len(img.Pix) != img.W*img.H*3 {
		return 0
	}
	pc := newPatchCov(img, false)
	pc.add(nil, 0)
	return math.Sqrt(chenNoiseVariance(pc.eigenvalues()))
}

// NoiseSigmaLuma estimates the standard deviation of white noise in img's
// luma, given as the sigma in 8-bit RGB levels of grey noise (equal on
// every channel) that would make it: Liu et al.'s weak-texture patches
// (those whose gradient energy a noise of the current estimate explains,
// reselected up to weakTextureIterations times, until the estimate stops
// moving) and Chen et al.'s PCA estimate over them, on 5x5 luma patches.
// Texture still raises it on small crops (clean held-out 64x64 crops read
// 0.12-2.40, grey noise sigma 2 median 1.99 and sigma 5 median 4.91),
// so EstimateDamage takes only its excess over damageLumaTexture. 0 for an
// image smaller than a patch.
func NoiseSigmaLuma(img *Image) float64 {
	if img == nil || img.W < noisePatch || img.H < noisePatch || img.C < 1 || len(img.Pix) != img.W*img.H*img.C {
		return 0
	}
	pc := newPatchCov(img, true)
	tex := pc.gradientEnergy()
	pc.add(nil, 0)
	v := chenNoiseVariance(pc.eigenvalues())
	for range weakTextureIterations {
		limit := v * 2 * weakTextureChi2 // 2 per difference: each has two unit taps
		pc.reset()
		if pc.add(tex, limit) <= pc.m {
			break
		}
		next := chenNoiseVariance(pc.eigenvalues())
		if next == v {
			break
		}
		v = next
	}
	return math.Sqrt(v) * 255 / (lumaR + lumaG + lumaB)
}

// patchCov accumulates the covariance of img's noisePatch x noisePatch
// patches, in 8-bit levels: of its three colour planes one after another,
// or of its luma (lumaPlane's BT.601 Y), on a grid of positions with
// spacing step. Patches are read from img as they are needed.
type patchCov struct {
	img  *Image
	luma bool
	step int
	m    int       // dimension: noisePatch^2, times 3 for colour
	n    int       // patches added
	sum  []float64 // m
	prod []float64 // m x m, upper triangle
	v    []float64 // one patch
}

func newPatchCov(img *Image, luma bool) *patchCov {
	positions := (img.W - noisePatch + 1) * (img.H - noisePatch + 1)
	step := 1
	for positions/(step*step) > noiseMaxPatches {
		step++
	}
	m := noisePatch * noisePatch
	if !luma {
		m *= 3
	}
	return &patchCov{img: img, luma: luma, step: step, m: m,
		sum: make([]float64, m), prod: make([]float64, m*m), v: make([]float64, m)}
}

func (pc *patchCov) reset() {
	pc.n = 0
	clear(pc.sum)
	clear(pc.prod)
}

// positions calls fn with the index and top-left corner of every patch
// position, in order.
func (pc *patchCov) positions(fn func(k, x, y int)) {
	k := 0
	for y := 0; y+noisePatch <= pc.img.H; y += pc.step {
		for x := 0; x+noisePatch <= pc.img.W; x += pc.step {
			fn(k, x, y)
			k++
		}
	}
}

// load reads the patch at (x, y) into pc.v: row by row, for colour the
// red window, then green, then blue.
func (pc *patchCov) load(x, y int) {
	img, c := pc.img, pc.img.C
	for r := range noisePatch {
		row := img.Pix[((y+r)*img.W+x)*c:]
		for col := range noisePatch {
			px := row[col*c : col*c+c]
			switch {
			case pc.luma && c >= 3:
				pc.v[r*noisePatch+col] = lumaOf(level255(px[0]), level255(px[1]), level255(px[2]))
			case pc.luma:
				v := level255(px[0])
				pc.v[r*noisePatch+col] = lumaOf(v, v, v)
			default:
				for ch := range 3 {
					pc.v[ch*noisePatch*noisePatch+r*noisePatch+col] = level255(px[ch])
				}
			}
		}
	}
}

// add accumulates the patches whose tex value is below limit (every patch
// when tex is nil) and returns how many there are now.
func (pc *patchCov) add(tex []float64, limit float64) int {
	m := pc.m
	pc.positions(func(k, x, y int) {
		if tex != nil && tex[k] >= limit {
			return
		}
		pc.load(x, y)
		for i, vi := range pc.v {
			pc.sum[i] += vi
			row := pc.prod[i*m : (i+1)*m]
			for j := i; j < m; j++ {
				row[j] += vi * pc.v[j]
			}
		}
		pc.n++
	})
	return pc.n
}

// gradientEnergy returns, per patch position, the sum of the squared
// horizontal and vertical differences of neighbouring values within the
// patch (of its first noisePatch^2 values: the luma, or the red plane).
func (pc *patchCov) gradientEnergy() []float64 {
	var out []float64
	pc.positions(func(_, x, y int) {
		pc.load(x, y)
		e := 0.0
		for r := range noisePatch {
			row := pc.v[r*noisePatch:]
			for c := range noisePatch {
				if c+1 < noisePatch {
					d := row[c+1] - row[c]
					e += d * d
				}
				if r+1 < noisePatch {
					d := row[noisePatch+c] - row[c]
					e += d * d
				}
			}
		}
		out = append(out, e)
	})
	return out
}

// eigenvalues returns the eigenvalues of the accumulated covariance,
// largest first.
func (pc *patchCov) eigenvalues() []float64 {
	m, n := pc.m, float64(pc.n)
	if pc.n < 2 {
		return make([]float64, m)
	}
	cov := make([]float64, m*m)
	for i := range m {
		for j := i; j < m; j++ {
			c := (pc.prod[i*m+j] - pc.sum[i]*pc.sum[j]/n) / n
			cov[i*m+j], cov[j*m+i] = c, c
		}
	}
	ev := symmetricEigenvalues(cov, m)
	slices.Sort(ev)
	slices.Reverse(ev)
	return ev
}

// chenNoiseVariance is Chen et al.'s rule on eigenvalues sorted largest
// first: the mean of the smallest ones from the first rank at which as
// many of them lie above their mean as below it.
func chenNoiseVariance(ev []float64) float64 {
	for i := range ev {
		rest := ev[i:]
		mean := 0.0
		for _, e := range rest {
			mean += e
		}
		mean /= float64(len(rest))
		above, below := 0, 0
		for _, e := range rest {
			switch {
			case e > mean:
				above++
			case e < mean:
				below++
			}
		}
		if above >= below {
			return max(0, mean)
		}
	}
	return 0
}

// symmetricEigenvalues returns the eigenvalues of the symmetric m x m
// matrix a (row-major, overwritten) by cyclic Jacobi rotations.
func symmetricEigenvalues(a []float64, m int) []float64 {
	for range 64 {
		off, diag := 0.0, 0.0
		for i := range m {
			diag += a[i*m+i] * a[i*m+i]
			for j := i + 1; j < m; j++ {
				off += a[i*m+j] * a[i*m+j]
			}
		}
		if off <= 1e-24*diag || off == 0 {
			break
		}
		for p := range m {
			for q := p + 1; q < m; q++ {
				apq := a[p*m+q]
				if apq == 0 {
					continue
				}
				theta := (a[q*m+q] - a[p*m+p]) / (2 * apq)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range m {
					akp, akq := a[k*m+p], a[k*m+q]
					a[k*m+p], a[k*m+q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range m {
					apk, aqk := a[p*m+k], a[q*m+k]
					a[p*m+k], a[q*m+k] = c*apk-s*aqk, s*apk+c*aqk
				}
			}
		}
	}
	ev := make([]float64, m)
	for i := range ev {
		ev[i] = a[i*m+i]
	}
	return ev
}
