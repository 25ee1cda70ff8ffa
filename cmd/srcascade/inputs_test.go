package main

// Tests that no command writes over one of its inputs, however the output
// path is spelled (issue 12, item 1).

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLINoOutputReplacesInput runs every command that writes images with
// an output that names one of its inputs: the same path, a path through a
// symlinked folder, a hard link. Each must refuse that output (exit 2
// before anything is done, or exit 1 with the file listed as failed) and
// leave every input byte for byte as it was.
func TestCLINoOutputReplacesInput(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "hr", "a.png"), photo(24, 24, 1))
	writePNG(t, filepath.Join(dir, "hr", "b.png"), photo(16, 16, 2))
	if err := os.Symlink("hr", filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "hard"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "hr", "a.png"), filepath.Join(dir, "hard", "a.png")); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, f := range []string{"a.png", "b.png"} {
		b, err := os.ReadFile(filepath.Join(dir, "hr", f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "-m", "bicubic", "-s", "2", "--save", "hr", "hr"}, 2, "would replace the HR image"},
		{[]string{"eval", "-m", "bicubic", "-s", "2", "--save", "./link/", "hr"}, 2, "would replace the HR image"},
		{[]string{"eval", "-m", "bicubic", "-s", "2", "--save", "hard", "hr"}, 2, "would replace the HR image"},
		// Image files given directly (not a folder) are inputs too.
		{[]string{"eval", "-m", "bicubic", "-s", "2", "--save", "hr", "hr/a.png"}, 2, "would replace the HR image"},
		{[]string{"eval", "-m", "bicubic", "-s", "2", "--save", "hard", "hr/b.png", "hr/a.png"}, 2, "would replace the HR image"},
		{[]string{"compare", "-m", "bicubic", "-s", "2", "--crop", "8", "-o", "link/a.png", "hr/a.png"}, 2, "would replace the HR image"},
		{[]string{"compare", "-m", "bicubic", "-s", "2", "--crop", "8", "-o", "hard/a.png", "hr/a.png"}, 2, "would replace the HR image"},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "--overwrite", "-o", "link", "hr"}, 1, "would overwrite an input"},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "--overwrite", "-o", "hard/a.png", "hr/a.png"}, 1, "would overwrite an input"},
	} {
		r := runCLI(t, dir, tt.args...)
		line := strings.Join(tt.args, " ")
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstderr:\n%s", line, r.code, tt.code, tt.want, r.stderr)
		}
		for f, b := range before {
			got, err := os.ReadFile(filepath.Join(dir, "hr", f))
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("%s replaced the input hr/%s", line, f)
			}
		}
	}
}

// TestCLIGenerateExistingOutputs checks that generate -o keeps the files a
// previous run left (issue 12, item 2): without --overwrite it refuses
// before generating, naming them; with it, it replaces them, but never an
// image of the --nn training folder.
func TestCLIGenerateExistingOutputs(t *testing.T) {
	dir := t.TempDir()
	saveTinyBase(t, filepath.Join(dir, "base"), []string{"cat", "dog"})
	gen := func(args ...string) cliResult {
		return runCLI(t, dir, append([]string{"generate", "-q", "-m", "base", "-n", "2", "--steps", "1"}, args...)...)
	}
	gen("-o", "out").expectCode(t, 0)
	mine := []byte("my own sheet")
	if err := os.WriteFile(filepath.Join(dir, "out", "sheet.png"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	r := gen("-o", "out")
	if r.code != 2 || !strings.Contains(r.stderr, "000_cat.png") || !strings.Contains(r.stderr, "sheet.png") || !strings.Contains(r.stderr, "--overwrite") {
		t.Errorf("generate over existing outputs: exit %d, want 2 naming them and --overwrite\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out", "sheet.png")); !bytes.Equal(b, mine) {
		t.Error("generate without --overwrite replaced sheet.png")
	}
	gen("-o", "out", "--overwrite").expectCode(t, 0)
	readImage(t, filepath.Join(dir, "out", "sheet.png")) // a new sheet, not my bytes

	// --overwrite never replaces a training image of --nn.
	writePNG(t, filepath.Join(dir, "train", "cat", "x.png"), photo(16, 16, 3))
	before, _ := os.ReadFile(filepath.Join(dir, "train", "cat", "x.png"))
	os.Remove(filepath.Join(dir, "out", "001_dog.png"))
	if err := os.Link(filepath.Join(dir, "train", "cat", "x.png"), filepath.Join(dir, "out", "001_dog.png")); err != nil {
		t.Fatal(err)
	}
	r = gen("-o", "out", "--overwrite", "--nn", "train")
	if r.code != 2 || !strings.Contains(r.stderr, "would replace the training image") {
		t.Errorf("generate --overwrite over a --nn image: exit %d, want 2\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "train", "cat", "x.png")); !bytes.Equal(b, before) {
		t.Error("generate replaced a training image")
	}
}

// TestCLITrainOutInsideData checks that train refuses a checkpoint folder
// inside one of the folders it reads: its curve.png and samples.png would
// become training images (folders are read recursively), and they would
// replace images of the same names there.
func TestCLITrainOutInsideData(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 2)
	if err := os.Symlink("hr", filepath.Join(dir, "hrlink")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	for _, tt := range []struct{ out, flag string }{
		{"hr", "--hr"}, {"hr/ckpt", "--hr"}, {"hrlink/ckpt", "--hr"}, {"val/x", "--val"},
	} {
		args := append([]string{"train", "--hr", "hr", "--val", "val", "--out", tt.out, "--steps", "1"}, tinyTrainArgs...)
		r := runCLI(t, dir, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "inside the "+tt.flag+" folder") {
			t.Errorf("train --out %s: exit %d, want 2 naming %s\n%s", tt.out, r.code, tt.flag, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, tt.out, "config.json")); err == nil {
			t.Errorf("train --out %s wrote a checkpoint", tt.out)
		}
	}
}
