package data

import (
	"fmt"
	"math"
)

// JPEGBlock is the side of a JPEG block (of luma, in pixels of the image
// that was compressed).
const JPEGBlock = 8

// BlockGridStrength measures how strongly img, an upscale by scale of an
// image that may have been JPEG-compressed, shows the JPEG block grid: the
// mean absolute luma step across the boundaries of 8x8 blocks of the input
// (every JPEGBlock-th input-pixel boundary, at output coordinate
// k*JPEGBlock*scale) over the mean step across the other input-pixel
// boundaries (output coordinates k*scale), in both directions. Every step
// is measured between the same pair of output pixels relative to an input
// pixel (the last of one and the first of the next), so the two means are
// of the same phase of the output grid and an upscaler's own periodic
// pattern cancels. 1 means no grid; an image with visible blocks measures
// above 1 (a quality-20 JPEG of a smooth test image: 1.63, its bicubic x4:
// 1.87). Image borders are not boundaries. It returns NaN when img has no boundary of either kind (an
// input under 9 pixels on both sides) or no step at the others.
func BlockGridStrength(img *Image, scale int) float64 {
	if img == nil || scale < 1 || len(img.Pix) != img.W*img.H*img.C {
		panic(fmt.Sprintf("data.BlockGridStrength: image %v at scale %d", img, scale))
	}
	y, w, h := lumaPlane(img, 0, false)
	var grid, other float64
	var nGrid, nOther int
	add := func(k int, step float64, n int) {
		if k%JPEGBlock == 0 {
			grid += step
			nGrid += n
		} else {
			other += step
			nOther += n
		}
	}
	for k := 1; k*scale < w; k++ { // vertical boundaries: steps along x
		x := k * scale
		s := 0.0
		for r := range h {
			s += math.Abs(y[r*w+x] - y[r*w+x-1])
		}
		add(k, s, h)
	}
	for k := 1; k*scale < h; k++ { // horizontal boundaries: steps along y
		r := k * scale
		s := 0.0
		for x := range w {
			s += math.Abs(y[r*w+x] - y[(r-1)*w+x])
		}
		add(k, s, w)
	}
	if nGrid == 0 || nOther == 0 || other == 0 {
		return math.NaN()
	}
	return (grid / float64(nGrid)) / (other / float64(nOther))
}

// RMSLumaChange is the root-mean-square difference of the luma (BT.601 Y,
// as PSNRY measures it, 0..255 units: grey levels) of two images of the
// same size. The noise amplification of an upscaler is RMSLumaChange of its
// outputs for a damaged and for the clean input (bicubic x4 passes 0.46
// sigma of independent RGB noise of sigma levels).
func RMSLumaChange(a, b *Image) float64 {
	mustComparable("RMSLumaChange", a, b, 0)
	ya, _, _ := lumaPlane(a, 0, false)
	yb, _, _ := lumaPlane(b, 0, false)
	return math.Sqrt(meanSquaredDiff(ya, yb))
}
