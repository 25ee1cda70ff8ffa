package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
	"github.com/urfave/cli/v2"
)

// generateOptions is a parsed `srcascade generate` command line.
type generateOptions struct {
	Model   string   // base model: a built-in name or a checkpoint folder written by train --stage base
	Backend string   // as modelOptions.Backend
	Output  string   // the folder of the images and the sheet
	N       int      // images to generate, at least 1
	Classes []string // --class values (names, slugs or indices); none = every class in turn
	// Guidance is the classifier-free guidance scale; nil = the model's default.
	Guidance *float64
	Seed     int64
	Steps    int     // base sampler steps; 0 = the model's default
	Sampler  string  // "", ddim or ddpm
	Eta      float64 // DDIM eta of the base sampler
	Size     int     // side of the base images; 0 = the trained size, else cascade.DefaultBaseSize
	// SR is the super-resolution model (as upscale's -m); "" = the base
	// model's own cascade (pretrained.Base.Cascade; none for a checkpoint
	// folder), srNone = none.
	SR    string
	Scale int // SR scale; 0 = the SR model's smallest
	// CondNoise is the SR stages' conditioning-augmentation level; nil =
	// each stage's automatic level for generated inputs.
	CondNoise *float64
	NN        string // labelled training folder to find each sample's nearest image in; "" = none
	Zoom      int    // sheet enlargement; 0 = automatic
	Overwrite bool   // replace images and sheet.png of an earlier run in -o
	Quiet     bool
}

// Limits of generate.
const (
	generateMaxN    = 10000
	generateMaxSize = 1024
	generateMaxZoom = 16
	// generateSheetPanel is the least side of a sheet panel in pixels with
	// the automatic --zoom.
	generateSheetPanel = 64
	// generateSheetFile is the contact sheet's name in the output folder.
	generateSheetFile = "sheet.png"
	// generateSheetMaxRound is the most classes a sheet row holds when it
	// shows one round of the classes.
	generateSheetMaxRound = 12
	// srNone is the --sr value that keeps the base samples.
	srNone = "none"
)

const generateDescription = `Generates images from noise with a base model (Cascaded Diffusion Models):
the base model (-m: built-in, by default ` + pretrained.DefaultBase + `, or a checkpoint folder
written by srcascade train --stage base) samples small images (--size: by
default the size it was trained at, else 16x16), each conditioned on a class
with classifier-free guidance (--guidance), and super-resolution models (--sr,
as upscale's -m: a built-in name, a checkpoint folder, or stages joined with +)
enlarge them, each stage conditioned on the previous one's output with the
conditioning augmentation level of its model for generated inputs (--cond-noise
overrides). A built-in base model comes with its cascade (` + pretrained.DefaultBase + `:
16x16 emoji, then emoji-x2 twice to 64x64; srcascade models lists them), which
--sr replaces; --sr none keeps the base samples. A checkpoint folder has no
cascade: without --sr its samples are the final images.

Classes: --class takes a class name, its lower-case slug (as in the file names)
or its index; repeat it or give a comma-separated list. The samples go through
the listed classes in turn (by default all the model's classes). The class
names come from the checkpoint: classes.json beside config.json, a JSON list
["name", ...] that training writes (label i is entry i); without it they are
class0, class1, ...

Writes OUT_DIR/NNN_<class>.png (NNN.png for an unconditional model), each
atomically, and OUT_DIR/sheet.png, a
contact sheet captioned with the sample numbers and classes (a row per round of
the classes, so each column is one class, for up to 12 classes). With --nn DIR (a
training folder, one subfolder per class) every sample is shown beside its
nearest training image (RMS pixel distance at the base size, in [0,1] units:
near 0 is a memorised copy) and the distances are printed as a table.

Files of those names already in OUT_DIR (an earlier run's) are kept: generate
refuses to start and names them; --overwrite replaces them (never an image of
the --nn folder, nor any other file generate reads).

The same --seed gives the same images; sample i does not depend on -n.

Examples:
  srcascade generate -n 16 --class "Animals & Nature" --seed 1 -o out/
  srcascade generate -n 8 --class flags,smileys-emotion --guidance 2 -o out/
  srcascade generate --sr none --nn emoji/ -n 36 -o out/
  srcascade generate -m ./base-ckpt --sr emoji-x2+emoji-x2 -o out/`

// generateCommand is the `srcascade generate` command.
func generateCommand(set func(command)) *cli.Command {
	ioFlags := []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"},
			Usage: "write the images and sheet.png to the folder `OUT_DIR` (created); required"},
		&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Value: 16,
			Usage: "generate `N` images"},
		&cli.StringFlag{Name: "nn",
			Usage: "show each sample's nearest image of the training folder `DIR` (one subfolder per class) on the sheet, and print the distances"},
		&cli.IntFlag{Name: "zoom",
			Usage: "enlarge the sheet's panels `N` times (nearest neighbour; 0 = to at least 64 pixels)"},
		boolFlag("overwrite", "", "replace the images and sheet.png of an earlier run in OUT_DIR (default: refuse)"),
		boolFlag("quiet", "q", "no progress on stderr"),
	}
	model := []cli.Flag{
		&cli.StringFlag{Name: "model", Aliases: []string{"m"},
			Value: pretrained.DefaultBase,
			Usage: "base `MODEL`: a built-in base model or a checkpoint folder written by srcascade train --stage base"},
		&cli.StringSliceFlag{Name: "class", Category: modelCategory,
			Usage: "generate class `NAME` (a name, its slug or its index; repeat or comma-separate; default: every class in turn)"},
		&cli.StringFlag{Name: "guidance",
			Usage: "classifier-free guidance `SCALE` w >= 0: eps = (1+w) eps(class) - w eps(none) (default: the model's)"},
		&cli.Int64Flag{Name: "seed", Value: 1,
			Usage: "noise `SEED`: the same seed gives the same images"},
		&cli.IntFlag{Name: "steps",
			Usage: "base sampler `STEPS` (0 = the model's default)"},
		&cli.StringFlag{Name: "sampler",
			Usage: "base `SAMPLER`: ddim or ddpm (default: the model's)"},
		&cli.Float64Flag{Name: "eta", Category: modelCategory, // inCategory skips float flags
			Usage: "DDIM `ETA` of the base sampler: 0 is deterministic, 1 is as noisy as DDPM"},
		&cli.IntFlag{Name: "size",
			Usage: fmt.Sprintf("side of the base images in `PIXELS` (0 = the size the model was trained at, from its train.json, else %d)", cascade.DefaultBaseSize)},
		&cli.StringFlag{Name: "sr",
			Usage: "super-resolution `MODEL` for the base images, as upscale's -m (emoji-x2+emoji-x2, bicubic, a checkpoint folder), or none (default: the built-in base model's cascade; none for a checkpoint folder)"},
		&cli.IntFlag{Name: "scale", Aliases: []string{"s"},
			Usage: "upscale `FACTOR` of --sr (0 = its smallest)"},
		&cli.StringFlag{Name: "cond-noise",
			Usage: "CDM conditioning-augmentation `LEVEL` of the --sr stages (default: each model's level for generated inputs)"},
		&cli.StringFlag{Name: "backend",
			Usage: "compute `BACKEND`: go, xla:cpu, xla:cuda or a PJRT plugin .so path (default: $GOMLX_BACKEND, else XLA if installed, else go)"},
	}
	return &cli.Command{
		Name:        "generate",
		Usage:       "generate images from noise with a base model, optionally upscaled by super-resolution stages",
		UsageText:   "srcascade generate [options] -o OUT_DIR",
		Description: generateDescription,
		Flags:       append(inCategory(ioCategory, ioFlags), inCategory(modelCategory, model)...),
		Action:      setOptions(set, generateOptionsFrom),
	}
}

// generateOptionsFrom reads and checks the flags and arguments of generate.
func generateOptionsFrom(c *cli.Context) (*generateOptions, error) {
	const cmd = "generate"
	o := &generateOptions{
		Model:   c.String("model"),
		Backend: c.String("backend"),
		Output:  c.String("output"),
		N:       c.Int("count"),
		Seed:    c.Int64("seed"),
		Steps:   c.Int("steps"),
		Sampler: strings.ToLower(c.String("sampler")),
		Eta:     c.Float64("eta"),
		Size:    c.Int("size"),
		SR:      c.String("sr"),
		Scale:   c.Int("scale"),
		NN:      c.String("nn"),
		Zoom:    c.Int("zoom"),
		Quiet:   c.Bool("quiet"),
	}
	o.Overwrite = c.Bool("overwrite")
	if c.Args().Present() {
		return nil, usagef(cmd, "unexpected argument %q (generate takes no files; the output folder is -o)", c.Args().First())
	}
	for _, v := range c.StringSlice("class") {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, usagef(cmd, "--class: empty class name")
		}
		o.Classes = append(o.Classes, v)
	}
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"guidance", &o.Guidance}, {"cond-noise", &o.CondNoise}} {
		if !c.IsSet(f.name) {
			continue
		}
		v, err := parseFinite(c.String(f.name))
		if err != nil {
			return nil, usagef(cmd, "--%s %q: %v", f.name, c.String(f.name), err)
		}
		*f.dst = &v
	}
	switch {
	case o.Model == "":
		return nil, usagef(cmd, "-m/--model is empty: give a base model, %s or a checkpoint folder written by srcascade train --stage base", strings.Join(pretrained.BaseNames(), ", "))
	case o.Output == "":
		return nil, usagef(cmd, "no -o/--output given: the folder to write the images to")
	case o.N < 1 || o.N > generateMaxN:
		return nil, usagef(cmd, "-n %d: must be 1 to %d", o.N, generateMaxN)
	case o.Guidance != nil && (!(*o.Guidance >= 0) || math.IsInf(*o.Guidance, 0)):
		return nil, usagef(cmd, "--guidance %g: must be a number 0 or more", *o.Guidance)
	case o.Steps < 0:
		return nil, usagef(cmd, "--steps %d: must be 0 (model default) or more", o.Steps)
	case o.Sampler != "" && o.Sampler != "ddim" && o.Sampler != "ddpm":
		return nil, usagef(cmd, "--sampler %q: must be ddim or ddpm", c.String("sampler"))
	case o.Eta < 0:
		return nil, usagef(cmd, "--eta %g: must be 0 or more", o.Eta)
	case o.Size < 0 || o.Size > generateMaxSize:
		return nil, usagef(cmd, "--size %d: must be 0 (%d) to %d", o.Size, cascade.DefaultBaseSize, generateMaxSize)
	case o.Scale != 0 && !slices.Contains([]int{2, 3, 4, 8}, o.Scale):
		return nil, usagef(cmd, "-s/--scale %d: must be 2, 3, 4 or 8", o.Scale)
	case o.Scale != 0 && o.SR == srNone:
		return nil, usagef(cmd, "-s/--scale %d: --sr none keeps the base samples; -s is the scale of the super-resolution model", o.Scale)
	case o.CondNoise != nil && !(*o.CondNoise >= 0 && *o.CondNoise <= 1):
		return nil, usagef(cmd, "--cond-noise %g: must be between 0 and 1", *o.CondNoise)
	case o.CondNoise != nil && o.SR == srNone:
		return nil, usagef(cmd, "--cond-noise: --sr none keeps the base samples; --cond-noise is the level of the super-resolution stages")
	case o.Zoom < 0 || o.Zoom > generateMaxZoom:
		return nil, usagef(cmd, "--zoom %d: must be 0 (automatic) to %d", o.Zoom, generateMaxZoom)
	}
	if err := checkBackend(o.Backend); err != nil {
		return nil, usagef(cmd, "--backend %q: %v", o.Backend, err)
	}
	return o, nil
}

// generated is one sample, with what the sheet and the table show of it.
type generated struct {
	file  string      // its file in the output folder
	class string      // class name; "" for an unconditional model
	base  *data.Image // the base sample
	final *data.Image // after super-resolution
	nn    *nnMatch    // its nearest training image, with --nn
}

func (o *generateOptions) run(ctx context.Context, e *env) error {
	const cmd = "generate"
	if st, err := os.Stat(o.Output); err == nil && !st.IsDir() {
		return usagef(cmd, "-o %s: exists and is not a folder", o.Output)
	}
	if o.NN != "" {
		if st, err := os.Stat(o.NN); err != nil || !st.IsDir() {
			return usagef(cmd, "--nn %s: no such folder (give a training folder, one subfolder per class)", o.NN)
		}
	}
	opened, err := pretrained.OpenBase(o.Model, o.Backend)
	if err != nil {
		if errors.Is(err, pretrained.ErrNotBase) || errors.Is(err, pretrained.ErrUnknownModel) {
			return &usageError{cmd: cmd, err: fmt.Errorf("-m/--model: %w", err)}
		}
		return err
	}
	base, names, cfg := opened.Model, opened.Classes, opened.Model.Config
	labels, err := o.labels(names)
	if err != nil {
		return err
	}
	if o.Guidance != nil && *o.Guidance > 0 && cfg.Classes == 0 {
		return usagef(cmd, "--guidance %g: model %s is unconditional (no classes), it takes no guidance", *o.Guidance, o.Model)
	}
	gen := &cascade.Generator{Base: base, Size: o.Size}
	sizeFrom := "--size"
	switch {
	case o.Size == 0 && opened.Size > 0:
		gen.Size, sizeFrom = opened.Size, "the trained size"
	case o.Size == 0:
		gen.Size, sizeFrom = cascade.DefaultBaseSize, "the default size"
	}
	if m := cfg.SizeMultiple(); gen.Size%m != 0 {
		return usagef(cmd, "--size %d: the base model needs a multiple of %d", gen.Size, m)
	}
	switch o.SR {
	case srNone:
		o.SR = ""
	case "":
		o.SR = opened.Cascade
		if o.SR == "" && (o.Scale != 0 || o.CondNoise != nil) {
			return usagef(cmd, "-s/--scale and --cond-noise are for super-resolution stages: %s is a checkpoint folder, which has no cascade; give --sr MODEL", o.Model)
		}
	}
	if o.SR != "" {
		if gen.Upscaler, err = o.openSR(); err != nil {
			return err
		}
	}
	opts := cascade.GenerateOptions{
		Seed: o.Seed, Steps: o.Steps, Sampler: o.Sampler, Eta: o.Eta, Guidance: o.Guidance,
		SR: cascade.Options{Scale: o.Scale, CondNoise: o.CondNoise},
	}
	size := gen.Size
	var nnSet []nnImage
	if o.NN != "" {
		if nnSet, err = loadNNSet(ctx, e, o.NN, size, o.Quiet); err != nil {
			return err
		}
	}
	files := sampleFiles(o.N, labels, names)
	if err := o.checkOutputs(files, nnSet); err != nil {
		return err
	}

	sc, err := gen.SamplerConfig(opts)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if !o.Quiet {
		fmt.Fprintf(e.stderr, "base model %s: %s, %dx%d (%s), %d %s steps%s\n", o.Model, describeClasses(cfg, len(o.Classes)), size, size,
			sizeFrom, sc.Steps, sc.Kind, guidanceText(gen.Guidance(opts), cfg.Classes))
		if gen.Upscaler != nil {
			s := gen.Scale(opts)
			fmt.Fprintf(e.stderr, "super-resolution %s: x%d to %dx%d\n", gen.Upscaler.Name(), s, size*s, size*s)
			if n := scaleNote(gen.Upscaler); n != "" {
				fmt.Fprintln(e.stderr, n)
			}
		}
	}
	rep := newProgress(e, o.Quiet)
	if o.Eta != 0 && (sc.Kind != sr3.DDIM || sc.Steps == 1) {
		rep.logf("warning: %s", doNothing([]string{"--eta"}, fmt.Sprintf("eta is for DDIM sampling of more than one step, and the base model samples with %d %s %s", sc.Steps, sc.Kind, plural(sc.Steps, "step", "steps"))))
	}
	rep.task = true // "9 images", not an image counter
	rep.start(1)
	rep.begin(fmt.Sprintf("%d %s", o.N, plural(o.N, "image", "images")))
	baseImgs, final, err := gen.Generate(ctx, o.N, labels, opts, rep.step)
	rep.end()
	if err != nil {
		rep.close()
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	rep.finish(result{job: job{in: "generate", out: o.Output}, status: statusDone,
		note: fmt.Sprintf("%d %s of %dx%d", o.N, plural(o.N, "image", "images"), final[0].W, final[0].H)})
	rep.close()

	samples := make([]generated, o.N)
	for i := range samples {
		s := &samples[i]
		s.base, s.final, s.file = baseImgs[i], final[i], files[i]
		if labels != nil {
			s.class = names[labels[i]]
		}
		if nnSet != nil {
			s.nn = nearestTraining(s.base, nnSet)
		}
	}
	for _, s := range samples {
		if ctx.Err() != nil {
			return errInterrupted
		}
		if err := save(filepath.Join(o.Output, s.file), &data.Decoded{Image: s.final, Depth: 8}, data.EncodeOptions{}); err != nil {
			return err
		}
	}
	sheet, err := o.writeSheet(samples, size)
	if err != nil {
		return err
	}
	if !o.Quiet {
		fmt.Fprintf(e.stderr, "wrote %d %s of %dx%d to %s, and the contact sheet %s (%dx%d)\n", o.N, plural(o.N, "image", "images"),
			final[0].W, final[0].H, o.Output, filepath.Join(o.Output, generateSheetFile), sheet.W, sheet.H)
	}
	if nnSet != nil {
		return writeNNTable(e.stdout, o.NN, len(nnSet), size, samples)
	}
	return nil
}

// sampleFiles are the file names of n samples: NNN_<class slug>.png, or
// NNN.png without labels, numbered from 0 with at least 3 digits.
func sampleFiles(n int, labels []int32, names []string) []string {
	width := max(3, len(strconv.Itoa(n-1)))
	files := make([]string, n)
	for i := range files {
		files[i] = fmt.Sprintf("%0*d.png", width, i)
		if labels != nil {
			files[i] = fmt.Sprintf("%0*d_%s.png", width, i, train.ClassSlug(names[labels[i]], int(labels[i])))
		}
	}
	return files
}

// checkOutputs refuses, before anything is generated, to write over files
// in the output folder: the sample files and sheet.png of an earlier run
// unless --overwrite, and never a file generate reads (an image of the
// --nn folder, the files of the base or --sr checkpoint folders), however
// the paths are spelled.
func (o *generateOptions) checkOutputs(files []string, nnSet []nnImage) error {
	const cmd = "generate"
	read := inputSet()
	for _, im := range nnSet {
		read.Add(filepath.Join(o.NN, filepath.FromSlash(im.path)))
	}
	for _, dir := range append([]string{o.Model}, strings.Split(o.SR, pretrained.ChainSep)...) {
		if entries, err := os.ReadDir(dir); err == nil && dir != "" {
			for _, en := range entries {
				read.Add(filepath.Join(dir, en.Name()))
			}
		}
	}
	var existing []string
	for _, f := range append(slices.Clone(files), generateSheetFile) {
		path := filepath.Join(o.Output, f)
		if in, ok := read.Contains(path); ok {
			what := "training image"
			if o.NN == "" || !strings.HasPrefix(absPath(in), absPath(o.NN)+string(filepath.Separator)) {
				what = "model file"
			}
			return usagef(cmd, "-o %s: %s would replace the %s %s; choose another -o", o.Output, path, what, in)
		}
		if st, err := os.Lstat(path); err == nil {
			if st.IsDir() {
				return usagef(cmd, "-o %s: %s is a folder", o.Output, path)
			}
			existing = append(existing, f)
		}
	}
	if len(existing) > 0 && !o.Overwrite {
		shown := existing
		if len(shown) > 5 {
			shown = append(slices.Clone(shown[:5]), fmt.Sprintf("and %d more", len(existing)-5))
		}
		return usagef(cmd, "-o %s already holds %s: pass --overwrite to replace them, or choose another -o",
			o.Output, strings.Join(shown, ", "))
	}
	return nil
}

// describeClasses says what the model is conditioned on, for the log.
func describeClasses(cfg sr3.Config, chosen int) string {
	switch {
	case cfg.Classes == 0:
		return "unconditional"
	case chosen > 0:
		return fmt.Sprintf("%d %s of %d", chosen, plural(chosen, "class", "classes"), cfg.Classes)
	}
	return fmt.Sprintf("%d %s in turn", cfg.Classes, plural(cfg.Classes, "class", "classes"))
}

// guidanceText is the guidance scale for the log ("" without classes).
func guidanceText(w float64, classes int) string {
	if classes == 0 {
		return ""
	}
	return fmt.Sprintf(", guidance %g", w)
}

// labels returns the class label of every sample: the --class values in
// turn, else every class in turn; nil for an unconditional model.
func (o *generateOptions) labels(names []string) ([]int32, error) {
	const cmd = "generate"
	if len(names) == 0 {
		if len(o.Classes) > 0 {
			return nil, usagef(cmd, "--class %s: model %s is unconditional (it has no classes); drop --class", o.Classes[0], o.Model)
		}
		return nil, nil
	}
	var chosen []int32
	for _, v := range o.Classes {
		i, err := findClass(names, v)
		if err != nil {
			return nil, usagef(cmd, "--class %q: %v", v, err)
		}
		chosen = append(chosen, int32(i))
	}
	if len(chosen) == 0 {
		for i := range names {
			chosen = append(chosen, int32(i))
		}
	}
	labels := make([]int32, o.N)
	for i := range labels {
		labels[i] = chosen[i%len(chosen)]
	}
	return labels, nil
}

// findClass returns the index of the class v names: its index, its exact
// name, its name ignoring case, or its slug (train.ClassSlug).
func findClass(names []string, v string) (int, error) {
	if i, err := strconv.Atoi(v); err == nil {
		if i < 0 || i >= len(names) {
			return 0, fmt.Errorf("no class %d (indices 0 to %d); the model's classes: %s", i, len(names)-1, listClasses(names))
		}
		return i, nil
	}
	if i := slices.Index(names, v); i >= 0 {
		return i, nil
	}
	if i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, v) }); i >= 0 {
		return i, nil
	}
	var found []int
	for i, n := range names {
		if train.ClassSlug(n, i) == strings.ToLower(v) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return 0, fmt.Errorf("no such class; the model's classes: %s", listClasses(names))
	}
	return 0, fmt.Errorf("ambiguous: the classes %s all have this slug; give the index", listClasses(classesAt(names, found)))
}

// classesAt returns names[i] for each i of idx.
func classesAt(names []string, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = names[i]
	}
	return out
}

// listClasses lists class names with their indices: "0 cat, 1 dog".
func listClasses(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%d %s", i, n)
	}
	return strings.Join(parts, ", ")
}

// openSR opens --sr and checks it: a super-resolution model (not a base
// model) supporting --scale and --cond-noise for generated inputs.
func (o *generateOptions) openSR() (cascade.Upscaler, error) {
	const cmd = "generate"
	up, err := pretrained.Open(o.SR, o.Backend)
	if err != nil {
		if errors.Is(err, pretrained.ErrUnknownModel) || errors.Is(err, pretrained.ErrBaseModel) {
			return nil, &usageError{cmd: cmd, err: fmt.Errorf("--sr: %w", err)}
		}
		return nil, err
	}
	if o.Scale != 0 {
		if up, err = cascade.ForScale(up, o.Scale); err != nil {
			return nil, usagef(cmd, "-s/--scale %d: %v", o.Scale, err)
		}
	}
	if err := srcascade.CheckCondNoise(up, cascade.Options{CondNoise: o.CondNoise, Generated: true}); err != nil {
		return nil, modelError(cmd, modelOptions{}, err)
	}
	return up, nil
}

// classPeriod is the number of samples in one round of the classes they
// cycle through: the index of the first sample of the same class as sample
// 0, or all of them when none is (one class, or fewer samples than
// classes, are rounds as well).
func classPeriod(samples []generated) int {
	for i := 1; i < len(samples); i++ {
		if samples[i].class == samples[0].class {
			return i
		}
	}
	return len(samples)
}

// writeSheet writes the contact sheet: the samples in a near-square grid,
// or a row per round of the classes they cycle through (2 to
// generateSheetMaxRound classes, without --nn), each captioned with its
// number and class, with --nn followed by its
// nearest training image (enlarged to the sample's size) and distance.
func (o *generateOptions) writeSheet(samples []generated, size int) (*data.Image, error) {
	path := filepath.Join(o.Output, generateSheetFile)
	fin := samples[0].final
	per := int(math.Ceil(math.Sqrt(float64(len(samples)))))
	if samples[0].nn != nil {
		per = min(per, 4)
	}
	per = min(per, 8)
	if k := classPeriod(samples); k > 1 && k <= generateSheetMaxRound && samples[0].nn == nil {
		per = k // a row per round of the classes: a column per class
	}
	zoom := o.Zoom
	if zoom == 0 {
		side := max(fin.W, fin.H)
		zoom = max(1, (generateSheetPanel+side-1)/side)
	}
	blank := data.NewImage(fin.W, fin.H, fin.C)
	for i := range blank.Pix {
		blank.Pix[i] = 1 // white
	}
	var rows [][]data.SheetPanel
	for start := 0; start < len(samples); start += per {
		var row []data.SheetPanel
		for i := start; i < start+per; i++ {
			if i >= len(samples) {
				row = append(row, data.SheetPanel{Image: blank})
				if samples[0].nn != nil {
					row = append(row, data.SheetPanel{Image: blank})
				}
				continue
			}
			s := samples[i]
			row = append(row, data.SheetPanel{Image: s.final, Caption: fmt.Sprintf("%d\n%s", i, clipCaption(s.class, 20))})
			if s.nn != nil {
				img := data.EnlargeNearest(s.nn.img.img, fin.W/size)
				if img.C != fin.C {
					img = data.GreyToRGB(img)
				}
				row = append(row, data.SheetPanel{Image: img, Caption: fmt.Sprintf("nearest %.3f\n%s", s.nn.dist, clipCaption(s.nn.img.class, 20))})
			}
		}
		rows = append(rows, row)
	}
	sheet, err := data.Sheet(rows, zoom)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return sheet, save(path, &data.Decoded{Image: sheet, Depth: 8}, data.EncodeOptions{})
}

// clipCaption shortens s to n runes, ending it with "~" when cut.
func clipCaption(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "~"
}

// nnImage is a training image at the base size.
type nnImage struct {
	path  string // relative to the --nn folder
	class string // its first folder; "" for a file at the top
	img   *data.Image
}

// nnMatch is a sample's nearest training image.
type nnMatch struct {
	img  *nnImage
	dist float64 // RMS difference in [0,1] units
}

// loadNNSet reads every image under dir (hidden files skipped), as RGB
// composited over white, centre-cropped to a square and resized
// (MATLAB-exact bicubic) to size x size.
func loadNNSet(ctx context.Context, e *env, dir string, size int, quiet bool) ([]nnImage, error) {
	const cmd = "generate"
	tree, err := walkImages(dir, true, nil)
	if err != nil {
		return nil, usagef(cmd, "--nn %s: %v", dir, err)
	}
	files := tree.Files
	if len(files) == 0 {
		return nil, usagef(cmd, "--nn %s: no images (give a training folder, one subfolder per class)", dir)
	}
	var set []nnImage
	var bad []string
	for _, err := range tree.Unreadable {
		bad = append(bad, err.Error())
	}
	small := 0
	for _, rel := range files {
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		d, err := decodeSafely(filepath.Join(dir, rel), data.Limits{})
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		img := nnPrepare(d, size)
		if img == nil {
			small++
			continue
		}
		class := ""
		if parts := strings.Split(filepath.ToSlash(rel), "/"); len(parts) > 1 {
			class = parts[0]
		}
		set = append(set, nnImage{path: filepath.ToSlash(rel), class: class, img: img})
	}
	if len(set) == 0 {
		why := fmt.Sprintf("%d smaller than %dx%d", small, size, size)
		if len(bad) > 0 {
			why = bad[0]
		}
		return nil, usagef(cmd, "--nn %s: no usable images (%s)", dir, why)
	}
	if !quiet {
		fmt.Fprintf(e.stderr, "nearest neighbours among %d images of %s", len(set), dir)
		if small > 0 {
			fmt.Fprintf(e.stderr, " (%d smaller than %dx%d skipped, as training does)", small, size, size)
		}
		if len(bad) > 0 {
			fmt.Fprintf(e.stderr, " (%d unreadable, skipped: %s)", len(bad), bad[0])
		}
		fmt.Fprintln(e.stderr)
	}
	return set, nil
}

// nnPrepare makes a decoded training image comparable with the samples,
// as training prepares it (train.LoadLabelled): RGB composited over white,
// the central square shrunk to size x size by MATLAB bicubic, rounded to 8
// bits. It returns nil for an image smaller than size, which training
// skips.
func nnPrepare(d *data.Decoded, size int) *data.Image {
	img := d.Image
	if img.C == 1 {
		img = data.GreyToRGB(img)
	}
	if d.Alpha != nil {
		img = img.Clone()
		for p, a := range d.Alpha.Pix {
			au := data.ToUnit(a)
			for c := range 3 {
				v := &img.Pix[p*3+c]
				*v = au**v + (1 - au)
			}
		}
	}
	s := min(img.W, img.H)
	if s < size {
		return nil
	}
	if img.W != img.H {
		c, err := data.Crop(img, (img.W-s)/2, (img.H-s)/2, s, s)
		if err != nil {
			panic(err) // the square fits
		}
		img = c
	}
	if s != size {
		img = data.Resize(img, size, size)
	}
	return data.Quantize(img)
}

// nearestTraining returns the training image closest to img (same size and
// channels) by RMS difference, in [0,1] units.
func nearestTraining(img *data.Image, set []nnImage) *nnMatch {
	best := &nnMatch{dist: math.Inf(1)}
	for i := range set {
		t := set[i].img
		if t.W != img.W || t.H != img.H || t.C != img.C {
			continue
		}
		if d := data.RMSDistance(img, t); d < best.dist {
			best.img, best.dist = &set[i], d
		}
	}
	if best.img == nil {
		return nil
	}
	return best
}

// writeNNTable prints each sample's nearest training image and distance.
func writeNNTable(w io.Writer, dir string, count, size int, samples []generated) error {
	fmt.Fprintf(w, "nearest training images in %s (%d images; RMS pixel distance at %dx%d, [0,1] units: near 0 is a copy)\n\n", dir, count, size, size)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", "sample", "class", "nearest", "distance")
	for _, s := range samples {
		if s.nn == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4f\n", s.file, orDash(s.class), s.nn.img.path, s.nn.dist)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	var sum float64
	var n int
	var closest *generated
	for i, s := range samples {
		if s.nn == nil {
			continue
		}
		sum += s.nn.dist
		n++
		if closest == nil || s.nn.dist < closest.nn.dist {
			closest = &samples[i]
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "\nmean distance %.4f over %d samples; closest: %s at %.4f of %s\n", sum/float64(n), n, closest.file, closest.nn.dist, closest.nn.img.path)
	}
	return nil
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
