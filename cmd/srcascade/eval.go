package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/train"
	"github.com/urfave/cli/v2"
)

// evalOptions is a parsed `srcascade eval` command line.
type evalOptions struct {
	Folders   []string // HR image folders and files
	Recursive bool
	JSON      bool   // print JSON instead of tables
	Save      string // folder to keep the SR outputs in; "" = don't
	MaxPixels int64
	Quiet     bool
	Model     modelOptions
	Shard     data.Shard // --shard: the part of the images to evaluate; zero = all
	// Degrade damages each LR as training's --degrade does (seeded by
	// --seed and the image's name) and adds the artefact columns.
	Degrade train.DegradeOptions
}

const evalDescription = `Runs the super-resolution benchmark protocol on folders of high-resolution
(HR) images, as the published Set5/Set14 tables do:
  1. modcrop HR to a multiple of the scale;
  2. LR = bicubic (MATLAB imresize) HR / scale, rounded to 8 bits;
  3. SR = the model's upscale of LR, rounded to 8 bits;
  4. PSNR and SSIM on the luma Y (BT.601), scale pixels shaved off every border;
     detail = mean absolute luma gradient of SR / that of HR, same shave
     (1 = as much fine detail as HR, below 1 smoother: bicubic is ~0.5 at x4);
     consistency = MSE between bicubic-downscaled SR and LR (images in [0,1]);
     seconds = the model's time, without compiling the network: an image
     whose upscale compiled it (the first of each size) is run again to be
     timed, and the compilation is reported on its own.
With --degrade SPEC (train's syntax: realworld, or blur=P@MIN-MAX,noise=...,jpeg=...)
the LR of step 2 is damaged as training damages it (blur before the downscale,
noise, JPEG), drawn from --seed and the image's name, and three columns are added:
     grid = JPEG block-grid strength of SR (data.BlockGridStrength: the luma
     step across the LR's 8x8 block boundaries over that across its other
     pixel boundaries; 1 = no grid), bicubic's beside it;
     noise = RMS change of SR's luma, in grey levels, between the damaged and
     the clean LR (the model runs on both), bicubic's beside it.
HR_FOLDER_OR_FILE is a folder (every image in it, -r for subfolders) or an image file;
files given directly share one table.
Prints a table per folder with the mean; --json prints the same as JSON.

Examples:
  srcascade eval -s 4 Set5/ Set14/
  srcascade eval -m ./ckpt --steps 1 --json Set5/ > set5.json
  srcascade eval -s 2 --save sr/ Set5/          # keep the SR images as PNG
  srcascade eval --degrade jpeg=1@50-90 photos/  # damaged inputs (never Set5/Set14)`

// evalCommand is the `srcascade eval` command.
func evalCommand(set func(command)) *cli.Command {
	flags := []cli.Flag{
		boolFlag("json", "", "print the results as JSON on stdout"),
		&cli.StringFlag{Name: "save", Usage: "keep the SR outputs as PNG in `DIR` (mirrors the folders)"},
		boolFlag("recursive", "r", "include images in subfolders"),
		maxPixelsFlag(),
		boolFlag("quiet", "q", "no progress on stderr"),
		&cli.StringFlag{Name: "shard", Usage: "evaluate only part `K/N` of the images (K = 1..N), by a hash of each file's path relative to its folder; " +
			"the N JSON reports together hold every image once (their means are of their part only)"},
		&cli.StringFlag{Name: "degrade", Usage: "damage each LR as `SPEC` (train --degrade's syntax, seeded by --seed) and add artefact columns"},
	}
	return &cli.Command{
		Name:        "eval",
		Usage:       "measure Y-PSNR, SSIM, detail and consistency of a model on HR image folders",
		ArgsUsage:   "HR_INPUT...",
		UsageText:   "srcascade eval [options] HR_FOLDER_OR_FILE...",
		Description: evalDescription,
		Flags:       append(inCategory(ioCategory, flags), modelFlags()...),
		Action:      setOptions(set, evalOptionsFrom),
	}
}

// evalOptionsFrom reads and checks the flags and arguments of eval.
func evalOptionsFrom(c *cli.Context) (*evalOptions, error) {
	const cmd = "eval"
	o := &evalOptions{
		Folders:   c.Args().Slice(),
		Recursive: c.Bool("recursive"),
		JSON:      c.Bool("json"),
		Save:      c.String("save"),
		Quiet:     c.Bool("quiet"),
	}
	if len(o.Folders) == 0 {
		return nil, usagef(cmd, "no HR folder or image given")
	}
	var err error
	if o.MaxPixels, err = parsePixels(c.String("max-pixels")); err != nil {
		return nil, usagef(cmd, "--max-pixels: %v", err)
	}
	if o.Model, err = modelOptionsFrom(c, cmd); err != nil {
		return nil, err
	}
	if c.IsSet("shard") {
		if o.Shard, err = data.ParseShard(c.String("shard")); err != nil {
			return nil, usagef(cmd, "--shard: %v", err)
		}
	}
	if o.Degrade, err = train.ParseDegrade(c.String("degrade")); err != nil {
		return nil, usagef(cmd, "--degrade %q: %v", c.String("degrade"), err)
	}
	return o, nil
}

// metricFloat is a float64 that encodes NaN and ±Inf (PSNR of identical
// images) as JSON null.
type metricFloat float64

// MarshalJSON implements json.Marshaler.
func (f metricFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// evalScores are the metrics of one image or the mean of several.
type evalScores struct {
	PSNR        metricFloat `json:"psnr_y"`
	SSIM        metricFloat `json:"ssim_y"`
	Detail      metricFloat `json:"detail"` // data.DetailRatio: 1 = as much fine detail as HR
	Consistency metricFloat `json:"consistency"`
	Seconds     metricFloat `json:"seconds"`
	// The artefact measures of eval --degrade (nil without it).
	*artefactScores
}

// artefactScores are eval --degrade's measures of what an upscaler makes of
// damage, its own and bicubic's.
type artefactScores struct {
	Grid         metricFloat `json:"grid"` // data.BlockGridStrength of SR: 1 = no JPEG grid
	BicubicGrid  metricFloat `json:"bicubic_grid"`
	Noise        metricFloat `json:"noise"` // data.RMSLumaChange of SR from the damaged and from the clean LR
	BicubicNoise metricFloat `json:"bicubic_noise"`
}

// evalImage is one image's row.
type evalImage struct {
	File   string `json:"file"`
	Width  int    `json:"width"` // HR size after modcrop
	Height int    `json:"height"`
	evalScores
}

// evalFailure is an image that could not be evaluated.
type evalFailure struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// evalFolder is one folder's table.
type evalFolder struct {
	Path   string        `json:"path"`
	Images []evalImage   `json:"images"`
	Mean   *evalScores   `json:"mean"` // nil when no image was evaluated
	Failed []evalFailure `json:"failed,omitempty"`
}

// evalReport is the whole output of eval.
type evalReport struct {
	Model   string       `json:"model"`
	Scale   int          `json:"scale"`
	Steps   int          `json:"steps"`
	Sampler string       `json:"sampler,omitempty"`
	Seed    int64        `json:"seed"`
	Shard   string       `json:"shard,omitempty"`   // K/N when --shard chose part of the images
	Degrade string       `json:"degrade,omitempty"` // --degrade's spec, "" for none
	Folders []evalFolder `json:"folders"`
	Mean    *evalScores  `json:"mean"` // over all images of all folders
	// CompileSeconds is the time spent compiling the network (the first
	// call of each input size), not counted in any image's seconds.
	CompileSeconds metricFloat `json:"compile_seconds"`
	// Compilations counts them (one per input size on a learned model).
	Compilations int `json:"compilations"`
}

// run evaluates the model on every folder and prints the report.
func (o *evalOptions) run(ctx context.Context, e *env) error {
	const cmd = "eval"
	type folderFiles struct {
		path       string
		files      []string
		unreadable []error // subfolders and symlinks that could not be read
	}
	var folders []folderFiles
	var warnings []string
	total := 0
	inputs := inputSet()
	for _, f := range o.Folders {
		st, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return usagef(cmd, "HR folder %s: no such folder", f)
		case err != nil:
			return usagef(cmd, "HR folder %s: %v", f, err)
		case !st.IsDir():
			// Image files given directly share one table, in order.
			if !data.IsImagePath(f) {
				return usagef(cmd, "HR image %s: not an image file name (PNG, JPEG, GIF, BMP, TIFF, WebP) nor a folder", f)
			}
			if n := len(folders); n > 0 && folders[n-1].path == "" {
				folders[n-1].files = append(folders[n-1].files, f)
			} else {
				folders = append(folders, folderFiles{files: []string{f}})
			}
			inputs.Add(f)
			total++
			continue
		}
		tree, err := walkImages(f, o.Recursive, nil)
		if err != nil {
			return usagef(cmd, "HR folder %s: %v", f, err)
		}
		files := tree.Files
		if len(files) == 0 && len(tree.Unreadable) == 0 {
			return usagef(cmd, "HR folder %s: no images", f)
		}
		if o.Shard.N > 0 {
			files = slices.DeleteFunc(files, func(rel string) bool { return !o.Shard.Has(rel) })
		}
		warnings = append(warnings, loopWarnings(f, tree)...)
		folders = append(folders, folderFiles{f, files, tree.Unreadable})
		total += len(files) + len(tree.Unreadable)
		for _, rel := range files {
			inputs.Add(filepath.Join(f, rel))
		}
	}
	if o.Save != "" {
		saved := map[string]string{}
		for _, f := range folders {
			for _, rel := range f.files {
				in, out := filepath.Join(f.path, rel), o.savePath(f.path, rel, len(folders))
				if err := replacesInput(inputs, out, "HR image"); err != nil {
					return usagef(cmd, "--save %s: %v; save the outputs elsewhere", o.Save, err)
				}
				if prev, ok := saved[absPath(out)]; ok {
					return usagef(cmd, "--save %s: %s and %s would both be saved as %s", o.Save, prev, in, out)
				}
				saved[absPath(out)] = in
			}
		}
	}
	up, err := o.Model.open(cmd)
	if err != nil {
		return err
	}
	compiledAtOpen := cascade.Compilations(up)
	rep := newProgress(e, o.Quiet)
	if n := scaleNote(up); n != "" {
		rep.logf("%s", n)
	}
	if w := o.Model.unusedWarning(up); w != "" {
		warnings = append(warnings, w)
	}
	for _, w := range warnings {
		rep.logf("warning: %s", w)
	}
	rep.start(total)
	report := &evalReport{Model: up.Name(), Scale: o.Model.Scale, Steps: o.Model.Steps,
		Sampler: o.Model.Sampler, Seed: o.Model.Seed, Shard: o.Shard.String()}
	if o.Degrade.Enabled() {
		report.Degrade = o.Degrade.String()
	}
	var all []evalScores
	failures := 0
	for _, f := range folders {
		ef := evalFolder{Path: f.path, Images: []evalImage{}}
		if f.path == "" {
			ef.Path = "(files)"
		}
		var scores []evalScores
		for _, err := range f.unreadable {
			ef.Failed = append(ef.Failed, evalFailure{File: f.path, Error: err.Error()})
			rep.finish(result{job: job{in: f.path}, status: statusFailed, err: err})
			failures++
		}
		for _, rel := range f.files {
			if ctx.Err() != nil {
				break
			}
			path := filepath.Join(f.path, rel)
			saveTo := ""
			if f.path == "" { // a file given directly: named by its base name
				rel = filepath.Base(path)
			}
			if o.Save != "" {
				saveTo = o.savePath(f.path, rel, len(folders))
			}
			rep.begin(path)
			var dmg *evalDamage
			if o.Degrade.Enabled() {
				dmg = &evalDamage{opts: o.Degrade, rng: train.DegradeRNG(o.Model.Seed, rel)}
			}
			img, compile, err := evalOne(ctx, up, path, saveTo, o.Model.cascadeOptions(), data.Limits{MaxPixels: o.MaxPixels}, dmg, rep.step)
			report.CompileSeconds += metricFloat(compile)
			rep.end()
			r := result{job: job{in: path, out: saveTo}, status: statusDone}
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				r.status, r.err = statusFailed, err
				ef.Failed = append(ef.Failed, evalFailure{File: rel, Error: err.Error()})
				failures++
			} else {
				img.File = rel
				r.note = fmt.Sprintf("%s dB, SSIM %s, detail %s (%.2fs)", fmtMetric(img.PSNR, "%.2f"), fmtMetric(img.SSIM, "%.4f"), fmtMetric(img.Detail, "%.3f"), float64(img.Seconds))
				ef.Images = append(ef.Images, *img)
				scores = append(scores, img.evalScores)
			}
			rep.finish(r)
		}
		ef.Mean = meanScores(scores)
		all = append(all, scores...)
		report.Folders = append(report.Folders, ef)
		if ctx.Err() != nil {
			break
		}
	}
	rep.close()
	report.Mean = meanScores(all)
	report.Compilations = cascade.Compilations(up) - compiledAtOpen
	if ctx.Err() != nil {
		return errInterrupted
	}
	if o.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	} else if err := writeEvalTables(e.stdout, report); err != nil {
		return err
	}
	if failures > 0 {
		fmt.Fprintln(e.stderr, "failed:")
		for _, f := range report.Folders {
			for _, x := range f.Failed {
				fmt.Fprintf(e.stderr, "  %s\n", x.Error)
			}
		}
		return &failedError{failed: failures, total: total}
	}
	return nil
}

// savePath is where --save keeps the SR output of the image rel (relative
// to its HR folder): --save's folder mirrors the HR folder, or with several
// folders holds one subfolder per HR folder; always PNG. An image file given
// directly (folder "") is saved under its base name in --save itself.
func (o *evalOptions) savePath(folder, rel string, folders int) string {
	if folder == "" {
		rel = filepath.Base(rel)
	}
	name := strings.TrimSuffix(rel, filepath.Ext(rel)) + ".png"
	if folders > 1 && folder != "" {
		return filepath.Join(o.Save, baseName(folder), name)
	}
	return filepath.Join(o.Save, name)
}

// evalDamage is eval --degrade's damage of one image's LR.
type evalDamage struct {
	opts train.DegradeOptions
	rng  *rand.Rand // train.DegradeRNG of the seed and the image
}

// evalOne runs the benchmark protocol on one HR file (see evalDescription).
// When the upscale compiled the network, it is run again to be timed, and
// compile is the difference: the seconds are the model's work alone. With
// dmg, the LR is damaged, and the clean LR is upscaled too for the
// artefact measures.
func evalOne(ctx context.Context, up cascade.Upscaler, path, saveTo string, opts cascade.Options, lim data.Limits, dmg *evalDamage, progress cascade.Progress) (res *evalImage, compile float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%s: internal error: %v", path, p)
		}
	}()
	hr, lr, err := benchmarkPair(path, opts.Scale, lim)
	if err != nil {
		return nil, 0, err
	}
	clean := lr
	if dmg != nil {
		if lr, err = dmg.opts.MakeLR(hr, clean.W, clean.H, dmg.rng); err != nil {
			return nil, 0, fmt.Errorf("%s: --degrade: %w", path, err)
		}
	}
	compiled := cascade.Compilations(up)
	sr, secs, err := superResolve(ctx, up, hr, lr, opts, progress)
	if err == nil && cascade.Compilations(up) > compiled {
		first := secs
		if _, secs, err = superResolve(ctx, up, hr, lr, opts, nil); err == nil {
			compile = max(0, first-secs)
		}
	}
	if err != nil {
		return nil, compile, fmt.Errorf("%s: %w", path, err)
	}
	if saveTo != "" {
		if err := save(saveTo, &data.Decoded{Image: sr, Depth: 8, Format: "png"}, data.EncodeOptions{Format: "png"}); err != nil {
			return nil, compile, err
		}
	}
	scores := benchmarkScores(hr, lr, sr, opts.Scale)
	scores.Seconds = metricFloat(secs)
	if dmg != nil {
		srClean, _, err := superResolve(ctx, up, hr, clean, opts, nil)
		if err != nil {
			return nil, compile, fmt.Errorf("%s: the clean input: %w", path, err)
		}
		scores.artefactScores = artefacts(hr, clean, lr, sr, srClean, opts.Scale)
	}
	return &evalImage{Width: hr.W, Height: hr.H, evalScores: scores}, compile, nil
}

// artefacts measures the SR of a damaged LR against that of the clean LR,
// and bicubic's of both (rounded to 8 bits, as SR is).
func artefacts(hr, clean, damaged, sr, srClean *data.Image, scale int) *artefactScores {
	bic := data.Quantize(data.Resize(damaged, hr.W, hr.H))
	bicClean := data.Quantize(data.Resize(clean, hr.W, hr.H))
	return &artefactScores{
		Grid:         metricFloat(data.BlockGridStrength(sr, scale)),
		BicubicGrid:  metricFloat(data.BlockGridStrength(bic, scale)),
		Noise:        metricFloat(data.RMSLumaChange(sr, srClean)),
		BicubicNoise: metricFloat(data.RMSLumaChange(bic, bicClean)),
	}
}

// benchmarkPair decodes the HR file at path and makes the pair of the
// benchmark protocol (data.BenchmarkPair). Errors name the file.
func benchmarkPair(path string, scale int, lim data.Limits) (hr, lr *data.Image, err error) {
	d, err := data.DecodeFile(path, lim)
	if err != nil {
		return nil, nil, err
	}
	if hr, lr, err = data.BenchmarkPair(d.Image, scale); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return hr, lr, nil
}

// superResolve is cascade.SuperResolve with the model's seconds.
func superResolve(ctx context.Context, up cascade.Upscaler, hr, lr *data.Image, opts cascade.Options, progress cascade.Progress) (*data.Image, float64, error) {
	t0 := time.Now()
	sr, err := cascade.SuperResolve(ctx, up, hr, lr, opts, progress)
	return sr, time.Since(t0).Seconds(), err
}

// benchmarkScores are data.BenchmarkScores as the table's row, all but
// Seconds.
func benchmarkScores(hr, lr, sr *data.Image, scale int) evalScores {
	s := data.BenchmarkScores(hr, lr, sr, scale)
	return evalScores{PSNR: metricFloat(s.PSNR), SSIM: metricFloat(s.SSIM), Detail: metricFloat(s.Detail), Consistency: metricFloat(s.Consistency)}
}

// meanScores is the mean of each metric, nil for no scores.
func meanScores(s []evalScores) *evalScores {
	if len(s) == 0 {
		return nil
	}
	var m evalScores
	if s[0].artefactScores != nil {
		m.artefactScores = &artefactScores{}
	}
	for _, x := range s {
		if a := x.artefactScores; a != nil && m.artefactScores != nil {
			m.Grid += a.Grid
			m.BicubicGrid += a.BicubicGrid
			m.Noise += a.Noise
			m.BicubicNoise += a.BicubicNoise
		}
		m.PSNR += x.PSNR
		m.SSIM += x.SSIM
		m.Detail += x.Detail
		m.Consistency += x.Consistency
		m.Seconds += x.Seconds
	}
	n := metricFloat(len(s))
	m.PSNR /= n
	m.SSIM /= n
	m.Detail /= n
	m.Consistency /= n
	m.Seconds /= n
	if a := m.artefactScores; a != nil {
		a.Grid /= n
		a.BicubicGrid /= n
		a.Noise /= n
		a.BicubicNoise /= n
	}
	return &m
}

// writeEvalTables prints one aligned table per folder with its mean, and
// the mean over all images when there are several folders.
func writeEvalTables(w io.Writer, r *evalReport) error {
	fmt.Fprintf(w, "model %s, x%d", r.Model, r.Scale)
	if r.Steps > 0 {
		fmt.Fprintf(w, ", %d %s", r.Steps, plural(r.Steps, "step", "steps"))
	}
	if r.Sampler != "" {
		fmt.Fprintf(w, ", %s", r.Sampler)
	}
	fmt.Fprintf(w, ", seed %d", r.Seed)
	if r.Degrade != "" {
		fmt.Fprintf(w, ", LR damaged by %s", r.Degrade)
	}
	if r.Compilations > 0 {
		fmt.Fprintf(w, "; the network compiled %d %s in %.1fs, not counted in the seconds column",
			r.Compilations, plural(r.Compilations, "time", "times"), float64(r.CompileSeconds))
	}
	fmt.Fprintln(w)
	header := fmt.Sprintf("%s\t%s\t%7s\t%7s\t%6s\t%11s\t%8s", "image", "size", "PSNR-Y", "SSIM-Y", "detail", "consistency", "seconds")
	if r.Degrade != "" {
		header += fmt.Sprintf("\t%5s\t%12s\t%5s\t%13s", "grid", "bicubic grid", "noise", "bicubic noise")
	}
	header += "\n"
	row := func(tw io.Writer, name, size string, s *evalScores) {
		fmt.Fprintf(tw, "%s\t%s\t%7s\t%7s\t%6s\t%11s\t%8s", name, size,
			fmtMetric(s.PSNR, "%.2f"), fmtMetric(s.SSIM, "%.4f"), fmtMetric(s.Detail, "%.3f"),
			fmtMetric(s.Consistency, "%.2e"), fmtMetric(s.Seconds, "%.3f"))
		if a := s.artefactScores; a != nil {
			fmt.Fprintf(tw, "\t%5s\t%12s\t%5s\t%13s", fmtMetric(a.Grid, "%.3f"), fmtMetric(a.BicubicGrid, "%.3f"),
				fmtMetric(a.Noise, "%.2f"), fmtMetric(a.BicubicNoise, "%.2f"))
		}
		fmt.Fprintln(tw)
	}
	for _, f := range r.Folders {
		fmt.Fprintf(w, "\n%s\n", f.Path)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, header)
		for _, im := range f.Images {
			row(tw, im.File, fmt.Sprintf("%dx%d", im.Width, im.Height), &im.evalScores)
		}
		for _, x := range f.Failed {
			fmt.Fprintf(tw, "%s\tfailed\t\t\t\t\t\n", x.File)
		}
		if f.Mean != nil {
			row(tw, fmt.Sprintf("mean of %d", len(f.Images)), "", f.Mean)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if len(r.Folders) > 1 && r.Mean != nil {
		n := 0
		for _, f := range r.Folders {
			n += len(f.Images)
		}
		fmt.Fprintf(w, "\nall folders\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, header)
		row(tw, fmt.Sprintf("mean of %d", n), "", r.Mean)
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// fmtMetric formats a metric, "inf" and "nan" included.
func fmtMetric(v metricFloat, format string) string {
	f := float64(v)
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsNaN(f):
		return "nan"
	}
	return fmt.Sprintf(format, f)
}
