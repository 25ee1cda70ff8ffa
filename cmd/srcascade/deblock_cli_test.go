package main

// Tests of `upscale --deblock`: the JPEG deblocking of the real-photo models.

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIUpscaleDeblock runs the default x4 model on a 64x48 crop of the
// sample photo saved as a quality-60 JPEG, as a user does: by default its blocks are found and removed (the output
// differs from --deblock off and equals --deblock 60, the quality the
// file was saved at); a bad value is a usage error naming the flag; and
// --deblock on bicubic warns that it changes nothing.
func TestCLIUpscaleDeblock(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "in.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	sample, _ := readImage(t, filepath.Join("..", "..", "testdata", "sample.png"))
	crop := sample.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(0, 0, 64, 48))
	if err := jpeg.Encode(f, crop, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	read := upscaleVariants(t, dir, "in.jpg", []string{"--deblock", "off"}, []string{"--deblock", "60"}, []string{"--deblock", "auto"})
	def := read("default.png")
	if def == read("off.png") {
		t.Error("the default and --deblock off give the same output for a quality-60 JPEG")
	}
	if def != read("60.png") || def != read("auto.png") {
		t.Error("the default should equal --deblock auto and --deblock 60 (the file's quality)")
	}
	checkInputFlag(t, dir, "in.jpg", "--deblock", []string{"0", "101", "strong", "-1"}, "70")
}

// checkInputFlag runs upscale on input in dir with each bad value of flag,
// a usage error naming the flag, and with bicubic and the good value,
// which warns that the flag changes nothing.
func checkInputFlag(t *testing.T, dir, input, flag string, bad []string, good string) {
	t.Helper()
	for _, b := range bad {
		r := runCLI(t, dir, "upscale", flag, b, input)
		r.expectCode(t, exitUsage)
		if !strings.Contains(r.stderr, flag) {
			t.Errorf("%s %s: stderr should name the flag:\n%s", flag, b, r.stderr)
		}
	}
	r := runCLI(t, dir, "upscale", "-m", "bicubic", flag, good, "-o", "bic.png", input)
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, flag) {
		t.Errorf("%s with bicubic should warn that it changes nothing:\n%s", flag, r.stderr)
	}
}

// pixelString reads an image file's pixels as text, to compare outputs by
// their pixels only (the files record the flags given).
func pixelString(t *testing.T, path string) string {
	t.Helper()
	m, _ := readImage(t, path)
	var b strings.Builder
	for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
		for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA()
			fmt.Fprintf(&b, "%d,%d,%d;", r, g, bl)
		}
	}
	return b.String()
}

// upscaleVariants runs upscale -s 4 --steps 1 on input in dir without
// extra flags (to default.png) and once with each variant {FLAG, VALUE}
// (to VALUE.png), and returns a reader of an output's pixels
// (pixelString) by file name.
func upscaleVariants(t *testing.T, dir, input string, variants ...[]string) func(name string) string {
	t.Helper()
	for _, v := range append([][]string{nil}, variants...) {
		name := "default.png"
		if len(v) > 0 {
			name = v[1] + ".png"
		}
		args := append([]string{"upscale", "-q", "-s", "4", "--steps", "1", "-o", name}, v...)
		runCLI(t, dir, append(args, input)...).expectCode(t, 0)
	}
	return func(name string) string { return pixelString(t, filepath.Join(dir, name)) }
}
