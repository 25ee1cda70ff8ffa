package cascade

import (
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// jpegImage is a 48x40 smooth image with speckle saved as a JPEG of quality q
// and decoded again.
func jpegImage(t *testing.T, q int) *data.Image {
	t.Helper()
	img, err := data.JPEGRoundTrip(data.Quantize(noisyImage(48, 40)), q)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestDeblockQuality: the automatic setting finds a JPEG's quality for a
// stage with a denoise control and nothing for a clean input, a generated
// one or a model without the control; off and an explicit quality are
// taken as given; a bad value is an error.
func TestDeblockQuality(t *testing.T) {
	real, clean := denoiseStage(t), tinyStage(t, tinyConfig(2))
	jpg, plain := jpegImage(t, 60), data.Quantize(noisyImage(48, 40))
	for _, c := range []struct {
		name      string
		stage     *SR3Stage
		opts      Options
		img       *data.Image
		generated bool
		want      int
		wantErr   bool
	}{
		{"automatic, a JPEG", real, Options{}, jpg, false, 60, false},
		{"automatic, uncompressed", real, Options{}, plain, false, 0, false},
		{"automatic, generated", real, Options{}, jpg, true, 0, false},
		{"automatic, model without a denoise control", clean, Options{}, jpg, false, 0, false},
		{"off", real, Options{Deblock: DeblockOff}, jpg, false, 0, false},
		{"asked", clean, Options{Deblock: 80}, plain, false, 80, false},
		{"above 100", real, Options{Deblock: 101}, jpg, false, 0, true},
		{"below off", real, Options{Deblock: -2}, jpg, false, 0, true},
	} {
		got, err := c.stage.DeblockQuality(c.opts, c.img, c.generated)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %d, %v; want %d, error %v", c.name, got, err, c.want, c.wantErr)
		}
	}
}

// TestDeblockChangesTheInput: automatic deblocking changes a real-photo
// stage's output on a JPEG input exactly as deblocking it by hand first
// with deblocking off does, and changes nothing on an uncompressed input.
func TestDeblockChangesTheInput(t *testing.T) {
	s := denoiseStage(t)
	run := func(img *data.Image, opts Options) []float32 { return upscalePix(t, s, img, opts) }
	jpg := jpegImage(t, 60)
	byHand, err := data.DeblockJPEG(jpg, 60)
	if err == nil { // and the prefilter the automatic setting gives a deblocked input
		byHand, err = data.DenoiseBM3D(byHand, data.PrefilterSigma(data.EstimateColourNoise(byHand), true))
	}
	if err != nil {
		t.Fatal(err)
	}
	auto, off := run(jpg, Options{}), run(jpg, Options{Deblock: DeblockOff})
	if slices.Equal(auto, off) {
		t.Error("deblocking changes nothing on a JPEG input")
	}
	if !slices.Equal(auto, run(byHand, Options{Deblock: DeblockOff, Prefilter: PrefilterOff})) {
		t.Error("automatic deblocking differs from deblocking the input first")
	}
	plain := data.Quantize(noisyImage(48, 40))
	if !slices.Equal(run(plain, Options{}), run(plain, Options{Deblock: DeblockOff})) {
		t.Error("automatic deblocking changed an uncompressed input's output")
	}
	if u := UnusedOptions(Bicubic{}, Options{Deblock: 70}); !slices.Contains(u, "Deblock") {
		t.Errorf("bicubic with Deblock 70: unused %v, want Deblock named", u)
	}
}

// TestParseDeblock: the settings read back as DeblockString writes them,
// and anything else is refused.
func TestParseDeblock(t *testing.T) {
	checkSetting(t, "Deblock", ParseDeblock, DeblockString,
		map[string]int{"auto": 0, "off": DeblockOff, "1": 1, "75": 75, "100": 100},
		[]string{"", "0", "101", "-1", "on", "Auto", "7.5"})
}

// checkSetting checks a setting's parser against its formatter: each good
// string parses to its value and is written back as it was; each bad one
// is refused.
func checkSetting[T comparable](t *testing.T, name string, parse func(string) (T, error), format func(T) string, good map[string]T, bad []string) {
	t.Helper()
	for s, want := range good {
		v, err := parse(s)
		if err != nil || v != want {
			t.Errorf("Parse%s(%q) = %v, %v; want %v", name, s, v, err, want)
		}
		if back := format(v); back != s {
			t.Errorf("%sString(%v) = %q, want %q", name, v, back, s)
		}
	}
	for _, b := range bad {
		if v, err := parse(b); err == nil {
			t.Errorf("Parse%s(%q) = %v, want an error", name, b, v)
		}
	}
}
