package main

// `srcascade train` run as a user runs it: the real binary (built by
// TestMain) trains a tiny UNet for a few steps on synthetic images.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// tinyTrainArgs make a UNet of a few thousand weights that trains a step
// in milliseconds on the Go backend.
var tinyTrainArgs = []string{
	"--set", "base_channels=8", "--set", "channel_mults=1,2", "--set", "attn_levels=",
	"--set", "group_norm_groups=4", "--patch", "32", "--batch", "2", "--backend", "go",
}

// trainData writes n synthetic 64x64 HR images under dir/hr and one 48x48
// validation image under dir/val.
func trainData(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		writePNG(t, filepath.Join(dir, "hr", fmt.Sprintf("img%d.png", i)), photo(64, 64, i))
	}
	writePNG(t, filepath.Join(dir, "val", "v.png"), photo(48, 48, 99))
}

// checkpointStep reads the step of the checkpoint in dir.
func checkpointStep(t *testing.T, dir string) int {
	t.Helper()
	info, err := train.ReadCheckpoint(dir)
	if err != nil {
		t.Fatalf("reading the checkpoint: %v", err)
	}
	return info.Step
}

func TestCLITrain(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 4)
	args := func(extra ...string) []string {
		a := append([]string{"train", "--hr", "hr", "--val", "val", "--out", "ck", "--every", "2"}, tinyTrainArgs...)
		return append(a, extra...)
	}

	// A fresh run: 4 steps, validated and saved at step 2 and at the end.
	r := runCLI(t, dir, args("--steps", "4")...)
	r.expectCode(t, 0)
	for _, f := range []string{sr3.WeightsFile, sr3.ConfigFile, train.StateFile, train.InfoFile, train.CurveFile} {
		if st, err := os.Stat(filepath.Join(dir, "ck", f)); err != nil || st.Size() == 0 {
			t.Errorf("checkpoint file %s: %v", f, err)
		}
	}
	if s := checkpointStep(t, filepath.Join(dir, "ck")); s != 4 {
		t.Errorf("checkpoint at step %d, want 4", s)
	}
	for _, w := range []string{"step 1/4  loss ", "patches/s", "step 2/4: validation Y-PSNR ", "bicubic ",
		"step 2/4: checkpoint saved in ck", "step 4/4: checkpoint saved in ck", "base_channels=8 channel_mults=1,2"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	for _, w := range []string{"trained x4 to step 4 of 4", filepath.Join("ck", train.CurveFile),
		"srcascade upscale -m ck -s 4 photo.png", "srcascade eval -m ck -s 4", "validation: Y-PSNR "} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "ck", sr3.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := sr3.UnmarshalConfig(cfg); err != nil || c.BaseChannels != 8 || len(c.ChannelMults) != 2 {
		t.Errorf("saved config %+v (%v): want the --set values", c, err)
	}

	// The same command again must not overwrite the run.
	r = runCLI(t, dir, args("--steps", "4")...)
	r.expectCode(t, exitUsage)
	if !strings.Contains(r.stderr, "already holds a x4 training checkpoint at step 4 of 4") || !strings.Contains(r.stderr, "--resume") {
		t.Errorf("a second run should refuse the folder and point at --resume:\n%s", r.stderr)
	}
	// Nor may a resumed run change the network.
	r = runCLI(t, dir, append(args("--steps", "6", "--resume"), "--set", "base_channels=16")...)
	r.expectCode(t, exitUsage)
	if !strings.Contains(r.stderr, "base_channels=8") {
		t.Errorf("the refusal should name the checkpoint's value:\n%s", r.stderr)
	}

	// --resume continues at step 4, to 6.
	r = runCLI(t, dir, args("--steps", "6", "--resume")...)
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "resuming ck at step 4 of 6") || !strings.Contains(r.stderr, "step 5/6") ||
		strings.Contains(r.stderr, "step 1/") {
		t.Errorf("the resumed run should go from step 5 to 6:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "trained x4 to step 6 of 6 (2 steps in") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if s := checkpointStep(t, filepath.Join(dir, "ck")); s != 6 {
		t.Errorf("checkpoint at step %d after resuming, want 6", s)
	}

	// What training wrote is a model upscale can use.
	t.Run("upscale", func(t *testing.T) {
		writePNG(t, filepath.Join(dir, "img.png"), photo(24, 20, 5))
		r := runCLI(t, dir, "upscale", "-m", "ck", "-s", "4", "img.png", "--steps", "2", "--backend", "go")
		if r.code == exitUsage && strings.Contains(r.stderr, "not a model name or checkpoint folder") {
			t.Skipf("pretrained.Open does not load checkpoint folders yet: %s", strings.TrimSpace(r.stderr))
		}
		r.expectCode(t, 0)
		assertSize(t, filepath.Join(dir, "img_x4.png"), 96, 80)
	})
}

// TestCLITrainInterrupt starts a long run, sends SIGINT after the first
// progress line, and checks the exit code 130, the checkpoint written at
// the interrupt, and that --resume continues from it.
func TestCLITrainInterrupt(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 2)
	args := append([]string{"train", "--hr", "hr", "--out", "ck", "--every", "0"}, tinyTrainArgs...)
	cmd := exec.Command(binary, append(args, "--steps", "1000000")...)
	cmd.Dir = dir
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		stderr bytes.Buffer
	)
	firstStep := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(pipe)
		seen := false
		for sc.Scan() {
			mu.Lock()
			stderr.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !seen && strings.HasPrefix(sc.Text(), "step 1/") {
				seen = true
				close(firstStep)
			}
		}
	}()
	select {
	case <-firstStep:
	case <-time.After(120 * time.Second):
		cmd.Process.Kill()
		<-readDone
		cmd.Wait()
		t.Fatalf("no progress line after 120 s:\n%s", stderr.String())
	case <-readDone:
		cmd.Wait()
		t.Fatalf("the run ended before its first step:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-readDone
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	log := stderr.String()
	if code != exitInterrupted {
		t.Fatalf("exit code %d after SIGINT, want %d:\n%s", code, exitInterrupted, log)
	}
	step := checkpointStep(t, filepath.Join(dir, "ck"))
	if step < 1 {
		t.Fatalf("checkpoint at step %d, want the step training was stopped at (>= 1)", step)
	}
	if want := fmt.Sprintf("stopped at step %d of 1000000; checkpoint saved in ck", step); !strings.Contains(log, want) ||
		!strings.Contains(log, "--resume") {
		t.Errorf("stderr should say where it stopped and how to resume (%q):\n%s", want, log)
	}
	t.Logf("interrupted at step %d", step)

	r := runCLI(t, dir, append(args, "--resume", "--steps", fmt.Sprint(step+2))...)
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, fmt.Sprintf("resuming ck at step %d of %d", step, step+2)) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if s := checkpointStep(t, filepath.Join(dir, "ck")); s != step+2 {
		t.Errorf("checkpoint at step %d after resuming, want %d", s, step+2)
	}
}

// TestCLITrainUsage checks usage errors that need the file system: exit 2
// and nothing written.
func TestCLITrainUsage(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 1)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--hr", "missing", "--out", "ck"}, "--hr missing: no such folder"},
		{[]string{"train", "--hr", "hr", "--val", "nothere", "--out", "ck"}, "--val nothere: no such folder"},
		{[]string{"train", "--hr", "hr", "--out", "ck", "--resume"}, "--resume: ck does not exist"},
		{[]string{"train", "--hr", "hr", "--out", "ck", "--patch", "40"}, "--patch 40: must be a multiple of 16"},
		{[]string{"train", "--hr", "hr", "--lr", "1e-4", "--out", "ck"}, "the learning rate is --learning-rate"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, dir, tt.args...)
			r.expectCode(t, exitUsage)
			if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "srcascade train --help") {
				t.Errorf("stderr lacks %q:\n%s", tt.want, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "ck")); err == nil {
				t.Errorf("a usage error created the checkpoint folder")
			}
		})
	}
}
