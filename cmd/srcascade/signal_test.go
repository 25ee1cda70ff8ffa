package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCLIInterrupt starts an upscale of a folder, sends SIGINT once the first
// output exists, and checks that the run stops with exit code 130, leaves no
// temporary or truncated file, and that rerunning finishes the rest.
func TestCLIInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: encodes several multi-megapixel PNGs")
	}
	dir := t.TempDir()
	const n = 6
	for i := range n {
		writePNG(t, filepath.Join(dir, "in", "img"+string(rune('a'+i))+".png"), photo(128, 128, i))
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(binary, "upscale", "-m", "bicubic", "-s", "8", "-j", "1", "-o", out, "in")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	outputs := func() []string {
		m, _ := filepath.Glob(filepath.Join(out, "*.png"))
		return m
	}
	deadline := time.Now().Add(60 * time.Second)
	var exited error
	waiting := true
	for waiting && len(outputs()) == 0 {
		select {
		case exited = <-done:
			waiting = false
		case <-time.After(5 * time.Millisecond):
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("no output after 60 s")
			}
		}
	}
	if waiting {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		exited = <-done
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(exited, &ee) {
		code = ee.ExitCode()
	}
	finished := len(outputs())
	t.Logf("interrupted after %d of %d outputs; exit code %d", finished, n, code)
	if finished < n {
		if code != exitInterrupted {
			t.Errorf("exit code %d after SIGINT, want %d\n%s", code, exitInterrupted, stderr.String())
		}
		if !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("stderr should say it was interrupted:\n%s", stderr.String())
		}
	} else {
		t.Log("the run finished before the signal arrived; only the file checks apply")
	}

	// Nothing partial: no temp files, and every output decodes completely.
	entries, err := os.ReadDir(out)
	if err != nil && finished > 0 {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left a temporary file: %s", e.Name())
		}
	}
	for _, p := range outputs() {
		assertSize(t, p, 1024, 1024)
	}

	// Rerunning finishes the rest and skips what was done.
	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "8", "-j", "2", "-o", out, "in")
	r.expectCode(t, 0)
	if len(outputs()) != n {
		t.Errorf("after the rerun %d of %d outputs exist", len(outputs()), n)
	}
	if finished > 0 && finished < n && !strings.Contains(r.stderr, "skipped") {
		t.Errorf("the rerun should skip the %d finished outputs:\n%s", finished, r.stderr)
	}
}
