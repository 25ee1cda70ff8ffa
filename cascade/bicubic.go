package cascade

import (
	"context"
	"fmt"

	"github.com/srcascade/srcascade/data"
)

// Bicubic is the built-in baseline upscaler: MATLAB-exact bicubic. It has
// no network and no noise, so of Options it reads only Scale and
// Consistency (the result projected so that its downscale is the input:
// bicubic upsampling alone is not consistent): Seed, the
// sampler settings, Tile, CondNoise and Generated are accepted and ignored
// (an explicit conditioning-augmentation level is not an error, so that
// pipelines mixing bicubic and learned stages take one).
type Bicubic struct{}

func (Bicubic) Name() string  { return "bicubic" }
func (Bicubic) Scales() []int { return []int{2, 3, 4, 8} }

// AcceptsGrey reports that Upscale takes single-channel images: each
// channel is filtered alone.
func (Bicubic) AcceptsGrey() bool { return true }

// Upscale returns img resized by opts.Scale (see Bicubic for the options).
func (Bicubic) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	if opts.Scale < 1 {
		return nil, fmt.Errorf("bicubic: invalid scale %d", opts.Scale)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := data.Resize(img, img.W*opts.Scale, img.H*opts.Scale)
	if opts.Consistency {
		var err error
		if out, err = projectResult(out, img, opts.Scale); err != nil {
			return nil, fmt.Errorf("bicubic: %w", err)
		}
	}
	if progress != nil {
		progress(1, 1)
	}
	return out, nil
}
