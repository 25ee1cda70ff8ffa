package pretrained

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/srcascade/srcascade/cascade"
)

// ChainSep joins the parts of a chain of models given to Open, e.g.
// "sr3-x4+sr3-x2": a cascade.Pipeline running sr3-x4, then sr3-x2 on its
// output.
const ChainSep = "+"

// defaults lists, per scale, the models Default prefers, best first; a
// candidate is taken when all its parts are built-in models and it serves
// the scale (servesScale). Scales not listed get bicubic.
var defaults = map[int][]string{
	2: {"sr3-x4-real", "sr3-x2", "bicubic"},
	3: {"sr3-x4-real", "sr3-x4", "sr3-x2", "bicubic"},
	4: {"sr3-x4-real", "sr3-x4", "bicubic"},
	8: {"sr3-x4-real+sr3-x2", "sr3-x4+sr3-x2", "sr3-x4", "bicubic"},
}

// Default is the name of the model `srcascade upscale` and `eval` use for
// scale when -m is not given: the first of the scale's preferences whose
// parts are all registered built-in models and that supports the scale
// (x2: sr3-x4-real, the model for real photos, run at x4 and halved
// exactly, else sr3-x2, else bicubic; x4: sr3-x4-real,
// else sr3-x4, else bicubic; x8: the chain sr3-x4-real+sr3-x2, else
// sr3-x4+sr3-x2, else sr3-x4 if it supports x8, else bicubic; x3: sr3-x4-real
// run at x4 and resized down, see cascade.ForScale), so a model added to
// the registry is picked up without changing this. Open the result with
// OpenForScale.
func Default(scale int) string {
	for _, name := range defaults[scale] {
		if scales, ok := builtinScales(name); ok && servesScale(name, scales, scale) {
			return name
		}
	}
	return "bicubic"
}

// servesScale reports whether the built-in model or chain name, of the
// given scales, serves scale through cascade.ForScale: one of its scales,
// or for a learned model (any part but bicubic) a scale below a larger
// one of its scales.
func servesScale(name string, scales []int, scale int) bool {
	if slices.Contains(scales, scale) {
		return true
	}
	learned := slices.ContainsFunc(strings.Split(name, ChainSep), func(p string) bool { return p != "bicubic" })
	return learned && slices.ContainsFunc(scales, func(s int) bool { return s > scale })
}

// OpenForScale opens nameOrDir as Open does, for upscaling by scale (see
// cascade.ForScale): a scale the model lacks is served by its learned
// stages at the next larger scale, resized down exactly; a scale it cannot
// serve is an error wrapping ErrScale.
func OpenForScale(nameOrDir, backend string, scale int) (cascade.Upscaler, error) {
	up, err := Open(nameOrDir, backend)
	if err != nil {
		return nil, err
	}
	served, err := cascade.ForScale(up, scale)
	if err != nil {
		return nil, scaleError{err}
	}
	return served, nil
}

// ErrScale is matched (errors.Is) by OpenForScale's error for a scale the
// model cannot serve.
var ErrScale = errors.New("unsupported scale")

// scaleError is cascade.ForScale's error, matching ErrScale.
type scaleError struct{ err error }

func (e scaleError) Error() string        { return e.err.Error() }
func (e scaleError) Unwrap() error        { return e.err }
func (e scaleError) Is(target error) bool { return target == ErrScale }

// builtinScales returns the scales of a built-in model or chain of
// built-in models, from their cards, without opening them; ok is false
// when a part is not a built-in model.
func builtinScales(name string) (scales []int, ok bool) {
	parts := strings.Split(name, ChainSep)
	per := make([][]int, len(parts))
	for i, part := range parts {
		j := slices.IndexFunc(registry, func(e entry) bool { return e.info.Name == part })
		if j < 0 {
			return nil, false
		}
		per[i] = registry[j].info.Scales
	}
	return cascade.ChainScales(per...), true
}

// chainParts splits a chain of models ("sr3-x4+sr3-x2") into its parts. ok
// is false for a single model: an argument without ChainSep, or one that
// is itself a built-in name or an existing folder (a checkpoint folder may
// have a + in its name).
func chainParts(nameOrDir string) (parts []string, ok bool) {
	if !strings.Contains(nameOrDir, ChainSep) {
		return nil, false
	}
	if slices.ContainsFunc(registry, func(e entry) bool { return e.info.Name == nameOrDir }) {
		return nil, false
	}
	if st, err := os.Stat(nameOrDir); err == nil && st.IsDir() {
		return nil, false
	}
	return strings.Split(nameOrDir, ChainSep), true
}

// openChain opens each part of a chain (a built-in name or a checkpoint
// folder, see Open) and returns the cascade.Pipeline running them in
// order. An error names the failing part; an empty or unknown part wraps
// ErrUnknownModel.
func openChain(chain string, parts []string, backend string) (cascade.Upscaler, error) {
	stages := make([]cascade.Upscaler, len(parts))
	for i, part := range parts {
		if part == "" {
			return nil, fmt.Errorf("model %q: part %d of the chain is empty: %w (join models with %s, such as sr3-x4+sr3-x2)",
				chain, i+1, ErrUnknownModel, ChainSep)
		}
		up, err := Open(part, backend)
		if err != nil {
			return nil, fmt.Errorf("model chain %s, part %d (%s): %w", chain, i+1, part, err)
		}
		stages[i] = up
	}
	return cascade.NewPipeline(stages...)
}
