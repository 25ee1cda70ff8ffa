package main

import (
	"image"
	"image/color"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCLICompareDegradeAlso: --degrade damages the LR (its panel is named
// so and bicubic of it scores lower than of the clean LR), and --also adds
// one panel per model and step count after -m's.
func TestCLICompareDegradeAlso(t *testing.T) {
	dir := t.TempDir()
	smooth := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			smooth.Set(x, y, color.RGBA{uint8(60 + 2*x), uint8(80 + y), uint8(120 + x/2 + y/2), 255})
		}
	}
	writePNG(t, filepath.Join(dir, "hr.png"), smooth)
	tiny := filepath.Join(dir, "tinynet")
	saveTinySR3(t, tiny, false)

	clean := runCLI(t, dir, "compare", "-m", "bicubic", "--crop", "32", "-o", "clean.png", "hr.png")
	clean.expectCode(t, 0)
	r := runCLI(t, dir, "compare", "-m", "bicubic", "--also", "tinynet,"+tiny, "--steps", "1", "--crop", "32",
		"--degrade", "noise=1@12-12", "-o", "dmg.png", "hr.png")
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "rows of 5 panels") {
		t.Errorf("want LR, bicubic, two --also panels and HR:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "LR x4, damaged") || strings.Count(r.stdout, "tinynet, 1 step") != 2 {
		t.Errorf("the table should name the damaged LR and the two --also panels:\n%s", r.stdout)
	}
	if c, d := bicubicPSNR(t, clean.stdout), bicubicPSNR(t, r.stdout); !(d < c-1) {
		t.Errorf("bicubic of the damaged LR scores %.2f dB, of the clean %.2f: --degrade did not damage it", d, c)
	}
	for _, bad := range [][]string{{"--degrade", "blur=2"}, {"--also", "a,,b"}} {
		r := runCLI(t, dir, append([]string{"compare", "-o", "x.png"}, append(bad, "hr.png")...)...)
		r.expectCode(t, exitUsage)
		if !strings.Contains(r.stderr, bad[0]) {
			t.Errorf("compare %s: stderr should name the flag:\n%s", strings.Join(bad, " "), r.stderr)
		}
	}
}

// bicubicPSNR reads the bicubic panel's PSNR from compare's table.
func bicubicPSNR(t *testing.T, table string) float64 {
	t.Helper()
	for _, line := range strings.Split(table, "\n") {
		_, rest, ok := strings.Cut(line, " bicubic ")
		if f := strings.Fields(rest); ok && len(f) > 0 {
			if x, err := strconv.ParseFloat(f[0], 64); err == nil {
				return x
			}
		}
	}
	t.Fatalf("no bicubic row in:\n%s", table)
	return 0
}
