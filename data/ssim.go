package data

import "math"

// SSIM constants of Wang et al. (2004) for 8-bit images, as in MATLAB's
// ssim_index and BasicSR's calculate_ssim.
const (
	ssimWindow = 11
	ssimSigma  = 1.5
	ssimC1     = (0.01 * 255) * (0.01 * 255)
	ssimC2     = (0.03 * 255) * (0.03 * 255)
)

// ssimGaussian is the normalised 11-tap Gaussian (sigma 1.5); the 2-D window
// is its outer product with itself, as fspecial('gaussian', 11, 1.5) and
// cv2.getGaussianKernel(11, 1.5).
var ssimGaussian = func() [ssimWindow]float64 {
	var g [ssimWindow]float64
	sum := 0.0
	for i := range g {
		d := float64(i - ssimWindow/2)
		g[i] = math.Exp(-d * d / (2 * ssimSigma * ssimSigma))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g
}()

// ssimPlanes is the mean SSIM of two w x h planes (0..255 units), with the
// window applied only where it fits ('valid' filtering). It returns NaN when
// a plane is smaller than the window.
func ssimPlanes(a, b []float64, w, h int) float64 {
	ow, oh := w-ssimWindow+1, h-ssimWindow+1
	if ow < 1 || oh < 1 {
		return math.NaN()
	}
	// Each band of output rows keeps a ring of the last 11 horizontally
	// filtered rows of the five moments (a, b, a², b², ab) and filters them
	// vertically; sums of SSIM per row are added up in order afterwards so
	// the mean does not depend on the number of goroutines.
	rowSums := make([]float64, oh)
	parallelFor(oh, max(1, 1<<14/ow), func(lo, hi int) {
		const moments = 5
		ring := make([]float64, ssimWindow*moments*ow)
		slot := func(r int) []float64 { return ring[(r%ssimWindow)*moments*ow:][:moments*ow] }
		filterRow := func(r int) {
			dst := slot(r)
			ra, rb := a[r*w:(r+1)*w], b[r*w:(r+1)*w]
			ma, mb, maa, mbb, mab := dst[:ow], dst[ow:2*ow], dst[2*ow:3*ow], dst[3*ow:4*ow], dst[4*ow:]
			for x := 0; x < ow; x++ {
				var sa, sb, saa, sbb, sab float64
				wa, wb := ra[x:x+ssimWindow], rb[x:x+ssimWindow]
				for k, g := range ssimGaussian {
					va, vb := wa[k], wb[k]
					sa += g * va
					sb += g * vb
					saa += g * va * va
					sbb += g * vb * vb
					sab += g * va * vb
				}
				ma[x], mb[x], maa[x], mbb[x], mab[x] = sa, sb, saa, sbb, sab
			}
		}
		for r := lo; r < lo+ssimWindow-1; r++ {
			filterRow(r)
		}
		for y := lo; y < hi; y++ {
			filterRow(y + ssimWindow - 1)
			sum := 0.0
			for x := 0; x < ow; x++ {
				var mu1, mu2, e11, e22, e12 float64
				for k, g := range ssimGaussian {
					s := slot(y + k)
					mu1 += g * s[x]
					mu2 += g * s[ow+x]
					e11 += g * s[2*ow+x]
					e22 += g * s[3*ow+x]
					e12 += g * s[4*ow+x]
				}
				mu11, mu22, mu12 := mu1*mu1, mu2*mu2, mu1*mu2
				s11, s22, s12 := e11-mu11, e22-mu22, e12-mu12
				sum += ((2*mu12 + ssimC1) * (2*s12 + ssimC2)) /
					((mu11 + mu22 + ssimC1) * (s11 + s22 + ssimC2))
			}
			rowSums[y] = sum
		}
	})
	total := 0.0
	for _, s := range rowSums {
		total += s
	}
	return total / float64(ow*oh)
}
