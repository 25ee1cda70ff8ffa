package cascade

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade/data"
)

// PrefilterOff turns Options.Prefilter's automatic denoising off.
const PrefilterOff = -1

// maxPrefilterSigma bounds a prefilter sigma (8-bit levels).
const maxPrefilterSigma = 255

// errPrefilterSetting is ParsePrefilter's error: what a setting may be.
var errPrefilterSetting = errors.New("want auto, off or a noise sigma in 8-bit levels, 0 (off) to 255")

// ParsePrefilter reads an Options.Prefilter setting as the CLI's
// --prefilter and serve's prefilter parameter write it: "auto" (0), "off"
// or "0" (PrefilterOff), or the sigma of the input's noise in 8-bit levels,
// up to 255; surrounding spaces are allowed, NaN and infinities refused.
func ParsePrefilter(s string) (float64, error) {
	switch s = strings.TrimSpace(s); s {
	case "auto":
		return 0, nil
	case "off":
		return PrefilterOff, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0 && v <= maxPrefilterSigma) { // NaN and infinities fail the range too
		return 0, errPrefilterSetting
	}
	if v == 0 {
		return PrefilterOff, nil
	}
	return v, nil
}

// PrefilterString writes an Options.Prefilter setting as ParsePrefilter
// reads it.
func PrefilterString(sigma float64) string {
	switch {
	case sigma == 0:
		return "auto"
	case sigma < 0:
		return "off"
	}
	return strconv.FormatFloat(sigma, 'g', -1, 64)
}

// PrefilterSigma returns the sigma (8-bit levels) at which a real input is
// denoised (data.DenoiseBM3D) before the first pass, after any
// deblocking, 0 for none (Options.Prefilter): the sigma asked for, else
// for a model with a denoise control data.AutoPrefilterSigma of the
// input (its colour noise, or a grey image's grey noise) and of whether it
// was deblocked (deblocked, the quality DeblockQuality gave, is above 0).
func (s *SR3Stage) PrefilterSigma(opts Options, img *data.Image, generated bool, deblocked int) (float64, error) {
	switch v := opts.Prefilter; {
	case v != PrefilterOff && !(v >= 0 && v <= maxPrefilterSigma):
		return 0, fmt.Errorf("model %s: prefilter %g: want a noise sigma above 0 up to %d, 0 (automatic) or %d (off)", s.name, v, maxPrefilterSigma, PrefilterOff)
	case v == PrefilterOff || generated:
		return 0, nil
	case v > 0:
		return v, nil
	case !s.model.Config.Denoise:
		return 0, nil
	}
	return data.AutoPrefilterSigma(img, deblocked > 0), nil
}
