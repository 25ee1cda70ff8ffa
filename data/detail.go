package data

import (
	"fmt"
	"math"
)

// DetailRatio measures how much fine detail sr has compared with the ground
// truth hr: the mean absolute luma gradient of sr divided by that of hr. The
// gradient is the horizontal and vertical finite differences of the luma Y
// that PSNRY uses (BT.601, 0..255 scale, kept fractional), over the region
// left after cutting shave pixels from every border, so it is measured where
// PSNRY and SSIMY are.
//
// 1 means as much fine detail as the ground truth, below 1 smoother (MATLAB
// bicubic gives about 0.5 at x4 on natural images), above 1 more edges or
// noise than the ground truth. When hr has no gradient at all (a flat image,
// or a region of one pixel) the ratio is 1 if sr has none either and +Inf
// otherwise; it is never NaN.
//
// Like PSNRY it panics on images that cannot be compared: check
// user-supplied pairs with CheckComparable first.
func DetailRatio(sr, hr *Image, shave int) float64 {
	mustComparable("DetailRatio", hr, sr, shave)
	s := meanAbsGradient(lumaPlane(sr, shave, false))
	h := meanAbsGradient(lumaPlane(hr, shave, false))
	switch {
	case h > 0:
		return s / h
	case s == 0:
		return 1
	}
	return math.Inf(1)
}

// meanAbsGradient is the mean of |Y(x+1,y)-Y(x,y)| and |Y(x,y+1)-Y(x,y)|
// over all the pairs of neighbours of the w x h plane y; 0 when it has none.
func meanAbsGradient(y []float64, w, h int) float64 {
	sum, n := 0.0, 0
	for r := 0; r < h; r++ {
		row := y[r*w : (r+1)*w]
		for x := 0; x+1 < w; x++ {
			sum += math.Abs(row[x+1] - row[x])
		}
		n += w - 1
		if r+1 < h {
			next := y[(r+1)*w : (r+2)*w]
			for x, v := range row {
				sum += math.Abs(next[x] - v)
			}
			n += w
		}
	}
	if n <= 0 {
		return 0
	}
	return sum / float64(n)
}

// DetailWindow returns the top-left corner of the size x size window of img
// with the most fine detail: the highest luma gradient energy, the sum of
// the squared horizontal and vertical differences of the luma Y (as in
// DetailRatio) between neighbours both inside the window. Only corners whose
// coordinates are multiples of step are considered (so that a crop at the
// corner lines up with a 1/step downscale); among equal windows the first in
// reading order (top to bottom, then left to right) wins, so the choice is
// deterministic. It is an error when size or step is below 1 or the window
// does not fit in img.
func DetailWindow(img *Image, size, step int) (x, y int, err error) {
	if size < 1 || step < 1 {
		return 0, 0, fmt.Errorf("detail window: size %d, step %d: both must be at least 1", size, step)
	}
	if img == nil {
		return 0, 0, fmt.Errorf("detail window: nil image")
	}
	if err := validateImage(img); err != nil || (img.C != 1 && img.C != 3) {
		return 0, 0, fmt.Errorf("detail window: malformed image %s with %d values", img, len(img.Pix))
	}
	if size > img.W || size > img.H {
		return 0, 0, fmt.Errorf("detail window: %dx%d does not fit in the %dx%d image", size, size, img.W, img.H)
	}
	lum, w, h := lumaPlane(img, 0, false)
	// Summed-area tables of the squared differences: gx[(r+1)*(w+1)+c+1] is
	// the sum of (Y(i+1,j)-Y(i,j))² over i <= c, j <= r (c < w-1), and gy
	// likewise for (Y(i,j+1)-Y(i,j))² (r < h-1).
	stride := w + 1
	gx := make([]float64, (h+1)*stride)
	gy := make([]float64, (h+1)*stride)
	for r := 0; r < h; r++ {
		rowSumX, rowSumY := 0.0, 0.0
		for c := 0; c < w; c++ {
			v := lum[r*w+c]
			if c+1 < w {
				d := lum[r*w+c+1] - v
				rowSumX += d * d
			}
			if r+1 < h {
				d := lum[(r+1)*w+c] - v
				rowSumY += d * d
			}
			i := (r+1)*stride + c + 1
			gx[i] = gx[i-stride] + rowSumX
			gy[i] = gy[i-stride] + rowSumY
		}
	}
	// rect sums t over columns [c0,c1) and rows [r0,r1).
	rect := func(t []float64, c0, r0, c1, r1 int) float64 {
		return t[r1*stride+c1] - t[r0*stride+c1] - t[r1*stride+c0] + t[r0*stride+c0]
	}
	best := -1.0
	for r := 0; r+size <= h; r += step {
		for c := 0; c+size <= w; c += step {
			// Horizontal pairs start in columns c..c+size-2, vertical
			// pairs in rows r..r+size-2.
			e := rect(gx, c, r, c+size-1, r+size) + rect(gy, c, r, c+size, r+size-1)
			if e > best {
				best, x, y = e, c, r
			}
		}
	}
	return x, y, nil
}
