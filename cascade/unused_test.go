package cascade

import (
	"slices"
	"testing"
)

// TestUnusedOptions checks which set options a model ignores: everything
// but the scale for bicubic, eta for DDPM, sampler and eta for one step.
func TestUnusedOptions(t *testing.T) {
	stage := tinyStage(t, tinyConfig(2)) // default sampler: the config's
	level := 0.1
	all := Options{Scale: 2, Seed: 7, Steps: 3, Sampler: "ddim", Eta: 0.5, Strength: 0.4, Tile: 16, CondNoise: &level}
	mixed, err := NewPipeline(Bicubic{}, stage)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		up   Upscaler
		opts Options
		want []string
	}{
		{"bicubic, all set", Bicubic{}, all, []string{"Seed", "Steps", "Sampler", "Eta", "Strength", "Tile", "CondNoise"}},
		{"bicubic, nothing set", Bicubic{}, Options{Scale: 2}, nil},
		{"bicubic+bicubic", mustPipeline(t, Bicubic{}, Bicubic{}), Options{Scale: 4, Eta: 1}, []string{"Eta"}},
		{"ddim uses everything", stage, all, nil},
		{"ddpm ignores eta", stage, Options{Scale: 2, Steps: 3, Sampler: "ddpm", Eta: 0.5}, []string{"Eta"}},
		{"one step ignores sampler and eta", stage, Options{Scale: 2, Steps: 1, Sampler: "ddim", Eta: 0.5}, []string{"Sampler", "Eta"}},
		{"a learned stage in a pipeline reads them", mixed, all, nil},
	} {
		if got := UnusedOptions(tt.up, tt.opts); !slices.Equal(got, tt.want) {
			t.Errorf("%s: UnusedOptions = %q, want %q", tt.name, got, tt.want)
		}
	}
}
