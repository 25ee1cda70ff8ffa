package cascade

import (
	"context"
	"errors"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

func TestCondLevelResolution(t *testing.T) {
	aug := tinyConfig(2)
	aug.CondAug, aug.CondNoise = true, 0.05
	augStage := tinyStage(t, aug)
	plainStage := tinyStage(t, tinyConfig(2))
	level := func(v float64) *float64 { return &v }
	cases := []struct {
		name      string
		stage     *SR3Stage
		opts      Options
		generated bool
		want      float64
		wantErr   bool
	}{
		{"real input, automatic: none", augStage, Options{}, false, 0, false},
		{"generated input, automatic: the model's level", augStage, Options{}, true, 0.05, false},
		{"asked level on a real input", augStage, Options{CondNoise: level(0.1)}, false, 0.1, false},
		{"asked 0 on a generated input", augStage, Options{CondNoise: level(0)}, true, 0, false},
		{"plain model, generated, automatic: none", plainStage, Options{}, true, 0, false},
		{"plain model, asked 0", plainStage, Options{CondNoise: level(0)}, false, 0, false},
		{"plain model, asked 0.1", plainStage, Options{CondNoise: level(0.1)}, false, 0, true},
		{"level above 1", augStage, Options{CondNoise: level(1.5)}, false, 0, true},
	}
	for _, c := range cases {
		got, err := c.stage.CondLevel(c.opts, c.generated)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %g, %v; want %g, error %v", c.name, got, err, c.want, c.wantErr)
		}
	}
	_, err := plainStage.CondLevel(Options{CondNoise: level(0.1)}, false)
	if !errors.Is(err, sr3.ErrNoCondAug) {
		t.Errorf("plain model with a level: %v does not wrap sr3.ErrNoCondAug", err)
	}
}

// TestCondAugTilesAgree checks that the augmentation noise is drawn once
// for the whole image: a tiled upscale with augmentation stays as close to
// the untiled one as without (per-tile noise would differ in the overlaps
// and show up as a much larger difference), and the augmentation changes
// the output deterministically.
func TestCondAugTilesAgree(t *testing.T) {
	cfg := tinyConfig(2)
	cfg.CondAug = true
	s := tinyStage(t, cfg)
	img := smoothImage(40, 36)
	level := 0.1
	run := func(tile int, l float64) []float32 {
		t.Helper()
		out, err := s.Upscale(context.Background(), img, Options{Scale: 2, Seed: 3, Steps: 1, Tile: tile, CondNoise: &l}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out.Pix
	}
	whole, tiled := run(0, level), run(16, level)
	if d := maxDiff(whole, run(0, level)); d != 0 {
		t.Fatalf("same seed and level differ by %g", d)
	}
	if d := maxDiff(whole, run(0, 0)); d < 1e-3 {
		t.Fatalf("level 0.1 changed the output by only %g", d)
	}
	cleanWhole, cleanTiled := run(0, 0), run(16, 0)
	if d, ref := rms(whole, tiled), rms(cleanWhole, cleanTiled); d > 2*ref+1e-3 {
		t.Fatalf("tiled vs whole with augmentation: rms %g, without: %g; the tiles do not share the augmentation noise", d, ref)
	}
}

// TestPipelineCondNoiseGoesToAugmentedStages checks that an asked level
// reaches the stages trained with conditioning augmentation and skips the
// others (a plain first stage does not make the cascade refuse it).
func TestPipelineCondNoiseGoesToAugmentedStages(t *testing.T) {
	aug := tinyConfig(2)
	aug.CondAug = true
	p, err := NewPipeline(tinyStage(t, tinyConfig(2)), tinyStage(t, aug))
	if err != nil {
		t.Fatal(err)
	}
	if !p.TakesCondNoise() {
		t.Fatal("a pipeline with an augmented stage says it takes no level")
	}
	img := smoothImage(16, 16)
	run := func(level float64) []float32 {
		t.Helper()
		out, err := p.Upscale(context.Background(), img, Options{Scale: 4, Seed: 2, Steps: 1, CondNoise: &level}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out.Pix
	}
	if d := maxDiff(run(0), run(0.1)); d < 1e-3 {
		t.Fatalf("level 0.1 changed the cascade's output by only %g: the augmented stage did not get it", d)
	}
	plain, err := NewPipeline(tinyStage(t, tinyConfig(2)), tinyStage(t, tinyConfig(2)))
	if err != nil {
		t.Fatal(err)
	}
	if plain.TakesCondNoise() {
		t.Fatal("a pipeline of plain stages says it takes a level")
	}
}
