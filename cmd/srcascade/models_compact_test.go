package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// TestModelsCompactCLI runs `srcascade models compact` as a user would on
// a checkpoint folder: it writes a float16 copy without the training state
// and says so, the copy upscales with -m, and bad command lines are usage
// errors (exit 2) while a folder it must not write is exit 1, naming it.
func TestModelsCompactCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := sr3.DefaultConfig(4)
	cfg.BaseChannels, cfg.ChannelMults, cfg.AttnLevels, cfg.GroupNormGroups = 8, []int{1, 2}, nil, 4
	saveNewModel(t, filepath.Join(dir, "ck"), cfg)
	if err := os.WriteFile(filepath.Join(dir, "ck", train.StateFile), []byte("state"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, "models", "compact", "ck", "ck-f16")
	r.expectCode(t, 0)
	for _, want := range []string{"ck-f16: ", "KiB (model.safetensors) -> ", "(float16)", "rounding: max error ",
		"below float16's normal range", "copied: config.json", "left out: train_state.safetensors"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ck-f16", train.StateFile)); err == nil {
		t.Error("the copy has the training state")
	}
	in, _ := os.Stat(filepath.Join(dir, "ck", sr3.WeightsFile))
	out, err := os.Stat(filepath.Join(dir, "ck-f16", sr3.WeightsFile))
	if err != nil || out.Size() > in.Size()*6/10 {
		t.Fatalf("the copy's weights: %v (%d bytes of %d)", err, out.Size(), in.Size())
	}
	writePNG(t, filepath.Join(dir, "p.png"), photo(12, 10, 3))
	runCLI(t, dir, "upscale", "-m", "ck-f16", "--steps", "1", "-q", "-o", "p4.png", "p.png").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "p4.png"), 48, 40)

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ck"}, 2, "want two folders, IN_DIR and OUT_DIR"},
		{[]string{"--dtype", "int8", "ck", "x"}, 2, `--dtype: unknown weights dtype "int8": want f32, f16 or bf16`},
		{[]string{"ck", "ck"}, 1, "the output folder ck is the input folder ck or inside it"},
		{[]string{"ck", "ck-f16"}, 1, "the output folder ck-f16 is not empty"},
		{[]string{"p.png", "x"}, 1, "p.png is not a model folder"},
	} {
		r := runCLI(t, dir, append([]string{"models", "compact"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("models compact %q: exit %d, stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}
