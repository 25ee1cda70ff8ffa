package main

import (
	"context"
	"fmt"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// nearestRGB is a test upscaler that, like learned models, accepts only
// RGB: nearest-neighbour enlargement, each channel multiplied by gain[c].
type nearestRGB struct{ gain [3]float32 }

func (nearestRGB) Name() string  { return "nearest-rgb" }
func (nearestRGB) Scales() []int { return []int{2, 4} }
func (m nearestRGB) Upscale(_ context.Context, img *data.Image, o cascade.Options, progress cascade.Progress) (*data.Image, error) {
	if img.C != 3 {
		return nil, fmt.Errorf("nearest-rgb: want 3 channels, got %d", img.C)
	}
	out := data.NewImage(img.W*o.Scale, img.H*o.Scale, 3)
	for y := range out.H {
		for x := range out.W {
			for c := range 3 {
				out.Set(x, y, c, img.At(x/o.Scale, y/o.Scale, c)*m.gain[c])
			}
		}
	}
	if progress != nil {
		progress(1, 1)
	}
	return out, nil
}

// ramp is a w x h x c test image with distinct values in [-1,1].
func ramp(w, h, c int) *data.Image {
	img := data.NewImage(w, h, c)
	for i := range img.Pix {
		img.Pix[i] = float32(i%97)/48 - 1
	}
	return img
}

func absf(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
