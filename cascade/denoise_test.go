package cascade

import (
	"errors"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// denoiseStage is a tiny x2 stage with a denoise control (random weights,
// so its level embedding is not zero and the level changes the output).
func denoiseStage(t *testing.T) *SR3Stage {
	t.Helper()
	cfg := tinyConfig(2)
	cfg.CondAug, cfg.Denoise = true, true
	return tinyStage(t, cfg)
}

// noisyImage is smoothImage with deterministic speckle of about 6 levels.
func noisyImage(w, h int) *data.Image {
	img := smoothImage(w, h)
	for i := range img.Pix {
		img.Pix[i] += float32((i*7919)%13-6) * 2 / 255
	}
	return img
}

func TestDenoiseLevelResolution(t *testing.T) {
	s := denoiseStage(t)
	img := noisyImage(24, 20)
	level := func(v float64) *float64 { return &v }
	est := data.EstimateDamage(img)
	if est <= 0 {
		t.Fatalf("EstimateDamage of the noisy test image = %g, want > 0", est)
	}
	clean := smoothImage(24, 20)
	if e := data.EstimateDamage(clean); e >= data.DeblockedDamage {
		t.Fatalf("EstimateDamage of the smooth test image = %g, want below %g", e, data.DeblockedDamage)
	}
	for _, c := range []struct {
		name      string
		opts      Options
		img       *data.Image
		generated bool
		deblocked int
		want      float64
		wantErr   bool
	}{
		{"automatic on a real input: the estimate", Options{}, img, false, 0, est, false},
		{"automatic on a generated input: 0", Options{}, img, true, 0, 0, false},
		{"automatic on a deblocked input: at least DeblockedDamage", Options{}, clean, false, 60, data.DeblockedDamage, false},
		{"automatic on a deblocked noisy input: the estimate", Options{}, img, false, 60, max(est, data.DeblockedDamage), false},
		{"automatic on a generated deblocked input: 0", Options{}, clean, true, 60, 0, false},
		{"asked", Options{Denoise: level(0.4)}, img, false, 0, 0.4, false},
		{"asked on a deblocked input", Options{Denoise: level(0.02)}, clean, false, 60, 0.02, false},
		{"asked on a generated input", Options{Denoise: level(0.4)}, img, true, 0, 0.4, false},
		{"above 1", Options{Denoise: level(1.2)}, img, false, 0, 0, true},
	} {
		got, err := s.DenoiseLevel(c.opts, c.img, c.generated, c.deblocked)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %g, %v; want %g, error %v", c.name, got, err, c.want, c.wantErr)
		}
	}
	// Its level is not augmentation noise: a CondNoise above 0 is refused.
	if _, err := s.CondLevel(Options{CondNoise: level(0.1)}, false); !errors.Is(err, sr3.ErrNoCondAug) {
		t.Errorf("CondNoise 0.1 on a denoise model: %v, want an error wrapping sr3.ErrNoCondAug", err)
	}
	if s.TakesCondNoise() || !s.TakesDenoise() {
		t.Errorf("TakesCondNoise %v TakesDenoise %v, want false, true", s.TakesCondNoise(), s.TakesDenoise())
	}
}

// TestDenoiseReachesTheNetwork: the level changes the output, the
// automatic level is the estimate, and a model without the control
// reports Denoise as unused.
func TestDenoiseReachesTheNetwork(t *testing.T) {
	s := denoiseStage(t)
	img := noisyImage(24, 20)
	run := func(opts Options) []float32 { return upscalePix(t, s, img, opts) }
	zero, high := 0.0, 0.8
	est := data.EstimateDamage(img)
	if slices.Equal(run(Options{Denoise: &zero}), run(Options{Denoise: &high})) {
		t.Error("denoise 0 and 0.8 give the same output: the level does not reach the network")
	}
	if !slices.Equal(run(Options{}), run(Options{Denoise: &est})) {
		t.Error("the automatic level differs from the explicit estimate")
	}
	if u := UnusedOptions(tinyStage(t, tinyConfig(2)), Options{Scale: 2, Denoise: &high}); !slices.Contains(u, "Denoise") {
		t.Errorf("UnusedOptions of a model without the control = %v, want Denoise named", u)
	}
	if u := UnusedOptions(s, Options{Scale: 2, Denoise: &high}); slices.Contains(u, "Denoise") {
		t.Errorf("UnusedOptions of a denoise model = %v, Denoise is used", u)
	}
}
