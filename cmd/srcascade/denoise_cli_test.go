package main

// Tests of the denoise control: `train --init/--denoise` and `upscale --denoise`.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

// TestCLITrainInitDenoise warm-starts a model with a denoise control from a
// clean one: with the learning rate at nothing, the new model computes what
// the init model did (its level embedding starts at zero), whatever the
// level asked, and its config has the control; the flags that cannot go
// together are refused before training starts.
func TestCLITrainInitDenoise(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 4)
	saveTinySR3(t, filepath.Join(dir, "init"), false)
	writePNG(t, filepath.Join(dir, "p.png"), photo(12, 10, 7))

	args := []string{"train", "--hr", "hr", "--out", "ck", "--init", "init", "--denoise", "--degrade", "realworld",
		"--steps", "1", "--every", "0", "--learning-rate", "1e-30", "--warmup", "0", "--patch", "32", "--batch", "2", "--backend", "go", "-q"}
	runCLI(t, dir, args...).expectCode(t, 0)
	raw, err := os.ReadFile(filepath.Join(dir, "ck", sr3.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sr3.UnmarshalConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.CondAug || !cfg.Denoise || cfg.BaseChannels != 8 {
		t.Errorf("config after --init init --denoise: cond_aug %v denoise %v base_channels %d; want true, true and the init model's 8",
			cfg.CondAug, cfg.Denoise, cfg.BaseChannels)
	}

	// The same command with --resume continues the run (the checkpoint
	// supersedes the init weights).
	resumed := append(append([]string{}, args...), "--resume")
	resumed[slices.Index(resumed, "--steps")+1] = "2"
	runCLI(t, dir, resumed...).expectCode(t, 0)
	if s := checkpointStep(t, filepath.Join(dir, "ck")); s != 2 {
		t.Errorf("the resumed run is at step %d, want 2", s)
	}

	up := func(out string, extra ...string) {
		t.Helper()
		a := append([]string{"upscale", "-q", "-s", "4", "--steps", "1", "--backend", "go", "-o", out}, extra...)
		runCLI(t, dir, append(a, "p.png")...).expectCode(t, 0)
	}
	up("init.png", "-m", "init")
	for _, level := range []string{"0", "0.7", "auto"} {
		out := "ck" + level + ".png"
		up(out, "-m", "ck", "--denoise", level)
		if d := maxDiff8(t, filepath.Join(dir, "init.png"), filepath.Join(dir, out)); d > 1 {
			t.Errorf("warm-started model at --denoise %s differs from its init model by %d levels", level, d)
		}
	}

	for _, tt := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--out", "ck2", "--denoise", "--degrade", "none"}, "--denoise needs --degrade"},
		{[]string{"--out", "ck2", "--denoise", "--degrade", "realworld", "--cond-noise", "0.1"}, "give one"},
		{[]string{"--out", "ck2", "--degrade", "noise=0.5@1-9,overstate=0.5@0-0.2"}, "only a network trained with --denoise"},
		{[]string{"--out", "ck", "--resume", "--init", "other", "--steps", "2"}, "was trained with init=init"},
		{[]string{"--out", "ck2", "--init", "init", "-s", "2"}, "x4 model"},
	} {
		a := append([]string{"train", "--hr", "hr", "--steps", "1", "--backend", "go"}, tt.extra...)
		r := runCLI(t, dir, a...)
		r.expectCode(t, exitUsage)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("train %s: stderr lacks %q:\n%s", strings.Join(tt.extra, " "), tt.want, r.stderr)
		}
	}
	r := runCLI(t, dir, "train", "--hr", "hr", "--out", "ck3", "--init", "nosuchmodel", "--steps", "1")
	if r.code == 0 || !strings.Contains(r.stderr, "nosuchmodel") {
		t.Errorf("--init nosuchmodel: exit %d, stderr should name it:\n%s", r.code, r.stderr)
	}
}

// TestCLIUpscaleDenoiseFlag checks --denoise's values and that a model
// without the control warns that the flag changes nothing.
func TestCLIUpscaleDenoiseFlag(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "p.png"), photo(8, 6, 4))
	for _, bad := range []string{"2", "-0.1", "lots", "NaN"} {
		r := runCLI(t, dir, "upscale", "-m", "bicubic", "--denoise", bad, "p.png")
		r.expectCode(t, exitUsage)
		if !strings.Contains(r.stderr, "--denoise") {
			t.Errorf("--denoise %s: stderr should name the flag:\n%s", bad, r.stderr)
		}
	}
	plain := filepath.Join(dir, "plainnet")
	saveTinySR3(t, plain, false)
	r := runCLI(t, dir, "upscale", "-m", plain, "-s", "4", "--steps", "1", "--denoise", "0.5", "p.png")
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, "--denoise") {
		t.Errorf("--denoise on a model without the control should warn that it changes nothing:\n%s", r.stderr)
	}
}
