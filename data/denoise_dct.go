package data

import (
	"fmt"
	"math"
)

// DCT denoising (Yu and Sapiro, "DCT image denoising: a simple and
// effective image denoising algorithm", IPOL 2011): colour is turned into
// three orthonormal opponent channels, every 8x8 patch of each (at every
// position) goes through a 2-D DCT whose coefficients below 3 sigma are
// zeroed, and the 64 estimates of each pixel are averaged. A second pass,
// as BM3D's, shrinks each coefficient of the noisy patches by the
// empirical Wiener gain that the first result's coefficient gives.

const (
	dctBlock = 8
	// dctThreshold is the hard threshold in noise standard deviations.
	dctThreshold = 3
	// dctChunkRows is how many rows of patch positions one worker sums on
	// its own before the sums are added in order.
	dctChunkRows = 16
)

// dctMatrix is the orthonormal 8-point DCT-II: coefficient k of a row x is
// sum_n dctMatrix[k][n] x[n].
var dctMatrix = func() (m [dctBlock][dctBlock]float32) {
	for k := range dctBlock {
		a := math.Sqrt(2.0 / dctBlock)
		if k == 0 {
			a = math.Sqrt(1.0 / dctBlock)
		}
		for n := range dctBlock {
			m[k][n] = float32(a * math.Cos(math.Pi*float64((2*n+1)*k)/(2*dctBlock)))
		}
	}
	return m
}()

// DenoiseDCT removes white noise of standard deviation sigma (in 8-bit
// levels, the scale NoiseSigmaRGB measures) from an RGB or grey image by
// DCT hard thresholding of its overlapping 8x8 patches. An RGB image is
// denoised in the orthonormal opponent space Y = (R+G+B)/sqrt3,
// U = (R-B)/sqrt2, V = (R-2G+B)/sqrt6, where colour noise keeps its sigma
// and a photo's chroma is nearly flat. sigma <= 0 returns a copy. The
// result is not rounded to 8 bits; it is the same on any number of CPUs.
func DenoiseDCT(img *Image, sigma float64) (*Image, error) {
	if img == nil || (img.C != 1 && img.C != 3) || len(img.Pix) != img.W*img.H*img.C || img.W < 1 || img.H < 1 {
		return nil, fmt.Errorf("DCT denoising: want a grey or RGB image, have %v", img)
	}
	if !(sigma >= 0) || sigma > 255 {
		return nil, fmt.Errorf("DCT denoising: sigma %g out of range 0..255", sigma)
	}
	if sigma == 0 {
		return img.Clone(), nil
	}
	s := float32(sigma * 2 / 255) // [-1,1] units
	planes := toOpponent(img)
	for i, p := range planes {
		pilot := denoisePlane(p, nil, img.W, img.H, s)
		planes[i] = denoisePlane(p, pilot, img.W, img.H, s)
	}
	return fromOpponent(planes, img.W, img.H), nil
}

// toOpponent splits img into its opponent planes (one plane for grey).
func toOpponent(img *Image) [][]float32 {
	n := img.W * img.H
	if img.C == 1 {
		return [][]float32{append([]float32(nil), img.Pix...)}
	}
	y, u, v := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range n {
		r, g, b := float64(img.Pix[3*i]), float64(img.Pix[3*i+1]), float64(img.Pix[3*i+2])
		y[i] = float32((r + g + b) / math.Sqrt(3))
		u[i] = float32((r - b) / math.Sqrt(2))
		v[i] = float32((r - 2*g + b) / math.Sqrt(6))
	}
	return [][]float32{y, u, v}
}

// fromOpponent inverts toOpponent.
func fromOpponent(planes [][]float32, w, h int) *Image {
	if len(planes) == 1 {
		return &Image{W: w, H: h, C: 1, Pix: planes[0]}
	}
	out := NewImage(w, h, 3)
	y, u, v := planes[0], planes[1], planes[2]
	for i := range w * h {
		a, b, c := float64(y[i])/math.Sqrt(3), float64(u[i])/math.Sqrt(2), float64(v[i])/math.Sqrt(6)
		out.Pix[3*i] = float32(a + b + c)
		out.Pix[3*i+1] = float32(a - 2*c)
		out.Pix[3*i+2] = float32(a - b + c)
	}
	return out
}

// denoisePlane filters every 8x8 patch of a w x h plane, mirrored by 7
// pixels about its edges so that each pixel lies in 64 patches, and returns
// the mean of each pixel's 64 estimates: by hard thresholding at 3 sigma
// (sigma in [-1,1] units) without a pilot, else by the Wiener gains of the
// pilot's coefficients.
func denoisePlane(p, pilot []float32, w, h int, sigma float32) []float32 {
	const b = dctBlock
	pw, ph := w+2*(b-1), h+2*(b-1)
	padded := mirrorPad(p, w, h, b-1)
	var paddedPilot []float32
	if pilot != nil {
		paddedPilot = mirrorPad(pilot, w, h, b-1)
	}
	rows := ph - b + 1 // patch positions per column
	chunks := (rows + dctChunkRows - 1) / dctChunkRows
	sums := make([][]float32, chunks)
	parallelFor(chunks, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			y0 := c * dctChunkRows
			y1 := min(rows, y0+dctChunkRows)
			sum := make([]float32, (y1-y0+b-1)*pw)
			for y := y0; y < y1; y++ {
				for x := 0; x+b <= pw; x++ {
					if pilot == nil {
						thresholdPatch(padded[y*pw+x:], sum[(y-y0)*pw+x:], pw, dctThreshold*sigma)
					} else {
						wienerPatch(padded[y*pw+x:], paddedPilot[y*pw+x:], sum[(y-y0)*pw+x:], pw, sigma*sigma)
					}
				}
			}
			sums[c] = sum
		}
	})
	acc := make([]float32, pw*ph)
	for c, s := range sums {
		off := c * dctChunkRows * pw
		for i, v := range s {
			acc[off+i] += v
		}
	}
	out := make([]float32, w*h)
	for y := range h {
		row := acc[(y+b-1)*pw+b-1:]
		for x := range w {
			out[y*w+x] = row[x] / (b * b)
		}
	}
	return out
}

// mirrorPad pads a w x h plane by p pixels on every side (MirrorIndex).
func mirrorPad(plane []float32, w, h, p int) []float32 {
	pw, ph := w+2*p, h+2*p
	out := make([]float32, pw*ph)
	for y := range ph {
		sy := MirrorIndex(y-p, h)
		for x := range pw {
			out[y*pw+x] = plane[sy*w+MirrorIndex(x-p, w)]
		}
	}
	return out
}

// dct2 is the 2-D DCT of the 8x8 patch at src (rows stride apart).
func dct2(src []float32, stride int) (c [dctBlock][dctBlock]float32) {
	const b = dctBlock
	m := &dctMatrix
	var t [b][b]float32
	for k := range b {
		for j := range b {
			var s float32
			for n := range b {
				s += m[k][n] * src[n*stride+j]
			}
			t[k][j] = s
		}
	}
	for k := range b {
		for l := range b {
			var s float32
			for j := range b {
				s += t[k][j] * m[l][j]
			}
			c[k][l] = s
		}
	}
	return c
}

// addIDCT2 adds the inverse 2-D DCT of c to the 8x8 patch at dst.
func addIDCT2(c *[dctBlock][dctBlock]float32, dst []float32, stride int) {
	const b = dctBlock
	m := &dctMatrix
	var t [b][b]float32
	for k := range b {
		for j := range b {
			var s float32
			for l := range b {
				s += c[k][l] * m[l][j]
			}
			t[k][j] = s
		}
	}
	for n := range b {
		d := dst[n*stride : n*stride+b]
		for j := range b {
			var s float32
			for k := range b {
				s += m[k][n] * t[k][j]
			}
			d[j] += s
		}
	}
}

// wienerPatch shrinks the DCT coefficients of the patch at src by the
// empirical Wiener gain p^2/(p^2+sigma2) of the pilot's coefficients p,
// and adds the inverse transform to dst.
func wienerPatch(src, pilot, dst []float32, stride int, sigma2 float32) {
	c := dct2(src, stride)
	pc := dct2(pilot, stride)
	for k := range dctBlock {
		for l := range dctBlock {
			if k|l != 0 {
				p2 := pc[k][l] * pc[k][l]
				c[k][l] *= p2 / (p2 + sigma2)
			}
		}
	}
	addIDCT2(&c, dst, stride)
}

// thresholdPatch zeroes the DCT coefficients (the mean excepted) of the
// 8x8 patch at src (rows stride apart) of magnitude below tau, and adds the
// inverse transform to dst.
func thresholdPatch(src, dst []float32, stride int, tau float32) {
	c := dct2(src, stride)
	for k := range dctBlock {
		for l := range dctBlock {
			if k|l != 0 && c[k][l] < tau && c[k][l] > -tau {
				c[k][l] = 0
			}
		}
	}
	addIDCT2(&c, dst, stride)
}
