package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srcascade/srcascade/internal/samefile"
	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
	"github.com/urfave/cli/v2"
)

// trainOptions is a parsed `srcascade train` command line.
type trainOptions struct {
	// Base is --stage base: a base stage generating images from noise,
	// trained on the class folders of Labelled (Data is unused).
	Base bool
	// Data says where the training pairs of a super-resolution stage come
	// from. Its Scale, Patch, Batch and Seed follow Config and Train;
	// StartBatch is the resumed step.
	Data train.DataOptions
	// Labelled says where a base stage's images come from (--data). Its
	// Size, Batch and Seed follow Train; StartBatch is the resumed step.
	Labelled train.LabelledOptions
	// Train are the optimisation settings (--steps, --batch, --set lr=...);
	// on --resume the checkpoint's, with the changes resolve allows.
	Train train.Options
	// Config is the network: sr3.DefaultConfig(scale), or for a base stage
	// sr3.DefaultBaseConfig(size, classes), with the model --set keys; on
	// --resume the checkpoint's. A base stage's class count is that of the
	// --data folder, known once resolve has read it (until then 1).
	Config    sr3.Config
	Backend   string // --backend spec, checked by checkBackend
	ValDir    string // --val: validation HR folder; "" = no validation
	ValImages int    // at most this many validation images; 0 = all
	Quiet     bool
	// Given lists the settings given explicitly, by flag or --set, in the
	// order given: on --resume each is checked against the checkpoint.
	Given []givenKey
	// ResumeStep is the checkpoint's step on --resume (set by resolve).
	ResumeStep int
}

// givenKey is a setting given on the command line: its qualified key
// ("model.base_channels", "train.lr") and how it was given ("--set lr",
// "--learning-rate").
type givenKey struct {
	Key, How string
}

// with shows the setting as given with value v: "--set lr=0.001", "--steps 10".
func (g givenKey) with(v any) string {
	if strings.HasPrefix(g.How, "--set ") {
		return g.How + "=" + formatValue(v)
	}
	return g.How + " " + formatValue(v)
}

// Flag categories of train's --help.
const (
	trainDataCategory = "Data"
	trainRunCategory  = "Training"
	trainCkptCategory = "Validation and checkpoints"
)

const (
	trainCommandName   = "train"
	defaultTrainScale  = 4
	defaultOutTemplate = "checkpoints/sr%d" // --out default, by scale
	defaultBaseSize    = 16
	defaultBaseOut     = "checkpoints/base%d" // --out default of --stage base, by size
	stageSR            = "sr"
	stageBase          = "base"
	defaultMemoryGiB   = float64(train.DefaultMemoryBudget) / (1 << 30)
	// trainLogInterval is the longest gap between step lines off a
	// terminal (validations and checkpoints get their own lines).
	trainLogInterval = 15 * time.Second
)

// trainFlagKeys maps the flags that set a train.Options or sr3.Config
// field to that field's qualified key.
var trainFlagKeys = []struct{ flag, key string }{
	{"scale", modelPrefix + "scale"},
	{"steps", trainPrefix + "steps"},
	{"batch", trainPrefix + "batch"},
	{"patch", trainPrefix + "patch"},
	{"learning-rate", trainPrefix + "lr"},
	{"warmup", trainPrefix + "warmup"},
	{"decay-from", trainPrefix + "decay_from"},
	{"every", trainPrefix + "every"},
	{"seed", trainPrefix + "seed"},
	{"cond-noise", trainPrefix + "cond_noise"},
	{"denoise", modelPrefix + "denoise"},
	{"init", trainPrefix + "init"},
	{"size", trainPrefix + "patch"},
}

// Flags of one stage kind only (see trainOptionsFrom).
var (
	srOnlyFlags   = []string{"hr", "lr", "degrade", "downscale-hr", "scale", "patch", "cond-noise", "denoise", "val", "val-images"}
	baseOnlyFlags = []string{"data", "size", "no-flip"}
)

// resumeChangeable are the settings a resumed run may change: how long it
// runs, its learning rate (fine-tuning a checkpoint at a lower rate), and
// how often and how it validates and saves.
var resumeChangeable = []string{
	trainPrefix + "steps", trainPrefix + "every", trainPrefix + "lr", trainPrefix + "decay_from",
	trainPrefix + "val_steps", trainPrefix + "val_sampler", trainPrefix + "val_strength",
}

const trainDescription = `Trains an SR3 super-resolution stage on high-resolution images (--hr), from
which the low-resolution inputs are made by the exact benchmark protocol
(MATLAB bicubic, rounded to 8 bits; --degrade adds blur, noise and JPEG for
real-world inputs, --degrade realesrgan Real-ESRGAN's second-order model), or on LR/HR pairs (--lr with --hr, matched by file name,
HR exactly scale times LR). Images are decoded once and kept in memory
(--memory); random crops, flips and 90-degree rotations are made in parallel
with the training step.

Every --every steps, and at the end, the EMA weights are validated (Y-PSNR on
--val, with the bicubic baseline) and a checkpoint is written atomically to
--out: the EMA weights and config (what upscale -m and eval -m read), the
full training state, train.json (settings and history) and curve.png (loss
and validation PSNR). Ctrl-C writes a checkpoint too (exit code 130); rerun the
same command with --resume to continue at the same step with the same
optimizer state (with a larger --steps to train longer).

--stage base trains the base stage of a cascade (CDM): a diffusion model that
generates --size x --size images (default 16) from noise, conditioned on a
class. --data DIR holds one sub-folder per class (the class names are the
sorted folder names, saved as classes.json in the checkpoint; a folder without
sub-folders trains an unconditional model). Each image is centre-cropped to a
square, shrunk to --size by MATLAB bicubic and mirrored at random (--no-flip:
never). The network is the default base network for --size (v prediction on
a cosine schedule; --set changes it as for a super-resolution stage), and
labels are dropped with probability label_dropout (default 0.1) to train
classifier-free guidance. Instead of --val, every checkpoint gets
samples.png, a sheet of samples per class from fixed noise (val_steps DDIM
steps, default 20), and the log gives their mean distance to the nearest
training image. -s, --hr, --lr, --patch, --degrade, --downscale-hr,
--cond-noise and --val are for super-resolution stages only.

--set KEY=VALUE (repeatable) sets any field of the model config or of the
training options by its JSON name, as saved in config.json and train.json:
  model: base_channels, channel_mults (a list: 1,2,2), res_blocks, attn_levels
    (a list; empty for none), dropout, group_norm_groups, noise_embed_scale,
    space_to_depth, residual, residual_scale, prediction, schedule,
    train_steps, loss (l1|l2), sampler, steps (sampling default), eta, strength;
    base stages: classes (0 = unconditional), guidance (sampling default)
  training: lr, warmup, decay_from, grad_clip, ema_decay, val_steps, val_sampler,
    val_strength, high_noise, batch, patch, every, seed, steps; base stages: label_dropout
"steps" is in both: say model.steps or train.steps. On --resume the model
config comes from the checkpoint and cannot change.

Examples:
  srcascade train --hr photos/ --val Set5/ -s 4 --out ckpt/x4
  srcascade train --hr photos/ --out ckpt/x4 --resume --steps 40000
  srcascade train --lr pairs/lr --hr pairs/hr -s 2 --out ckpt/x2 --degrade none
  srcascade train --hr photos/ --set base_channels=32 --set channel_mults=1,2 \
      --set attn_levels= --set ema_decay=0.9999 --patch 48 --out ckpt/small
  srcascade train --stage base --data emoji/ --size 16 --batch 32 --out ckpt/base16

Exit codes: 0 trained, 1 runtime error, 2 usage error (nothing done),
130 interrupted (checkpoint written; continue with --resume).`

// trainCommand is the `srcascade train` command.
func trainCommand(set func(command)) *cli.Command {
	d := train.DefaultOptions()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "hr", Category: trainDataCategory,
			Usage: "`DIR` of high-resolution training images (searched recursively)"},
		&cli.StringFlag{Name: "data", Category: trainDataCategory,
			Usage: "--stage base: `DIR` with one sub-folder of images per class (searched recursively)"},
		&cli.BoolFlag{Name: "no-flip", Category: trainDataCategory, DisableDefaultText: true,
			Usage: "--stage base: do not mirror images left-right at random"},
		&cli.StringFlag{Name: "lr", Category: trainDataCategory,
			Usage: "`DIR` of the matching low-resolution images (optional; default: made from --hr by bicubic)"},
		&cli.StringFlag{Name: "degrade", Value: "none", Category: trainDataCategory,
			Usage: "degradations of the made LR inputs: none, realworld, realesrgan (Real-ESRGAN's second-order model), or `SPEC` such as blur=0.5@0.2-2,noise=0.5@1-15,jpeg=0.3@40-95 (KIND=PROB@MIN-MAX); add ,deblock to deblock the JPEG-compressed inputs as upscale does (--deblock), ,prefilter to DCT-denoise the noisy and deblocked inputs as upscale's BM3D does (--prefilter, at the drawn noise sigma), and with --denoise ,overstate=PROB@MIN-MAX to raise an input's denoise level above its damage"},
		&cli.Float64Flag{Name: "downscale-hr", Value: train.DefaultDownscaleHR, Category: trainDataCategory,
			Usage: "shrink JPEG/lossy WebP HR images by `FACTOR` before cropping (hides compression artefacts); 1 = off"},
		&cli.Float64Flag{Name: "memory", Value: defaultMemoryGiB, Category: trainDataCategory,
			Usage: "`GIB` of memory for the decoded images; larger images are shrunk to fit"},
		&cli.IntFlag{Name: "workers", Category: trainDataCategory,
			Usage: "`N` goroutines decoding images and making batches (0 = one per CPU)"},

		&cli.StringFlag{Name: "stage", Value: stageSR, Category: trainRunCategory,
			Usage: "`KIND` of stage: sr (super-resolution) or base (generates images from noise, per class)"},
		&cli.IntFlag{Name: "size", Value: defaultBaseSize, Category: trainRunCategory,
			Usage: "--stage base: side in pixels of the generated images, `SIZE` x SIZE"},
		&cli.IntFlag{Name: "scale", Aliases: []string{"s"}, Value: defaultTrainScale, Category: trainRunCategory,
			Usage: "super-resolution `FACTOR`: 2, 4 or 8"},
		&cli.IntFlag{Name: "steps", Value: d.Steps, Category: trainRunCategory,
			Usage: "total optimisation `STEPS` (on --resume, raise it to train longer)"},
		&cli.IntFlag{Name: "batch", Value: d.Batch, Category: trainRunCategory, Usage: "`N` patches (images for --stage base) per step"},
		&cli.IntFlag{Name: "patch", Value: d.Patch, Category: trainRunCategory,
			Usage: "HR crop `SIZE` in pixels; a multiple of what the network needs (16 for the default x4 model)"},
		&cli.Float64Flag{Name: "learning-rate", Value: d.LR, Category: trainRunCategory,
			Usage: "peak Adam learning `RATE` (--lr is the LR folder)"},
		&cli.IntFlag{Name: "warmup", Value: d.Warmup, Category: trainRunCategory,
			Usage: "`STEPS` of linear learning-rate warm-up"},
		&cli.IntFlag{Name: "decay-from", Category: trainRunCategory,
			Usage: "from `STEP` on, the learning rate falls along a cosine to zero at --steps (0 = constant; on --resume it may be set or moved)"},
		&cli.Int64Flag{Name: "seed", Value: d.Seed, Category: trainRunCategory,
			Usage: "`SEED` of the initial weights, crops and noise: the same seed and data give the same run"},
		&cli.Float64Flag{Name: "cond-noise", Category: trainRunCategory,
			Usage: "CDM conditioning augmentation: half the LR inputs get Gaussian noise of a level uniform in [0, `MAX`] ([-1,1] units; 0.1-0.2 for a later cascade stage), and the network takes the level (0 = off)"},
		&cli.BoolFlag{Name: "denoise", Category: trainRunCategory, DisableDefaultText: true,
			Usage: "give the network a denoise control: it takes each input's degradation strength (0 clean .. 1 heavily damaged, from --degrade) as a level, which `srcascade upscale --denoise` sets"},
		&cli.StringFlag{Name: "init", Category: trainRunCategory,
			Usage: "warm start: begin from the weights of `MODEL` (a built-in name such as sr3-x4, or a model folder), with its architecture and a fresh optimizer"},
		&cli.GenericFlag{Name: "set", Value: &setList{}, Category: trainRunCategory,
			Usage: "set a model or training setting by its JSON name, `KEY=VALUE` (repeatable; see above)"},
		&cli.StringFlag{Name: "backend", Category: trainRunCategory,
			Usage: "compute `BACKEND`: go, xla:cpu, xla:cuda or a PJRT plugin .so path (default: $GOMLX_BACKEND, else XLA if installed, else go)"},

		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Category: trainCkptCategory,
			Usage: "checkpoint `DIR` (default: checkpoints/srSCALE, checkpoints/baseSIZE for --stage base)"},
		&cli.BoolFlag{Name: "resume", Category: trainCkptCategory, DisableDefaultText: true,
			Usage: "continue the checkpoint in --out at its step, with its optimizer state and settings"},
		&cli.IntFlag{Name: "every", Value: d.Every, Category: trainCkptCategory,
			Usage: "validate and write a checkpoint every `N` steps (0 = only at the end)"},
		&cli.StringFlag{Name: "val", Category: trainCkptCategory,
			Usage: "`DIR` of HR validation images: Y-PSNR against bicubic at each checkpoint"},
		&cli.IntFlag{Name: "val-images", Category: trainCkptCategory,
			Usage: "validate on the first `N` images of --val (0 = all)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Category: trainCkptCategory, DisableDefaultText: true,
			Usage: "no progress output; errors and the final summary are still printed"},
	}
	return &cli.Command{
		Name:        trainCommandName,
		Usage:       "train a super-resolution model (or a cascade's base stage) on image folders",
		UsageText:   "srcascade train --hr DIR [--lr DIR] [options]\nsrcascade train --stage base --data DIR [--size N] [options]",
		Description: trainDescription,
		Flags:       flags,
		Action:      setOptions(set, trainOptionsFrom),
	}
}

// trainOptionsFrom reads and checks the flags of train. Checks that need
// the model config wait for resolve on --resume (the config is the
// checkpoint's).
func trainOptionsFrom(c *cli.Context) (*trainOptions, error) {
	const cmd = trainCommandName
	if c.Args().Present() {
		return nil, usagef(cmd, "unexpected argument %q: train takes folders as --hr DIR (and --lr DIR)", c.Args().First())
	}
	switch stage := c.String("stage"); stage {
	case stageBase:
		for _, f := range srOnlyFlags {
			if c.IsSet(f) {
				return nil, usagef(cmd, "%s is for super-resolution stages, not --stage base (a base stage reads its images with --data DIR and has no --val)", flagName(f))
			}
		}
		return baseOptionsFrom(c)
	case stageSR:
		for _, f := range baseOnlyFlags {
			if c.IsSet(f) {
				return nil, usagef(cmd, "%s is for --stage base; a super-resolution stage reads --hr DIR", flagName(f))
			}
		}
	default:
		return nil, usagef(cmd, "--stage %q: want sr (super-resolution) or base", stage)
	}
	scale := c.Int("scale")
	o := &trainOptions{
		Backend:   c.String("backend"),
		ValDir:    c.String("val"),
		ValImages: c.Int("val-images"),
		Quiet:     c.Bool("quiet"),
		Config:    sr3.DefaultConfig(scale),
		Train:     train.DefaultOptions(),
	}
	readRunFlags(c, &o.Train)
	o.Train.Patch = c.Int("patch")
	o.Train.CondNoise = c.Float64("cond-noise")
	if name := c.String("init"); name != "" && o.Train.Resume {
		// The same command with --resume: the checkpoint, started from
		// name (checked against its train.json), supersedes the weights.
		o.Train.Init = name
	} else if name != "" {
		cfg, weights, err := pretrained.ReadWeights(name)
		if err != nil {
			return nil, fmt.Errorf("--init: %w", err)
		}
		if c.IsSet("scale") && cfg.Scale != scale {
			return nil, usagef(cmd, "--init %s is a x%d model, -s/--scale asks for x%d", name, cfg.Scale, scale)
		}
		scale = cfg.Scale
		o.Config = cfg
		o.Train.Init, o.Train.InitWeights = name, weights
	}
	o.Config.CondAug = o.Config.CondAug || o.Train.CondNoise > 0
	if c.Bool("denoise") {
		o.Config.CondAug, o.Config.Denoise = true, true
	}
	if o.Train.Out == "" {
		o.Train.Out = fmt.Sprintf(defaultOutTemplate, scale)
	}
	o.Data = train.DataOptions{
		HRDir:        c.String("hr"),
		LRDir:        c.String("lr"),
		MemoryBudget: int64(c.Float64("memory") * (1 << 30)),
		DownscaleHR:  c.Float64("downscale-hr"),
		Workers:      c.Int("workers"),
	}

	switch {
	case o.Data.HRDir == "" && o.Data.LRDir != "":
		return nil, usagef(cmd, "--lr %s needs --hr: give the matching high-resolution folder too (pairs are matched by file name)", o.Data.LRDir)
	case o.Data.HRDir == "":
		return nil, usagef(cmd, "no --hr DIR given: name the folder of high-resolution training images")
	case !slices.Contains([]int{2, 4, 8}, scale):
		return nil, usagef(cmd, "-s/--scale %d: the scale must be 2, 4 or 8", scale)
	case o.Train.Patch < 1:
		return nil, usagef(cmd, "--patch %d: must be a positive size in pixels", o.Train.Patch)
	}
	if err := checkRunFlags(c, o.Train); err != nil {
		return nil, err
	}
	switch {
	case !(o.Data.DownscaleHR >= 1):
		return nil, usagef(cmd, "--downscale-hr %g: must be at least 1 (1 = off)", o.Data.DownscaleHR)
	case !(o.Train.CondNoise >= 0 && o.Train.CondNoise <= 1):
		return nil, usagef(cmd, "--cond-noise %g: must be 0 (off) or a level up to 1", o.Train.CondNoise)
	case o.ValImages < 0:
		return nil, usagef(cmd, "--val-images %d: must be 0 (all) or more", o.ValImages)
	case o.ValImages > 0 && o.ValDir == "":
		return nil, usagef(cmd, "--val-images needs --val DIR")
	}
	var err error
	if o.Data.Degrade, err = train.ParseDegrade(c.String("degrade")); err != nil {
		return nil, usagef(cmd, "--degrade: %v", err)
	}
	if o.Data.LRDir != "" && o.Data.Degrade.Enabled() {
		return nil, usagef(cmd, "--degrade %s applies to LR inputs made from --hr; it cannot be used with --lr", c.String("degrade"))
	}
	if err := checkBackend(o.Backend); err != nil {
		return nil, usagef(cmd, "--backend %q: %v", o.Backend, err)
	}

	if err := o.applyGiven(c); err != nil {
		return nil, err
	}
	if !o.Train.Resume {
		if err := o.check(); err != nil {
			return nil, err
		}
	}
	o.syncData()
	return o, nil
}

// flagName writes a flag as users type it: --hr, -s/--scale.
func flagName(f string) string {
	if f == "scale" {
		return "-s/--scale"
	}
	return "--" + f
}

// applyGiven records the settings given by flag (trainFlagKeys) and
// applies the --set ones, in order, to the config and options.
func (o *trainOptions) applyGiven(c *cli.Context) error {
	const cmd = trainCommandName
	for _, f := range trainFlagKeys {
		if c.IsSet(f.flag) {
			o.Given = append(o.Given, givenKey{Key: f.key, How: flagName(f.flag)})
		}
	}
	sets, _ := c.Generic("set").(*setList)
	if sets == nil {
		return nil
	}
	keys, err := applySettings(&o.Config, &o.Train, sets.items)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	for _, k := range keys {
		if i := slices.IndexFunc(o.Given, func(g givenKey) bool { return g.Key == k }); i >= 0 {
			return usagef(cmd, "%s and --set %s both given: give one", o.Given[i].How, k[strings.IndexByte(k, '.')+1:])
		}
		o.Given = append(o.Given, givenKey{Key: k, How: "--set " + k[strings.IndexByte(k, '.')+1:]})
	}
	return nil
}

// given reports whether the setting with qualified key was given.
func (o *trainOptions) given(key string) bool {
	return slices.ContainsFunc(o.Given, func(g givenKey) bool { return g.Key == key })
}

// syncData copies the settings the data source shares with the model and
// the training options.
func (o *trainOptions) syncData() {
	if o.Base {
		o.Labelled.Size = o.Train.Patch
		o.Labelled.Batch = o.Train.Batch
		o.Labelled.Seed = o.Train.Seed
		return
	}
	o.Data.Scale = o.Config.Scale
	o.Data.Patch = o.Train.Patch
	o.Data.Batch = o.Train.Batch
	o.Data.Seed = o.Train.Seed
	o.Data.CondNoiseMax = o.Train.CondNoise
}

// check validates the model config and training options together.
func (o *trainOptions) check() error {
	const cmd = trainCommandName
	if o.Base {
		return o.checkBase()
	}
	if err := o.Config.Validate(); err != nil {
		if o.Train.Resume {
			return fmt.Errorf("--resume: the model config of the checkpoint in %s: %w", o.Train.Out, err)
		}
		return usagef(cmd, "model config (--set): %v", err)
	}
	if err := o.Train.Validate(); err != nil {
		if o.Train.Resume {
			return usagef(cmd, "--resume: the training options (from the checkpoint in %s, --steps, --every, --decay-from, --set): %v", o.Train.Out, err)
		}
		return usagef(cmd, "training options (--set): %v", err)
	}
	switch {
	case o.Train.CondNoise > 0 && !o.Config.CondAug:
		return usagef(cmd, "--cond-noise %g needs a network that takes the level: drop --set cond_aug=false", o.Train.CondNoise)
	case o.Config.Denoise && o.Train.CondNoise > 0:
		return usagef(cmd, "--denoise and --cond-noise %g both use the network's conditioning level: give one", o.Train.CondNoise)
	case o.Config.Denoise && !o.Data.Degrade.Enabled():
		return usagef(cmd, "--denoise needs --degrade (for example --degrade realesrgan): the denoise level is each input's degradation strength, and clean inputs all have 0")
	case o.Data.Degrade.Overstate.Prob > 0 && !o.Config.Denoise:
		return usagef(cmd, "--degrade %s: overstate raises the denoise level, which only a network trained with --denoise takes", o.Data.Degrade)
	case o.Config.CondAug && o.Train.CondNoise == 0 && !o.Config.Denoise:
		return usagef(cmd, "cond_aug is set but no --cond-noise MAX is given: the network would never see a noisy input")
	}
	if m, why := patchMultiple(o.Config); o.Train.Patch%m != 0 {
		try := fmt.Sprintf("%d", (o.Train.Patch/m+1)*m)
		if lo := o.Train.Patch / m * m; lo > 0 {
			try = fmt.Sprintf("%d or %s", lo, try)
		}
		return usagef(cmd, "--patch %d: must be a multiple of %d for this x%d network, because %s; try %s",
			o.Train.Patch, m, o.Config.Scale, why, try)
	}
	if err := train.CheckMemory(o.Config, o.Train, 0); err != nil {
		return usagef(cmd, "%v", err)
	}
	return nil
}

// patchMultiple is the number HR patch sides must be a multiple of for
// cfg, and why.
func patchMultiple(cfg sr3.Config) (int, string) {
	m := cfg.SizeMultiple()
	for m%cfg.Scale != 0 {
		m += cfg.SizeMultiple()
	}
	var why []string
	if n := cfg.Levels() - 1; n > 0 {
		why = append(why, fmt.Sprintf("the UNet halves it %d times (channel_mults has %d levels)", n, cfg.Levels()))
	}
	if cfg.SpaceToDepth {
		why = append(why, fmt.Sprintf("runs at LR resolution (space_to_depth: 1/%d of the HR side)", cfg.Scale))
	} else {
		why = append(why, fmt.Sprintf("the LR crop is 1/%d of it", cfg.Scale))
	}
	return m, strings.Join(why, " and ")
}

// isFile reports whether path exists and is not a folder.
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// resolve settles what the checkpoint folder implies: a fresh run refuses
// a folder that holds a checkpoint; a resumed run takes the checkpoint's
// config and options, applying only the changes resumeChangeable allows.
// Its errors are usage errors, except an unreadable checkpoint.
func (o *trainOptions) resolve() error {
	const cmd = trainCommandName
	out := o.Train.Out
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return usagef(cmd, "--out %s is a file, not a folder", out)
	}
	for _, f := range o.inputFolders() {
		if samefile.Within(out, f.dir) {
			return usagef(cmd, "--out %s is inside the %s folder %s: the checkpoint's files (%s, %s) would be read as training images "+
				"and could replace images there; choose a folder outside it", out, f.flag, f.dir, train.CurveFile, train.SamplesFile)
		}
	}
	if !o.Train.Resume {
		// Only a folder with the training state can be resumed: one with
		// weights or train.json but no state (a shipped model's folder) is
		// refused without pointing at --resume.
		switch {
		case train.HasCheckpoint(out):
			what := "a training checkpoint"
			if info, err := train.ReadCheckpoint(out); err == nil {
				what = fmt.Sprintf("a %s training checkpoint at step %d of %d", stageName(info.Config, info.Options), info.Step, info.Options.Steps)
			}
			return usagef(cmd, "--out %s already holds %s: pass --resume to continue it (with --steps N to train longer), or choose another --out folder",
				out, what)
		case isFile(filepath.Join(out, sr3.WeightsFile)):
			return usagef(cmd, "--out %s already holds a model (%s) without a training state (%s) to resume; choose another --out folder",
				out, sr3.WeightsFile, train.StateFile)
		case isFile(filepath.Join(out, train.InfoFile)):
			return usagef(cmd, "--out %s already holds an earlier run's %s without a training state (%s) to resume; choose another --out folder",
				out, train.InfoFile, train.StateFile)
		}
		if o.Base {
			return o.resolveClasses()
		}
		return nil
	}
	if _, err := os.Stat(out); errors.Is(err, fs.ErrNotExist) {
		return usagef(cmd, "--resume: %s does not exist; start without --resume to train a new model there", out)
	}
	if !train.HasCheckpoint(out) {
		if isFile(filepath.Join(out, sr3.WeightsFile)) {
			return usagef(cmd, "--resume: %s holds a model (%s) but not its training state (%s: shipped models leave it out, "+
				"and so does srcascade models compact), so there is no run to continue; start a new run from its weights with --init %s and another --out folder",
				out, sr3.WeightsFile, train.StateFile, out)
		}
		if isFile(filepath.Join(out, train.InfoFile)) {
			return usagef(cmd, "--resume: %s holds an earlier run's %s but not its training state (%s), so there is no run to continue; "+
				"start a new run with another --out folder", out, train.InfoFile, train.StateFile)
		}
		return usagef(cmd, "--resume: %s holds no training checkpoint (no %s); start without --resume to train a new model there",
			out, train.StateFile)
	}
	info, err := train.ReadCheckpoint(out)
	if err != nil {
		return fmt.Errorf("--resume: %w", err)
	}
	if info.Config.Base != o.Base {
		fix := "drop --stage base and give its --hr folder"
		if info.Config.Base {
			fix = "add --stage base and give its --data folder"
		}
		return usagef(cmd, "--resume: the checkpoint in %s is a %s stage; %s", out, stageName(info.Config, info.Options), fix)
	}
	opts := info.Options
	opts.Out, opts.Resume, opts.Backend = out, true, nil
	for _, g := range o.Given {
		if name, ok := strings.CutPrefix(g.Key, modelPrefix); ok {
			want, have := fieldValue(&o.Config, name), fieldValue(&info.Config, name)
			if !sameValue(want, have) {
				return usagef(cmd, "%s: the checkpoint in %s has %s=%s, and a resumed run keeps its model config; "+
					"drop the flag, or choose another --out to train a different network",
					g.with(want), out, name, formatValue(have))
			}
			continue
		}
		name := strings.TrimPrefix(g.Key, trainPrefix)
		want, have := fieldValue(&o.Train, name), fieldValue(&opts, name)
		if sameValue(want, have) {
			continue
		}
		if !slices.Contains(resumeChangeable, g.Key) {
			return usagef(cmd, "%s: the checkpoint in %s was trained with %s=%s, and a resumed run keeps it "+
				"(only steps, lr, every and val_* may change); drop the flag, or choose another --out to start over",
				g.with(want), out, name, formatValue(have))
		}
		f, _ := jsonField(&opts, name)
		f.Set(reflect.ValueOf(want))
	}
	if opts.Steps <= info.Step {
		return usagef(cmd, "--resume: the checkpoint in %s is already at step %d of %d; pass --steps above %d to train further",
			out, info.Step, opts.Steps, info.Step)
	}
	o.Config, o.Train, o.ResumeStep = info.Config, opts, info.Step
	o.Data.StartBatch = int64(info.Step)
	o.Labelled.StartBatch = int64(info.Step)
	if o.Base {
		if err := o.checkResumedClasses(); err != nil {
			return err
		}
	}
	if err := o.check(); err != nil {
		return err
	}
	o.syncData()
	return nil
}

// checkFolder checks that a folder flag names a folder.
func checkFolder(flag, dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, isNumber := strconv.ParseFloat(dir, 64); flag == "--lr" && isNumber == nil {
			return usagef(trainCommandName, "--lr %s: no such folder (--lr is the folder of low-resolution images; the learning rate is --learning-rate)", dir)
		}
		return usagef(trainCommandName, "%s %s: no such folder", flag, dir)
	case err != nil:
		return usagef(trainCommandName, "%s %s: %v", flag, dir, err)
	case !st.IsDir():
		return usagef(trainCommandName, "%s %s: not a folder", flag, dir)
	}
	return nil
}

// inputFolder is a folder train reads images from, with its flag.
type inputFolder struct{ flag, dir string }

// inputFolders are the folders given to --hr, --lr, --val and --data.
func (o *trainOptions) inputFolders() []inputFolder {
	var out []inputFolder
	for _, f := range []inputFolder{{"--hr", o.Data.HRDir}, {"--lr", o.Data.LRDir}, {"--val", o.ValDir}, {"--data", o.Labelled.Dir}} {
		if f.dir != "" {
			out = append(out, f)
		}
	}
	return out
}

// run trains: resolve the checkpoint folder, open the backend, load the
// validation and training images, run the loop, report.
func (o *trainOptions) run(ctx context.Context, e *env) error {
	if err := o.resolve(); err != nil {
		return err
	}
	for _, f := range o.inputFolders() {
		if err := checkFolder(f.flag, f.dir); err != nil {
			return err
		}
	}
	backend, err := sr3.NewBackend(o.Backend)
	if err != nil {
		return fmt.Errorf("--backend: %w", err)
	}
	o.Train.Backend = backend
	rep := newTrainProgress(e, o.Quiet, o.Train.Batch)
	rep.out = o.Train.Out
	defer rep.close()
	backendName := o.Backend
	if backendName == "" {
		backendName = backend.Name() + " (automatic)"
	}
	o.logSettings(rep, backendName)

	var val []train.ValPair
	if o.ValDir != "" {
		if val, err = train.LoadValidation(o.ValDir, o.Config.Scale, o.ValImages); err != nil {
			return err
		}
		rep.logf("validation: %d images from %s", len(val), o.ValDir)
	}
	var src train.Source
	logData := func(s string) { rep.logf("%s", s) }
	if o.Base {
		src, err = train.NewLabelledSource(ctx, o.Labelled, logData)
	} else {
		src, err = train.NewSource(ctx, o.Data, logData)
	}
	if err != nil {
		if ctx.Err() != nil {
			rep.close()
			fmt.Fprintln(e.stderr, "srcascade: interrupted while loading the training images; nothing was trained")
			return errInterruptedReported
		}
		return err
	}
	defer src.Close()

	start := time.Now()
	err = train.Run(ctx, o.Train, o.Config, src, val, rep.event)
	rep.close()
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			o.reportInterrupt(e, rep, err)
			return errInterruptedReported
		}
		return err
	}
	o.reportDone(e, rep, time.Since(start))
	return nil
}

// logSettings prints what is about to be trained.
func (o *trainOptions) logSettings(rep *trainProgress, backend string) {
	c, t := o.Config, o.Train
	if o.ResumeStep > 0 || t.Resume {
		rep.logf("resuming %s at step %d of %d", t.Out, o.ResumeStep, t.Steps)
	}
	attn := "none"
	if len(c.AttnLevels) > 0 {
		attn = joinInts(c.AttnLevels, ",")
	}
	if o.Base {
		o.logBaseSettings(rep, backend, attn)
		return
	}
	rep.logf("model: x%d, base_channels=%d channel_mults=%s res_blocks=%d attn_levels=%s space_to_depth=%t residual=%t prediction=%s loss=%s",
		c.Scale, c.BaseChannels, joinInts(c.ChannelMults, ","), c.ResBlocks, attn, c.SpaceToDepth, c.Residual, c.Prediction, c.Loss)
	every := "at the end"
	if t.Every > 0 {
		every = fmt.Sprintf("every %d steps and at the end", t.Every)
	}
	decay := ""
	if t.DecayFrom > 0 {
		decay = fmt.Sprintf(", cosine decay to 0 from step %d", t.DecayFrom)
	}
	levels := ""
	if t.HighNoise > 0 {
		levels = fmt.Sprintf(", %g of the noise levels from the schedule's noisiest tenth", t.HighNoise)
	}
	rep.logf("training: %d steps of %d %dx%d patches, learning rate %g (warm-up %d%s), grad clip %g, EMA %g%s, seed %d, backend %s; checkpoints in %s %s",
		t.Steps, t.Batch, t.Patch, t.Patch, t.LR, t.Warmup, decay, t.GradClip, t.EMADecay, levels, t.Seed, backend, t.Out, every)
	if o.Data.Degrade.Enabled() {
		rep.logf("degradations of the LR inputs: %s", o.Data.Degrade)
	}
}

// reportInterrupt says where an interrupted run stopped and how to go on.
func (o *trainOptions) reportInterrupt(e *env, rep *trainProgress, err error) {
	step, ckpt := rep.lastStep(), rep.lastCheckpoint()
	switch {
	case ckpt >= 0 && ckpt >= step:
		fmt.Fprintf(e.stderr, "srcascade: stopped at step %d of %d; checkpoint saved in %s. To continue, rerun the same command with --resume.\n",
			ckpt, o.Train.Steps, o.Train.Out)
	case ckpt >= 0:
		fmt.Fprintf(e.stderr, "srcascade: %v\n", err)
		fmt.Fprintf(e.stderr, "srcascade: stopped at step %d of %d; the last checkpoint (step %d) is in %s. To continue from it, rerun the same command with --resume.\n",
			step, o.Train.Steps, ckpt, o.Train.Out)
	default:
		fmt.Fprintf(e.stderr, "srcascade: %v\n", err)
		fmt.Fprintf(e.stderr, "srcascade: stopped at step %d of %d before any checkpoint was written.\n", step, o.Train.Steps)
	}
}

// reportDone prints, on stdout, where the model is and how to use it.
func (o *trainOptions) reportDone(e *env, rep *trainProgress, elapsed time.Duration) {
	out, s := o.Train.Out, o.Config.Scale
	w := e.stdout
	done := rep.lastStep()
	if done < 0 {
		done = o.ResumeStep
	}
	n := done - o.ResumeStep
	if o.Base {
		o.reportBaseDone(e, rep, done, n, elapsed)
		return
	}
	fmt.Fprintf(w, "trained x%d to step %d of %d (%d %s in %s)\n", s, done, o.Train.Steps, n, plural(n, "step", "steps"), formatElapsed(elapsed))
	fmt.Fprintf(w, "checkpoint: %s (EMA weights %s, config %s, training state %s)\n", out, sr3.WeightsFile, sr3.ConfigFile, train.StateFile)
	fmt.Fprintf(w, "curve:      %s\n", filepath.Join(out, train.CurveFile))
	if v := rep.validation(); v != "" {
		fmt.Fprintf(w, "validation: Y-PSNR %s\n", v)
	}
	q := shellQuote(out)
	fmt.Fprintf(w, "use it:\n  srcascade upscale -m %s -s %d photo.png\n  srcascade eval -m %s -s %d HR_FOLDER/\n", q, s, q, s)
	fmt.Fprintf(w, "train longer: rerun the same command with --resume --steps %d\n", 2*o.Train.Steps)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// formatElapsed writes a duration as formatDuration does, with tenths of a
// second under a minute (short runs would all read "0s").
func formatElapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return formatDuration(d)
}

// readRunFlags reads the flags both stages share into opt: length, batch,
// learning rate and warm-up, checkpoints, seed, resume and the folder.
func readRunFlags(c *cli.Context, opt *train.Options) {
	opt.Steps = c.Int("steps")
	opt.Batch = c.Int("batch")
	opt.LR = c.Float64("learning-rate")
	opt.Warmup = c.Int("warmup")
	opt.DecayFrom = c.Int("decay-from")
	opt.Every = c.Int("every")
	opt.Seed = c.Int64("seed")
	opt.Resume = c.Bool("resume")
	opt.Out = c.String("out")
}

// checkRunFlags checks the flags readRunFlags read, and --memory and
// --workers, which both stages' data sources take.
func checkRunFlags(c *cli.Context, opt train.Options) error {
	const cmd = trainCommandName
	switch {
	case opt.Steps < 1:
		return usagef(cmd, "--steps %d: must be at least 1", opt.Steps)
	case opt.Batch < 1:
		return usagef(cmd, "--batch %d: must be at least 1", opt.Batch)
	case !(opt.LR > 0):
		return usagef(cmd, "--learning-rate %g: must be positive", opt.LR)
	case opt.Warmup < 0:
		return usagef(cmd, "--warmup %d: must be 0 or more steps", opt.Warmup)
	case opt.DecayFrom < 0:
		return usagef(cmd, "--decay-from %d: must be 0 (no decay) or a step", opt.DecayFrom)
	case opt.Every < 0:
		return usagef(cmd, "--every %d: must be 0 (only at the end) or a period in steps", opt.Every)
	case strings.TrimSpace(opt.Out) == "":
		return usagef(cmd, "--out: empty folder name")
	case !(c.Float64("memory") > 0):
		return usagef(cmd, "--memory %g: must be a positive number of GiB", c.Float64("memory"))
	case c.Int("workers") < 0:
		return usagef(cmd, "--workers %d: must be 0 (one per CPU) or more", c.Int("workers"))
	}
	return nil
}
