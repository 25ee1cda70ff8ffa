package cascade

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// rgbOnly is a test upscaler that, like learned models without an
// AcceptsGrey method, takes only RGB: nearest-neighbour enlargement, each
// channel multiplied by gain[c].
type rgbOnly struct{ gain [3]float32 }

func (rgbOnly) Name() string  { return "rgb-only" }
func (rgbOnly) Scales() []int { return []int{2, 4} }
func (m rgbOnly) Upscale(_ context.Context, img *data.Image, o Options, progress Progress) (*data.Image, error) {
	if img.C != 3 {
		return nil, fmt.Errorf("rgb-only: want 3 channels, got %d", img.C)
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
	opts := Options{Scale: 2}
	for _, m := range []rgbOnly{{gain: [3]float32{1, 1, 1}}, {gain: [3]float32{0.5, 1, 0.3}}} {
		out, err := UpscaleImage(context.Background(), m, g, opts, nil)
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
	if out, err := UpscaleImage(context.Background(), rgbOnly{gain: [3]float32{1, 1, 1}}, ramp(3, 3, 3), opts, nil); err != nil || out.C != 3 {
		t.Errorf("RGB through RGB model: %v, %v", out, err)
	}
	if out, err := UpscaleImage(context.Background(), Bicubic{}, g, opts, nil); err != nil || out.C != 1 || out.W != 12 {
		t.Errorf("grey through bicubic: %v, %v", out, err)
	}
	if !acceptsGrey(Bicubic{}) || acceptsGrey(rgbOnly{}) {
		t.Error("acceptsGrey: bicubic should take grey as is, nearest-rgb should not")
	}
}

// TestUpscaleDecodedAlpha checks that alpha is bicubic-resized to the
// colour's size, clamped to the range of the input pixels around each
// output pixel (so never beyond the input's range), and that depth, format,
// ICC profile and EXIF carry over.
func TestUpscaleDecodedAlpha(t *testing.T) {
	alpha := data.NewImage(6, 4, 1)
	for i := range alpha.Pix { // a hard edge 0.8 | 0.1, where bicubic overshoots
		if i%6 >= 3 {
			alpha.Pix[i] = data.FromUnit(0.8)
		} else {
			alpha.Pix[i] = data.FromUnit(0.1)
		}
	}
	d := &data.Decoded{Image: ramp(6, 4, 3), Alpha: alpha, Depth: 16, Format: "png",
		ICC: []byte("profile"), EXIF: []byte("exif")}
	out, err := UpscaleDecoded(context.Background(), rgbOnly{gain: [3]float32{1, 1, 1}}, d, Options{Scale: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Depth != 16 || out.Format != "png" || out.Image.C != 3 || string(out.ICC) != "profile" || string(out.EXIF) != "exif" {
		t.Errorf("depth %d format %q channels %d ICC %q EXIF %q; want 16, png, 3, profile, exif",
			out.Depth, out.Format, out.Image.C, out.ICC, out.EXIF)
	}
	if out.Alpha == nil || out.Alpha.W != 24 || out.Alpha.H != 16 || out.Alpha.C != 1 {
		t.Fatalf("alpha = %v, want 24x16x1", out.Alpha)
	}
	bicubic := data.Resize(alpha, 24, 16)
	lo, hi := data.FromUnit(0.1), data.FromUnit(0.8)
	overshoot := false
	for i, v := range bicubic.Pix {
		got := out.Alpha.Pix[i]
		if got < lo || got > hi {
			t.Fatalf("alpha[%d] = %v (%.3f), outside the input's range", i, got, data.ToUnit(got))
		}
		if v >= lo && v <= hi && absf(got-v) > 1e-5 {
			t.Fatalf("alpha[%d] = %v, want bicubic %v where it does not overshoot", i, got, v)
		}
		overshoot = overshoot || v < lo || v > hi
	}
	if !overshoot {
		t.Fatal("bicubic did not overshoot on this edge; the clamp is untested")
	}
	// No alpha in, no alpha out.
	d.Alpha = nil
	if out, err := UpscaleDecoded(context.Background(), rgbOnly{gain: [3]float32{1, 1, 1}}, d, Options{Scale: 2}, nil); err != nil || out.Alpha != nil {
		t.Errorf("no alpha: got %v, %v", out.Alpha, err)
	}
}

// TestUpscaleDecodedTransparentBlack is issue 12's case through the
// library, with bicubic and with an RGB-only model: a red shape (alpha 0.8)
// on transparent black. Every pixel with any opacity must be red (no dark
// fringe from the black), alpha must stay within [0, 0.8].
func TestUpscaleDecodedTransparentBlack(t *testing.T) {
	const w, h = 12, 10
	img := data.NewImage(w, h, 3)
	alpha := data.NewImage(w, h, 1)
	for i := range alpha.Pix {
		alpha.Pix[i] = -1
		img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = -1, -1, -1
	}
	for y := 3; y < 7; y++ {
		for x := 4; x < 9; x++ {
			i := y*w + x
			alpha.Pix[i] = data.FromUnit(0.8)
			img.Pix[3*i] = 1
		}
	}
	d := &data.Decoded{Image: img, Alpha: alpha, Depth: 8, Format: "png"}
	for _, up := range []Upscaler{Bicubic{}, rgbOnly{gain: [3]float32{1, 1, 1}}} {
		out, err := UpscaleDecoded(context.Background(), up, d, Options{Scale: 4}, nil)
		if err != nil {
			t.Fatal(err)
		}
		edge := 0
		for i, a := range out.Alpha.Pix {
			if a > data.FromUnit(0.8) || a < -1 {
				t.Fatalf("%s: alpha[%d] = %.3f, outside [0, 0.8]", up.Name(), i, data.ToUnit(a))
			}
			if data.ToUnit(a) < 0.5/255 {
				continue
			}
			if a < data.FromUnit(0.8) {
				edge++
			}
			if r, g, b := out.Image.Pix[3*i], out.Image.Pix[3*i+1], out.Image.Pix[3*i+2]; r < 0.99 || g > -0.99 || b > -0.99 {
				t.Fatalf("%s: pixel %d (alpha %.2f) = (%.3f, %.3f, %.3f): a fringe, want red (1, -1, -1)",
					up.Name(), i, data.ToUnit(a), r, g, b)
			}
		}
		if edge == 0 {
			t.Fatalf("%s: no partly transparent pixels; the edge is untested", up.Name())
		}
	}
	if d.Image.Pix[0] != -1 {
		t.Error("UpscaleDecoded modified its input")
	}
}

// wrongSize is an upscaler that returns the wrong size.
type wrongSize struct{ rgbOnly }

func (wrongSize) Upscale(context.Context, *data.Image, Options, Progress) (*data.Image, error) {
	return data.NewImage(3, 3, 3), nil
}

func TestUpscaleDecodedChecksSize(t *testing.T) {
	d := &data.Decoded{Image: ramp(4, 4, 3), Depth: 8, Format: "png"}
	if _, err := UpscaleDecoded(context.Background(), wrongSize{}, d, Options{Scale: 2}, nil); err == nil {
		t.Error("a model returning the wrong size should be an error")
	}
}

// TestSuperResolve: the protocol's SR is the upscale rounded to 8 bits,
// and a model that returns another size is an error naming it.
func TestSuperResolve(t *testing.T) {
	lr := data.NewImage(6, 5, 3)
	for i := range lr.Pix {
		lr.Pix[i] = float32(i%17)/9 - 0.9
	}
	hr := data.NewImage(12, 10, 3)
	sr, err := SuperResolve(context.Background(), Bicubic{}, hr, lr, Options{Scale: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := data.Quantize(data.Resize(lr, 12, 10))
	for i, v := range sr.Pix {
		if v != want.Pix[i] {
			t.Fatalf("sr[%d] = %v, want %v", i, v, want.Pix[i])
		}
	}
	if _, err := SuperResolve(context.Background(), Bicubic{}, data.NewImage(13, 10, 3), lr, Options{Scale: 2}, nil); err == nil || !strings.Contains(err.Error(), "bicubic returned 12x10, want 13x10") {
		t.Errorf("size mismatch: %v", err)
	}
}
