package cascade

import (
	"context"
	"fmt"

	"github.com/srcascade/srcascade/data"
)

// UpscaleDecoded upscales a decoded file as the CLI does, so a library
// caller gets the same result: the colour with up (see UpscaleImage), the
// alpha (if any) with bicubic clamped to the input's local range (see
// data.ResizeAlpha), re-attached. Before the colour is enlarged, the colour
// of fully transparent pixels is filled from the visible ones
// (data.BleedTransparent), so transparent black does not darken the edges.
// Depth, source format, ICC profile and EXIF carry over, so grey stays
// grey, 16-bit stays 16-bit and the colour space is kept (data.Encode
// brings the EXIF in line with the new size). d is not modified.
func UpscaleDecoded(ctx context.Context, up Upscaler, d *data.Decoded, opts Options, progress Progress) (*data.Decoded, error) {
	if d == nil || d.Image == nil {
		return nil, fmt.Errorf("model %s: no image", up.Name())
	}
	img := d.Image
	if d.Alpha != nil {
		img = data.BleedTransparent(img, d.Alpha)
	}
	colour, err := UpscaleImage(ctx, up, img, opts, progress)
	if err != nil {
		return nil, err
	}
	if ow, oh, err := OutputSize(up, d.Image.W, d.Image.H, opts); err != nil {
		return nil, err
	} else if colour.W != ow || colour.H != oh {
		return nil, fmt.Errorf("model %s returned %dx%d for %dx%d, want %dx%d", up.Name(), colour.W, colour.H, d.Image.W, d.Image.H, ow, oh)
	}
	out := *d
	out.Image, out.Alpha = colour, nil
	if d.Alpha != nil {
		out.Alpha = data.ResizeAlpha(d.Alpha, colour.W, colour.H)
	}
	return &out, nil
}

// UpscaleImage runs up on img. A grey image goes as it is to an upscaler
// that accepts grey (an AcceptsGrey method returning true, as Bicubic and
// Pipeline have); any other gets it as three equal channels, and the mean
// of the result's channels comes back, so a grey input gives a grey output.
func UpscaleImage(ctx context.Context, up Upscaler, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
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

// UpscaleMemory estimates the bytes one w x h image holds while it is
// decoded, upscaled by scale (UpscaleDecoded) and encoded: about 16 per
// output pixel (the float32 RGB result, the enlarged alpha, the 8- or
// 16-bit image the encoder is given) and 16 per input pixel (the decoder's
// image and its float32 copy). The model's own working memory (its tiles,
// one image at a time) is not included. Batch callers admit images
// against a memory budget with it.
func UpscaleMemory(w, h, scale int) int64 {
	in := int64(max(w, 0)) * int64(max(h, 0))
	return 16*in*int64(scale)*int64(scale) + 16*in
}

// UpscalerMemory is UpscaleMemory for an image upscaled by up at scale:
// a scale up serves by running at a larger one and resizing down
// (Rescaled, x3 from a x4 model) also holds the larger float32 RGB result,
// 12 bytes a pixel of it, while it is resized. A Sized ignores scale: its
// output is the Target size (16 bytes a pixel, as above), and the model's
// result at the scale it runs (12 bytes a pixel) is held beside it when a
// resize follows; a size Sized cannot make counts as scale.
func UpscalerMemory(up Upscaler, w, h, scale int) int64 {
	if s, ok := up.(*Sized); ok {
		if ow, oh, run, err := s.Plan(w, h); err == nil {
			in := int64(max(w, 0)) * int64(max(h, 0))
			m := 16*int64(ow)*int64(oh) + 16*in
			if ow != w*run || oh != h*run {
				m += 12 * in * int64(run) * int64(run)
			}
			return m
		}
	}
	m := UpscaleMemory(w, h, scale)
	if r, ok := up.(*Rescaled); ok && r.RunScale() > scale {
		in := int64(max(w, 0)) * int64(max(h, 0))
		m += 12 * in * int64(r.RunScale()) * int64(r.RunScale())
	}
	return m
}

// Compilations returns how many times the networks of up have been
// compiled so far (each SR3Stage's model, through Pipelines and wrappers
// such as Rescaled: Leaves; 0 for upscalers without a network), so a
// caller timing an upscale can tell the first call's compilation from the
// work.
func Compilations(up Upscaler) int {
	n := 0
	for _, s := range Leaves(up) {
		if st, ok := s.(*SR3Stage); ok {
			n += st.Model().Compilations()
		}
	}
	return n
}

// SuperResolve is the super-resolution step of the benchmark protocol
// (data.BenchmarkPair): up's upscale of lr by opts.Scale (UpscaleImage),
// checked to be hr's size and rounded to 8 bits, as the published tables
// measure it.
func SuperResolve(ctx context.Context, up Upscaler, hr, lr *data.Image, opts Options, progress Progress) (*data.Image, error) {
	sr, err := UpscaleImage(ctx, up, lr, opts, progress)
	if err != nil {
		return nil, err
	}
	if sr.W != hr.W || sr.H != hr.H {
		return nil, fmt.Errorf("model %s returned %dx%d, want %dx%d", up.Name(), sr.W, sr.H, hr.W, hr.H)
	}
	return data.Quantize(sr), nil
}
