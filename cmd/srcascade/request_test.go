package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLISkipsOnlySameRequest runs upscale twice into one folder with
// different requests (issue 12, item 4): the second run must not "skip"
// the first one's results. Outputs record their request; one of the same
// request is skipped, one of another srcascade request is redone (said on
// stderr), and a file srcascade did not make is never replaced without
// --overwrite.
func TestCLISkipsOnlySameRequest(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "photos", "a.png"), photo(10, 8, 1))
	writePNG(t, filepath.Join(dir, "photos", "b.png"), photo(12, 6, 2))
	up := func(args ...string) cliResult {
		return runCLI(t, dir, append([]string{"upscale", "-m", "bicubic", "-o", "out"}, append(args, "photos")...)...)
	}
	up("-s", "2").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "out", "a.png"), 20, 16)

	r := up("-s", "2")
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "0 upscaled, 2 skipped") {
		t.Errorf("the same request again should skip both:\n%s", r.stderr)
	}

	r = up("-s", "4")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "out", "a.png"), 40, 32)
	assertSize(t, filepath.Join(dir, "out", "b.png"), 48, 24)
	if !strings.Contains(r.stderr, "2 upscaled") || !strings.Contains(r.stderr, "x2") || !strings.Contains(r.stderr, "redoing") {
		t.Errorf("x4 after x2 should redo both, saying why:\n%s", r.stderr)
	}

	// --consistency is part of the request.
	if r = up("-s", "4", "--consistency"); r.code != 0 || !strings.Contains(r.stderr, "2 upscaled") {
		t.Errorf("--consistency after a run without should redo both: exit %d\n%s", r.code, r.stderr)
	}
	if r = up("-s", "4"); r.code != 0 || !strings.Contains(r.stderr, "2 upscaled") {
		t.Errorf("no --consistency after a run with it should redo both: exit %d\n%s", r.code, r.stderr)
	}

	// JPEG quality is part of a JPEG's request.
	up("-s", "4", "-f", "jpg").expectCode(t, 0)
	r = up("-s", "4", "-f", "jpg", "--quality", "80")
	if r.code != 0 || !strings.Contains(r.stderr, "2 upscaled") {
		t.Errorf("another --quality should redo the JPEGs: exit %d\n%s", r.code, r.stderr)
	}

	// A file srcascade did not make is kept, and listed.
	mine := []byte("my own notes, named like an output")
	os.WriteFile(filepath.Join(dir, "out", "a.png"), mine, 0o644)
	r = up("-s", "4")
	if r.code != 1 || !strings.Contains(r.stderr, "out/a.png") || !strings.Contains(r.stderr, "--overwrite") {
		t.Errorf("a foreign file at an output path: exit %d, want 1 naming it and --overwrite\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out", "a.png")); !bytes.Equal(b, mine) {
		t.Error("a file srcascade did not make was replaced without --overwrite")
	}
	up("-s", "4", "--overwrite").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "out", "a.png"), 40, 32)
}

// TestCLICleansStaleTemps plants the hidden temporary file a killed run
// leaves (its writer's PID is gone) beside outputs, and one of a live
// process: the next upscale into that folder removes the first and keeps
// the second (issue 12, item 3).
func TestCLICleansStaleTemps(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "photos", "a.png"), photo(8, 8, 1))
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot start a short-lived process:", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "out", fmt.Sprintf(".a.png.pid%d.123.tmp", dead.Process.Pid))
	live := filepath.Join(dir, "out", fmt.Sprintf(".b.png.pid%d.456.tmp", os.Getpid()))
	for _, f := range []string{stale, live} {
		if err := os.WriteFile(f, make([]byte, 1000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "2", "-o", "out", "photos").expectCode(t, 0)
	if _, err := os.Stat(stale); err == nil {
		t.Error("the temporary file of a dead writer is still there")
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the temporary file of a live process was removed: %v", err)
	}
}
