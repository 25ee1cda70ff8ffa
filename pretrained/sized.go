package pretrained

import (
	"fmt"
	"slices"

	"github.com/srcascade/srcascade/cascade"
)

// sizedScales are the scales whose Default models OpenSized combines.
var sizedScales = []int{2, 4, 8}

// OpenSized opens the models that serve target (cascade.Sized: the learned
// model runs at the smallest scale covering the size asked, then an exact
// bicubic resize). nameOrDir is a model as Open takes it, or "" for the
// defaults: for a factor, Default of the smallest of x2, x4, x8 at or
// above it (x3.5 runs sr3-x4); for a width/height, which need not
// give one factor, Default(2), Default(4) and Default(8) together, each
// image running the smallest that covers it.
func OpenSized(nameOrDir, backend string, target cascade.Target) (*cascade.Sized, error) {
	if err := target.Check(); err != nil {
		return nil, err
	}
	var names []string
	switch {
	case nameOrDir != "":
		names = []string{nameOrDir}
	case target.Factor > 0:
		s := sizedScales[len(sizedScales)-1]
		for _, sc := range sizedScales {
			if float64(sc) >= target.Factor {
				s = sc
				break
			}
		}
		names = []string{Default(s)}
	default:
		for _, sc := range sizedScales {
			if n := Default(sc); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	models := make([]cascade.Upscaler, 0, len(names))
	for _, n := range names {
		up, err := Open(n, backend)
		if err != nil {
			return nil, err
		}
		models = append(models, up)
	}
	s, err := cascade.NewSized(target, models...)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", nameOrDir, err)
	}
	return s, nil
}
