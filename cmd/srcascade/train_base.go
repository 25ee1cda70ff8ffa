package main

// `srcascade train --stage base`: the base stage of a cascade, trained on
// class folders (see trainDescription).

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
	"github.com/urfave/cli/v2"
)

// minBaseSize is the smallest --size: the default base network halves the
// image down to 4x4.
const minBaseSize = 4

// baseOptionsFrom reads the flags of `train --stage base` (the SR-only
// flags were refused by trainOptionsFrom). The class count is a placeholder
// (1) until resolve reads the --data folder.
func baseOptionsFrom(c *cli.Context) (*trainOptions, error) {
	const cmd = trainCommandName
	size := c.Int("size")
	o := &trainOptions{
		Base:    true,
		Backend: c.String("backend"),
		Quiet:   c.Bool("quiet"),
		Config:  sr3.DefaultBaseConfig(size, 1),
		Train:   train.DefaultBaseOptions(size),
	}
	readRunFlags(c, &o.Train)
	if o.Train.Out == "" {
		o.Train.Out = fmt.Sprintf(defaultBaseOut, size)
	}
	o.Labelled = train.LabelledOptions{
		Dir:          c.String("data"),
		NoFlip:       c.Bool("no-flip"),
		MemoryBudget: int64(c.Float64("memory") * (1 << 30)),
		Workers:      c.Int("workers"),
	}
	switch {
	case o.Labelled.Dir == "":
		return nil, usagef(cmd, "no --data DIR given: name the folder of training images for --stage base (one sub-folder per class)")
	case size < minBaseSize:
		return nil, usagef(cmd, "--size %d: a base stage generates images of at least %dx%d", size, minBaseSize, minBaseSize)
	}
	if err := checkRunFlags(c, o.Train); err != nil {
		return nil, err
	}
	if err := checkBackend(o.Backend); err != nil {
		return nil, usagef(cmd, "--backend %q: %v", o.Backend, err)
	}
	if err := o.applyGiven(c); err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(o.Given, func(g givenKey) bool { return g.Key == trainPrefix+"patch" }); i >= 0 && o.Given[i].How != "--size" {
		return nil, usagef(cmd, "%s: a base stage's image side is --size", o.Given[i].How)
	}
	o.baseDefaults(1)
	if !o.Train.Resume {
		if err := o.check(); err != nil {
			return nil, err
		}
	}
	o.syncData()
	return o, nil
}

// baseDefaults sets the class count, unless --set classes gave one, and
// the guidance default for it (sr3.DefaultBaseConfig's), unless --set
// guidance gave one.
func (o *trainOptions) baseDefaults(classes int) {
	if !o.given(modelPrefix + "classes") {
		o.Config.Classes = classes
	}
	if !o.given(modelPrefix + "guidance") {
		o.Config.Guidance = sr3.DefaultBaseConfig(o.Train.Patch, o.Config.Classes).Guidance
	}
}

// checkBase is check for a base stage.
func (o *trainOptions) checkBase() error {
	const cmd = trainCommandName
	if err := o.Config.Validate(); err != nil {
		if o.Train.Resume {
			return fmt.Errorf("--resume: the model config of the checkpoint in %s: %w", o.Train.Out, err)
		}
		return usagef(cmd, "model config (--set): %v", err)
	}
	if !o.Config.Base {
		return usagef(cmd, "--set base=false: --stage base trains a base model")
	}
	if err := o.Train.Validate(); err != nil {
		if o.Train.Resume {
			return usagef(cmd, "--resume: the training options (from the checkpoint in %s, --steps, --every, --set): %v", o.Train.Out, err)
		}
		return usagef(cmd, "training options (--set): %v", err)
	}
	if o.Train.CondNoise > 0 {
		return usagef(cmd, "--set cond_noise=%g: conditioning augmentation is for super-resolution stages (a base stage has no input image)", o.Train.CondNoise)
	}
	if m := o.Config.SizeMultiple(); o.Train.Patch%m != 0 {
		return usagef(cmd, "--size %d: must be a multiple of %d for this network, because the UNet halves it %d times (channel_mults has %d levels)",
			o.Train.Patch, m, o.Config.Levels()-1, o.Config.Levels())
	}
	if err := train.CheckMemory(o.Config, o.Train, 0); err != nil {
		return usagef(cmd, "%v", err)
	}
	return nil
}

// resolveClasses reads the class folders of --data for a fresh base run:
// the class count (unless --set classes=0 asks for an unconditional
// model), the guidance default and the class names the checkpoint keeps.
func (o *trainOptions) resolveClasses() error {
	const cmd = trainCommandName
	if err := checkFolder("--data", o.Labelled.Dir); err != nil {
		return err
	}
	names, err := train.ScanClasses(o.Labelled.Dir)
	if err != nil {
		return usagef(cmd, "--data %s: %v", o.Labelled.Dir, err)
	}
	if k := o.Config.Classes; o.given(modelPrefix+"classes") && k != 0 && k != len(names) {
		return usagef(cmd, "--set classes=%d: --data %s has %d class folders %s; classes is their number, or 0 for an unconditional model",
			k, o.Labelled.Dir, len(names), train.QuoteNames(names))
	}
	o.baseDefaults(len(names))
	o.Train.Classes = nil
	if o.Config.Classes > 0 {
		o.Train.Classes = names
	}
	if err := o.check(); err != nil {
		return err
	}
	o.syncData()
	return nil
}

// checkResumedClasses checks, on --resume of a base stage, that --data
// holds the classes the checkpoint was trained on.
func (o *trainOptions) checkResumedClasses() error {
	const cmd = trainCommandName
	if err := checkFolder("--data", o.Labelled.Dir); err != nil {
		return err
	}
	if o.Config.Classes == 0 {
		return nil
	}
	names, err := train.ScanClasses(o.Labelled.Dir)
	if err != nil {
		return usagef(cmd, "--data %s: %v", o.Labelled.Dir, err)
	}
	if want := o.Train.Classes; !slices.Equal(names, want) {
		return usagef(cmd, "--resume: the checkpoint in %s was trained on the classes %s, --data %s has %s; give the same --data folder",
			o.Train.Out, train.QuoteNames(want), o.Labelled.Dir, train.QuoteNames(names))
	}
	return nil
}

// stageName describes the stage of a checkpoint: "x4", "base 16x16".
func stageName(cfg sr3.Config, opt train.Options) string {
	if cfg.Base {
		return fmt.Sprintf("base %dx%d", opt.Patch, opt.Patch)
	}
	return fmt.Sprintf("x%d", cfg.Scale)
}

// classesText describes a base model's classes: "9 classes (a, b, ...)"
// or "unconditional".
func classesText(cfg sr3.Config, names []string) string {
	if cfg.Classes == 0 {
		return "unconditional"
	}
	s := fmt.Sprintf("%d %s", cfg.Classes, plural(cfg.Classes, "class", "classes"))
	if len(names) > 0 {
		s += " " + train.QuoteNames(names)
	}
	return s
}

// logBaseSettings prints what is about to be trained, for a base stage.
func (o *trainOptions) logBaseSettings(rep *trainProgress, backend, attn string) {
	c, t := o.Config, o.Train
	rep.logf("model: base %dx%d, %s, base_channels=%d channel_mults=%s res_blocks=%d attn_levels=%s dropout=%g prediction=%s schedule=%s loss=%s guidance=%g",
		t.Patch, t.Patch, classesText(c, t.Classes), c.BaseChannels, joinInts(c.ChannelMults, ","), c.ResBlocks, attn, c.Dropout,
		c.Prediction, c.Schedule, c.Loss, c.Guidance)
	every := "at the end"
	if t.Every > 0 {
		every = fmt.Sprintf("every %d steps and at the end", t.Every)
	}
	dropout := ""
	if c.Classes > 0 {
		dropout = fmt.Sprintf(", label dropout %g", t.LabelDropout)
	}
	flips := "random flips"
	if o.Labelled.NoFlip {
		flips = "no flips"
	}
	rep.logf("training: %d steps of %d %dx%d images (%s)%s, learning rate %g (warm-up %d), grad clip %g, EMA %g, seed %d, backend %s; checkpoints and sample sheets (%d steps) in %s %s",
		t.Steps, t.Batch, t.Patch, t.Patch, flips, dropout, t.LR, t.Warmup, t.GradClip, t.EMADecay, t.Seed, backend, t.ValSteps, t.Out, every)
}

// levelsToUnit converts a distance in 8-bit levels (as training records
// it in train.json) to the 0-1 units generate and the model cards use.
func levelsToUnit(d float64) float64 { return d / 255 }

// samplesLine is the log line of a base stage's sample sheet.
func samplesLine(ev train.Progress, out string) string {
	s := fmt.Sprintf("step %d/%d: samples in %s", ev.Step, ev.Steps, filepath.Join(out, train.SamplesFile))
	if !math.IsNaN(ev.Nearest) {
		s += fmt.Sprintf(", %.3f (RMS, 0-1) from the nearest training image on average", levelsToUnit(ev.Nearest))
	}
	return s
}

// reportBaseDone prints, on stdout, where a base model is and how to use it.
func (o *trainOptions) reportBaseDone(e *env, rep *trainProgress, done, n int, elapsed time.Duration) {
	out, w := o.Train.Out, e.stdout
	fmt.Fprintf(w, "trained base %dx%d (%s) to step %d of %d (%d %s in %s)\n", o.Train.Patch, o.Train.Patch,
		classesText(o.Config, nil), done, o.Train.Steps, n, plural(n, "step", "steps"), formatElapsed(elapsed))
	files := fmt.Sprintf("EMA weights %s, config %s, training state %s", sr3.WeightsFile, sr3.ConfigFile, train.StateFile)
	if len(o.Train.Classes) > 0 {
		files += ", class names " + train.ClassesFile
	}
	fmt.Fprintf(w, "checkpoint: %s (%s)\n", out, files)
	fmt.Fprintf(w, "curve:      %s\n", filepath.Join(out, train.CurveFile))
	fmt.Fprintf(w, "samples:    %s\n", filepath.Join(out, train.SamplesFile))
	if d := rep.nearest(); !math.IsNaN(d) {
		fmt.Fprintf(w, "distance:   %.3f (RMS, 0-1, as generate --nn prints it) from a sample to the nearest training image, on average\n", levelsToUnit(d))
	}
	fmt.Fprintf(w, "use it:\n  srcascade generate -m %s\n", shellQuote(out))
	fmt.Fprintf(w, "train longer: rerun the same command with --resume --steps %d\n", 2*o.Train.Steps)
}
