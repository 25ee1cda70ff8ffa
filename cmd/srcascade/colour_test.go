package main

import (
	"context"
	"fmt"
	"testing"

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

func TestGreyRGBRoundTrip(t *testing.T) {
	g := ramp(7, 5, 1)
	rgb := data.GreyToRGB(g)
	if rgb.C != 3 || rgb.W != 7 || rgb.H != 5 {
		t.Fatalf("greyToRGB gives %v", rgb)
	}
	back := data.RGBToGrey(rgb)
	for i, v := range g.Pix {
		if rgb.Pix[3*i] != v || rgb.Pix[3*i+1] != v || rgb.Pix[3*i+2] != v {
			t.Fatalf("greyToRGB pixel %d = %v, want %v x3", i, rgb.Pix[3*i:3*i+3], v)
		}
		if back.Pix[i] != v { // exact: the mean of three equal float32s is that float32
			t.Fatalf("data.RGBToGrey(greyToRGB) pixel %d = %v, want %v", i, back.Pix[i], v)
		}
	}
}

// TestUpscaleColourGrey checks that a grey image through an RGB-only model
// comes back grey, as the mean of the model's three channels.
func TestUpscaleColourGrey(t *testing.T) {
	g := ramp(6, 4, 1)
	opts := cascade.Options{Scale: 2}
	for _, m := range []nearestRGB{{gain: [3]float32{1, 1, 1}}, {gain: [3]float32{0.5, 1, 0.3}}} {
		out, err := upscaleColour(context.Background(), m, g, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.C != 1 || out.W != 12 || out.H != 8 {
			t.Fatalf("gain %v: output %v, want 12x8x1", m.gain, out)
		}
		for y := range out.H {
			for x := range out.W {
				v := float64(g.At(x/2, y/2, 0))
				want := float32((v*float64(m.gain[0]) + v*float64(m.gain[1]) + v*float64(m.gain[2])) / 3)
				if got := out.At(x, y, 0); got != want && absf(got-want) > 1e-6 {
					t.Fatalf("gain %v: pixel (%d,%d) = %v, want %v", m.gain, x, y, got, want)
				}
			}
		}
	}
	// RGB images and grey-capable models are passed through unchanged.
	if out, err := upscaleColour(context.Background(), nearestRGB{gain: [3]float32{1, 1, 1}}, ramp(3, 3, 3), opts, nil); err != nil || out.C != 3 {
		t.Errorf("RGB through RGB model: %v, %v", out, err)
	}
	if out, err := upscaleColour(context.Background(), cascade.Bicubic{}, g, opts, nil); err != nil || out.C != 1 || out.W != 12 {
		t.Errorf("grey through bicubic: %v, %v", out, err)
	}
	if !acceptsGrey(cascade.Bicubic{}) || acceptsGrey(nearestRGB{}) {
		t.Error("acceptsGrey: bicubic should take grey as is, nearest-rgb should not")
	}
}

// TestUpscaleDecodedAlpha checks that alpha is bicubic-resized to the
// colour's size, clamped to [-1,1], and that depth and format carry over.
func TestUpscaleDecodedAlpha(t *testing.T) {
	alpha := data.NewImage(6, 4, 1)
	for i := range alpha.Pix { // a hard edge, where bicubic overshoots
		if i%6 >= 3 {
			alpha.Pix[i] = 1
		} else {
			alpha.Pix[i] = -1
		}
	}
	d := &data.Decoded{Image: ramp(6, 4, 3), Alpha: alpha, Depth: 16, Format: "png"}
	out, err := upscaleDecoded(context.Background(), nearestRGB{gain: [3]float32{1, 1, 1}}, d, cascade.Options{Scale: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Depth != 16 || out.Format != "png" || out.Image.C != 3 {
		t.Errorf("depth %d format %q channels %d; want 16, png, 3", out.Depth, out.Format, out.Image.C)
	}
	if out.Alpha == nil || out.Alpha.W != 24 || out.Alpha.H != 16 || out.Alpha.C != 1 {
		t.Fatalf("alpha = %v, want 24x16x1", out.Alpha)
	}
	want := data.Resize(alpha, 24, 16)
	overshoot := false
	for i, v := range want.Pix {
		w := min(max(v, -1), 1)
		overshoot = overshoot || w != v
		if out.Alpha.Pix[i] != w {
			t.Fatalf("alpha[%d] = %v, want clamp(bicubic) = %v", i, out.Alpha.Pix[i], w)
		}
	}
	if !overshoot {
		t.Log("bicubic did not overshoot on this edge; clamping untested")
	}
	// No alpha in, no alpha out.
	d.Alpha = nil
	if out, err := upscaleDecoded(context.Background(), nearestRGB{gain: [3]float32{1, 1, 1}}, d, cascade.Options{Scale: 2}, nil); err != nil || out.Alpha != nil {
		t.Errorf("no alpha: got %v, %v", out.Alpha, err)
	}
}

// wrongSize is an upscaler that returns the wrong size.
type wrongSize struct{ nearestRGB }

func (wrongSize) Upscale(context.Context, *data.Image, cascade.Options, cascade.Progress) (*data.Image, error) {
	return data.NewImage(3, 3, 3), nil
}

func TestUpscaleDecodedChecksSize(t *testing.T) {
	d := &data.Decoded{Image: ramp(4, 4, 3), Depth: 8, Format: "png"}
	if _, err := upscaleDecoded(context.Background(), wrongSize{}, d, cascade.Options{Scale: 2}, nil); err == nil {
		t.Error("a model returning the wrong size should be an error")
	}
}

func absf(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
