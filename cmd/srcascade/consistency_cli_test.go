package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestCLIConsistency runs eval and upscale with --consistency as a user
// does: eval's consistency column falls from bicubic's ~1e-4 to 8-bit
// rounding (below SR3's 1e-6 target), and upscale's output file, read
// back, downscales to its input.
func TestCLIConsistency(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "hr", "one.png"), photo(48, 40, 1))
	mean := func(args ...string) float64 {
		t.Helper()
		r := runCLI(t, dir, append([]string{"eval", "-m", "bicubic", "-s", "4", "-q", "--json"}, append(args, "hr")...)...)
		r.expectCode(t, 0)
		var rep evalJSON
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Mean == nil {
			t.Fatalf("eval --json: %v\n%s", err, r.stdout)
		}
		return rep.Mean.Consistency
	}
	off, on := mean(), mean("--consistency")
	t.Logf("eval consistency: %.3g without, %.3g with --consistency", off, on)
	if off < 1e-5 || on > 1e-6 {
		t.Errorf("eval consistency %g without, %g with --consistency", off, on)
	}

	writePNG(t, filepath.Join(dir, "small.png"), photo(20, 14, 2))
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "2", "--consistency", "-o", "big.png", "small.png").expectCode(t, 0)
	in, err := data.DecodeFile(filepath.Join(dir, "small.png"), data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := data.DecodeFile(filepath.Join(dir, "big.png"), data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c := data.Consistency(out.Image, in.Image, 2); c > 1e-6 {
		t.Errorf("upscale --consistency output has consistency %g", c)
	}
}
