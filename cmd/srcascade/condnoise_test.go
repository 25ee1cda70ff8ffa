package main

// Tests of --cond-noise and of cascades of models given to -m (a+b).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
)

func TestParseCondNoise(t *testing.T) {
	for _, tt := range []struct {
		line string
		want *float64 // nil: absent
		bad  bool
	}{
		{"upscale a.png", nil, false},
		{"upscale --cond-noise 0.05 a.png", ptr(0.05), false},
		{"upscale a.png --cond-noise=0", ptr(0), false},
		{"upscale --cond-noise 1 a.png", ptr(1), false},
		{"eval --cond-noise 0.2 hr", ptr(0.2), false},
		{"upscale --cond-noise -1 a.png", nil, true},
		{"upscale --cond-noise 2 a.png", nil, true},
		{"eval --cond-noise 1.5 hr", nil, true},
		{"upscale --cond-noise lots a.png", nil, true},
		{"upscale --cond-noise NaN a.png", nil, true},
	} {
		t.Run(tt.line, func(t *testing.T) {
			if tt.bad {
				wantUsageError(t, tt.line, "--cond-noise", "--help")
				return
			}
			cmd, _, err := parseLine(t, tt.line)
			if err != nil {
				t.Fatal(err)
			}
			var m modelOptions
			switch o := cmd.(type) {
			case *upscaleOptions:
				m = o.Model
			case *evalOptions:
				m = o.Model
			default:
				t.Fatalf("parsed %T", cmd)
			}
			switch got := m.CondNoise; {
			case tt.want == nil && got != nil:
				t.Errorf("CondNoise = %g, want nil (automatic)", *got)
			case tt.want != nil && (got == nil || *got != *tt.want):
				t.Errorf("CondNoise = %v, want %g", got, *tt.want)
			}
			if opts := m.cascadeOptions(); opts.CondNoise != m.CondNoise {
				t.Errorf("cascadeOptions().CondNoise = %v, want the flag's %v", opts.CondNoise, m.CondNoise)
			}
		})
	}
}

func ptr(v float64) *float64 { return &v }

// TestParseModelHelpMentionsChains checks -m's help: chains, and the
// default per scale as the registry has it.
func TestParseModelHelpMentionsChains(t *testing.T) {
	wantHelp(t, "upscale --help", "sr3-x4+sr3-x2")
	wantHelp(t, "upscale --help", "x4 "+pretrained.Default(4))
	wantHelp(t, "upscale --help", "x8 "+pretrained.Default(8))
	wantHelp(t, "upscale --help", "--cond-noise LEVEL")
	wantHelp(t, "eval --help", "--cond-noise LEVEL")
}

// saveTinySR3 writes a small, freshly initialised x4 SR3 model folder, as
// training would, with or without conditioning augmentation (cond_aug, and
// a default level of 0.1 for generated inputs).
func saveTinySR3(t *testing.T, dir string, condAug bool) {
	t.Helper()
	cfg := sr3.DefaultConfig(4)
	cfg.BaseChannels, cfg.ChannelMults, cfg.AttnLevels, cfg.GroupNormGroups = 8, []int{1, 2}, nil, 4
	if condAug {
		cfg.CondAug, cfg.CondNoise = true, 0.1
	}
	saveNewModel(t, dir, cfg)
}

// saveNewModel writes a freshly initialised model of cfg (seed 1) to dir.
func saveNewModel(t *testing.T, dir string, cfg sr3.Config) {
	t.Helper()
	b, err := sr3.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sr3.New(cfg, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
}

// TestCLIPipelineModel upscales through a chain of models given to -m.
func TestCLIPipelineModel(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "p.png"), photo(10, 8, 3))
	r := runCLI(t, dir, "upscale", "-m", "bicubic+bicubic", "-s", "4", "p.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "p_x4.png"), 40, 32)
	if !strings.Contains(r.stderr, "1 upscaled") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic+bicubic", "-s", "8", "-o", "p8.png", "p.png").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "p8.png"), 80, 64)

	// x2 is not a product of two bicubic scales; an unknown part is named.
	r = runCLI(t, dir, "upscale", "-m", "bicubic+bicubic", "-s", "2", "p.png")
	r.expectCode(t, exitUsage)
	if !strings.Contains(r.stderr, "bicubic+bicubic") || !strings.Contains(r.stderr, "4") {
		t.Errorf("x2 of bicubic+bicubic: stderr should name the model and its scales:\n%s", r.stderr)
	}
	r = runCLI(t, dir, "upscale", "-m", "bicubic+nope", "p.png")
	r.expectCode(t, exitUsage)
	if !strings.Contains(r.stderr, "nope") || !strings.Contains(r.stderr, "part 2") {
		t.Errorf("unknown part: stderr should name it:\n%s", r.stderr)
	}
}

// TestCLICondNoise checks --cond-noise against the models: bicubic has no
// network and ignores the level (same output as without it); a learned
// model trained without conditioning augmentation refuses a level above 0
// before any image is read, naming the model, alone or in a chain; one
// trained with it takes the level.
func TestCLICondNoise(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "p.png"), photo(8, 6, 4))

	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "2", "-o", "plain.png", "p.png").expectCode(t, 0)
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "2", "--cond-noise", "0.1", "-o", "noise.png", "p.png").expectCode(t, 0)
	// The pixels, not the files: each file records its own request.
	if d := maxDiff8(t, filepath.Join(dir, "plain.png"), filepath.Join(dir, "noise.png")); d != 0 {
		t.Errorf("bicubic with --cond-noise 0.1 differs from without by %d levels", d)
	}

	plain := filepath.Join(dir, "plainnet")
	saveTinySR3(t, plain, false)
	for _, tt := range []struct{ model, scale string }{{plain, "4"}, {"bicubic+" + plain, "8"}} {
		model := tt.model
		r := runCLI(t, dir, "upscale", "-m", model, "-s", tt.scale, "--cond-noise", "0.1", "-o", "x.png", "p.png")
		r.expectCode(t, exitUsage)
		if !strings.Contains(r.stderr, "plainnet") || !strings.Contains(r.stderr, "trained without conditioning augmentation") {
			t.Errorf("-m %s --cond-noise 0.1: stderr should name the model and say it was trained without conditioning augmentation:\n%s", model, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
			t.Errorf("-m %s --cond-noise 0.1 wrote an output", model)
		}
	}
	// Level 0 is no augmentation: any model takes it.
	runCLI(t, dir, "upscale", "-q", "-m", plain, "-s", "4", "--cond-noise", "0", "-o", "zero.png", "p.png").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "zero.png"), 32, 24)

	aug := filepath.Join(dir, "augnet")
	saveTinySR3(t, aug, true)
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic+"+aug, "-s", "8", "--cond-noise", "0.1", "-o", "aug.png", "p.png").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "aug.png"), 64, 48)
}
