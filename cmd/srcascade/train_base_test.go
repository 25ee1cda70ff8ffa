package main

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// defaultBase is train's options for `train --stage base --data emoji`,
// changed by mod.
func defaultBase(mod func(o *trainOptions)) *trainOptions {
	o := &trainOptions{
		Base:     true,
		Config:   sr3.DefaultBaseConfig(16, 1),
		Train:    train.DefaultBaseOptions(16),
		Labelled: train.LabelledOptions{Dir: "emoji", MemoryBudget: train.DefaultMemoryBudget},
	}
	o.Train.Out = "checkpoints/base16"
	if mod != nil {
		mod(o)
	}
	o.syncData()
	return o
}

func TestParseTrainBase(t *testing.T) {
	tests := []struct {
		line string
		want *trainOptions
	}{
		{"train --stage base --data emoji", defaultBase(nil)},
		{"train --data emoji --stage base --size 32 --batch 16 --no-flip --steps 10 -o ck --memory 0.5 --workers 2 -q",
			defaultBase(func(o *trainOptions) {
				o.Config = sr3.DefaultBaseConfig(32, 1)
				o.Train = train.DefaultBaseOptions(32)
				o.Train.Batch, o.Train.Steps, o.Train.Out = 16, 10, "ck"
				o.Labelled.NoFlip, o.Labelled.MemoryBudget, o.Labelled.Workers, o.Quiet = true, 1<<29, 2, true
				o.Given = []givenKey{{"train.steps", "--steps"}, {"train.batch", "--batch"}, {"train.patch", "--size"}}
			})},
		// classes=0: an unconditional model, so no guidance by default.
		{"train --stage base --data emoji --set classes=0", defaultBase(func(o *trainOptions) {
			o.Config.Classes, o.Config.Guidance = 0, 0
			o.Given = []givenKey{{"model.classes", "--set classes"}}
		})},
		{"train --stage base --data emoji --set guidance=3 --set label_dropout=0.2 --set base_channels=32 --set val_steps=5 --learning-rate 1e-4",
			defaultBase(func(o *trainOptions) {
				o.Config.Guidance, o.Config.BaseChannels = 3, 32
				o.Train.LabelDropout, o.Train.ValSteps, o.Train.LR = 0.2, 5, 1e-4
				o.Given = []givenKey{{"train.lr", "--learning-rate"}, {"model.guidance", "--set guidance"},
					{"train.label_dropout", "--set label_dropout"}, {"model.base_channels", "--set base_channels"},
					{"train.val_steps", "--set val_steps"}}
			})},
		{"train --stage sr --hr photos", defaultTrain(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantParse(t, tt.line, tt.want) })
	}
}

func TestParseTrainBaseErrors(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"train --stage base", []string{"no --data DIR given"}},
		{"train --stage cascade --hr h", []string{`--stage "cascade"`, "sr", "base"}},
		{"train --stage base --data d --hr h", []string{"--hr is for super-resolution stages, not --stage base"}},
		{"train --stage base --data d --lr l", []string{"--lr is for super-resolution stages"}},
		{"train --stage base --data d -s 2", []string{"-s/--scale is for super-resolution stages"}},
		{"train --stage base --data d --patch 16", []string{"--patch is for super-resolution stages"}},
		{"train --stage base --data d --cond-noise 0.1", []string{"--cond-noise is for super-resolution stages"}},
		{"train --stage base --data d --degrade realworld", []string{"--degrade is for super-resolution"}},
		{"train --stage base --data d --downscale-hr 1", []string{"--downscale-hr is for super-resolution"}},
		{"train --stage base --data d --val v", []string{"--val is for super-resolution"}},
		{"train --hr h --data d", []string{"--data is for --stage base"}},
		{"train --hr h --size 16", []string{"--size is for --stage base"}},
		{"train --hr h --no-flip", []string{"--no-flip is for --stage base"}},
		{"train --stage base --data d --size 2", []string{"--size 2", "at least 4x4"}},
		{"train --stage base --data d --size 20 --set channel_mults=1,2,2,2", []string{"--size 20: must be a multiple of 8", "halves it 3 times"}},
		{"train --stage base --data d --set patch=32", []string{"--set patch", "--size"}},
		{"train --stage base --data d --set residual=true", []string{"model config", "residual must be false"}},
		{"train --stage base --data d --set base=false", []string{"classes 1 needs base"}},
		{"train --stage base --data d --set train.cond_noise=0.1", []string{"cond_noise=0.1", "super-resolution stages"}},
		{"train --stage base --data d --set label_dropout=2", []string{"label_dropout 2"}},
		{"train --stage base --data d --set classes=0 --set guidance=1", []string{"guidance 1 needs classes"}},
		{"train --stage base --data d --steps 0", []string{"--steps 0"}},
		{"train --stage base --data d --batch 0", []string{"--batch 0"}},
		{"train --stage base --data d --size 16 --set patch=16", []string{"--size and --set patch both given"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			wantUsageErrorAll(t, tt.line, tt.want)
		})
	}
}

// classFolders writes a folder of class sub-folders, n flat-colour size x
// size images each (one colour per class), and returns it.
func classFolders(t *testing.T, dir string, size, n int, classes ...string) string {
	t.Helper()
	for ci, c := range classes {
		for i := range n {
			m := image.NewRGBA(image.Rect(0, 0, size, size))
			col := color.RGBA{uint8(60 * ci), uint8(200 - 60*ci), uint8(30 * i), 255}
			for p := 0; p < len(m.Pix); p += 4 {
				m.Pix[p], m.Pix[p+1], m.Pix[p+2], m.Pix[p+3] = col.R, col.G, col.B, col.A
			}
			writePNG(t, filepath.Join(dir, c, fmt.Sprintf("%d.png", i)), m)
		}
	}
	return dir
}

// TestTrainResolveBase checks what resolve makes of a base stage's data
// folder and checkpoint: the class count and names from the folders, and
// on --resume the same classes as the checkpoint.
func TestTrainResolveBase(t *testing.T) {
	dir := t.TempDir()
	ab := classFolders(t, filepath.Join(dir, "ab"), 8, 1, "b", "a")
	classFolders(t, filepath.Join(dir, "ac"), 8, 1, "a", "c")
	flat := filepath.Join(dir, "flat")
	writePNG(t, filepath.Join(flat, "x.png"), photo(8, 8, 1))

	resolved := func(line string) (*trainOptions, error) {
		t.Helper()
		cmd, _, err := parseLine(t, strings.NewReplacer("DIR", dir).Replace(line))
		if err != nil {
			t.Fatalf("parse %s: %v", line, err)
		}
		o := cmd.(*trainOptions)
		return o, o.resolve()
	}
	o, err := resolved("train --stage base --data DIR/ab --out DIR/new")
	if err != nil {
		t.Fatal(err)
	}
	if o.Config.Classes != 2 || o.Config.Guidance != 1 || !slices.Equal(o.Train.Classes, []string{"a", "b"}) {
		t.Errorf("classes %d guidance %g names %v; want 2, 1, [a b]", o.Config.Classes, o.Config.Guidance, o.Train.Classes)
	}
	if o.Labelled.Dir != ab || o.Labelled.Size != 16 || o.Labelled.Batch != 8 {
		t.Errorf("data options %+v", o.Labelled)
	}
	o, err = resolved("train --stage base --data DIR/ab --out DIR/new --set classes=0")
	if err != nil || o.Config.Classes != 0 || o.Config.Guidance != 0 || o.Train.Classes != nil {
		t.Errorf("classes=0: %v, classes %d guidance %g names %v", err, o.Config.Classes, o.Config.Guidance, o.Train.Classes)
	}
	o, err = resolved("train --stage base --data DIR/flat --out DIR/new")
	if err != nil || o.Config.Classes != 0 || o.Config.Guidance != 0 {
		t.Errorf("a folder without classes: %v, classes %d guidance %g", err, o.Config.Classes, o.Config.Guidance)
	}

	// A checkpoint of a 2-class base stage at step 4 of 4.
	cfg := sr3.DefaultBaseConfig(8, 2)
	cfg.BaseChannels, cfg.GroupNormGroups = 8, 4
	opt := train.DefaultBaseOptions(8)
	opt.Steps, opt.Batch, opt.Classes = 4, 2, []string{"a", "b"}
	ck := filepath.Join(dir, "ck")
	fakeCheckpoint(t, ck, cfg, opt, 4)
	srck := filepath.Join(dir, "srck")
	fakeCheckpoint(t, srck, sr3.DefaultConfig(4), train.DefaultOptions(), 4)

	o, err = resolved("train --stage base --data DIR/ab --out DIR/ck --resume --steps 6")
	if err != nil {
		t.Fatal(err)
	}
	want := opt
	want.Out, want.Resume, want.Steps = ck, true, 6
	if !reflect.DeepEqual(o.Train, want) || !sameConfigJSON(t, o.Config, cfg) {
		t.Errorf("resumed options %+v config %+v; want the checkpoint's", o.Train, o.Config)
	}
	if o.Labelled.StartBatch != 4 || o.Labelled.Size != 8 || o.Labelled.Batch != 2 {
		t.Errorf("resumed data options %+v", o.Labelled)
	}

	errTests := []struct {
		line string
		want []string
	}{
		{"train --stage base --data DIR/ab --out DIR/new --set classes=3", []string{"--set classes=3", "2 class folders [a, b]", "0 for an unconditional"}},
		{"train --stage base --data DIR/missing --out DIR/new", []string{"--data DIR/missing: no such folder"}},
		{"train --stage base --data DIR/ab --out DIR/ck", []string{"already holds a base 8x8 training checkpoint at step 4 of 4"}},
		{"train --stage base --data DIR/ac --out DIR/ck --resume --steps 6", []string{"trained on the classes [a, b]", "--data DIR/ac has [a, c]"}},
		{"train --stage base --data DIR/ab --out DIR/ck --resume --steps 6 --size 16", []string{"--size 16", "patch=8"}},
		{"train --stage base --data DIR/ab --out DIR/ck --resume --steps 6 --set label_dropout=0.3", []string{"--set label_dropout=0.3", "label_dropout=0.1"}},
		{"train --hr DIR/ab --out DIR/ck --resume --steps 6", []string{"is a base 8x8 stage", "add --stage base"}},
		{"train --stage base --data DIR/ab --out DIR/srck --resume --steps 6", []string{"is a x4 stage", "drop --stage base"}},
	}
	for _, tt := range errTests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := resolved(tt.line)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("resolve: got %v, want a usage error", err)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// tinyBaseArgs make a base UNet of a few thousand weights for 8x8 images.
var tinyBaseArgs = []string{
	"--stage", "base", "--size", "8", "--batch", "2", "--backend", "go",
	"--set", "base_channels=8", "--set", "channel_mults=1,2", "--set", "attn_levels=1",
	"--set", "group_norm_groups=4", "--set", "res_blocks=1", "--set", "val_steps=2",
}

// TestCLITrainBase trains a tiny class-conditional base stage with the real
// binary on two classes of flat colours, then resumes it.
func TestCLITrainBase(t *testing.T) {
	dir := t.TempDir()
	classFolders(t, filepath.Join(dir, "data"), 12, 2, "red", "green")
	args := func(extra ...string) []string {
		a := append([]string{"train", "--data", "data", "--out", "ck", "--every", "2"}, tinyBaseArgs...)
		return append(a, extra...)
	}
	r := runCLI(t, dir, args("--steps", "2")...)
	r.expectCode(t, 0)
	ck := filepath.Join(dir, "ck")
	for _, f := range []string{sr3.WeightsFile, sr3.ConfigFile, train.StateFile, train.InfoFile, train.CurveFile, train.ClassesFile, train.SamplesFile} {
		if st, err := os.Stat(filepath.Join(ck, f)); err != nil || st.Size() == 0 {
			t.Errorf("checkpoint file %s: %v", f, err)
		}
	}
	for _, w := range []string{"model: base 8x8, 2 classes [green, red]", "label dropout 0.1", "4 8x8 images in 2 classes (green 2, red 2)",
		"step 1/2  loss ", "step 2/2: samples in " + filepath.Join("ck", train.SamplesFile), "from the nearest training image",
		"step 2/2: checkpoint saved in ck"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	for _, w := range []string{"trained base 8x8 (2 classes) to step 2 of 2", "class names classes.json",
		filepath.Join("ck", train.SamplesFile), "srcascade generate -m ck"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	backend, err := sr3.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sr3.Load(ck, backend); err != nil {
		t.Errorf("the checkpoint does not load for inference: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(ck, sr3.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := sr3.UnmarshalConfig(raw); err != nil || !c.Base || c.Classes != 2 || c.BaseChannels != 8 || c.Guidance != 1 {
		t.Errorf("saved config %+v (%v)", c, err)
	}
	if names, err := train.ReadClassNames(ck); err != nil || !slices.Equal(names, []string{"green", "red"}) {
		t.Errorf("class names %v (%v)", names, err)
	}

	// Resuming on another class folder is refused; with the same, it goes on.
	classFolders(t, filepath.Join(dir, "other"), 12, 1, "red", "blue")
	r = runCLI(t, dir, "train", "--data", "other", "--out", "ck", "--every", "2", "--stage", "base", "--size", "8", "--resume", "--steps", "4")
	r.expectCode(t, exitUsage)
	if !strings.Contains(r.stderr, "trained on the classes [green, red]") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	r = runCLI(t, dir, args("--steps", "4", "--resume")...)
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "resuming ck at step 2 of 4") || !strings.Contains(r.stderr, "step 3/4") || strings.Contains(r.stderr, "step 1/") {
		t.Errorf("the resumed run should go from step 3 to 4:\n%s", r.stderr)
	}
	if s := checkpointStep(t, ck); s != 4 {
		t.Errorf("checkpoint at step %d after resuming, want 4", s)
	}
	info, err := train.ReadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.History.Nearest) != 2 || !slices.Equal(info.Options.Classes, []string{"green", "red"}) {
		t.Errorf("history %+v, classes %v", info.History, info.Options.Classes)
	}
}

// TestTrainProgressSamples checks the log line of a base stage's sample
// sheet, with and without the distance to the training images, which is
// given in 0-1 units as generate --nn and the model cards give it (train
// records 8-bit levels: 23.456 levels is 0.092).
func TestTrainProgressSamples(t *testing.T) {
	var buf strings.Builder
	p := newTrainProgress(&env{stderr: &buf, width: 80}, false, 8)
	p.out = "ck"
	p.event(train.Progress{Event: "samples", Step: 2, Steps: 10, Nearest: 23.456})
	p.event(train.Progress{Event: "samples", Step: 4, Steps: 10, Nearest: math.NaN()})
	want := "step 2/10: samples in " + filepath.Join("ck", train.SamplesFile) + ", 0.092 (RMS, 0-1) from the nearest training image on average\n" +
		"step 4/10: samples in " + filepath.Join("ck", train.SamplesFile) + "\n"
	if got := buf.String(); got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
	if d := p.nearest(); !math.IsNaN(d) {
		t.Errorf("nearest %v after a sheet without distance, want NaN", d)
	}
}
