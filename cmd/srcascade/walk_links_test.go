package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIWalkSymlinksAndUnreadable runs upscale on folder trees with
// symlinks and an unreadable subfolder (issue 12, item 6): a symlink to a
// folder given as input is followed, so are symlinked subfolders under -r
// (a link back up the tree is reported and not followed), and a subfolder
// or link that cannot be read is listed as failed with exit code 1.
func TestCLIWalkSymlinksAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "photos", "a.png"), photo(8, 8, 1))
	writePNG(t, filepath.Join(dir, "photos", "sub", "b.png"), photo(8, 8, 2))
	writePNG(t, filepath.Join(dir, "elsewhere", "c.png"), photo(8, 8, 3))
	if err := os.Symlink("photos", filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	for _, l := range []struct{ target, name string }{
		{"../elsewhere", "photos/linked"}, // a symlinked subfolder
		{"..", "photos/sub/up"},           // a loop back to photos/
		{"nowhere", "photos/dangling.png"},
	} {
		if err := os.Symlink(l.target, filepath.Join(dir, l.name)); err != nil {
			t.Fatal(err)
		}
	}

	// The symlink as input, not recursive: its one image.
	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-o", "out1", "link")
	if r.code != 1 || !strings.Contains(r.stderr, "dangling.png") {
		t.Errorf("upscale link: exit %d, want 1 naming the dangling link\n%s", r.code, r.stderr)
	}
	assertSize(t, filepath.Join(dir, "out1", "a.png"), 16, 16)

	// Recursive: the symlinked subfolder too, the loop reported once.
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-r", "-o", "out2", "link")
	assertSize(t, filepath.Join(dir, "out2", "a.png"), 16, 16)
	assertSize(t, filepath.Join(dir, "out2", "sub", "b.png"), 16, 16)
	assertSize(t, filepath.Join(dir, "out2", "linked", "c.png"), 16, 16)
	if !strings.Contains(r.stderr, "3 upscaled") || !strings.Contains(r.stderr, filepath.Join("sub", "up")) || !strings.Contains(r.stderr, "loop") {
		t.Errorf("upscale -r link: want 3 upscaled and the loop named\n%s", r.stderr)
	}

	// An unreadable subfolder is a failure, not silence.
	if os.Getuid() == 0 {
		t.Skip("root reads every folder")
	}
	os.Remove(filepath.Join(dir, "photos", "dangling.png"))
	locked := filepath.Join(dir, "photos", "locked")
	writePNG(t, filepath.Join(locked, "d.png"), photo(8, 8, 4))
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-r", "-o", "out3", "photos")
	if r.code != 1 || !strings.Contains(r.stderr, "locked") || !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("upscale -r over an unreadable folder: exit %d, want 1 naming it\n%s", r.code, r.stderr)
	}
	assertSize(t, filepath.Join(dir, "out3", "a.png"), 16, 16)

	// eval reports it too.
	r = runCLI(t, dir, "eval", "-m", "bicubic", "-s", "2", "-r", "-q", "photos")
	if r.code != 1 || !strings.Contains(r.stderr, "locked") {
		t.Errorf("eval -r over an unreadable folder: exit %d, want 1 naming it\n%s", r.code, r.stderr)
	}
}

// TestCLIScale3Learned upscales by 3 without -m (issue 12, item 5): the
// default is a learned model run at x4 and resized down exactly, said on
// stderr; not bicubic.
func TestCLIScale3Learned(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "p.png"), photo(20, 16, 4))
	r := runCLI(t, dir, "upscale", "-s", "3", "p.png")
	r.expectCode(t, 0)
	sr := assertSize(t, filepath.Join(dir, "p_x3.png"), 60, 48)
	if !strings.Contains(r.stderr, "sr3-x4-real has no x3: it runs at x4, then an exact (MATLAB) bicubic resize down to x3") {
		t.Errorf("stderr should say how x3 is made:\n%s", r.stderr)
	}
	runCLI(t, dir, "upscale", "-q", "-s", "3", "-m", "bicubic", "-o", "bicubic.png", "p.png").expectCode(t, 0)
	bic := assertSize(t, filepath.Join(dir, "bicubic.png"), 60, 48)
	if psnr := psnrRGB8(sr, bic); math.IsInf(psnr, 1) || psnr < 25 {
		t.Errorf("default x3 is %.2f dB from bicubic: want the learned model's refinement of it", psnr)
	}
}
