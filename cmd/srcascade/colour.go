package main

import (
	"context"
	"fmt"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// upscaleDecoded upscales a decoded file: the colour with the model, the
// alpha (if any) with bicubic to the same size, re-attached. Depth and
// source format are carried over, so grey stays grey and 16-bit stays 16-bit.
func upscaleDecoded(ctx context.Context, up cascade.Upscaler, d *data.Decoded, opts cascade.Options, progress cascade.Progress) (*data.Decoded, error) {
	colour, err := upscaleColour(ctx, up, d.Image, opts, progress)
	if err != nil {
		return nil, err
	}
	if ow, oh, err := cascade.OutputSize(up, d.Image.W, d.Image.H, opts); err != nil {
		return nil, err
	} else if colour.W != ow || colour.H != oh {
		return nil, fmt.Errorf("model %s returned %dx%d for %dx%d, want %dx%d", up.Name(), colour.W, colour.H, d.Image.W, d.Image.H, ow, oh)
	}
	out := &data.Decoded{Image: colour, Depth: d.Depth, Format: d.Format}
	if d.Alpha != nil {
		out.Alpha = clampUnit(data.Resize(d.Alpha, colour.W, colour.H))
	}
	return out, nil
}

// upscaleColour runs the model on img. A grey image goes to a model that
// needs RGB as three equal channels, and the mean of the result's channels
// comes back, so a grey input gives a grey output of the same channel count.
func upscaleColour(ctx context.Context, up cascade.Upscaler, img *data.Image, opts cascade.Options, progress cascade.Progress) (*data.Image, error) {
	if img.C == 3 || (img.C == 1 && acceptsGrey(up)) {
		return up.Upscale(ctx, img, opts, progress)
	}
	if img.C != 1 {
		return nil, fmt.Errorf("image has %d channels, want 1 or 3", img.C)
	}
	out, err := up.Upscale(ctx, data.GreyToRGB(img), opts, progress)
	if err != nil {
		return nil, err
	}
	return data.RGBToGrey(out), nil
}

// acceptsGrey reports whether up takes single-channel images as they are.
// Bicubic filters each channel alone; other models say so by implementing
// AcceptsGrey, else they are given RGB.
func acceptsGrey(up cascade.Upscaler) bool {
	switch u := up.(type) {
	case cascade.Bicubic, *cascade.Bicubic:
		return true
	case interface{ AcceptsGrey() bool }:
		return u.AcceptsGrey()
	}
	return false
}

// clampUnit clamps img to [-1,1] in place (bicubic overshoots near edges)
// and returns it.
func clampUnit(img *data.Image) *data.Image {
	for i, v := range img.Pix {
		if v < -1 {
			img.Pix[i] = -1
		} else if v > 1 {
			img.Pix[i] = 1
		}
	}
	return img
}
