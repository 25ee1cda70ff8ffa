package cascade

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestForScale checks which scales ForScale serves and how: a learned
// model's own scales as they are, a scale below its largest by running
// the next larger one and resizing down, nothing for bicubic chains.
func TestForScale(t *testing.T) {
	stage := tinyStage(t, tinyConfig(2)) // x2 model: 2, 4, 8
	for _, tt := range []struct {
		up       Upscaler
		scale    int
		from     int    // 0 = up itself
		errorHas string // "" = no error
	}{
		{stage, 2, 0, ""},
		{stage, 8, 0, ""},
		{stage, 3, 4, ""},
		{stage, 5, 8, ""},
		{stage, 16, 0, "nothing it runs at is x16 or larger"},
		{Bicubic{}, 3, 0, ""},
		{mustPipeline(t, Bicubic{}, Bicubic{}), 2, 0, "upscales by x4, x6, x8"},
		{mustPipeline(t, Bicubic{}, stage), 3, 4, ""},
	} {
		got, err := ForScale(tt.up, tt.scale)
		if tt.errorHas != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errorHas) {
				t.Errorf("ForScale(%s, %d) = %v, want an error with %q", tt.up.Name(), tt.scale, err, tt.errorHas)
			}
			continue
		}
		if err != nil {
			t.Errorf("ForScale(%s, %d): %v", tt.up.Name(), tt.scale, err)
			continue
		}
		r, rescaled := got.(*Rescaled)
		switch {
		case tt.from == 0 && got != tt.up:
			t.Errorf("ForScale(%s, %d) wrapped a scale the model has", tt.up.Name(), tt.scale)
		case tt.from != 0 && (!rescaled || r.RunScale() != tt.from || !slices.Contains(got.Scales(), tt.scale)):
			t.Errorf("ForScale(%s, %d) = %T, want it run at x%d", tt.up.Name(), tt.scale, got, tt.from)
		}
	}
}

// TestRescaledUpscale checks that x3 from a x2 model is exactly its x4
// output resized to 3 times the input by data.Resize, and that its own
// scales pass through unchanged.
func TestRescaledUpscale(t *testing.T) {
	stage := tinyStage(t, tinyConfig(2))
	up, err := ForScale(stage, 3)
	if err != nil {
		t.Fatal(err)
	}
	img := smoothImage(8, 6)
	ctx := context.Background()
	opts := Options{Scale: 4, Seed: 3, Steps: 1}
	x4, err := stage.Upscale(ctx, img, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts.Scale = 3
	x3, err := up.Upscale(ctx, img, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := data.Resize(x4, 24, 18)
	if x3.W != 24 || x3.H != 18 || maxDiff(x3.Pix, want.Pix) != 0 {
		t.Errorf("x3 is %dx%d, %g from Resize(x4): want exactly that", x3.W, x3.H, maxDiff(x3.Pix, want.Pix))
	}
	opts.Scale = 4
	again, err := up.Upscale(ctx, img, opts, nil)
	if err != nil || maxDiff(again.Pix, x4.Pix) != 0 {
		t.Errorf("x4 through the wrapper differs from the model's x4 (%v)", err)
	}
	if !slices.Equal(Leaves(up), []Upscaler{stage}) || UnusedOptions(up, Options{Scale: 3, Steps: 1, Sampler: "ddim"}) == nil {
		t.Error("the wrapper hides its model from Leaves or UnusedOptions")
	}
	// eval tells compilation from work through Compilations: the wrapper
	// must not hide the model's compilations either.
	if n := Compilations(up); n == 0 || n != stage.Model().Compilations() {
		t.Errorf("Compilations through the wrapper = %d, the model's %d", n, stage.Model().Compilations())
	}
}

// TestUpscalerMemory: a scale served by running a larger one and resizing
// down weighs the larger result as well (upscale --memory admits images
// with it); a scale the upscaler runs as it is weighs UpscaleMemory.
func TestUpscalerMemory(t *testing.T) {
	stage := tinyStage(t, tinyConfig(2))
	up, err := ForScale(stage, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := UpscalerMemory(up, 100, 50, 3), UpscaleMemory(100, 50, 3)+12*100*50*16; got != want {
		t.Errorf("x3 run at x4: %d bytes, want %d (the x3 result plus the float32 x4 one)", got, want)
	}
	if got, want := UpscalerMemory(stage, 100, 50, 4), UpscaleMemory(100, 50, 4); got != want {
		t.Errorf("x4 run as it is: %d bytes, want %d", got, want)
	}
}
