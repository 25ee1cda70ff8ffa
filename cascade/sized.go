package cascade

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/srcascade/srcascade/data"
)

// Sized upscales to a Target size: for each image it runs the model of
// the smallest scale, among those it was given, whose output covers the
// size asked, then resizes that output exactly to the size with
// data.Resize (MATLAB-exact antialiased bicubic), as Real-ESRGAN's
// --outscale does. A size no scale covers is refused: a model's output is
// never stretched by more than its own scale. Make one with NewSized.
type Sized struct {
	target Target
	by     map[int]Upscaler // the model run at each scale
	scales []int            // the keys of by, ascending
	models []Upscaler       // as given
	// MaxPixels bounds the output and the model's run size (0 = none).
	MaxPixels int64
}

// NewSized serves target with models: each runs at the scales it lists
// (Scales); where two list the same scale the first given wins, so pass
// the preferred model for a scale first.
func NewSized(target Target, models ...Upscaler) (*Sized, error) {
	if err := target.Check(); err != nil {
		return nil, err
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("size %s: no model", target)
	}
	s := &Sized{target: target, by: map[int]Upscaler{}, models: models}
	for _, m := range models {
		for _, sc := range m.Scales() {
			if _, ok := s.by[sc]; !ok && sc >= 1 {
				s.by[sc] = m
				s.scales = append(s.scales, sc)
			}
		}
	}
	slices.Sort(s.scales)
	return s, nil
}

// NewSizedByScale serves target with one model per scale: byScale[s] runs
// at scale s only (pretrained.OpenSized gives sr3-x2 x2, sr3-x4 x4 and
// the x8 cascade x8 this way, though sr3-x2 could chain itself to x4).
func NewSizedByScale(target Target, byScale map[int]Upscaler) (*Sized, error) {
	if err := target.Check(); err != nil {
		return nil, err
	}
	s := &Sized{target: target, by: map[int]Upscaler{}}
	for sc, m := range byScale {
		if sc < 1 || m == nil {
			return nil, fmt.Errorf("size %s: no model for scale %d", target, sc)
		}
		if !slices.Contains(m.Scales(), sc) {
			return nil, fmt.Errorf("model %s upscales by %s, not x%d", m.Name(), joinInts(m.Scales()), sc)
		}
		s.by[sc] = m
		s.scales = append(s.scales, sc)
	}
	if len(s.scales) == 0 {
		return nil, fmt.Errorf("size %s: no model", target)
	}
	slices.Sort(s.scales)
	for _, sc := range s.scales {
		if !slices.Contains(s.models, s.by[sc]) {
			s.models = append(s.models, s.by[sc])
		}
	}
	return s, nil
}

// ModelAt is the model Sized runs at scale (one of Scales), or nil.
func (s *Sized) ModelAt(scale int) Upscaler { return s.by[scale] }

// Target is the size Sized serves.
func (s *Sized) Target() Target { return s.target }

// Name names the models, joined with ", ".
func (s *Sized) Name() string {
	names := make([]string, len(s.models))
	for i, m := range s.models {
		names[i] = m.Name()
	}
	return strings.Join(names, ", ")
}

// Scales are the scales the models run at.
func (s *Sized) Scales() []int { return slices.Clone(s.scales) }

// Models are the models, as given to NewSized.
func (s *Sized) Models() []Upscaler { return slices.Clone(s.models) }

// AcceptsGrey reports whether every model takes grey images.
func (s *Sized) AcceptsGrey() bool {
	return !slices.ContainsFunc(s.models, func(m Upscaler) bool { return !acceptsGrey(m) })
}

// TakesCondNoise reports whether some model takes a conditioning-
// augmentation level.
func (s *Sized) TakesCondNoise() bool { return slices.ContainsFunc(s.models, takesCondNoise) }

// Plan returns, for a w x h input, the output size and the scale the
// model runs at (the smallest covering it), or why there is none. Sizes
// are checked before anything is allocated.
func (s *Sized) Plan(w, h int) (ow, oh, run int, err error) {
	ow, oh, err = s.target.Size(w, h, s.MaxPixels)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, sc := range s.scales {
		if w*sc >= ow && h*sc >= oh {
			if s.MaxPixels > 0 && int64(w*sc)*int64(h*sc) > s.MaxPixels {
				return 0, 0, 0, fmt.Errorf("%dx%d to %s runs %s at x%d: %dx%d (%d MP), above %d MP",
					w, h, s.target, s.by[sc].Name(), sc, w*sc, h*sc, int64(w*sc)*int64(h*sc)/1e6, s.MaxPixels/1e6)
			}
			return ow, oh, sc, nil
		}
	}
	return 0, 0, 0, fmt.Errorf("%dx%d to %s (%dx%d) needs more than x%d, the largest scale of %s; an output is never stretched past its model's scale",
		w, h, s.target, ow, oh, s.scales[len(s.scales)-1], s.Name())
}

// Upscale returns img at the Target size (opts.Scale is ignored: Plan
// picks the scale the model runs at). progress is the model's.
func (s *Sized) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	if img == nil || img.W < 1 || img.H < 1 {
		return nil, fmt.Errorf("model %s: empty image", s.Name())
	}
	ow, oh, run, err := s.Plan(img.W, img.H)
	if err != nil {
		return nil, err
	}
	m := s.by[run]
	opts.Scale = run
	big, err := m.Upscale(ctx, img, opts, progress)
	if err != nil {
		return nil, err
	}
	if big.W != img.W*run || big.H != img.H*run {
		return nil, fmt.Errorf("model %s returned %dx%d for %dx%d at x%d", m.Name(), big.W, big.H, img.W, img.H, run)
	}
	if big.W == ow && big.H == oh {
		return big, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return data.Resize(big, ow, oh), nil
}

// OutputSize is the size up makes of a w x h input with opts: the Target
// size of a Sized (or an error), else opts.Scale times the input.
func OutputSize(up Upscaler, w, h int, opts Options) (ow, oh int, err error) {
	if s, ok := up.(*Sized); ok {
		ow, oh, _, err = s.Plan(w, h)
		return ow, oh, err
	}
	return w * opts.Scale, h * opts.Scale, nil
}
