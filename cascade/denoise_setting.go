package cascade

import (
	"errors"
	"strconv"
	"strings"
)

// errDenoiseSetting is ParseDenoise's error: what a setting may be.
var errDenoiseSetting = errors.New("want auto or a level from 0 (clean input) to 1")

// ParseDenoise reads an Options.Denoise setting as the CLI's --denoise and
// serve's denoise parameter write it: "auto" (nil: the level estimated from
// each image) or a level 0..1, surrounding spaces allowed. NaN, infinities
// and levels outside 0..1 are refused.
func ParseDenoise(s string) (*float64, error) {
	s = strings.TrimSpace(s)
	if s == "auto" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0 && v <= 1) { // NaN and infinities fail the range too
		return nil, errDenoiseSetting
	}
	return &v, nil
}

// DenoiseString writes an Options.Denoise setting as ParseDenoise reads it.
func DenoiseString(level *float64) string {
	if level == nil {
		return "auto"
	}
	return strconv.FormatFloat(*level, 'g', -1, 64)
}
