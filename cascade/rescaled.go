package cascade

import (
	"context"
	"fmt"
	"slices"

	"github.com/srcascade/srcascade/data"
)

// Rescaled serves a scale its Upscaler lacks (x3 from a x4 model, x2 from
// a x4 model): it runs the Upscaler at the next larger scale it supports,
// then resizes the result down to the size asked with data.Resize, the
// MATLAB-exact antialiased bicubic. Scales the Upscaler supports run as
// they are. Real-ESRGAN's --outscale does the same with its x4 networks.
//
// Make one with ForScale, which only builds it around upscalers with a
// learned stage: bicubic itself is never dressed up as a learned model.
type Rescaled struct {
	up   Upscaler
	from int // the scale the Upscaler runs at
	to   int // the scale asked
}

// ForScale returns an upscaler that serves scale with up's learned
// stages: up itself when it supports scale, else a Rescaled running up at
// the smallest larger scale it supports and resizing down. It refuses a
// scale up cannot serve (none of its scales is larger) and a scale up
// lacks when up has no learned stage (a bicubic chain), rather than
// substitute another method for the one asked.
func ForScale(up Upscaler, scale int) (Upscaler, error) {
	scales := up.Scales()
	if slices.Contains(scales, scale) {
		return up, nil
	}
	if scale < 2 {
		return nil, fmt.Errorf("model %s: scale x%d: must be 2 or more", up.Name(), scale)
	}
	if !HasLearnedStage(up) {
		return nil, fmt.Errorf("model %s upscales by %s, not x%d", up.Name(), joinInts(scales), scale)
	}
	from := 0
	for _, s := range scales {
		if s > scale && (from == 0 || s < from) {
			from = s
		}
	}
	if from == 0 {
		return nil, fmt.Errorf("model %s upscales by %s: nothing it runs at is x%d or larger, and a smaller result is never stretched", up.Name(), joinInts(scales), scale)
	}
	return &Rescaled{up: up, from: from, to: scale}, nil
}

// HasLearnedStage reports whether some stage of up (Leaves) samples with
// a network, as SR3Stage does.
func HasLearnedStage(up Upscaler) bool {
	return slices.ContainsFunc(Leaves(up), func(s Upscaler) bool {
		_, ok := s.(samplerStage)
		return ok
	})
}

// Name is the Upscaler's name.
func (r *Rescaled) Name() string { return r.up.Name() }

// Unwrap returns the Upscaler that does the work.
func (r *Rescaled) Unwrap() Upscaler { return r.up }

// RunScale is the scale the Upscaler runs at before the resize down to
// the scale asked (TargetScale).
func (r *Rescaled) RunScale() int { return r.from }

// TargetScale is the scale Rescaled serves.
func (r *Rescaled) TargetScale() int { return r.to }

// Scales are the Upscaler's scales and the one Rescaled serves, ascending.
func (r *Rescaled) Scales() []int {
	s := append(slices.Clone(r.up.Scales()), r.to)
	slices.Sort(s)
	return slices.Compact(s)
}

// AcceptsGrey reports whether the Upscaler takes grey images (the resize
// does).
func (r *Rescaled) AcceptsGrey() bool { return acceptsGrey(r.up) }

// TakesCondNoise reports whether the Upscaler takes a conditioning-
// augmentation level.
func (r *Rescaled) TakesCondNoise() bool { return takesCondNoise(r.up) }

// Upscale runs the Upscaler at RunScale and resizes its output to
// opts.Scale times img's size when opts.Scale is TargetScale; other
// scales go to the Upscaler as they are. progress is the Upscaler's. With
// Options.Consistency the resized result is projected against img.
func (r *Rescaled) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	if opts.Scale != r.to {
		return r.up.Upscale(ctx, img, opts, progress)
	}
	if img == nil || img.W < 1 || img.H < 1 {
		return nil, fmt.Errorf("model %s: empty image", r.Name())
	}
	run := opts
	run.Scale = r.from
	big, err := r.up.Upscale(ctx, img, run, progress)
	if err != nil {
		return nil, err
	}
	if big.W != img.W*r.from || big.H != img.H*r.from {
		return nil, fmt.Errorf("model %s returned %dx%d for %dx%d at x%d", r.Name(), big.W, big.H, img.W, img.H, r.from)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := data.Resize(big, img.W*r.to, img.H*r.to)
	if opts.Consistency {
		if out, err = projectResult(out, img, r.to); err != nil {
			return nil, fmt.Errorf("model %s: %w", r.Name(), err)
		}
	}
	return out, nil
}
