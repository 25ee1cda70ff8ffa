package train

import (
	"math"
	"math/rand/v2"

	"github.com/srcascade/srcascade/data"
)

// kernel2D is a square blur kernel of odd side Size, row-major, summing to 1.
type kernel2D struct {
	Size int
	W    []float64
}

// kernelShape is the shape family of a random blur kernel (Real-ESRGAN's
// kernel_list).
type kernelShape int

const (
	isoGaussian kernelShape = iota
	anisoGaussian
	isoGeneralized
	anisoGeneralized
	isoPlateau
	anisoPlateau
)

// kernelShapeProbs are Real-ESRGAN's kernel_prob for the shapes above, in
// order.
var kernelShapeProbs = []float64{0.45, 0.25, 0.12, 0.03, 0.12, 0.03}

// kernelSizes are Real-ESRGAN's kernel sizes: odd, 7 to 21.
var kernelSizes = []int{7, 9, 11, 13, 15, 17, 19, 21}

// choose draws an index with the given probabilities (which sum to 1).
func choose(rng *rand.Rand, probs []float64) int {
	u := rng.Float64()
	for i, p := range probs {
		if u < p {
			return i
		}
		u -= p
	}
	return len(probs) - 1
}

// newKernel evaluates f at the integer offsets (x, y) of a size x size grid
// centred on 0 and normalises the result to sum 1.
func newKernel(size int, f func(x, y float64) float64) kernel2D {
	k := kernel2D{Size: size, W: make([]float64, size*size)}
	r := size / 2
	sum := 0.0
	for j := range size {
		for i := range size {
			v := f(float64(i-r), float64(j-r))
			k.W[j*size+i] = v
			sum += v
		}
	}
	for i := range k.W {
		k.W[i] /= sum
	}
	return k
}

// quadForm returns the function (x, y) -> [x y] Σ⁻¹ [x y]ᵀ of the covariance
// Σ = R diag(sx², sy²) Rᵀ, R the rotation by theta (basicsr's
// sigma_matrix2).
func quadForm(sx, sy, theta float64) func(x, y float64) float64 {
	c, s := math.Cos(theta), math.Sin(theta)
	// Σ⁻¹ = R diag(1/sx², 1/sy²) Rᵀ.
	a := c*c/(sx*sx) + s*s/(sy*sy)
	b := c * s * (1/(sx*sx) - 1/(sy*sy))
	d := s*s/(sx*sx) + c*c/(sy*sy)
	return func(x, y float64) float64 { return a*x*x + 2*b*x*y + d*y*y }
}

// gaussianKernel2D is the (an)isotropic Gaussian exp(-q/2).
func gaussianKernel2D(size int, sx, sy, theta float64) kernel2D {
	q := quadForm(sx, sy, theta)
	return newKernel(size, func(x, y float64) float64 { return math.Exp(-0.5 * q(x, y)) })
}

// generalizedKernel2D is the generalised Gaussian exp(-q^beta / 2): beta
// below 1 has heavier tails, above 1 a flatter top.
func generalizedKernel2D(size int, sx, sy, theta, beta float64) kernel2D {
	q := quadForm(sx, sy, theta)
	return newKernel(size, func(x, y float64) float64 { return math.Exp(-0.5 * math.Pow(q(x, y), beta)) })
}

// plateauKernel2D is the plateau-shaped 1 / (1 + q^beta).
func plateauKernel2D(size int, sx, sy, theta, beta float64) kernel2D {
	q := quadForm(sx, sy, theta)
	return newKernel(size, func(x, y float64) float64 { return 1 / (1 + math.Pow(q(x, y), beta)) })
}

// sincKernel2D is the circular low-pass (jinc) filter of cutoff omega
// (radians per pixel), basicsr's circular_lowpass_kernel: it models the
// ringing and overshoot of sharpened or resampled images.
func sincKernel2D(size int, omega float64) kernel2D {
	return newKernel(size, func(x, y float64) float64 {
		r := math.Hypot(x, y)
		if r == 0 {
			return omega * omega / (4 * math.Pi)
		}
		return omega * math.J1(omega*r) / (2 * math.Pi * r)
	})
}

// blurSettings are the ranges one blur stage draws from (Real-ESRGAN's
// blur_sigma, betag_range, betap_range, sinc_prob).
type blurSettings struct {
	Sigma    Range   // sigma of each axis
	BetaGen  Range   // generalised Gaussian's beta
	BetaPlat Range   // plateau's beta
	SincProb float64 // probability of a sinc kernel instead
}

// drawBeta draws beta as basicsr does: below 1 or above 1 with equal
// probability, uniform on each side.
func drawBeta(r Range, rng *rand.Rand) float64 {
	if rng.Float64() < 0.5 {
		return Range{r.Min, 1}.draw(rng)
	}
	return Range{1, r.Max}.draw(rng)
}

// randomKernel draws a blur kernel as Real-ESRGAN's dataset does: a random
// odd size 7-21, then with probability SincProb a sinc of cutoff in
// [pi/3, pi] (pi/5 for sizes 13 and up), else a mixed kernel: a shape drawn
// with kernelShapeProbs, sigmas uniform in Sigma (equal for isotropic
// shapes), a rotation uniform in [-pi, pi] (0 for isotropic ones), beta.
func randomKernel(s blurSettings, rng *rand.Rand) kernel2D {
	size := kernelSizes[rng.IntN(len(kernelSizes))]
	if rng.Float64() < s.SincProb {
		lo := math.Pi / 3
		if size >= 13 {
			lo = math.Pi / 5
		}
		return sincKernel2D(size, Range{lo, math.Pi}.draw(rng))
	}
	shape := kernelShape(choose(rng, kernelShapeProbs))
	sx := s.Sigma.draw(rng)
	sy, theta := sx, 0.0
	switch shape {
	case anisoGaussian, anisoGeneralized, anisoPlateau:
		sy = s.Sigma.draw(rng)
		theta = Range{-math.Pi, math.Pi}.draw(rng)
	}
	switch shape {
	case isoGeneralized, anisoGeneralized:
		return generalizedKernel2D(size, sx, sy, theta, drawBeta(s.BetaGen, rng))
	case isoPlateau, anisoPlateau:
		return plateauKernel2D(size, sx, sy, theta, drawBeta(s.BetaPlat, rng))
	}
	return gaussianKernel2D(size, sx, sy, theta)
}

// reflect101 maps an index outside [0,n) back inside by reflection about
// the edge pixels (… 2 1 | 0 1 2 … n-2 n-1 | n-2 …), PyTorch's 'reflect'
// padding, which Real-ESRGAN's filter2D uses; n = 1 maps everything to 0.
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// filter2D convolves every channel of img with k (correlation, as
// F.conv2d), reflect-padded.
func filter2D(img *data.Image, k kernel2D) *data.Image {
	W, H, C := img.W, img.H, img.C
	out := data.NewImage(W, H, C)
	r := k.Size / 2
	xs := make([]int, W+2*r)
	for i := range xs {
		xs[i] = reflect101(i-r, W)
	}
	acc := make([]float64, C)
	for y := range H {
		for x := range W {
			clear(acc)
			for j := range k.Size {
				row := img.Pix[reflect101(y+j-r, H)*W*C:]
				kr := k.W[j*k.Size : (j+1)*k.Size]
				for i, w := range kr {
					px := row[xs[x+i]*C:][:C]
					for c, v := range px {
						acc[c] += w * float64(v)
					}
				}
			}
			for c := range C {
				out.Pix[(y*W+x)*C+c] = float32(acc[c])
			}
		}
	}
	return out
}
