package main

// Real-binary runs of `srcascade bench`, small enough to be quick: the
// output must parse and every measurement be positive.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchJSON runs the binary with args and decodes its JSON output into v.
func benchJSON(t *testing.T, v any, args ...string) cliResult {
	t.Helper()
	r := runCLI(t, t.TempDir(), args...)
	r.expectCode(t, exitOK)
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("output is not the report's JSON: %v\n%s", err, r.stdout)
	}
	return r
}

// checkHeader checks the machine and command of a report.
func checkHeader(t *testing.T, h benchHeader, command string) {
	t.Helper()
	if h.Command != command {
		t.Errorf("command %q, want %q", h.Command, command)
	}
	m := h.Machine
	if m.CPUs < 1 || m.GOMAXPROCS < 1 || m.OS == "" || m.Arch == "" || !strings.HasPrefix(m.Go, "go") {
		t.Errorf("machine %+v is incomplete", m)
	}
}

// positive fails the test for each named value that is not > 0.
func positive(t *testing.T, what string, values map[string]float64) {
	t.Helper()
	for name, v := range values {
		if !(v > 0) {
			t.Errorf("%s: %s = %g, want > 0", what, name, v)
		}
	}
}

func TestCLIBenchIO(t *testing.T) {
	var rep benchIOReport
	benchJSON(t, &rep, "bench", "io", "--size", "256x192", "--repeat", "1", "--json", "-q")
	checkHeader(t, rep.benchHeader, "srcascade bench io --repeat 1 --size 256x192")
	if rep.Image != "synthetic" || rep.Width != 256 || rep.Height != 192 || rep.Channels != 3 || rep.Depth != 8 || rep.Repeat != 1 {
		t.Errorf("report %+v: want the synthetic 256x192 RGB image, 1 run", rep)
	}
	want := []struct {
		phase, counted string
		mp             float64
	}{
		{"encode png", "output", 256 * 192 / 1e6},
		{"encode jpeg", "output", 256 * 192 / 1e6},
		{"decode png", "input", 256 * 192 / 1e6},
		{"decode jpeg", "input", 256 * 192 / 1e6},
		{"bicubic /4", "output", 64 * 48 / 1e6},
		{"bicubic x4", "output", 1024 * 768 / 1e6},
	}
	if len(rep.Phases) != len(want) {
		t.Fatalf("%d phases, want %d: %+v", len(rep.Phases), len(want), rep.Phases)
	}
	for i, p := range rep.Phases {
		w := want[i]
		if p.Phase != w.phase || p.Counted != w.counted || p.Megapixels != w.mp || len(p.Seconds) != 1 {
			t.Errorf("phase %d = %+v, want %s counting %g MP of the %s, one run", i, p, w.phase, w.mp, w.counted)
		}
		positive(t, p.Phase, map[string]float64{"median": p.Median, "MP/s": p.MPPerSec, "peak RSS": p.PeakRSSMiB})
		if p.Median > 0 && !nearlyEqual(p.MPPerSec, p.Megapixels/p.Median) {
			t.Errorf("%s: %g MP/s, want %g MP / %g s", p.Phase, p.MPPerSec, p.Megapixels, p.Median)
		}
		if strings.HasPrefix(p.Phase, "encode") || strings.HasPrefix(p.Phase, "decode") {
			positive(t, p.Phase, map[string]float64{"bytes": float64(p.Bytes)})
		}
		if i > 0 && p.PeakRSSMiB < rep.Phases[i-1].PeakRSSMiB {
			t.Errorf("%s: peak RSS %g below the previous phase's %g", p.Phase, p.PeakRSSMiB, rep.Phases[i-1].PeakRSSMiB)
		}
	}
}

// TestCLIBenchInterrupt stops a long bench io with SIGINT after its first
// measurement: exit code 130, a message that nothing was measured, and no
// partial table.
func TestCLIBenchInterrupt(t *testing.T) {
	cmd := exec.Command(binary, "bench", "io", "--size", "256x256", "--repeat", "1000")
	cmd.Dir = t.TempDir()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "(1 of 1000)") {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want code %d\n%s", err, exitInterrupted, log.String())
	}
	if !strings.Contains(log.String(), "srcascade: bench io interrupted; nothing measured") || strings.Contains(log.String(), "rerun") {
		t.Errorf("stderr should say that nothing was measured, and only that:\n%s", log.String())
	}
	if stdout.Len() > 0 {
		t.Errorf("an interrupted bench printed results:\n%s", stdout.String())
	}
}

// TestCLIBenchIOImage measures a given file (its own decode too) and
// checks the markdown output: the machine and command line, then a table.
func TestCLIBenchIOImage(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "in.png"), photo(40, 24, 1))
	r := runCLI(t, dir, "bench", "io", "in.png", "--repeat", "2")
	r.expectCode(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2+2+7 {
		t.Fatalf("want a header line, a blank line and a table of 7 phases:\n%s", r.stdout)
	}
	if !strings.HasPrefix(lines[0], "`srcascade bench io --repeat 2 in.png` on ") || !strings.Contains(lines[0], " CPUs, ") {
		t.Errorf("header line %q: want the command and the machine", lines[0])
	}
	if !strings.HasPrefix(lines[2], "| phase (in.png 40x24) |") || !strings.HasPrefix(lines[3], "|---|") {
		t.Errorf("table header %q / %q", lines[2], lines[3])
	}
	if !strings.HasPrefix(lines[8], "| decode png (IMAGE) | ") {
		t.Errorf("row %q: want the decode of the file itself", lines[8])
	}
	for _, l := range lines[4:] {
		if cells := strings.Split(strings.Trim(l, "|"), "|"); len(cells) != 6 {
			t.Errorf("row %q has %d cells, want 6", l, len(cells))
		}
	}
	if !strings.Contains(r.stderr, "(2 of 2)") {
		t.Errorf("stderr should show progress:\n%s", r.stderr)
	}
}

func TestCLIBenchIOErrors(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, dir, "bench", "io", "missing.png")
	r.expectCode(t, exitFailed)
	if !strings.Contains(r.stderr, "missing.png") {
		t.Errorf("stderr %q should name the file", r.stderr)
	}
	r = runCLI(t, dir, "bench", "io", "--batch", "2")
	r.expectCode(t, exitUsage)
}

func TestCLIBenchUpscale(t *testing.T) {
	var rep benchUpscaleReport
	benchJSON(t, &rep, "bench", "upscale", "-m", "bicubic", "--size", "64", "--repeat", "1", "--json")
	checkHeader(t, rep.benchHeader, "srcascade bench upscale -m bicubic -s 4 --seed 1 --repeat 1 --size 64x64")
	if rep.Model != "bicubic" || rep.Width != 64 || rep.Height != 64 || rep.OutW != 256 || rep.OutH != 256 || rep.Scale != 4 || len(rep.Seconds) != 1 {
		t.Errorf("report %+v: want bicubic 64x64 -> 256x256, one run", rep)
	}
	positive(t, "bench upscale", map[string]float64{"first call": rep.FirstSeconds, "s/image": rep.PerImage,
		"s/output MP": rep.PerOutputMP, "peak RSS": rep.PeakRSSMiB})
	if rep.Steps != 0 || rep.PerOutputMPStep != 0 {
		t.Errorf("bicubic has %d steps, %g s/MP/step: want none", rep.Steps, rep.PerOutputMPStep)
	}
	if !nearlyEqual(rep.PerOutputMP, rep.PerImage/(256*256/1e6)) {
		t.Errorf("%g s/output MP, want %g s / 0.0655 MP", rep.PerOutputMP, rep.PerImage)
	}
}

// TestCLIBenchTrainAndUpscale measures a tiny config's training, then a
// learned model's upscale (a checkpoint that train writes): steps, network
// calls and the per-step rate.
func TestCLIBenchTrainAndUpscale(t *testing.T) {
	tiny := []string{"--set", "base_channels=8", "--set", "channel_mults=1,2", "--set", "attn_levels=",
		"--set", "group_norm_groups=4", "--patch", "32", "--batch", "2"}
	var rep benchTrainReport
	r := benchJSON(t, &rep, append(append([]string{"bench", "train"}, tiny...), "--steps", "3", "--backend", "go", "--json")...)
	checkHeader(t, rep.benchHeader, "srcascade bench train -s 4 --batch 2 --patch 32 --steps 3 --skip 1 "+
		"--set base_channels=8 --set channel_mults=1,2 --set attn_levels= --set group_norm_groups=4 --backend go")
	if rep.Config.BaseChannels != 8 || rep.Batch != 2 || rep.Patch != 32 || rep.Steps != 3 || rep.Skipped != 1 || rep.TimedSteps != 2 {
		t.Errorf("report %+v: want the tiny config, 3 steps of 2 32x32 patches, 2 timed", rep)
	}
	positive(t, "bench train", map[string]float64{"params": float64(rep.Params), "first step": rep.FirstSeconds,
		"timed seconds": rep.TimedSeconds, "s/step": rep.SecondsPerStep, "steps/s": rep.StepsPerSec,
		"patches/s": rep.PatchesPerSec, "peak RSS": rep.PeakRSSMiB})
	if !nearlyEqual(rep.PatchesPerSec, 2*rep.StepsPerSec) || !nearlyEqual(rep.StepsPerSec*rep.SecondsPerStep, 1) {
		t.Errorf("%g patches/s, %g steps/s, %g s/step disagree", rep.PatchesPerSec, rep.StepsPerSec, rep.SecondsPerStep)
	}
	if strings.Count(r.stderr, "bench: step ") != 3 {
		t.Errorf("stderr should show each step:\n%s", r.stderr)
	}

	// A checkpoint to upscale with.
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "hr", "a.png"), photo(64, 64, 1))
	r = runCLI(t, dir, append(append([]string{"train", "--hr", "hr", "--out", "ck", "-q"}, tiny...), "--steps", "1", "--backend", "go")...)
	r.expectCode(t, exitOK)
	var up benchUpscaleReport
	benchJSON(t, &up, "bench", "upscale", "-m", filepath.Join(dir, "ck"), "--size", "16x8", "--steps", "2", "--repeat", "1",
		"--backend", "go", "--json", "-q")
	if up.Model != "ck" || up.Backend == "" || up.Params != rep.Params || up.Steps != 2 || up.Sampler == "" || up.Passes != 1 ||
		up.NetworkCalls < 2 || up.Compilations < 1 || up.OutW != 64 || up.OutH != 32 {
		t.Errorf("report %+v: want the checkpoint's %d weights, 2 steps, one pass, 64x32 out", up, rep.Params)
	}
	positive(t, "bench upscale -m ck", map[string]float64{"load": up.LoadSeconds, "first call": up.FirstSeconds,
		"s/image": up.PerImage, "s/output MP/step": up.PerOutputMPStep})
	if !nearlyEqual(up.PerOutputMPStep, up.PerOutputMP/2) {
		t.Errorf("%g s/output MP/step, want %g / 2 steps", up.PerOutputMPStep, up.PerOutputMP)
	}
}

// nearlyEqual reports whether a and b agree to 1e-9 relative.
func nearlyEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*max(math.Abs(a), math.Abs(b))
}
