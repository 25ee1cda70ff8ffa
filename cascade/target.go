package cascade

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// MaxTargetSide bounds each side of an output size a Target asks for
// (checked before anything is allocated).
const MaxTargetSide = 1 << 17

// MaxTargetFactor bounds Target.Factor (no model here runs above x8; the
// bound only keeps sizes computable before Sized.Plan refuses them).
const MaxTargetFactor = 64

// Target is an output size asked other than by one of a model's integer
// scales: a factor (Real-ESRGAN's --outscale: any Factor >= 1, say 3.5) or
// a width and/or height in pixels. With Width alone the height follows the
// input's aspect ratio (rounded), with Height alone the width does; with
// both the output is exactly Width x Height, and the aspect ratio changes
// when the input's differs. Sized serves it: the learned model runs at
// the smallest scale it supports whose output covers the size, then an
// exact MATLAB-bicubic resize (data.Resize) gives the size.
type Target struct {
	Factor        float64 // output = round(Factor x input); used when Width and Height are 0
	Width, Height int     // output pixels; 0 = free
}

// Check reports what is wrong with t (a NaN, infinite, below-1 or huge
// factor, a negative or huge side, a factor beside a size, or nothing
// asked), or nil.
func (t Target) Check() error {
	switch {
	case t.Factor != 0 && (t.Width != 0 || t.Height != 0):
		return errors.New("a factor and a width/height both given: ask for one of them")
	case t.Width < 0 || t.Height < 0:
		return fmt.Errorf("size %dx%d: must be positive", t.Width, t.Height)
	case t.Width > MaxTargetSide || t.Height > MaxTargetSide:
		return fmt.Errorf("size %dx%d: a side is above %d pixels", t.Width, t.Height, MaxTargetSide)
	case t.Width != 0 || t.Height != 0:
		return nil
	case math.IsNaN(t.Factor) || math.IsInf(t.Factor, 0):
		return fmt.Errorf("factor %g: not a number", t.Factor)
	case t.Factor < 1:
		return fmt.Errorf("factor %g: must be 1 or more (this upscales)", t.Factor)
	case t.Factor > MaxTargetFactor:
		return fmt.Errorf("factor %g: above %d", t.Factor, MaxTargetFactor)
	}
	return nil
}

// Size returns the output size for a w x h input, refusing (before any
// allocation) a size with a side above MaxTargetSide, above maxPixels
// (0 = no limit), or smaller than the input on both sides.
func (t Target) Size(w, h int, maxPixels int64) (ow, oh int, err error) {
	if err := t.Check(); err != nil {
		return 0, 0, err
	}
	if w < 1 || h < 1 {
		return 0, 0, fmt.Errorf("empty %dx%d image", w, h)
	}
	var fw, fh float64
	switch {
	case t.Width != 0 && t.Height != 0:
		fw, fh = float64(t.Width), float64(t.Height)
	case t.Width != 0:
		fw, fh = float64(t.Width), float64(h)*float64(t.Width)/float64(w)
	case t.Height != 0:
		fw, fh = float64(w)*float64(t.Height)/float64(h), float64(t.Height)
	default:
		fw, fh = float64(w)*t.Factor, float64(h)*t.Factor
	}
	fw, fh = max(1, math.Round(fw)), max(1, math.Round(fh))
	if fw > MaxTargetSide || fh > MaxTargetSide {
		return 0, 0, fmt.Errorf("%dx%d to %s would be %.0fx%.0f, a side above %d pixels", w, h, t, fw, fh, MaxTargetSide)
	}
	ow, oh = int(fw), int(fh)
	if maxPixels > 0 && int64(ow)*int64(oh) > maxPixels {
		return 0, 0, fmt.Errorf("%dx%d to %s would be %dx%d (%d MP), above %d MP", w, h, t, ow, oh, int64(ow)*int64(oh)/1e6, maxPixels/1e6)
	}
	if ow < w && oh < h {
		return 0, 0, fmt.Errorf("%dx%d to %s would be %dx%d, smaller than the input: this upscales", w, h, t, ow, oh)
	}
	return ow, oh, nil
}

// String writes t as a user asks it: "x3.5", "1920x1080", "w1920", "h1080".
func (t Target) String() string {
	switch {
	case t.Width != 0 && t.Height != 0:
		return strconv.Itoa(t.Width) + "x" + strconv.Itoa(t.Height)
	case t.Width != 0:
		return "w" + strconv.Itoa(t.Width)
	case t.Height != 0:
		return "h" + strconv.Itoa(t.Height)
	}
	return "x" + strconv.FormatFloat(t.Factor, 'g', -1, 64)
}
