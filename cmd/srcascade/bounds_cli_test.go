package main

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// copyModel copies the built-in sr3-x2 model's config and weights into
// dir/name, with the config's fields changed by edit, and returns the folder.
func copyModel(t *testing.T, dir, name string, edit map[string]any) string {
	t.Helper()
	src := filepath.Join("..", "..", "pretrained", "sr3-x2")
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile(filepath.Join(src, sr3.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, sr3.WeightsFile), w, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(src, sr3.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	for k, v := range edit {
		cfg[k] = v
	}
	raw, _ = json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dst, sr3.ConfigFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestCheckpointSizesBounded is issue 12's item 11 for model files: a
// config.json whose sizes would make srcascade allocate terabytes is a bad
// file (exit 1) named in a clear error, not a fatal out-of-memory.
func TestCheckpointSizesBounded(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "in.png"), image.NewRGBA(image.Rect(0, 0, 8, 8)))
	for _, c := range []struct {
		field string
		value any
	}{
		{"train_steps", 1099511627776},
		{"base_channels", 100000},
		{"channel_mults", []int{1, 2, 100000}},
		{"res_blocks", 1 << 30},
		{"steps", 1 << 40},
	} {
		m := copyModel(t, dir, "m-"+c.field, map[string]any{c.field: c.value})
		r := runCLI(t, dir, "upscale", "-q", "-m", m, "-s", "2", "-o", "out-"+c.field+".png", "in.png")
		r.expectCode(t, 1)
		if !strings.Contains(r.stderr, c.field) || !strings.Contains(r.stderr, sr3.ConfigFile) {
			t.Errorf("%s=%v: the error should name the field and the file:\n%s", c.field, c.value, r.stderr)
		}
	}
	// The same on the command line is a usage error.
	r := runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "--steps", "1099511627776", "in.png")
	r.expectCode(t, 2)
	if !strings.Contains(r.stderr, "--steps") {
		t.Errorf("--steps 2^40: %s", r.stderr)
	}
}

// TestTrainSetSizesBounded: the same sizes given with --set are usage
// errors (exit 2) before anything is allocated, and a train.json on
// --resume is checked like config.json.
func TestTrainSetSizesBounded(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 2)
	for _, set := range []string{"train_steps=1099511627776", "base_channels=100000", "channel_mults=1,2,100000", "batch=1000000000", "patch=1000000", "steps=1099511627776"} {
		r := runCLI(t, dir, "train", "--hr", "hr", "--steps", "1", "--out", "ck", "--backend", "go", "--set", set)
		r.expectCode(t, 2)
		key, _, _ := strings.Cut(set, "=")
		if !strings.Contains(r.stderr, key) {
			t.Errorf("--set %s: the error should name %s:\n%s", set, key, r.stderr)
		}
	}
	_ = train.InfoFile
}

// TestResumeTrainJSONBounded: a train.json whose config asks for an absurd
// schedule is a bad file (exit 1) on --resume, named in the error.
func TestResumeTrainJSONBounded(t *testing.T) {
	dir := t.TempDir()
	trainData(t, dir, 2)
	args := append([]string{"train", "--hr", "hr", "--out", "ck", "--steps", "1"}, tinyTrainArgs...)
	runCLI(t, dir, args...).expectCode(t, 0)
	path := filepath.Join(dir, "ck", train.InfoFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	info["config"].(map[string]any)["train_steps"] = 1099511627776
	raw, _ = json.Marshal(info)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, "train", "--hr", "hr", "--out", "ck", "--steps", "2", "--resume", "--backend", "go")
	r.expectCode(t, 1)
	if !strings.Contains(r.stderr, "train_steps") || !strings.Contains(r.stderr, train.InfoFile) {
		t.Errorf("the error should name train_steps and %s:\n%s", train.InfoFile, r.stderr)
	}
}

// TestBackendWithoutPlugin is issue 12's item 14: an XLA backend whose
// plugin is not installed is a usage error (exit 2, as an unknown backend
// name is) in one sentence that says how to install one, without the
// model named twice.
func TestBackendWithoutPlugin(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "in.png"), image.NewRGBA(image.Rect(0, 0, 8, 8)))
	r := runCLI(t, dir, "upscale", "-q", "-m", "sr3-x2", "-s", "2", "--backend", "xla:no_such_plugin", "in.png")
	r.expectCode(t, 2)
	wants := []string{`--backend xla:no_such_plugin: backend "xla:no_such_plugin" needs the PJRT plugin "no_such_plugin"`,
		"srcascade backend install cpu|cuda", "go backend"}
	if !sr3.XLACompiled { // a CGO_ENABLED=0 test run: every XLA spec is refused first
		wants = []string{`--backend "xla:no_such_plugin": ` + sr3.ErrNoCgo.Error()}
	}
	for _, want := range wants {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr should say %q:\n%s", want, r.stderr)
		}
	}
	if strings.Count(r.stderr, "sr3-x2") > 0 {
		t.Errorf("the model need not be named (the backend is what is missing):\n%s", r.stderr)
	}
}
