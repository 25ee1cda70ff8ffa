package cascade

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestParsePrefilter: the settings read back as PrefilterString writes
// them, "0" is off, and anything else is refused.
func TestParsePrefilter(t *testing.T) {
	checkSetting(t, "Prefilter", ParsePrefilter, PrefilterString,
		map[string]float64{"auto": 0, "off": PrefilterOff, "2.5": 2.5, "7": 7, "255": 255},
		[]string{"", "-1", "255.5", "NaN", "Inf", "on", "Auto", "3x"})
	if v, err := ParsePrefilter(" 0 "); err != nil || v != PrefilterOff {
		t.Errorf("ParsePrefilter(0) = %g, %v; want off", v, err)
	}
}

// speckled is smoothImage plus Gaussian colour noise of sigma 8-bit levels.
func speckled(w, h int, sigma float64) *data.Image {
	img := smoothImage(w, h)
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range img.Pix {
		img.Pix[i] += float32(sigma * rng.NormFloat64() * 2 / 255)
	}
	return img
}

// TestPrefilterSigmaResolution: the automatic setting filters a noisy real
// input at its measured noise, a clean one not at all and a deblocked one
// at least at data.DeblockedNoise, for a stage with a denoise control
// only; off and an explicit sigma are taken as given; a bad value is an
// error.
func TestPrefilterSigmaResolution(t *testing.T) {
	real, clean := denoiseStage(t), tinyStage(t, tinyConfig(2))
	noisy, smooth := speckled(48, 40, 6), smoothImage(48, 40)
	est := data.PrefilterSigma(data.EstimateColourNoise(noisy), false)
	if est <= data.DeblockedNoise {
		t.Fatalf("the noisy test image's prefilter sigma is %g, want above %g", est, float64(data.DeblockedNoise))
	}
	for _, c := range []struct {
		name      string
		stage     *SR3Stage
		opts      Options
		img       *data.Image
		generated bool
		deblocked int
		want      float64
		wantErr   bool
	}{
		{"automatic, noisy", real, Options{}, noisy, false, 0, est, false},
		{"automatic, clean", real, Options{}, smooth, false, 0, 0, false},
		{"automatic, clean and deblocked", real, Options{}, smooth, false, 60, data.DeblockedNoise, false},
		{"automatic, noisy and deblocked", real, Options{}, noisy, false, 60, est, false},
		{"automatic, grey, clean and deblocked", real, Options{}, data.GreyToRGB(data.RGBToGrey(smooth)), false, 60, data.DeblockedNoise / math.Sqrt(3), false},
		{"automatic, generated", real, Options{}, noisy, true, 60, 0, false},
		{"automatic, model without a denoise control", clean, Options{}, noisy, false, 60, 0, false},
		{"off", real, Options{Prefilter: PrefilterOff}, noisy, false, 60, 0, false},
		{"asked", clean, Options{Prefilter: 2.5}, smooth, false, 0, 2.5, false},
		{"above 255", real, Options{Prefilter: 256}, noisy, false, 0, 0, true},
		{"below off", real, Options{Prefilter: -2}, noisy, false, 0, 0, true},
		{"between off and auto", real, Options{Prefilter: -0.5}, noisy, false, 0, 0, true},
		{"NaN", real, Options{Prefilter: math.NaN()}, noisy, false, 0, 0, true},
	} {
		got, err := c.stage.PrefilterSigma(c.opts, c.img, c.generated, c.deblocked)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %g, %v; want %g, error %v", c.name, got, err, c.want, c.wantErr)
		}
	}
}

// TestPrefilterChangesTheInput: the automatic prefilter changes a
// real-photo stage's output on a noisy input exactly as filtering it by
// hand first with the prefilter off does, on colour noise and on a grey
// image's grey noise, and changes nothing on a clean input; bicubic names
// it unused.
func TestPrefilterChangesTheInput(t *testing.T) {
	s := denoiseStage(t)
	run := func(img *data.Image, opts Options) []float32 { return upscalePix(t, s, img, opts) }
	noisy := speckled(48, 40, 6)
	byHand, err := data.DenoiseBM3D(noisy, data.PrefilterSigma(data.EstimateColourNoise(noisy), false))
	if err != nil {
		t.Fatal(err)
	}
	auto, off := run(noisy, Options{}), run(noisy, Options{Prefilter: PrefilterOff})
	if slices.Equal(auto, off) {
		t.Error("the prefilter changes nothing on a noisy input")
	}
	if !slices.Equal(auto, run(byHand, Options{Prefilter: PrefilterOff})) {
		t.Error("the automatic prefilter differs from filtering the input first")
	}
	if slices.Equal(run(noisy, Options{Prefilter: 1}), auto) {
		t.Error("an explicit sigma of 1 gives the automatic output")
	}
	// A grey photo's grey noise, which the colour estimate cannot see.
	grey := data.RGBToGrey(smoothImage(48, 40))
	rng := rand.New(rand.NewPCG(4, 6))
	for i := range grey.Pix {
		grey.Pix[i] += float32(5 * rng.NormFloat64() * 2 / 255)
	}
	greyByHand, err := data.DenoiseBM3D(grey, data.AutoPrefilterSigma(grey, false))
	if err != nil {
		t.Fatal(err)
	}
	if g := run(grey, Options{}); slices.Equal(g, run(grey, Options{Prefilter: PrefilterOff})) || !slices.Equal(g, run(greyByHand, Options{Prefilter: PrefilterOff})) {
		t.Error("the automatic prefilter does not filter a grey input's noise as filtering it by hand first does")
	}
	smooth := smoothImage(48, 40)
	if !slices.Equal(run(smooth, Options{}), run(smooth, Options{Prefilter: PrefilterOff})) {
		t.Error("the automatic prefilter changed a clean input's output")
	}
	if u := UnusedOptions(Bicubic{}, Options{Prefilter: 2}); !slices.Contains(u, "Prefilter") {
		t.Errorf("bicubic with Prefilter 2: unused %v, want Prefilter named", u)
	}
}
