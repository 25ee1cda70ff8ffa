package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// evalDegradeJSON is the part of `eval --degrade --json` the tests read.
type evalDegradeJSON struct {
	Degrade string `json:"degrade"`
	Mean    *struct {
		PSNR         float64  `json:"psnr_y"`
		Grid         *float64 `json:"grid"`
		BicubicGrid  *float64 `json:"bicubic_grid"`
		Noise        *float64 `json:"noise"`
		BicubicNoise *float64 `json:"bicubic_noise"`
	} `json:"mean"`
}

// TestCLIEvalDegrade runs eval --degrade as a user does, with -m bicubic
// (so the model's artefact columns must equal bicubic's): noise damage is
// seeded (same seed, same numbers; another seed, others), measured as an
// RMS change near its sigma, lowers PSNR; JPEG at quality 20 draws a grid
// above 1.2; the table shows the columns; a bad spec is a usage error.
func TestCLIEvalDegrade(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "hr", "one.png"), photo(96, 80, 1))
	writePNG(t, filepath.Join(dir, "hr", "two.png"), photo(64, 64, 2))
	eval := func(args ...string) evalDegradeJSON {
		t.Helper()
		r := runCLI(t, dir, append([]string{"eval", "-m", "bicubic", "-s", "4", "-q", "--json"}, append(args, "hr")...)...)
		r.expectCode(t, 0)
		var rep evalDegradeJSON
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Mean == nil {
			t.Fatalf("eval --json: %v\n%s", err, r.stdout)
		}
		return rep
	}
	clean := eval()
	if clean.Mean.Grid != nil || clean.Degrade != "" {
		t.Errorf("eval without --degrade has artefact columns: %+v", clean)
	}
	noisy := eval("--degrade", "noise=1@8-8", "--seed", "3")
	again := eval("--degrade", "noise=1@8-8", "--seed", "3")
	other := eval("--degrade", "noise=1@8-8", "--seed", "4")
	m := noisy.Mean
	if m.Noise == nil || m.BicubicNoise == nil || m.Grid == nil || m.BicubicGrid == nil {
		t.Fatalf("artefact columns missing: %+v", m)
	}
	t.Logf("noise sigma 8: PSNR %.2f (clean %.2f), noise %.2f levels, grid %.3f", m.PSNR, clean.Mean.PSNR, *m.Noise, *m.Grid)
	if noisy.Degrade != "noise=1@8-8" || *m.Noise != *m.BicubicNoise || *m.Grid != *m.BicubicGrid {
		t.Errorf("bicubic's columns differ from the model's, which is bicubic: %+v", m)
	}
	// Bicubic x4 interpolates independent RGB noise of sigma 8 to a luma
	// RMS of about 0.46 * 8 (0.815 from the interpolation, 0.57 from Y's
	// weights), plus 8-bit rounding.
	if !(*m.Noise > 3 && *m.Noise < 4.5) || m.PSNR >= clean.Mean.PSNR {
		t.Errorf("noise sigma 8: luma RMS change %.2f levels, PSNR %.2f vs clean %.2f", *m.Noise, m.PSNR, clean.Mean.PSNR)
	}
	if again.Mean.PSNR != m.PSNR || *again.Mean.Noise != *m.Noise {
		t.Errorf("the same seed gave %+v and %+v", *again.Mean, *m)
	}
	if other.Mean.PSNR == m.PSNR {
		t.Errorf("seeds 3 and 4 gave the same damage")
	}
	jpeg := eval("--degrade", "jpeg=1@20-20")
	if g := *jpeg.Mean.Grid; !(g > 1.2) || math.IsNaN(g) {
		t.Errorf("JPEG quality 20: grid strength %.3f, want > 1.2", g)
	}
	r := runCLI(t, dir, "eval", "-m", "bicubic", "-q", "--degrade", "jpeg=1@20-20", "hr")
	r.expectCode(t, 0)
	for _, want := range []string{"LR damaged by jpeg=1@20-20", "bicubic grid", "bicubic noise"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, dir, "eval", "-m", "bicubic", "--degrade", "sharpen=1@1-2", "hr")
	r.expectCode(t, 2)
	if !strings.Contains(r.stderr, "--degrade") || !strings.Contains(r.stderr, "unknown kind") {
		t.Errorf("bad --degrade: %s", r.stderr)
	}
}
