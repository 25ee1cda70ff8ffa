package main

// Tests of `upscale --prefilter`: the DCT denoising of the real-photo
// models' inputs.

import (
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestCLIUpscalePrefilter runs the default x4 model on a 64x48 crop of the
// sample photo with colour noise of sigma 6 levels, as a user does: by
// default the noise is measured and filtered away first (the output
// differs from --prefilter off and equals --prefilter auto), an explicit
// sigma filters too; a bad value is a usage error naming the flag; and
// --prefilter on bicubic warns that it changes nothing. A grey photo's
// grey noise is filtered by default too.
func TestCLIUpscalePrefilter(t *testing.T) {
	dir := t.TempDir()
	sample, _ := readImage(t, filepath.Join("..", "..", "testdata", "sample.png"))
	noisy := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	rng := rand.New(rand.NewPCG(1, 2))
	clamp := func(v uint32) uint8 { return uint8(min(255, max(0, float64(v>>8)+6*rng.NormFloat64()+0.5))) }
	for y := range 48 {
		for x := range 64 {
			r, g, b, _ := sample.At(x, y).RGBA()
			noisy.Set(x, y, color.NRGBA{clamp(r), clamp(g), clamp(b), 255})
		}
	}
	writePNG(t, filepath.Join(dir, "in.png"), noisy)
	read := upscaleVariants(t, dir, "in.png", []string{"--prefilter", "off"}, []string{"--prefilter", "auto"}, []string{"--prefilter", "6"})
	def, off := read("default.png"), read("off.png")
	if def == off {
		t.Error("the default and --prefilter off give the same output for a noisy photo")
	}
	if def != read("auto.png") {
		t.Error("the default should equal --prefilter auto")
	}
	if read("6.png") == off {
		t.Error("--prefilter 6 gives the output of --prefilter off")
	}
	checkInputFlag(t, dir, "in.png", "--prefilter", []string{"-1", "256", "strong", "NaN"}, "3")

	// A grey photo (a one-channel PNG) with grey noise is filtered too.
	greyDir := filepath.Join(dir, "grey")
	if err := os.Mkdir(greyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	grey := image.NewGray(noisy.Rect)
	for y := range 48 {
		for x := range 64 {
			grey.SetGray(x, y, color.Gray{clamp(uint32(color.GrayModel.Convert(sample.At(x, y)).(color.Gray).Y) << 8)})
		}
	}
	writePNG(t, filepath.Join(greyDir, "in.png"), grey)
	read = upscaleVariants(t, greyDir, "in.png", []string{"--prefilter", "off"})
	if read("default.png") == read("off.png") {
		t.Error("the default and --prefilter off give the same output for a grey photo with grey noise")
	}
}
