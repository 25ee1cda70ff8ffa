package data

import (
	"fmt"
	"math"
)

// Resize resizes img to w x h with MATLAB imresize's bicubic (a = -0.5,
// kernel widened by 1/scale when shrinking, symmetric boundary), the scale
// of each axis being outSize/inSize, as MATLAB does given an output size.
//
// Like MATLAB, it resizes one axis at a time, the axis with the smaller
// scale first (the vertical one on ties), and keeps full precision between
// the two passes: the result is not rounded to 8-bit levels (see Quantize).
// w and h must be at least 1; an invalid argument is a programming error
// and panics.
func Resize(img *Image, w, h int) *Image {
	checkResizeArgs("Resize", img, w, h)
	return resize(img, w, h, float64(w)/float64(img.W), float64(h)/float64(img.H))
}

// ResizeScale resizes by scale on both axes, the output size being
// ceil(scale*size) as in MATLAB's imresize(img, scale).
//
// As in MATLAB, the kernel uses scale itself rather than outSize/inSize, and
// the ceiling is taken of the float64 product: ResizeScale(img, 1.1) of a
// 100-pixel axis gives 111 pixels (1.1*100 is 110.00000000000001); use
// Resize with an explicit size when the size matters. scale must be
// positive and finite.
func ResizeScale(img *Image, scale float64) *Image {
	if !(scale > 0) || math.IsInf(scale, 0) {
		panic(fmt.Sprintf("data.ResizeScale: scale %v is not a positive finite number", scale))
	}
	checkResizeArgs("ResizeScale", img, 1, 1)
	w := math.Ceil(scale * float64(img.W))
	h := math.Ceil(scale * float64(img.H))
	if w > math.MaxInt32 || h > math.MaxInt32 {
		panic(fmt.Sprintf("data.ResizeScale: %s by %v is too large", img, scale))
	}
	return resize(img, int(w), int(h), scale, scale)
}

// checkResizeArgs panics with a clear message on arguments no caller should
// pass: they are programming errors, not user input.
func checkResizeArgs(fn string, img *Image, w, h int) {
	switch {
	case img == nil:
		panic("data." + fn + ": nil image")
	case img.W < 1 || img.H < 1 || (img.C != 1 && img.C != 3) || len(img.Pix) != img.W*img.H*img.C:
		panic(fmt.Sprintf("data.%s: malformed image %s with %d values", fn, img, len(img.Pix)))
	case w < 1 || h < 1:
		panic(fmt.Sprintf("data.%s: output size %dx%d is not positive", fn, w, h))
	}
}

// resize runs MATLAB's imresize with explicit per-axis scales. An axis
// whose size stays the same at scale 1 is skipped (MATLAB's pass would be the
// identity); when the vertical pass goes first the two passes are fused
// strip by strip, with the same arithmetic.
func resize(img *Image, w, h int, sx, sy float64) *Image {
	needV := h != img.H || sy != 1
	needH := w != img.W || sx != 1
	switch {
	case needV && needH && verticalFirst(sx, sy):
		return resizeVerticalThenHorizontal(img, contributions(img.H, h, sy), contributions(img.W, w, sx))
	case needV && needH:
		return resizeVertical(resizeHorizontal(img, contributions(img.W, w, sx)), contributions(img.H, h, sy))
	case needV:
		return resizeVertical(img, contributions(img.H, h, sy))
	case needH:
		return resizeHorizontal(img, contributions(img.W, w, sx))
	}
	return img.Clone() // scale 1 on both axes is the identity
}

// verticalFirst reports whether the vertical pass runs first. MATLAB runs
// [~, order] = sort(scale) with scale = [rows, cols]: the axis with the
// smaller scale first, and, sort being stable, rows (vertical) on ties.
func verticalFirst(sx, sy float64) bool { return sy <= sx }

// ModCrop crops the bottom/right so width and height are multiples of scale.
// A scale below 2 returns a copy; an image smaller than scale on an axis
// crops to nothing on that axis (W or H becomes 0).
func ModCrop(img *Image, scale int) *Image {
	if scale < 2 {
		return img.Clone()
	}
	w, h := img.W-img.W%scale, img.H-img.H%scale
	out := NewImage(w, h, img.C)
	rowLen := w * img.C
	for y := 0; y < h; y++ {
		copy(out.Pix[y*rowLen:(y+1)*rowLen], img.Pix[y*img.W*img.C:])
	}
	return out
}

// Quantize rounds every value to the nearest of the 256 8-bit levels (in
// [-1,1] units) and clamps to [-1,1], as writing to uint8 would.
//
// Exactly as MATLAB's conversion to uint8: v maps to round((v+1)*127.5) with
// halves rounded away from zero, clamped to 0..255, and back to k/127.5-1.
// NaN maps to level 0, as MATLAB's uint8(NaN) is 0. (A float32 in [-1,1]
// lands exactly half-way between two levels only at v = 0, level 127.5,
// which rounds to 128.)
func Quantize(img *Image) *Image {
	out := &Image{W: img.W, H: img.H, C: img.C, Pix: make([]float32, len(img.Pix))}
	var levels [256]float32
	for k := range levels {
		levels[k] = float32(float64(k)/127.5 - 1)
	}
	parallelFor(len(img.Pix), 1<<16, func(lo, hi int) {
		src, dst := img.Pix[lo:hi], out.Pix[lo:hi]
		for i, v := range src {
			dst[i] = levels[level8(v)]
		}
	})
	return out
}

// level8 is the 8-bit level of v in [-1,1] units, as uint8() rounds it.
func level8(v float32) uint8 {
	x := (float64(v) + 1) * 127.5
	switch {
	case x >= 254.5:
		return 255
	case x >= 0:
		return uint8(math.Round(x)) // halves away from zero, as MATLAB rounds
	}
	return 0 // negative or NaN
}
