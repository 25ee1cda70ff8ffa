package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// defaultTrain is train's options for `train --hr photos`, changed by mod.
func defaultTrain(mod func(o *trainOptions)) *trainOptions {
	o := &trainOptions{
		Config: sr3.DefaultConfig(4),
		Train:  train.DefaultOptions(),
		Data: train.DataOptions{
			HRDir: "photos", MemoryBudget: train.DefaultMemoryBudget, DownscaleHR: train.DefaultDownscaleHR,
		},
	}
	o.Train.Out = "checkpoints/sr4"
	if mod != nil {
		mod(o)
	}
	o.syncData()
	return o
}

func TestParseTrain(t *testing.T) {
	tests := []struct {
		line string
		want *trainOptions
	}{
		{"train --hr photos", defaultTrain(nil)},
		{"train --hr photos -s 2", defaultTrain(func(o *trainOptions) {
			o.Config = sr3.DefaultConfig(2)
			o.Train.Out = "checkpoints/sr2"
			o.Given = []givenKey{{"model.scale", "-s/--scale"}}
		})},
		{"train --hr photos --lr small --scale 8 --out ck --steps 10 --batch 4 --patch 128 --learning-rate 1e-3 --warmup 0 --every 5 --seed 7",
			defaultTrain(func(o *trainOptions) {
				o.Config = sr3.DefaultConfig(8)
				o.Data.LRDir = "small"
				o.Train.Out, o.Train.Steps, o.Train.Batch, o.Train.Patch = "ck", 10, 4, 128
				o.Train.LR, o.Train.Warmup, o.Train.Every, o.Train.Seed = 1e-3, 0, 5, 7
				o.Given = []givenKey{{"model.scale", "-s/--scale"}, {"train.steps", "--steps"}, {"train.batch", "--batch"},
					{"train.patch", "--patch"}, {"train.lr", "--learning-rate"}, {"train.warmup", "--warmup"},
					{"train.every", "--every"}, {"train.seed", "--seed"}}
			})},
		{"train --hr photos --degrade realworld --downscale-hr 1 --memory 0.5 --workers 3 -o ck",
			defaultTrain(func(o *trainOptions) {
				o.Data.Degrade = train.RealWorldDegrade()
				o.Data.DownscaleHR, o.Data.MemoryBudget, o.Data.Workers = 1, 1<<29, 3
				o.Train.Out = "ck"
			})},
		{"train --hr photos --degrade noise=0.5@1-15", defaultTrain(func(o *trainOptions) {
			o.Data.Degrade.Noise = train.Degradation{Prob: 0.5, Range: train.Range{Min: 1, Max: 15}}
		})},
		{"train --hr photos -s 2 --cond-noise 0.1", defaultTrain(func(o *trainOptions) {
			o.Config = sr3.DefaultConfig(2)
			o.Config.CondAug = true
			o.Train.CondNoise, o.Data.CondNoiseMax = 0.1, 0.1
			o.Train.Out, o.Data.Scale = "checkpoints/sr2", 2
			o.Given = []givenKey{{"model.scale", "-s/--scale"}, {"train.cond_noise", "--cond-noise"}}
		})},
		{"train --hr photos --val Set5 --val-images 3 -q --backend go", defaultTrain(func(o *trainOptions) {
			o.ValDir, o.ValImages, o.Quiet, o.Backend = "Set5", 3, true, "go"
		})},
		{"train --hr photos --set base_channels=32 --set channel_mults=1,2,2 --set residual=false --set loss=l2 --set ema_decay=0.9999 --set grad_clip=0.5",
			defaultTrain(func(o *trainOptions) {
				o.Config.BaseChannels, o.Config.ChannelMults, o.Config.Residual, o.Config.Loss = 32, []int{1, 2, 2}, false, "l2"
				o.Train.EMADecay, o.Train.GradClip = 0.9999, 0.5
				o.Given = []givenKey{{"model.base_channels", "--set base_channels"}, {"model.channel_mults", "--set channel_mults"},
					{"model.residual", "--set residual"}, {"model.loss", "--set loss"},
					{"train.ema_decay", "--set ema_decay"}, {"train.grad_clip", "--set grad_clip"}}
			})},
		// The tiny network of the CLI tests; flags may come in any order.
		{"train --patch 32 --set base_channels=8 --set channel_mults=1,2 --set attn_levels= --set group_norm_groups=4 --hr photos",
			defaultTrain(func(o *trainOptions) {
				o.Config.BaseChannels, o.Config.ChannelMults, o.Config.AttnLevels, o.Config.GroupNormGroups = 8, []int{1, 2}, []int{}, 4
				o.Train.Patch = 32
				o.Given = []givenKey{{"train.patch", "--patch"}, {"model.base_channels", "--set base_channels"},
					{"model.channel_mults", "--set channel_mults"}, {"model.attn_levels", "--set attn_levels"},
					{"model.group_norm_groups", "--set group_norm_groups"}}
			})},
		{"train --hr photos --set model.steps=20 --set train.steps=50 --set patch=48 --set space_to_depth=false",
			defaultTrain(func(o *trainOptions) {
				o.Config.Steps, o.Config.SpaceToDepth = 20, false
				o.Train.Steps, o.Train.Patch = 50, 48
				o.Given = []givenKey{{"model.steps", "--set steps"}, {"train.steps", "--set steps"},
					{"train.patch", "--set patch"}, {"model.space_to_depth", "--set space_to_depth"}}
			})},
		// With --resume the config checks wait for the checkpoint's config.
		{"train --hr photos --resume --out ck --patch 40", defaultTrain(func(o *trainOptions) {
			o.Train.Resume, o.Train.Out, o.Train.Patch = true, "ck", 40
			o.Given = []givenKey{{"train.patch", "--patch"}}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantParse(t, tt.line, tt.want) })
	}
}

func TestParseTrainErrors(t *testing.T) {
	tests := []struct {
		line string
		want []string // substrings of the message
	}{
		{"train", []string{"no --hr DIR given"}},
		{"train --lr small", []string{"--lr small needs --hr"}},
		{"train --hr h extra", []string{`unexpected argument "extra"`}},
		{"train --hr h -s 3", []string{"-s/--scale 3", "2, 4 or 8"}},
		{"train --hr h -s 0", []string{"-s/--scale 0"}},
		{"train --hr h --patch 40", []string{"--patch 40: must be a multiple of 16 for this x4 network", "halves it 2 times",
			"space_to_depth", "try 32 or 48"}},
		{"train --hr h --patch 8", []string{"try 16"}},
		{"train --hr h -s 2 --patch 36", []string{"multiple of 8 for this x2 network"}},
		// Without space_to_depth the multiple is the halvings' and the scale's.
		{"train --hr h --set space_to_depth=false --set channel_mults=1 --set attn_levels= --patch 30", []string{"multiple of 4", "LR crop is 1/4"}},
		{"train --hr h --steps 0", []string{"--steps 0"}},
		{"train --hr h --batch 0", []string{"--batch 0"}},
		{"train --hr h --patch -2", []string{"--patch -2"}},
		{"train --hr h --learning-rate 0", []string{"--learning-rate 0"}},
		{"train --hr h --warmup -1", []string{"--warmup -1"}},
		{"train --hr h --decay-from -1", []string{"--decay-from -1"}},
		{"train --hr h --steps 100 --decay-from 100", []string{"decay_from 100", "before the last (100)"}},
		{"train --hr h --every -1", []string{"--every -1"}},
		{"train --hr h --memory 0", []string{"--memory 0"}},
		{"train --hr h --downscale-hr 0.5", []string{"--downscale-hr 0.5"}},
		{"train --hr h --workers -1", []string{"--workers -1"}},
		{"train --hr h --cond-noise 2", []string{"--cond-noise 2"}},
		{"train --hr h --cond-noise 0.1 --set cond_aug=false", []string{"--cond-noise 0.1 needs a network that takes the level"}},
		{"train --hr h --set cond_aug=true", []string{"cond_aug is set but no --cond-noise"}},
		{"train --hr h --val-images -1 --val v", []string{"--val-images -1"}},
		{"train --hr h --val-images 3", []string{"--val-images needs --val"}},
		{"train --hr h --degrade blur=2@1-2", []string{"--degrade", "probability 2"}},
		{"train --hr h --degrade sharpen=1@1-2", []string{"unknown kind"}},
		{"train --hr h --lr l --degrade realworld", []string{"cannot be used with --lr"}},
		{"train --hr h --backend tpu", []string{`--backend "tpu"`}},
		{"train --hr h --set base_chanels=32", []string{"--set base_chanels: unknown key", "model keys: ", "base_channels", "ema_decay"}},
		{"train --hr h --set base_channels=many", []string{"--set base_channels=many", "not an integer"}},
		{"train --hr h --set residual=perhaps", []string{"not true or false"}},
		{"train --hr h --set channel_mults=1,two", []string{"not a list of integers"}},
		{"train --hr h --set steps=5", []string{"ambiguous", "model.steps or train.steps"}},
		{"train --hr h --set scale=2", []string{"use -s/--scale"}},
		{"train --hr h --set novalue", []string{"want KEY=VALUE"}},
		{"train --hr h --set loss=l3", []string{"model config", `loss "l3"`}},
		{"train --hr h --set group_norm_groups=5", []string{"not divisible by group_norm_groups 5"}},
		{"train --hr h --set attn_levels=7", []string{"attn_levels: level 7 does not exist"}},
		{"train --hr h --set ema_decay=1", []string{"training options", "ema_decay 1"}},
		{"train --hr h --set val_sampler=euler", []string{"val_sampler"}},
		{"train --hr h --learning-rate 1e-3 --set lr=1e-4", []string{"--learning-rate and --set lr both given"}},
		{"train --hr h --steps 9 --set train.steps=10", []string{"--steps and --set steps both given"}},
		{"train --hr h --frobnicate", []string{"frobnicate"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			wantUsageErrorAll(t, tt.line, tt.want)
		})
	}
}

// fakeCheckpoint writes the files train.ReadCheckpoint reads (a state file
// whose only tensor is a placeholder, and train.json) for a run of cfg and
// opt at step.
func fakeCheckpoint(t *testing.T, dir string, cfg sr3.Config, opt train.Options, step int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	state := map[string]*tensors.Tensor{"unet/w": tensors.FromFlatDataAndDimensions([]float32{0}, 1)}
	meta := map[string]string{"step": strconv.Itoa(step), "format": "srcascade-train-1"}
	if err := sr3.SaveTensors(filepath.Join(dir, train.StateFile), state, meta); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(train.CheckpointInfo{Step: step, Options: opt, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, train.InfoFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrainResolve checks what --resume and a fresh run make of a
// checkpoint folder: the checkpoint's config and options are kept, only
// steps, every and val_* may change, and each refusal is a usage error.
func TestTrainResolve(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	cfg := sr3.DefaultConfig(4)
	cfg.BaseChannels, cfg.ChannelMults, cfg.AttnLevels, cfg.GroupNormGroups = 8, []int{1, 2}, nil, 4
	opt := train.DefaultOptions()
	opt.Steps, opt.Batch, opt.Patch, opt.Every, opt.Out, opt.Seed = 4, 2, 32, 2, "elsewhere/ck", 9
	fakeCheckpoint(t, ck, cfg, opt, 4)
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "model"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model", sr3.WeightsFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A shipped model's folder (or one written by models compact): weights,
	// config and train.json, but no training state.
	shipped := filepath.Join(dir, "shipped")
	fakeCheckpoint(t, shipped, cfg, opt, 4)
	if err := os.Remove(filepath.Join(shipped, train.StateFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shipped, sr3.WeightsFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An earlier run's train.json alone.
	if err := os.MkdirAll(filepath.Join(dir, "info"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "info", train.InfoFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tiny := " --set base_channels=8 --set channel_mults=1,2 --set attn_levels= --set group_norm_groups=4"

	errTests := []struct {
		line string
		want []string
	}{
		{"train --hr h --out CK", []string{"--out CK already holds a x4 training checkpoint at step 4 of 4", "pass --resume", "choose another --out"}},
		{"train --hr h --out CK" + tiny + " --patch 32", []string{"already holds"}},
		{"train --hr h --out DIR/empty --resume", []string{"--resume: DIR/empty holds no training checkpoint", "start without --resume"}},
		{"train --hr h --out DIR/missing --resume", []string{"--resume: DIR/missing does not exist"}},
		{"train --hr h --out DIR/file", []string{"is a file, not a folder"}},
		{"train --hr h --out DIR/model", []string{"DIR/model already holds a model (model.safetensors) without a training state"}},
		{"train --hr h --out DIR/model --resume", []string{"--resume: DIR/model holds a model (model.safetensors) but not its training state (train_state.safetensors",
			"start a new run from its weights with --init "}},
		{"train --hr h --out DIR/shipped", []string{"DIR/shipped already holds a model (model.safetensors) without a training state (train_state.safetensors) to resume",
			"choose another --out folder"}},
		{"train --hr h --out DIR/shipped --resume", []string{"--resume: DIR/shipped holds a model (model.safetensors) but not its training state (train_state.safetensors",
			"shipped models leave it out", "start a new run from its weights with --init "}},
		{"train --hr h --out DIR/info", []string{"DIR/info already holds an earlier run's train.json without a training state (train_state.safetensors)", "choose another --out folder"}},
		{"train --hr h --out DIR/info --resume", []string{"--resume: DIR/info holds an earlier run's train.json but not its training state (train_state.safetensors)",
			"start a new run with another --out folder"}},
		{"train --hr h --out CK --resume", []string{"already at step 4 of 4", "pass --steps above 4"}},
		{"train --hr h --out CK --resume --steps 3", []string{"already at step 4 of 3"}},
		{"train --hr h --out CK --resume --steps 6 --cond-noise 0.1", []string{"--cond-noise 0.1: the checkpoint in CK was trained with cond_noise=0"}},
		{"train --hr h --out CK --resume --steps 6 --set grad_clip=0.5", []string{"--set grad_clip=0.5", "grad_clip=1"}},
		{"train --hr h --out CK --resume --steps 6 --batch 8", []string{"--batch 8", "batch=2"}},
		{"train --hr h --out CK --resume --steps 6 --seed 1", []string{"--seed 1", "seed=9"}},
		{"train --hr h --out CK --resume --steps 6 --set base_channels=16", []string{"--set base_channels=16: the checkpoint in CK has base_channels=8", "keeps its model config"}},
		{"train --hr h --out CK --resume --steps 6 --set channel_mults=1,2,2", []string{"channel_mults=1,2"}},
		{"train --hr h --out CK --resume --steps 6 -s 2", []string{"-s/--scale 2", "scale=4"}},
	}
	expand := func(line string) string {
		return strings.NewReplacer("CK", ck, "DIR", dir).Replace(line)
	}
	for _, tt := range errTests {
		t.Run(tt.line, func(t *testing.T) {
			cmd, _, err := parseLine(t, expand(tt.line))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = cmd.(*trainOptions).resolve()
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("resolve: got %v, want a usage error", err)
			}
			for _, w := range tt.want {
				if w = expand(w); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	okTests := []struct {
		line string
		mod  func(o *train.Options)
	}{
		// Only the steps given: everything else is the checkpoint's, the
		// folder is where it is now.
		{"train --hr h --out CK --resume --steps 6", func(o *train.Options) { o.Steps = 6 }},
		// The same settings again, the model ones included, are no change.
		{"train --hr h --out CK --resume --steps 6 --batch 2 --patch 32 --seed 9" + tiny, func(o *train.Options) { o.Steps = 6 }},
		{"train --hr h --out CK --resume --steps 10 --every 5 --set val_steps=4 --set val_sampler=ddpm", func(o *train.Options) {
			o.Steps, o.Every, o.ValSteps, o.ValSampler = 10, 5, 4, "ddpm"
		}},
		{"train --hr h --out CK --resume --set train.steps=7", func(o *train.Options) { o.Steps = 7 }},
		// Fine-tuning at a lower learning rate.
		{"train --hr h --out CK --resume --steps 6 --learning-rate 5e-5", func(o *train.Options) { o.Steps, o.LR = 6, 5e-5 }},
		// Annealing a run at its end.
		{"train --hr h --out CK --resume --steps 9 --decay-from 5", func(o *train.Options) { o.Steps, o.DecayFrom = 9, 5 }},
	}
	for _, tt := range okTests {
		t.Run(tt.line, func(t *testing.T) {
			cmd, _, err := parseLine(t, expand(tt.line))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			o := cmd.(*trainOptions)
			if err := o.resolve(); err != nil {
				t.Fatalf("resolve: %v", err)
			}
			want := opt
			want.Out, want.Resume = ck, true
			tt.mod(&want)
			if !reflect.DeepEqual(o.Train, want) {
				t.Errorf("options\n %+v\nwant\n %+v", o.Train, want)
			}
			if !sameConfigJSON(t, o.Config, cfg) {
				t.Errorf("config %+v, want the checkpoint's %+v", o.Config, cfg)
			}
			if o.ResumeStep != 4 || o.Data.StartBatch != 4 {
				t.Errorf("resume step %d, start batch %d, want 4 and 4", o.ResumeStep, o.Data.StartBatch)
			}
			if o.Data.Scale != 4 || o.Data.Patch != 32 || o.Data.Batch != 2 || o.Data.Seed != 9 {
				t.Errorf("data options not synced with the checkpoint's: %+v", o.Data)
			}
		})
	}

	// A fresh run into a new folder resolves to itself.
	cmd, _, err := parseLine(t, "train --hr h --out "+filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	before := *cmd.(*trainOptions)
	if err := cmd.(*trainOptions).resolve(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*cmd.(*trainOptions), before) {
		t.Errorf("resolve changed a fresh run's options")
	}
}

// sameConfigJSON compares configs as they are saved.
func sameConfigJSON(t *testing.T, a, b sr3.Config) bool {
	t.Helper()
	ja, err1 := sr3.MarshalConfig(a)
	jb, err2 := sr3.MarshalConfig(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(ja, jb)
}

// TestTrainProgressLog checks the log lines written off a terminal: the
// first step, then at most one per interval, the last step, and a line per
// validation and checkpoint.
func TestTrainProgressLog(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := newTrainProgress(&env{stderr: &buf, width: 80}, false, 8)
	p.now = func() time.Time { return clock }
	nan := math.NaN()
	step := func(i int, loss float64) {
		p.event(train.Progress{Event: "step", Step: i, Steps: 10, Loss: loss, StepsPerSec: 2, ETA: time.Duration(10-i) * time.Second / 2,
			ValPSNR: nan, BicubicPSNR: nan})
	}
	step(1, 1)
	clock = clock.Add(time.Second)
	step(2, 0.5) // within the interval: no line
	p.event(train.Progress{Event: "validation", Step: 2, Steps: 10, ValPSNR: 28.5, BicubicPSNR: 28.25})
	p.event(train.Progress{Event: "checkpoint", Step: 2, Steps: 10, Checkpoint: "ck"})
	clock = clock.Add(trainLogInterval)
	step(3, 0.5)
	step(10, 0.5) // the last step always
	got := buf.String()
	want := "step 1/10  loss 1.0000  2.00 steps/s  16.0 patches/s  ETA 5s\n" +
		"step 2/10: validation Y-PSNR 28.50 dB (bicubic 28.25, +0.25)\n" +
		"step 2/10: checkpoint saved in ck\n" +
		// Smoothed: the bias-corrected EMA (beta 0.95) of 1, 0.5, 0.5 is
		// (0.95^2*0.05 + 0.95*0.025 + 0.025) / (1 - 0.95^3) = 0.6582.
		"step 3/10  loss 0.6582  2.00 steps/s  16.0 patches/s  ETA 4s  val 28.50 dB (bicubic 28.25, +0.25)\n" +
		"step 10/10  loss 0.6156  2.00 steps/s  16.0 patches/s  val 28.50 dB (bicubic 28.25, +0.25)\n"
	if got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
	if s, c := p.lastStep(), p.lastCheckpoint(); s != 10 || c != 2 {
		t.Errorf("last step %d, checkpoint %d; want 10 and 2", s, c)
	}
	if v := p.validation(); v != "28.50 dB (bicubic 28.25, +0.25)" {
		t.Errorf("validation %q", v)
	}

	// Quiet: nothing at all.
	buf.Reset()
	q := newTrainProgress(&env{stderr: &buf}, true, 8)
	q.event(train.Progress{Event: "step", Step: 1, Steps: 2, Loss: 1})
	q.event(train.Progress{Event: "checkpoint", Step: 1, Steps: 2, Checkpoint: "ck"})
	q.logf("hello")
	if buf.Len() != 0 {
		t.Errorf("quiet progress wrote %q", buf.String())
	}
}

// TestTrainProgressBar checks the terminal bar: redrawn in place, fitted to
// the width by dropping the least useful fields, cleared for log lines.
func TestTrainProgressBar(t *testing.T) {
	ev := train.Progress{Event: "step", Step: 5, Steps: 10, Loss: 0.25, StepsPerSec: 1.5, ETA: 200 * time.Second,
		ValPSNR: 28.5, BicubicPSNR: 28.25}
	tests := []struct {
		width int
		want  string
	}{
		{200, "[=======>      ] step 5/10  loss 0.2500  1.50 steps/s  6.00 patches/s  ETA 3m20s  val 28.50 dB (+0.25)"},
		{100, "[=======>      ] step 5/10  loss 0.2500  1.50 steps/s  ETA 3m20s  val 28.50 dB (+0.25)"},
		{80, "[=======>      ] step 5/10  loss 0.2500  ETA 3m20s  val 28.50 dB (+0.25)"},
		{60, "[=======>      ] step 5/10  loss 0.2500  ETA 3m20s"},
		{20, "[=======>      ] step 5/10"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		p := newTrainProgress(&env{stderr: &buf, tty: true, width: tt.width}, false, 4)
		p.event(ev)
		if got, want := buf.String(), "\r"+tt.want+"\x1b[K"; got != want {
			t.Errorf("width %d: bar\n %q\nwant\n %q", tt.width, got, want)
		}
	}

	var buf bytes.Buffer
	p := newTrainProgress(&env{stderr: &buf, tty: true, width: 60}, false, 4)
	p.event(ev)
	buf.Reset()
	p.logf("note")
	if got := buf.String(); !strings.HasPrefix(got, "\r\x1b[Knote\n\r[") {
		t.Errorf("log line over the bar: %q", got)
	}
	buf.Reset()
	p.close()
	if got := buf.String(); got != "\r\x1b[K" {
		t.Errorf("close wrote %q", got)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"ck/x4":      "ck/x4",
		"my ckpt":    "'my ckpt'",
		"it's":       `'it'\''s'`,
		"":           "''",
		"/tmp/a-b_c": "/tmp/a-b_c",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
