package data

import (
	"fmt"
	"math"
)

// The metrics follow the protocol of the published super-resolution tables
// (see shared/data/bench/README.md): luma Y of MATLAB's rgb2ycbcr kept
// fractional, shave pixels cut from every border, PSNR with peak 255 and
// SSIM with an 11x11 Gaussian window in 'valid' mode.
//
// They panic on images that cannot be compared (different sizes, a shave
// that leaves nothing): check user-supplied pairs with CheckComparable first.

// CheckComparable reports why ref and img cannot be compared with the given
// shave: different width or height, a malformed image, a negative shave, or
// a shave that leaves no pixel. The Y metrics accept a grey image against an
// RGB one; PSNRRGB needs equal channel counts as well.
func CheckComparable(ref, img *Image, shave int) error {
	for _, m := range []*Image{ref, img} {
		if m == nil {
			return fmt.Errorf("compare images: nil image")
		}
		if (m.C != 1 && m.C != 3) || m.W < 0 || m.H < 0 || len(m.Pix) != m.W*m.H*m.C {
			return fmt.Errorf("compare images: malformed image %s with %d values", m, len(m.Pix))
		}
	}
	switch {
	case ref.W != img.W || ref.H != img.H:
		return fmt.Errorf("compare images: sizes differ: %dx%d vs %dx%d", ref.W, ref.H, img.W, img.H)
	case shave < 0:
		return fmt.Errorf("compare images: negative shave %d", shave)
	case ref.W-2*shave < 1 || ref.H-2*shave < 1:
		return fmt.Errorf("compare images: shaving %d px from every border of %dx%d leaves nothing", shave, ref.W, ref.H)
	}
	return nil
}

// SSIMWindow is the side of SSIMY's window: the shaved region must be at
// least SSIMWindow x SSIMWindow for SSIM to be defined.
const SSIMWindow = 11

// CheckMeasurable reports why a w x h image cannot be measured with every
// metric at the given shave: what is left after cutting shave pixels from
// every border must hold SSIM's window (SSIMWindow).
func CheckMeasurable(w, h, shave int) error {
	if lw, lh := w-2*shave, h-2*shave; lw < SSIMWindow || lh < SSIMWindow {
		return fmt.Errorf("shaving %d px from every border of %dx%d leaves %dx%d, smaller than SSIM's %dx%d window",
			shave, w, h, max(lw, 0), max(lh, 0), SSIMWindow, SSIMWindow)
	}
	return nil
}

// mustComparable panics with CheckComparable's error.
func mustComparable(fn string, ref, img *Image, shave int) {
	if err := CheckComparable(ref, img, shave); err != nil {
		panic(fmt.Sprintf("data.%s: %v", fn, err))
	}
}

// PSNRY is the PSNR (peak 255) on the luma Y = 16 + (65.481 R + 128.553 G +
// 24.966 B)/255 of two same-size images, shave pixels cut from every border.
// Grey images use their single channel as R=G=B.
//
// R, G, B are on the 0..255 scale (Y is in 16..235) and Y is not rounded;
// identical images give +Inf.
func PSNRY(ref, img *Image, shave int) float64 {
	mustComparable("PSNRY", ref, img, shave)
	a, _, _ := lumaPlane(ref, shave, false)
	b, _, _ := lumaPlane(img, shave, false)
	return psnr255(meanSquaredDiff(a, b))
}

// SSIMY is SSIM (11x11 Gaussian window, sigma 1.5, K1=0.01, K2=0.03, L=255)
// on the same luma and shave as PSNRY.
//
// The window is applied only where it fits inside the shaved region
// ('valid'), as MATLAB's ssim_index and BasicSR's calculate_ssim do; the
// result is NaN when that region is smaller than 11x11 (see
// CheckMeasurable).
func SSIMY(ref, img *Image, shave int) float64 {
	mustComparable("SSIMY", ref, img, shave)
	a, w, h := lumaPlane(ref, shave, false)
	b, _, _ := lumaPlane(img, shave, false)
	return ssimPlanes(a, b, w, h)
}

// PSNRRGB is the PSNR (peak 255) over all channels, shave pixels cut.
func PSNRRGB(ref, img *Image, shave int) float64 {
	mustComparable("PSNRRGB", ref, img, shave)
	if ref.C != img.C {
		panic(fmt.Sprintf("data.PSNRRGB: channel counts differ: %s vs %s", ref, img))
	}
	c := ref.C
	w, h := ref.W-2*shave, ref.H-2*shave
	sum := 0.0
	for y := shave; y < shave+h; y++ {
		ra := ref.Pix[(y*ref.W+shave)*c:][:w*c]
		rb := img.Pix[(y*img.W+shave)*c:][:w*c]
		for i, v := range ra {
			d := (float64(v) - float64(rb[i])) * 127.5
			sum += d * d
		}
	}
	return psnr255(sum / float64(w*h*c))
}

// RMSDistance is the root-mean-square difference of two images of the
// same size and channels over all samples, in [0,1] units (half the
// difference in [-1,1] units): 0 for identical images, 1 between black
// and white. It is the distance of generate's nearest-neighbour check.
func RMSDistance(a, b *Image) float64 {
	mustComparable("RMSDistance", a, b, 0)
	if a.C != b.C {
		panic(fmt.Sprintf("data.RMSDistance: channel counts differ: %s vs %s", a, b))
	}
	var sum float64
	for i, v := range a.Pix {
		d := float64(v - b.Pix[i])
		sum += d * d
	}
	return math.Sqrt(sum/float64(len(a.Pix))) / 2
}

// Consistency is SR3's consistency metric: the MSE, with images in [0,1],
// between bicubic-downscaled sr (by 1/scale) and lr.
//
// sr must be exactly scale times the size of lr; the downscale is Resize's
// MATLAB bicubic and is not rounded to 8 bits, so the consistency of an HR
// image with its own (unrounded) bicubic LR is 0 up to float32 rounding.
func Consistency(sr, lr *Image, scale int) float64 {
	if sr == nil || lr == nil || scale < 1 || sr.W != lr.W*scale || sr.H != lr.H*scale || sr.C != lr.C {
		panic(fmt.Sprintf("data.Consistency: sr %v is not %d times lr %v", sr, scale, lr))
	}
	down := sr
	if scale > 1 {
		down = Resize(sr, lr.W, lr.H)
	}
	sum := 0.0
	for i, v := range down.Pix {
		d := (float64(v) - float64(lr.Pix[i])) / 2
		sum += d * d
	}
	return sum / float64(len(lr.Pix))
}

// meanSquaredDiff is the mean of (a-b)² over two equal-length planes.
func meanSquaredDiff(a, b []float64) float64 {
	sum := 0.0
	for i, v := range a {
		d := v - b[i]
		sum += d * d
	}
	return sum / float64(len(a))
}

// psnr255 is 10 log10(255² / mse), +Inf for mse = 0.
func psnr255(mse float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}
