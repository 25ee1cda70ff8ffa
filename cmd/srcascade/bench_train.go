package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
	"github.com/urfave/cli/v2"
)

// benchTrainOptions is a parsed `srcascade bench train` command line.
type benchTrainOptions struct {
	// Config is the network: sr3.DefaultConfig(scale) with the model
	// --set keys.
	Config sr3.Config
	// Train holds Steps, Batch, Patch and the optimiser --set keys; Out,
	// Every and Backend are set by run.
	Train   train.Options
	Skip    int       // steps left out of the rate (the first compiles)
	Sets    []setting // --set as given, for the command line
	Backend string
	JSON    bool
	Quiet   bool
}

const (
	defaultBenchTrainSteps = 10
	defaultBenchTrainSkip  = 1
)

// benchTrainFlags are the flags of bench train.
func benchTrainFlags() []cli.Flag {
	d := train.DefaultOptions()
	return append([]cli.Flag{
		&cli.GenericFlag{Name: "set", Value: &setList{},
			Usage: "set a model or training setting by its JSON name, `KEY=VALUE`, as 'srcascade train --set' (repeatable)"},
		&cli.IntFlag{Name: "scale", Aliases: []string{"s"}, Value: defaultTrainScale,
			Usage: "super-resolution `FACTOR`: 2, 4 or 8"},
		&cli.IntFlag{Name: "batch", Value: d.Batch, Usage: "`N` patches per step"},
		&cli.IntFlag{Name: "patch", Value: d.Patch, Usage: "HR patch `SIZE` in pixels"},
		&cli.IntFlag{Name: "steps", Value: defaultBenchTrainSteps, Usage: "training `STEPS` to run in all"},
		&cli.IntFlag{Name: "skip", Value: defaultBenchTrainSkip,
			Usage: "leave the first `N` steps out of the rate (the first builds and compiles the step)"},
		&cli.StringFlag{Name: "backend",
			Usage: "compute `BACKEND`: go, xla:cpu, xla:cuda or a PJRT plugin .so path (default: $GOMLX_BACKEND, else XLA if installed, else go)"},
	}, benchOutputFlags()...)
}

const benchTrainDescription = `Measures the training speed of a model config on random batches (no data
needed), with the same training step as 'srcascade train' (bicubic
conditioning on the host, noise, the UNet's forward and backward pass, global
norm clipping, Adam and the EMA). Runs --steps steps into a temporary folder
(one checkpoint at the end, not timed) and reports:
  first step    building and compiling the step, and running it once;
  steps/s       over the steps after the first --skip, and patches/s
                (steps/s x --batch);
  params        the network's weights; peak RSS of the process.

Examples:
  srcascade bench train                                 # the default x4 config
  srcascade bench train --batch 8 --patch 64 --steps 20 --json
  srcascade bench train --set base_channels=32 --set channel_mults=1,2 \
      --set attn_levels= --patch 48 --backend xla:cpu`

// benchTrainCommand is `srcascade bench train`.
func benchTrainCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:        "train",
		Usage:       "training speed of a model config: steps/s, patches/s, parameters, peak RSS",
		UsageText:   "srcascade bench train [--set KEY=VALUE]... [-s 4] [--batch 8] [--patch 64] [--steps 10] [options]",
		Description: benchTrainDescription,
		Flags:       benchTrainFlags(),
		Action:      setOptions(set, benchTrainOptionsFrom),
	}
}

// benchTrainIgnored are the training keys that do nothing in bench train,
// which --set refuses rather than silently ignore.
var benchTrainIgnored = []string{"every", "val_steps", "val_sampler", "val_strength"}

// benchTrainOptionsFrom reads and checks the flags of bench train.
func benchTrainOptionsFrom(c *cli.Context) (*benchTrainOptions, error) {
	const cmd = benchCommandName + " train"
	if c.Args().Present() {
		return nil, usagef(cmd, "unexpected argument %q: bench train makes its own random batches", c.Args().First())
	}
	scale := c.Int("scale")
	o := &benchTrainOptions{
		Config:  sr3.DefaultConfig(scale),
		Train:   train.DefaultOptions(),
		Skip:    c.Int("skip"),
		Backend: c.String("backend"),
		JSON:    c.Bool("json"),
		Quiet:   c.Bool("quiet"),
	}
	o.Train.Steps, o.Train.Batch, o.Train.Patch = c.Int("steps"), c.Int("batch"), c.Int("patch")
	switch {
	case !slices.Contains([]int{2, 4, 8}, scale):
		return nil, usagef(cmd, "-s/--scale %d: the scale must be 2, 4 or 8", scale)
	case o.Train.Batch < 1:
		return nil, usagef(cmd, "--batch %d: must be at least 1", o.Train.Batch)
	case o.Train.Patch < 1:
		return nil, usagef(cmd, "--patch %d: must be a positive size in pixels", o.Train.Patch)
	case o.Skip < 1:
		return nil, usagef(cmd, "--skip %d: must be at least 1 (the first step compiles)", o.Skip)
	}
	if err := checkBackend(o.Backend); err != nil {
		return nil, usagef(cmd, "--backend %q: %v", o.Backend, err)
	}
	if sets, _ := c.Generic("set").(*setList); sets != nil {
		o.Sets = slices.Clone(sets.items)
		keys, err := applySettings(&o.Config, &o.Train, o.Sets)
		if err != nil {
			return nil, usagef(cmd, "%v", err)
		}
		for _, k := range keys {
			name := strings.TrimPrefix(k, trainPrefix)
			switch {
			case slices.Contains(benchTrainIgnored, name):
				return nil, usagef(cmd, "--set %s: bench train does not validate or checkpoint along the way", name)
			case k == trainPrefix+"steps" || k == trainPrefix+"batch" || k == trainPrefix+"patch":
				if c.IsSet(name) {
					return nil, usagef(cmd, "--%s and --set %s both given: give one", name, name)
				}
			}
		}
	}
	if o.Train.Steps <= o.Skip {
		return nil, usagef(cmd, "--steps %d: must be more than --skip %d, so that some steps are timed", o.Train.Steps, o.Skip)
	}
	if err := o.Config.Validate(); err != nil {
		return nil, usagef(cmd, "model config (--set): %v", err)
	}
	if err := o.Train.Validate(); err != nil {
		return nil, usagef(cmd, "training options (--set): %v", err)
	}
	if m, why := patchMultiple(o.Config); o.Train.Patch%m != 0 {
		return nil, usagef(cmd, "--patch %d: must be a multiple of %d for this x%d network, because %s",
			o.Train.Patch, m, o.Config.Scale, why)
	}
	return o, nil
}

// commandLine is the full command line of the run.
func (o *benchTrainOptions) commandLine() string {
	s := fmt.Sprintf("srcascade bench train -s %d --batch %d --patch %d --steps %d --skip %d",
		o.Config.Scale, o.Train.Batch, o.Train.Patch, o.Train.Steps, o.Skip)
	for _, x := range o.Sets {
		if k := strings.TrimPrefix(x.Key, trainPrefix); k == "steps" || k == "batch" || k == "patch" {
			continue // already in the flags above
		}
		s += " --set " + shellQuote(x.Key+"="+x.Value)
	}
	if o.Backend != "" {
		s += " --backend " + shellQuote(o.Backend)
	}
	return s
}

// benchTrainReport is the output of bench train.
type benchTrainReport struct {
	benchHeader
	Backend string     `json:"backend"`
	Config  sr3.Config `json:"config"`
	Batch   int        `json:"batch"`
	Patch   int        `json:"patch"`
	Steps   int        `json:"steps"`         // run in all
	Skipped int        `json:"skipped_steps"` // left out of the rate
	Params  int        `json:"params"`
	// FirstSeconds is from the start of training to the end of its first
	// step: building and compiling the step graph and running it.
	FirstSeconds float64 `json:"first_step_seconds"`
	// TimedSteps ran in TimedSeconds (each step's data, host preparation
	// and compiled step, as in training).
	TimedSteps     int     `json:"timed_steps"`
	TimedSeconds   float64 `json:"timed_seconds"`
	SecondsPerStep float64 `json:"seconds_per_step"`
	StepsPerSec    float64 `json:"steps_per_sec"`
	PatchesPerSec  float64 `json:"patches_per_sec"`
	// TimedCPUSeconds is the process's CPU time (user + system) over the
	// timed steps, and PatchesPerCPUSec the patches per CPU-second: the
	// rate to compare on a shared machine, where wall time depends on the
	// other load.
	TimedCPUSeconds  float64 `json:"timed_cpu_seconds"`
	PatchesPerCPUSec float64 `json:"patches_per_cpu_sec"`
	FinalLoss        float64 `json:"final_loss"`
	PeakRSSMiB       float64 `json:"peak_rss_mib,omitempty"`
}

// run trains Steps steps on random batches in a temporary folder and
// reports the rate after the first Skip steps.
func (o *benchTrainOptions) run(ctx context.Context, e *env) error {
	log := benchLog{w: e.stderr, quiet: o.Quiet}
	rep := &benchTrainReport{benchHeader: benchHeader{Command: o.commandLine(), Machine: readMachine()},
		Config: o.Config, Batch: o.Train.Batch, Patch: o.Train.Patch, Steps: o.Train.Steps, Skipped: o.Skip}
	backend, err := sr3.NewBackend(o.Backend)
	if err != nil {
		return fmt.Errorf("--backend: %w", err)
	}
	rep.Backend = backend.Name()
	tmp, err := os.MkdirTemp("", "srcascade-bench-train-")
	if err != nil {
		return fmt.Errorf("bench train: temporary folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	opts := o.Train
	opts.Out, opts.Every, opts.Backend, opts.Resume = filepath.Join(tmp, "checkpoint"), 0, backend, false

	src := newRandomBatches(o.Config, opts)
	defer src.Close()
	done := make([]time.Time, opts.Steps+1) // done[k]: when step k finished
	cpu := make([]float64, opts.Steps+1)    // cpu[k]: CPU seconds used when step k finished
	log.printf("training %d steps of %d %dx%d patches on %s (%s)", opts.Steps, opts.Batch, opts.Patch, opts.Patch, rep.Backend, rep.Command)
	start := time.Now()
	err = train.Run(ctx, opts, o.Config, src, nil, func(p train.Progress) {
		if p.Event != "step" || p.Step < 1 || p.Step > opts.Steps {
			return
		}
		done[p.Step], cpu[p.Step] = time.Now(), cpuSeconds()
		rep.FinalLoss = p.Loss
		since := done[p.Step].Sub(start)
		if p.Step > 1 {
			since = done[p.Step].Sub(done[p.Step-1])
		}
		log.printf("step %d of %d: %.3fs, loss %.4g", p.Step, opts.Steps, since.Seconds(), p.Loss)
	})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return benchInterrupted(e, benchCommandName+" train")
		}
		return fmt.Errorf("bench train: %w", err)
	}
	for k := 1; k <= opts.Steps; k++ {
		if done[k].IsZero() {
			return fmt.Errorf("bench train: no progress report for step %d", k)
		}
	}
	info, err := train.ReadCheckpoint(opts.Out)
	if err != nil {
		return fmt.Errorf("bench train: reading the parameter count: %w", err)
	}
	rep.Params = info.Params
	rep.FirstSeconds = done[1].Sub(start).Seconds()
	rep.TimedSteps = opts.Steps - o.Skip
	rep.TimedSeconds = done[opts.Steps].Sub(done[o.Skip]).Seconds()
	if rep.TimedSeconds > 0 {
		rep.SecondsPerStep = rep.TimedSeconds / float64(rep.TimedSteps)
		rep.StepsPerSec = float64(rep.TimedSteps) / rep.TimedSeconds
		rep.PatchesPerSec = rep.StepsPerSec * float64(opts.Batch)
	}
	if rep.TimedCPUSeconds = cpu[opts.Steps] - cpu[o.Skip]; rep.TimedCPUSeconds > 0 {
		rep.PatchesPerCPUSec = float64(rep.TimedSteps*opts.Batch) / rep.TimedCPUSeconds
	}
	rep.PeakRSSMiB = peakRSSMiB()

	if o.JSON {
		return writeBenchJSON(e.stdout, rep)
	}
	return rep.writeMarkdown(e)
}

// writeMarkdown prints the header line and a one-row table.
func (r *benchTrainReport) writeMarkdown(e *env) error {
	fmt.Fprintln(e.stdout, r.line())
	fmt.Fprintln(e.stdout)
	c := r.Config
	attn := "none"
	if len(c.AttnLevels) > 0 {
		attn = joinInts(c.AttnLevels, ",")
	}
	config := fmt.Sprintf("x%d base_channels=%d channel_mults=%s res_blocks=%d attn_levels=%s space_to_depth=%t activation=%s",
		c.Scale, c.BaseChannels, joinInts(c.ChannelMults, ","), c.ResBlocks, attn, c.SpaceToDepth, cmp.Or(c.Activation, "silu"))
	header := []string{"config", "params", "backend", "batch x patch", "first step s",
		fmt.Sprintf("s/step (%d steps)", r.TimedSteps), "steps/s", "patches/s", "patches/CPU-s", "peak RSS MiB"}
	row := []string{config, fmt.Sprintf("%d", r.Params), r.Backend, fmt.Sprintf("%d x %dx%d", r.Batch, r.Patch, r.Patch),
		fmtNum(r.FirstSeconds), fmtNum(r.SecondsPerStep), fmtNum(r.StepsPerSec), fmtNum(r.PatchesPerSec), fmtNum(r.PatchesPerCPUSec), fmtMiB(r.PeakRSSMiB)}
	return mdTable(e.stdout, header, "lrlrrrrrrr", [][]string{row})
}

// randomBatches is a train.Source of random batches: HR patches of
// uniform noise in [-1, 1] and their bicubic LR, deterministic for the
// options' seed. Speed does not depend on what the pixels are.
type randomBatches struct {
	n, hr, lr, c int
	rng          *rand.Rand
}

func newRandomBatches(cfg sr3.Config, opt train.Options) *randomBatches {
	return &randomBatches{n: opt.Batch, hr: opt.Patch, lr: opt.Patch / cfg.Scale, c: cfg.Channels,
		rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0xbe9c4))}
}

// Next returns a new random batch.
func (s *randomBatches) Next(ctx context.Context) (*train.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	per, lper := s.hr*s.hr*s.c, s.lr*s.lr*s.c
	b := &train.Batch{N: s.n, HRSize: s.hr, LRSize: s.lr, C: s.c,
		HR: make([]float32, s.n*per), LR: make([]float32, s.n*lper)}
	for i := range b.HR {
		b.HR[i] = 2*s.rng.Float32() - 1
	}
	for i := range s.n {
		hr := &data.Image{W: s.hr, H: s.hr, C: s.c, Pix: b.HR[i*per : (i+1)*per]}
		copy(b.LR[i*lper:(i+1)*lper], data.Resize(hr, s.lr, s.lr).Pix)
	}
	return b, nil
}

// Close does nothing: there is nothing in the background.
func (s *randomBatches) Close() error { return nil }
