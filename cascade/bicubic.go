package cascade

import (
	"context"
	"fmt"

	"github.com/srcascade/srcascade/data"
)

// Bicubic is the built-in baseline upscaler: MATLAB-exact bicubic.
type Bicubic struct{}

func (Bicubic) Name() string  { return "bicubic" }
func (Bicubic) Scales() []int { return []int{2, 3, 4, 8} }

func (Bicubic) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	if opts.Scale < 1 {
		return nil, fmt.Errorf("bicubic: invalid scale %d", opts.Scale)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := data.Resize(img, img.W*opts.Scale, img.H*opts.Scale)
	if progress != nil {
		progress(1, 1)
	}
	return out, nil
}
