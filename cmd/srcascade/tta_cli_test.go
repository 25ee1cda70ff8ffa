package main

// Tests of `upscale --tta`: the mirror-image self-ensemble.

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIUpscaleTTA runs the default x4 model on a 32x24 crop of the sample
// photo as a user does, with and without --tta: the outputs differ, --tta
// gives the same bytes twice, its file records it, and --tta on bicubic
// warns that it changes nothing.
func TestCLIUpscaleTTA(t *testing.T) {
	dir := t.TempDir()
	sample, _ := readImage(t, filepath.Join("..", "..", "testdata", "sample.png"))
	crop := sample.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(40, 40, 72, 64))
	var buf bytes.Buffer
	if err := png.Encode(&buf, crop); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		out  string
		args []string
	}{{"one.png", nil}, {"tta.png", []string{"--tta"}}, {"tta2.png", []string{"--tta"}}} {
		args := append([]string{"upscale", "-q", "-s", "4", "-o", c.out}, c.args...)
		runCLI(t, dir, append(args, "in.png")...).expectCode(t, 0)
	}
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one, tta := read("one.png"), read("tta.png")
	if !bytes.Equal(tta, read("tta2.png")) {
		t.Error("--tta twice gives different files")
	}
	if !bytes.Contains(tta, []byte("; tta")) || bytes.Contains(one, []byte("; tta")) {
		t.Error("the request recorded in the file should say tta exactly when --tta was given")
	}
	a, _ := readImage(t, filepath.Join(dir, "one.png"))
	b, _ := readImage(t, filepath.Join(dir, "tta.png"))
	if a.Bounds() != b.Bounds() || a.Bounds().Dx() != 128 {
		t.Fatalf("sizes %v and %v, want 128x96", a.Bounds(), b.Bounds())
	}
	same := true
	for y := 0; y < 96 && same; y++ {
		for x := 0; x < 128; x++ {
			if a.At(x, y) != b.At(x, y) {
				same = false
				break
			}
		}
	}
	if same {
		t.Error("--tta gives the same pixels as one run")
	}
	r := runCLI(t, dir, "upscale", "-m", "bicubic", "--tta", "-o", "bic.png", "in.png")
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, "--tta") {
		t.Errorf("--tta with bicubic should warn that it changes nothing:\n%s", r.stderr)
	}
}
