package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
	"github.com/urfave/cli/v2"
)

// modelOptions are the model, backend and sampling choices shared by
// upscale and eval.
type modelOptions struct {
	Model    string  // built-in name, checkpoint folder, or parts joined with + (a cascade)
	Backend  string  // "" = automatic (GOMLX_BACKEND or the default), go, xla:cpu, xla:cuda, plugin path
	Scale    int     // 2, 3, 4 or 8, checked against the model's scales
	Seed     int64   // noise seed
	Steps    int     // sampler steps; 0 = model default; 1 = one-step estimate
	Sampler  string  // "", ddim or ddpm
	Eta      float64 // DDIM eta, >= 0
	Strength float64 // partial-noise start in [0,1]; 0 = model default
	Tile     int     // tile size in input pixels; 0 = automatic
	// CondNoise is the CDM conditioning-augmentation level in [0,1]; nil =
	// automatic (see cascade.Options.CondNoise).
	CondNoise *float64
	// Denoise is the denoise level in [0,1] of models with a denoise
	// control; nil = automatic (see cascade.Options.Denoise).
	Denoise *float64
	// Deblock is the JPEG deblocking of the input: 0 = automatic,
	// cascade.DeblockOff, or the quality 1..100 (cascade.Options.Deblock).
	Deblock int
	// Prefilter is the BM3D denoising of the input: 0 = automatic,
	// cascade.PrefilterOff, or a noise sigma (cascade.Options.Prefilter).
	Prefilter float64
	// Consistency projects every estimate onto the input (cascade.Options.Consistency).
	Consistency bool
	// TTA averages each pass over the input's mirror images (cascade.Options.TTA).
	TTA bool
}

// Flag categories in --help.
const (
	modelCategory = "Model and sampling"
	ioCategory    = "Input and output"
)

// boolFlag is a boolean flag without the "(default: false)" noise in --help.
func boolFlag(name, alias, usage string) *cli.BoolFlag {
	f := &cli.BoolFlag{Name: name, Usage: usage, DisableDefaultText: true}
	if alias != "" {
		f.Aliases = []string{alias}
	}
	return f
}

// inCategory puts flags in a --help category.
func inCategory(category string, flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		switch f := f.(type) {
		case *cli.BoolFlag:
			f.Category = category
		case *cli.StringFlag:
			f.Category = category
		case *cli.IntFlag:
			f.Category = category
		case *cli.Int64Flag:
			f.Category = category
		}
	}
	return flags
}

// modelFlags are the flags that fill modelOptions.
func modelFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Category: modelCategory,
			Usage: "`MODEL`: a built-in name (see srcascade models), a checkpoint folder written by training, or stages joined with + such as sr3-x4+sr3-x2, " +
				"each run on the previous one's output (default: the best built-in model for the scale: " + defaultModels() + ")"},
		&cli.IntFlag{Name: "scale", Aliases: []string{"s"}, Value: srcascade.DefaultScale, Category: modelCategory,
			Usage: "upscale `FACTOR`: 2, 3, 4 or 8 (a scale the model lacks runs at its next larger one, then an exact bicubic resize down)"},
		&cli.StringFlag{Name: "backend", Category: modelCategory,
			Usage: "compute `BACKEND` for learned models: go, xla:cpu, xla:cuda or a PJRT plugin .so path (default: $GOMLX_BACKEND, else XLA if installed, else go)"},
		&cli.IntFlag{Name: "device", Value: -1, DefaultText: "all the plugin sees", Category: modelCategory,
			Usage: "accelerator `N` (0, 1, ...) of an XLA backend, e.g. the second GPU with --backend xla:cuda --device 1 (XLA's visible_devices; CUDA_VISIBLE_DEVICES works too)"},
		&cli.Int64Flag{Name: "seed", Value: srcascade.DefaultSeed, Category: modelCategory,
			Usage: "noise `SEED`: the same seed gives the same output (0 is the default seed, as in the Go library)"},
		&cli.IntFlag{Name: "steps", Category: modelCategory,
			Usage: "sampler `STEPS` (0 = the model's default, 1 = one-step estimate)"},
		&cli.StringFlag{Name: "sampler", Category: modelCategory,
			Usage: "`SAMPLER`: ddim or ddpm (default: the model's)"},
		&cli.Float64Flag{Name: "eta", Category: modelCategory,
			Usage: "DDIM `ETA`: 0 is deterministic, 1 is as noisy as DDPM"},
		&cli.Float64Flag{Name: "strength", Category: modelCategory,
			Usage: "partial-noise start, `0..1`: how much noise is added to the bicubic image before denoising (0 = the model's default)"},
		&cli.IntFlag{Name: "tile", Category: modelCategory,
			Usage: "tile `SIZE` in input pixels, bounds memory (0 = automatic)"},
		// A string flag, parsed by modelOptionsFrom: a Float64Flag would
		// show "(default: 0)", but absent means automatic, not 0.
		&cli.StringFlag{Name: "cond-noise", Category: modelCategory,
			Usage: "CDM conditioning-augmentation `LEVEL`: Gaussian noise of this std ([-1,1] units) added to each stage's input, the level given to the network " +
				"(default: the model's level on generated inputs of a cascade, none on real inputs; only models trained with --cond-noise take a level)"},
		&cli.StringFlag{Name: "denoise", Category: modelCategory,
			Usage: "denoise `LEVEL` for models with a denoise control: 0 keeps every detail of a clean input, up to 1 smooths away heavy blur, noise and JPEG blocks, auto estimates it from each image (default: auto)"},
		&cli.StringFlag{Name: "deblock", Category: modelCategory,
			Usage: "JPEG deblocking of the input before a learned model: auto finds whether each image was saved as a JPEG (and at which quality) and removes its 8x8 blocks for the real-photo models, off never does, a `QUALITY` 1..100 says the input was saved at it (default: auto)"},
		&cli.StringFlag{Name: "prefilter", Category: modelCategory,
			Usage: "BM3D denoising of the input before a learned model (after deblocking): auto measures each image's noise (colour noise, or a grey image's grey noise) and filters it for the real-photo models when there is some, and every deblocked JPEG at least at 3, off never does, a `SIGMA` in 8-bit levels filters at it (default: auto)"},
		&cli.BoolFlag{Name: "consistency", Category: modelCategory, DisableDefaultText: true,
			Usage: "ILVR consistency: correct every estimate so that its bicubic downscale equals the input exactly (for clean inputs: it keeps JPEG blocks and noise too)"},
		&cli.BoolFlag{Name: "tta", Category: modelCategory, DisableDefaultText: true,
			Usage: "test-time augmentation: upscale the image and its three mirror images and average them (4x the time; a little sharper and cleaner, most on noisy photos)"},
	}
}

// defaultModels describes pretrained.Default per scale for -m's help, as
// the registry has it: "x2 sr3-x4-real, x3 sr3-x4-real, x4 sr3-x4-real,
// x8 sr3-x4-real+sr3-x2".
func defaultModels() string {
	s := make([]string, 0, 4)
	for _, scale := range []int{2, 3, 4, 8} {
		s = append(s, fmt.Sprintf("x%d %s", scale, pretrained.Default(scale)))
	}
	return strings.Join(s, ", ")
}

// modelOptionsFrom reads and checks the flags of modelFlags.
func modelOptionsFrom(c *cli.Context, cmd string) (modelOptions, error) {
	m := modelOptions{
		Model:    c.String("model"),
		Backend:  c.String("backend"),
		Scale:    c.Int("scale"),
		Seed:     c.Int64("seed"),
		Steps:    c.Int("steps"),
		Sampler:  strings.ToLower(c.String("sampler")),
		Eta:      c.Float64("eta"),
		Strength: c.Float64("strength"),
		Tile:     c.Int("tile"),

		Consistency: c.Bool("consistency"),
		TTA:         c.Bool("tta"),
	}
	if !c.IsSet("model") {
		m.Model = pretrained.Default(m.Scale)
	}
	if m.Seed == 0 {
		m.Seed = srcascade.DefaultSeed // as srcascade.Options.Resolved, so requests record the seed run
	}
	if c.IsSet("cond-noise") {
		level, err := parseFinite(c.String("cond-noise"))
		if err != nil {
			return m, usagef(cmd, "--cond-noise %q: %v", c.String("cond-noise"), err)
		}
		m.CondNoise = &level
	}
	for _, err := range []error{
		settingFlag(c, cmd, "denoise", cascade.ParseDenoise, &m.Denoise),
		settingFlag(c, cmd, "deblock", cascade.ParseDeblock, &m.Deblock),
		settingFlag(c, cmd, "prefilter", cascade.ParsePrefilter, &m.Prefilter),
	} {
		if err != nil {
			return m, err
		}
	}
	switch {
	case m.Model == "":
		return m, usagef(cmd, "-m/--model: empty model name")
	case !slices.Contains([]int{2, 3, 4, 8}, m.Scale):
		return m, usagef(cmd, "-s/--scale %d: the scale must be 2, 3, 4 or 8", m.Scale)
	case m.Steps < 0 || m.Steps > sr3.MaxSteps:
		return m, usagef(cmd, "--steps %d: must be 0 (model default) to %d", m.Steps, sr3.MaxSteps)
	case m.Sampler != "" && m.Sampler != "ddim" && m.Sampler != "ddpm":
		return m, usagef(cmd, "--sampler %q: must be ddim or ddpm", c.String("sampler"))
	case m.Eta < 0:
		return m, usagef(cmd, "--eta %g: must be 0 or more", m.Eta)
	case m.Strength < 0 || m.Strength > 1:
		return m, usagef(cmd, "--strength %g: must be between 0 and 1", m.Strength)
	case m.Tile < 0 || (m.Tile > 0 && m.Tile < 8):
		return m, usagef(cmd, "--tile %d: must be 0 (automatic) or at least 8", m.Tile)
	case m.CondNoise != nil && !(*m.CondNoise >= 0 && *m.CondNoise <= 1):
		return m, usagef(cmd, "--cond-noise %g: must be between 0 and 1", *m.CondNoise)
	}
	if err := checkBackend(m.Backend); err != nil {
		return m, usagef(cmd, "--backend %q: %v", m.Backend, err)
	}
	if c.IsSet("device") {
		spec, err := sr3.WithDevice(m.Backend, c.Int("device"))
		if err != nil || c.Int("device") < 0 {
			if err == nil {
				err = fmt.Errorf("must be 0 or more")
			}
			return m, usagef(cmd, "--device %d: %v", c.Int("device"), err)
		}
		m.Backend = spec
	}
	return m, nil
}

// checkBackend accepts what sr3.NewBackend does: "", go, xla, xla:NAME
// (xla:cpu, xla:cuda, xla:/path/plugin.so) or the path of an existing PJRT
// plugin file. Whether an XLA plugin starts is only known when a learned
// model opens it.
func checkBackend(b string) error {
	if !sr3.XLACompiled && sr3.IsXLASpec(b) {
		return sr3.ErrNoCgo
	}
	if b == "" || b == "go" || b == "xla" || strings.HasPrefix(b, "xla:") {
		return nil
	}
	if strings.ContainsRune(b, os.PathSeparator) || strings.HasSuffix(b, ".so") {
		st, err := os.Stat(b)
		if err != nil {
			return fmt.Errorf("PJRT plugin: %w", err)
		}
		if st.IsDir() {
			return errors.New("PJRT plugin path is a folder")
		}
		return nil
	}
	return errors.New("want go, xla:cpu, xla:cuda or the path of a PJRT plugin .so")
}

// open opens the model as openUpscaler does and returns its
// cascade.Upscaler, for the commands that drive stages themselves (eval,
// compare, bench).
func (m modelOptions) open(cmd string) (cascade.Upscaler, error) {
	u, err := m.openUpscaler(cmd)
	if err != nil {
		return nil, err
	}
	return u.Cascade(), nil
}

// openUpscaler opens the model for the scale through srcascade.Open, the
// library call (a scale a learned model lacks runs at its next larger
// one, resized down exactly; --cond-noise is checked against its stages).
// An unknown model, a scale it cannot serve or a level for a model
// trained without conditioning augmentation is a usage error.
func (m modelOptions) openUpscaler(cmd string) (*srcascade.Upscaler, error) {
	u, err := srcascade.Open(m.library())
	if err != nil {
		return nil, modelError(cmd, m, err)
	}
	return u, nil
}

// modelError maps an error of srcascade.Open to the flag it concerns: a
// usage error where the flags ask for what cannot be (an unknown model,
// a scale it lacks, a backend this machine lacks, a --cond-noise level).
func modelError(cmd string, m modelOptions, err error) error {
	var pe *sr3.PluginError
	var ce *srcascade.CondNoiseError
	switch {
	case errors.Is(err, pretrained.ErrUnknownModel) || errors.Is(err, pretrained.ErrBaseModel):
		return &usageError{cmd: cmd, err: fmt.Errorf("-m/--model: %w", err)}
	case errors.Is(err, pretrained.ErrScale):
		return &usageError{cmd: cmd, err: fmt.Errorf("-s/--scale %d: %w", m.Scale, err)}
	case errors.As(err, &pe):
		// The flag asks for what this machine lacks: a usage error, as
		// an unknown backend name is, in the plugin's own words.
		return &usageError{cmd: cmd, err: fmt.Errorf("--backend %s: %w", m.Backend, pe)}
	case errors.As(err, &ce):
		return &usageError{cmd: cmd, err: fmt.Errorf("--cond-noise %g: %w", ce.Level, ce.Err)}
	}
	return err
}

// scaleNote says how a scale the model lacks is served (cascade.Rescaled),
// or "".
func scaleNote(up cascade.Upscaler) string {
	r, ok := up.(*cascade.Rescaled)
	if !ok {
		return ""
	}
	return fmt.Sprintf("note: model %s has no x%d: it runs at x%d, then an exact (MATLAB) bicubic resize down to x%d",
		up.Name(), r.TargetScale(), r.RunScale(), r.TargetScale())
}

// settingFlag sets *dst from the flag --name when it is given, read by
// parse (one of cascade's Parse* functions); a bad value is a usage error
// naming the flag.
func settingFlag[T any](c *cli.Context, cmd, name string, parse func(string) (T, error), dst *T) error {
	if !c.IsSet(name) {
		return nil
	}
	v, err := parse(c.String(name))
	if err != nil {
		return usagef(cmd, "--%s %q: %v", name, c.String(name), err)
	}
	*dst = v
	return nil
}

// library is the srcascade.Options of the flags: the library call the
// CLI shares with serve and Go programs.
func (m modelOptions) library() srcascade.Options {
	return srcascade.Options{
		Model: m.Model, Backend: m.Backend, Scale: m.Scale, Seed: m.Seed, Steps: m.Steps, Sampler: m.Sampler,
		Eta: m.Eta, Strength: m.Strength, Tile: m.Tile, CondNoise: m.CondNoise,
		Denoise: m.Denoise, Deblock: m.Deblock, Prefilter: m.Prefilter, Consistency: m.Consistency, TTA: m.TTA,
	}
}

// cascadeOptions are the per-call options of Upscale (srcascade.Options'
// defaults filled in).
func (m modelOptions) cascadeOptions() cascade.Options { return m.library().Cascade() }

// joinInts formats a list of ints.
func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}

// maxPixelsFlag is the --max-pixels flag shared by upscale and eval.
func maxPixelsFlag() cli.Flag {
	return &cli.StringFlag{Name: "max-pixels", Value: formatPixels(data.DefaultMaxPixels),
		Usage: "refuse images with more than `N` decoded pixels (guards against decompression bombs): a count with optional k/M/G, or WxH"}
}

// parsePixels reads a pixel count: "64000000", "64M", "1.5G", "8000x8000".
func parsePixels(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if w, h, ok := strings.Cut(strings.ToLower(s), "x"); ok {
		wi, err1 := strconv.ParseInt(w, 10, 64)
		hi, err2 := strconv.ParseInt(h, 10, 64)
		if err1 != nil || err2 != nil || wi <= 0 || hi <= 0 || wi > 1<<31 || hi > 1<<31 {
			return 0, fmt.Errorf("%q is not WIDTHxHEIGHT", s)
		}
		return wi * hi, nil
	}
	mult := 1.0
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult = 1e3
		case 'm', 'M':
			mult = 1e6
		case 'g', 'G':
			mult = 1e9
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	f, err := parseFinite(s)
	if err != nil || !(f*mult >= 1) || f*mult > 1e15 { // !(>=) also refuses NaN
		return 0, fmt.Errorf("%q is not a pixel count like 64M or 8000x8000", s)
	}
	return int64(f * mult), nil
}

// formatPixels writes a pixel count the short way parsePixels reads.
func formatPixels(n int64) string {
	switch {
	case n >= 1e9 && n%1e9 == 0:
		return strconv.FormatInt(n/1e9, 10) + "G"
	case n >= 1e6 && n%1e6 == 0:
		return strconv.FormatInt(n/1e6, 10) + "M"
	case n >= 1e3 && n%1e3 == 0:
		return strconv.FormatInt(n/1e3, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}
