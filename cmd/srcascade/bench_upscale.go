package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
	"github.com/urfave/cli/v2"
)

// benchUpscaleOptions is a parsed `srcascade bench upscale` command line.
type benchUpscaleOptions struct {
	Image  string // IMAGE to upscale; "" = a synthetic photo of W x H
	W, H   int    // synthetic input size
	Repeat int    // steady-state runs after the first call; the median is reported
	JSON   bool
	Quiet  bool
	Model  modelOptions
}

const defaultBenchUpscaleSize = "256"

// benchUpscaleFlags are the flags of bench upscale.
func benchUpscaleFlags() []cli.Flag {
	flags := append([]cli.Flag{
		&cli.StringFlag{Name: "size", Value: defaultBenchUpscaleSize,
			Usage: "input `N` or WxH of the synthetic photo upscaled when no IMAGE is given"},
		benchRepeatFlag(defaultBenchRepeat, "steady-state runs after the first call"),
	}, benchOutputFlags()...)
	return append(flags, modelFlags()...)
}

const benchUpscaleDescription = `Times the upscale of one image with a model, through the same model loading
and upscale path as 'srcascade upscale' (colour only; alpha is not timed):
  load          opening the model (reading weights, building the backend);
  first call    the first upscale, which compiles the network for the tile
                shape;
  steady state  the median of --repeat further upscales: seconds per image,
                per output megapixel, and per output megapixel and sampler
                step (network evaluations per tile = steps x passes).
Without IMAGE the input is a deterministic synthetic photo of --size.

Examples:
  srcascade bench upscale                               # the default model, 256x256 x4
  srcascade bench upscale -m ckpt/x4 --steps 20 --repeat 3
  srcascade bench upscale -m ckpt/x4 -s 2 --size 512 --backend xla:cpu --json
  srcascade bench upscale -m ckpt/x4 photo.png`

// benchUpscaleCommand is `srcascade bench upscale`.
func benchUpscaleCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:        "upscale",
		Usage:       "time a model's upscale: compile, steady state, seconds per output megapixel and step",
		ArgsUsage:   "[IMAGE]",
		UsageText:   "srcascade bench upscale [-m MODEL] [-s 4] [--size N|WxH] [--steps N] [options] [IMAGE]",
		Description: benchUpscaleDescription,
		Flags:       benchUpscaleFlags(),
		Action:      setOptions(set, benchUpscaleOptionsFrom),
	}
}

// benchUpscaleOptionsFrom reads and checks the flags and arguments of
// bench upscale.
func benchUpscaleOptionsFrom(c *cli.Context) (*benchUpscaleOptions, error) {
	const cmd = benchCommandName + " upscale"
	o := &benchUpscaleOptions{Repeat: c.Int("repeat"), JSON: c.Bool("json"), Quiet: c.Bool("quiet")}
	var err error
	if o.Image, o.W, o.H, err = benchImageArgs(c, cmd); err != nil {
		return nil, err
	}
	switch {
	case int64(o.W)*int64(o.H) > data.DefaultMaxPixels:
		return nil, usagef(cmd, "--size %dx%d: at most %s input pixels", o.W, o.H, formatPixels(data.DefaultMaxPixels))
	case o.Repeat < 1 || o.Repeat > maxBenchRepeat:
		return nil, usagef(cmd, "--repeat %d: must be 1..%d", o.Repeat, maxBenchRepeat)
	}
	if o.Model, err = modelOptionsFrom(c, cmd); err != nil {
		return nil, err
	}
	return o, nil
}

// benchUpscaleReport is the output of bench upscale.
type benchUpscaleReport struct {
	benchHeader
	Model   string `json:"model"`
	Backend string `json:"backend,omitempty"` // compute backend of a learned model
	Params  int    `json:"params,omitempty"`  // weights of a learned model
	Image   string `json:"image"`             // the IMAGE path, or "synthetic"
	Width   int    `json:"width"`             // input size
	Height  int    `json:"height"`
	OutW    int    `json:"out_width"`
	OutH    int    `json:"out_height"`
	Scale   int    `json:"scale"`
	Seed    int64  `json:"seed"`
	Tile    int    `json:"tile"` // as given; 0 = automatic
	// Sampler, Steps, Eta and Strength are the sampling settings as run
	// (the model's defaults filled in); Steps is the network evaluations
	// per tile and pass. Empty for models that do not sample (bicubic).
	Sampler  string  `json:"sampler,omitempty"`
	Steps    int     `json:"steps,omitempty"`
	Eta      float64 `json:"eta,omitempty"`
	Strength float64 `json:"strength,omitempty"`
	// Passes is how many times the model runs (x4 from a x2 model: 2);
	// NetworkCalls the network evaluations of one upscale, all tiles and
	// passes; Compilations how many network shapes were compiled.
	Passes       int `json:"passes,omitempty"`
	NetworkCalls int `json:"network_calls,omitempty"`
	Compilations int `json:"compilations,omitempty"`

	Repeat       int       `json:"repeat"`
	LoadSeconds  float64   `json:"load_seconds"`
	FirstSeconds float64   `json:"first_call_seconds"` // includes compiling
	Seconds      []float64 `json:"seconds"`            // every steady-state run
	// PerImage is the median of Seconds; PerOutputMP that per output
	// megapixel; PerOutputMPStep that per sampler step (0 when there are
	// no steps).
	PerImage        float64 `json:"seconds_per_image"`
	PerOutputMP     float64 `json:"seconds_per_output_mp"`
	PerOutputMPStep float64 `json:"seconds_per_output_mp_step,omitempty"`
	// CPUSeconds is the process's CPU time (user + system) of every
	// steady-state run; CPUPerOutputMPStep the median's per output
	// megapixel and sampler step: the measure to compare across runs on a
	// shared machine, where wall time depends on the other load.
	CPUSeconds         []float64 `json:"cpu_seconds,omitempty"`
	CPUPerOutputMPStep float64   `json:"cpu_seconds_per_output_mp_step,omitempty"`
	PeakRSSMiB         float64   `json:"peak_rss_mib,omitempty"`
}

// sr3Upscaler is what bench reads off a learned model (cascade.SR3Stage).
type sr3Upscaler interface {
	Model() *sr3.Model
	SamplerConfig(cascade.Options) (sr3.SamplerConfig, error)
}

// describeLearned fills the report's backend, parameters and sampler from
// a single learned model (cascade.SR3Stage, alone or resized down to a
// scale it lacks), and returns that model; chains and bicubic leave them
// empty and return nil.
func describeLearned(rep *benchUpscaleReport, up cascade.Upscaler, opts cascade.Options) (*sr3.Model, error) {
	runScale := opts.Scale // the scale the model runs at: x4 for a x3 served by resizing down
	if r, ok := up.(*cascade.Rescaled); ok {
		runScale = r.RunScale()
	}
	leaves := cascade.Leaves(up)
	s, ok := leaves[0].(sr3Upscaler)
	if len(leaves) != 1 || !ok {
		return nil, nil
	}
	m := s.Model()
	sc, err := s.SamplerConfig(opts)
	if err != nil {
		return nil, err
	}
	ts, err := m.Schedule().SpacedTimesteps(sc.Steps, sc.Strength, sc.Spacing)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", up.Name(), err)
	}
	rep.Backend, rep.Params = m.Backend().Name(), m.NumParams()
	rep.Sampler, rep.Steps, rep.Eta, rep.Strength = sc.Kind, len(ts), sc.Eta, sc.Strength
	rep.Passes = 1
	for f := m.Config.Scale; f > 1 && f < runScale; f *= m.Config.Scale {
		rep.Passes++
	}
	return m, nil
}

// run opens the model, upscales once (compiling) and Repeat more times.
func (o *benchUpscaleOptions) run(ctx context.Context, e *env) error {
	const cmd = benchCommandName + " upscale"
	log := benchLog{w: e.stderr, quiet: o.Quiet}
	rep := &benchUpscaleReport{Scale: o.Model.Scale, Seed: o.Model.Seed, Tile: o.Model.Tile, Repeat: o.Repeat}
	rep.Machine = readMachine()
	var img *data.Image
	if o.Image != "" {
		d, err := data.DecodeFile(o.Image, data.Limits{})
		if err != nil {
			return err // names the file
		}
		img, rep.Image = d.Image, o.Image
	} else {
		img, rep.Image = syntheticPhoto(o.W, o.H, 1), "synthetic"
	}
	rep.Width, rep.Height = img.W, img.H

	t0 := time.Now()
	up, err := o.Model.open(cmd)
	if err != nil {
		return err
	}
	rep.LoadSeconds = time.Since(t0).Seconds()
	rep.Model = up.Name()
	opts := o.Model.cascadeOptions()
	m, err := describeLearned(rep, up, opts)
	if err != nil {
		return &usageError{cmd: cmd, err: err}
	}
	rep.Command = o.commandLine(rep)
	log.printf("%s loaded in %.2fs; upscaling %dx%d x%d", rep.Model, rep.LoadSeconds, img.W, img.H, o.Model.Scale)

	calls := 0
	once := func() (secs, cpu float64, err error) {
		if ctx.Err() != nil {
			return 0, 0, benchInterrupted(e, cmd)
		}
		runtime.GC()
		start, cpu0 := time.Now(), cpuSeconds()
		out, err := cascade.UpscaleImage(ctx, up, img, opts, func(_, total int) { calls = total })
		secs, cpu = time.Since(start).Seconds(), cpuSeconds()-cpu0
		if err != nil {
			if ctx.Err() != nil {
				return 0, 0, benchInterrupted(e, cmd)
			}
			return 0, 0, err
		}
		if out.W != img.W*o.Model.Scale || out.H != img.H*o.Model.Scale {
			return 0, 0, fmt.Errorf("model %s returned %dx%d for %dx%d at x%d", up.Name(), out.W, out.H, img.W, img.H, o.Model.Scale)
		}
		rep.OutW, rep.OutH = out.W, out.H
		return secs, cpu, nil
	}
	if rep.FirstSeconds, _, err = once(); err != nil {
		return err
	}
	log.printf("first call (compiles): %.3fs", rep.FirstSeconds)
	for i := range o.Repeat {
		s, cpu, err := once()
		if err != nil {
			return err
		}
		rep.Seconds = append(rep.Seconds, s)
		rep.CPUSeconds = append(rep.CPUSeconds, cpu)
		log.printf("run %d of %d: %.3fs, %.3f CPU-s", i+1, o.Repeat, s, cpu)
	}
	rep.NetworkCalls = calls
	if m != nil {
		rep.Compilations = m.Compilations()
	}
	rep.PerImage = median(rep.Seconds)
	rep.PerOutputMP = rep.PerImage / megapixels(rep.OutW, rep.OutH)
	if rep.Steps > 0 {
		rep.PerOutputMPStep = rep.PerOutputMP / float64(rep.Steps)
		rep.CPUPerOutputMPStep = median(rep.CPUSeconds) / megapixels(rep.OutW, rep.OutH) / float64(rep.Steps)
	}
	rep.PeakRSSMiB = peakRSSMiB()

	if o.JSON {
		return writeBenchJSON(e.stdout, rep)
	}
	return rep.writeMarkdown(e)
}

// commandLine is the full command line of the run, every setting
// explicit: the sampling settings as resolved from the model's defaults.
func (o *benchUpscaleOptions) commandLine(r *benchUpscaleReport) string {
	m := o.Model
	s := fmt.Sprintf("srcascade bench upscale -m %s -s %d", shellQuote(m.Model), m.Scale)
	if m.Backend != "" {
		s += " --backend " + shellQuote(m.Backend)
	}
	if r.Steps > 0 {
		s += fmt.Sprintf(" --sampler %s --steps %d --strength %s", r.Sampler, r.Steps, strconv.FormatFloat(r.Strength, 'g', -1, 64))
		if r.Sampler == "ddim" {
			s += " --eta " + strconv.FormatFloat(r.Eta, 'g', -1, 64)
		}
	}
	if m.Tile > 0 {
		s += fmt.Sprintf(" --tile %d", m.Tile)
	}
	if m.CondNoise != nil {
		s += " --cond-noise " + strconv.FormatFloat(*m.CondNoise, 'g', -1, 64)
	}
	if m.Denoise != nil {
		s += " --denoise " + cascade.DenoiseString(m.Denoise)
	}
	if m.Deblock != 0 {
		s += " --deblock " + cascade.DeblockString(m.Deblock)
	}
	if m.Prefilter != 0 {
		s += " --prefilter " + cascade.PrefilterString(m.Prefilter)
	}
	if m.Consistency {
		s += " --consistency"
	}
	if m.TTA {
		s += " --tta"
	}
	s += fmt.Sprintf(" --seed %d --repeat %d", m.Seed, o.Repeat)
	if o.Image != "" {
		return s + " " + shellQuote(o.Image)
	}
	return s + fmt.Sprintf(" --size %dx%d", o.W, o.H)
}

// writeMarkdown prints the header line and a one-row table.
func (r *benchUpscaleReport) writeMarkdown(e *env) error {
	fmt.Fprintln(e.stdout, r.line())
	fmt.Fprintln(e.stdout)
	backend, sampler, steps, perStep, cpuPerStep := "-", "-", "-", "-", "-"
	if r.Backend != "" {
		backend = r.Backend
	}
	if r.Steps > 0 {
		sampler = r.Sampler
		steps = strconv.Itoa(r.Steps)
		if r.Passes > 1 {
			steps += fmt.Sprintf(" x %d passes", r.Passes)
		}
		perStep = fmtNum(r.PerOutputMPStep)
		cpuPerStep = fmtNum(r.CPUPerOutputMPStep)
	}
	header := []string{"model", "backend", "in → out", "sampler", "steps", "load s", "first call s",
		fmt.Sprintf("s/image (median of %d)", r.Repeat), "s/output MP", "s/output MP/step", "CPU-s/output MP/step", "peak RSS MiB"}
	row := []string{r.Model, backend, fmt.Sprintf("%dx%d → %dx%d", r.Width, r.Height, r.OutW, r.OutH), sampler, steps,
		fmtNum(r.LoadSeconds), fmtNum(r.FirstSeconds), fmtNum(r.PerImage), fmtNum(r.PerOutputMP), perStep, cpuPerStep, fmtMiB(r.PeakRSSMiB)}
	return mdTable(e.stdout, header, "lllllrrrrrrr", [][]string{row})
}
