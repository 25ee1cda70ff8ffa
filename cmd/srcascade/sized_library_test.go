package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// TestCLIOutscaleMatchesLibrary: --outscale and --width run the library
// call (srcascade.Options.Target), so the binary's sized upscale (a
// learned model, then the exact resize) has the library's pixels.
func TestCLIOutscaleMatchesLibrary(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	writePNG(t, in, photo(24, 20, 3))
	d, err := data.DecodeFile(in, data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flags  []string
		target cascade.Target
	}{
		{[]string{"--outscale", "1.5"}, cascade.Target{Factor: 1.5}},
		{[]string{"--width", "40"}, cascade.Target{Width: 40}},
	} {
		args := append([]string{"upscale", "-m", "sr3-x2", "--steps", "2", "-q", "-o", "cli.png"}, c.flags...)
		runCLI(t, dir, append(args, "in.png")...).expectCode(t, 0)
		lib, err := srcascade.Upscale(context.Background(), d, srcascade.Options{Model: "sr3-x2", Steps: 2, Target: c.target})
		if err != nil {
			t.Fatal(err)
		}
		if w, h := lib.Image.W, lib.Image.H; w != 36 && w != 40 || h != 30 && h != 33 {
			t.Errorf("%v: library made %dx%d, want 36x30 (x1.5) or 40x33 (width 40)", c.flags, w, h)
		}
		expectLibraryPixels(t, filepath.Join(dir, "cli.png"), lib)
	}
}
