package main

import (
	"image"
	"image/color"
	"path/filepath"
	"testing"
)

// TestUpscaleTransparentEdgesKeepColour is issue 12's case: a red shape
// (alpha 0.8) on transparent black. Colour must not bleed from the
// transparent pixels into the edges (no dark fringe), and the upscaled
// alpha must stay within the input's range (bicubic overshot to 0.85).
func TestUpscaleTransparentEdgesKeepColour(t *testing.T) {
	dir := t.TempDir()
	const w, h = 16, 12
	const a8 = 204 // alpha 0.8
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 3; y < 9; y++ {
		for x := 4; x < 12; x++ {
			m.SetNRGBA(x, y, color.NRGBA{255, 0, 0, a8})
		}
	}
	writePNG(t, filepath.Join(dir, "shape.png"), m)
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "4", "shape.png").expectCode(t, 0)
	out, _ := readImage(t, filepath.Join(dir, "shape_x4.png"))
	b := out.Bounds()
	if b.Dx() != 4*w || b.Dy() != 4*h {
		t.Fatalf("output %v, want %dx%d", b, 4*w, 4*h)
	}
	edge := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(out.At(x, y)).(color.NRGBA)
			if c.A > a8 {
				t.Fatalf("pixel (%d,%d): alpha %d above the input's %d", x, y, c.A, a8)
			}
			if c.A == 0 {
				continue
			}
			if c.A < a8 {
				edge++
			}
			if c.R < 250 || c.G > 5 || c.B > 5 {
				t.Fatalf("pixel (%d,%d) = %v: a dark or tinted fringe, want red", x, y, c)
			}
		}
	}
	if edge == 0 {
		t.Fatal("no partly transparent edge pixels: the test does not exercise the edge")
	}
}
