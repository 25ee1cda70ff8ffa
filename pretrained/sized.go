package pretrained

import (
	"fmt"

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
// at its own scale only (cascade.NewSizedByScale: x4 runs sr3-x4, not
// sr3-x2 twice), each image running the smallest scale that covers it.
// A default that lacks its scale runs at the next larger one and is
// resized down (cascade.ForScale), as OpenForScale does.
func OpenSized(nameOrDir, backend string, target cascade.Target) (*cascade.Sized, error) {
	if err := target.Check(); err != nil {
		return nil, err
	}
	if nameOrDir != "" {
		up, err := Open(nameOrDir, backend)
		if err != nil {
			return nil, err
		}
		return cascade.NewSized(target, up)
	}
	scales := sizedScales
	if target.Factor > 0 {
		s := sizedScales[len(sizedScales)-1]
		for _, sc := range sizedScales {
			if float64(sc) >= target.Factor {
				s = sc
				break
			}
		}
		scales = []int{s}
	}
	byScale := map[int]cascade.Upscaler{}
	opened := map[string]cascade.Upscaler{}
	for _, sc := range scales {
		name := Default(sc)
		up, ok := opened[name]
		if !ok {
			var err error
			if up, err = Open(name, backend); err != nil {
				return nil, err
			}
			opened[name] = up
		}
		// A default that runs at a larger scale serves sc through an exact
		// bicubic resize down (x2: sr3-x4-real at x4, then halved).
		served, err := cascade.ForScale(up, sc)
		if err != nil {
			return nil, fmt.Errorf("default model %s for x%d: %w", name, sc, err)
		}
		byScale[sc] = served
	}
	s, err := cascade.NewSizedByScale(target, byScale)
	if err != nil {
		return nil, fmt.Errorf("default models for %s: %w", target, err)
	}
	return s, nil
}
