package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
	"github.com/urfave/cli/v2"
)

// compareOptions is a parsed `srcascade compare` command line.
type compareOptions struct {
	Images    []string     // HR image files, one sheet row each
	Output    string       // the sheet: .png, .jpg or .jpeg
	Steps     []int        // sampler steps of the model panels, one each; 0 = the model's default
	Crop      int          // side of the crop in HR pixels, a multiple of the scale
	Zoom      int          // nearest-neighbour enlargement of the panels
	At        *image.Point // top-left corner of the crop; nil = the most detailed window
	MaxPixels int64
	Quiet     bool
	Model     modelOptions // Model.Steps is unused: each panel sets its own from Steps
	// Also are more models (names or folders), each given its own panels
	// after the main model's, with the same sampling flags.
	Also []string
	// Degrade damages each LR as eval --degrade does (seeded by --seed and
	// the file name); the zero value leaves it clean.
	Degrade train.DegradeOptions
}

// Defaults of compare.
const (
	compareCrop    = 96 // HR pixels
	compareZoom    = 2
	compareMaxZoom = 16
)

const compareDescription = `Shows what a model does, side by side: for each HR (ground-truth) image, one
row of panels cropped to the same region, each enlarged --zoom times:
  LR      the benchmark input (as eval makes it: modcrop, MATLAB-bicubic
          downscale rounded to 8 bits), enlarged by nearest neighbour;
  bicubic the MATLAB-bicubic upscale of LR;
  MODEL   the model's upscale of LR, once for each value of --steps;
  HR      the ground truth.
Each panel's caption gives its Y-PSNR and SSIM on the whole image, computed as
eval does (scale pixels shaved), and its detail ratio: the mean absolute luma
gradient against HR's, 1 = as much fine detail as HR, below 1 smoother.

The crop is the --crop x --crop window of HR with the most fine detail (the
highest luma gradient energy; the same image always gives the same crop), or
the one at --at X,Y (rounded down to a multiple of the scale). The sheet is
written atomically; the scores are printed as a table on stdout.

Examples:
  srcascade compare -o sheet.png Set5/baby.png Set5/bird.png
  srcascade compare -m ./ckpt --steps 1,4,8 -o steps.png Set5/*.png
  srcascade compare -m bicubic --crop 64 --zoom 3 --at 120,80 -o s.png img.png`

// compareCommand is the `srcascade compare` command.
func compareCommand(set func(command)) *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"},
			Usage: "write the sheet to `FILE` (.png, or .jpg/.jpeg); required"},
		&cli.IntFlag{Name: "crop", Value: compareCrop,
			Usage: "crop `SIZE` in HR pixels, a multiple of the scale"},
		&cli.IntFlag{Name: "zoom", Value: compareZoom,
			Usage: "enlarge every panel `N` times (nearest neighbour), 1 to 16"},
		&cli.StringFlag{Name: "at",
			Usage: "top-left corner `X,Y` of the crop in HR pixels (default: the most detailed window)"},
		&cli.StringFlag{Name: "degrade",
			Usage: "damage each LR as `SPEC` (train --degrade's syntax, seeded by --seed and the file name), as eval --degrade does"},
		&cli.StringFlag{Name: "also",
			Usage: "comma-separated `MODELS` with panels of their own after -m's, sampled with the same flags"},
		maxPixelsFlag(),
		boolFlag("quiet", "q", "no progress on stderr"),
	}
	return &cli.Command{
		Name:        "compare",
		Usage:       "write a sheet of crops side by side: LR, bicubic, the model at several step counts, HR",
		ArgsUsage:   "HR_IMAGE...",
		UsageText:   "srcascade compare [options] -o SHEET.png HR_IMAGE...",
		Description: compareDescription,
		Flags:       append(inCategory(ioCategory, flags), compareModelFlags()...),
		Action:      setOptions(set, compareOptionsFrom),
	}
}

// compareModelFlags are modelFlags with --steps taking a list.
func compareModelFlags() []cli.Flag {
	flags := modelFlags()
	for i, f := range flags {
		if f.Names()[0] == "steps" {
			flags[i] = &cli.StringFlag{Name: "steps", Value: "0", Category: modelCategory,
				Usage: "comma-separated sampler `STEPS`, one model panel each, e.g. 1,4,8 (0 = the model's default, 1 = one-step estimate)"}
		}
	}
	return flags
}

// compareOptionsFrom reads and checks the flags and arguments of compare.
func compareOptionsFrom(c *cli.Context) (*compareOptions, error) {
	const cmd = "compare"
	o := &compareOptions{
		Images: c.Args().Slice(),
		Output: c.String("output"),
		Crop:   c.Int("crop"),
		Zoom:   c.Int("zoom"),
		Quiet:  c.Bool("quiet"),
	}
	if len(o.Images) == 0 {
		return nil, usagef(cmd, "no HR_IMAGE given")
	}
	if o.Output == "" {
		return nil, usagef(cmd, "no -o/--output given: the sheet's file (.png or .jpg)")
	}
	if _, err := data.FormatFromPath(o.Output); err != nil {
		return nil, usagef(cmd, "-o %s: %v", o.Output, err)
	}
	for _, in := range o.Images {
		if filepath.Clean(in) == filepath.Clean(o.Output) {
			return nil, usagef(cmd, "-o %s would replace the HR image %s", o.Output, in)
		}
	}
	var err error
	if o.Steps, err = parseStepsList(c.String("steps")); err != nil {
		return nil, usagef(cmd, "--steps %q: %v", c.String("steps"), err)
	}
	if c.IsSet("at") {
		p, err := parsePoint(c.String("at"))
		if err != nil {
			return nil, usagef(cmd, "--at %q: %v", c.String("at"), err)
		}
		o.At = &p
	}
	if o.Zoom < 1 || o.Zoom > compareMaxZoom {
		return nil, usagef(cmd, "--zoom %d: must be 1 to %d", o.Zoom, compareMaxZoom)
	}
	if o.MaxPixels, err = parsePixels(c.String("max-pixels")); err != nil {
		return nil, usagef(cmd, "--max-pixels: %v", err)
	}
	if o.Model, err = modelOptionsFrom(c, cmd); err != nil {
		return nil, err
	}
	o.Model.Steps = 0 // read from the --steps list instead
	if o.Degrade, err = train.ParseDegrade(c.String("degrade")); err != nil {
		return nil, usagef(cmd, "--degrade %q: %v", c.String("degrade"), err)
	}
	if a := strings.TrimSpace(c.String("also")); a != "" {
		for _, m := range strings.Split(a, ",") {
			if m = strings.TrimSpace(m); m == "" {
				return nil, usagef(cmd, "--also %q: an empty model name", c.String("also"))
			}
			o.Also = append(o.Also, strings.TrimSpace(m))
		}
		if len(o.Also)*len(o.Steps) > compareMaxPanels {
			return nil, usagef(cmd, "--also: %d models x %d --steps panels is more than %d", len(o.Also), len(o.Steps), compareMaxPanels)
		}
	}
	if s := o.Model.Scale; o.Crop < s || o.Crop%s != 0 {
		return nil, usagef(cmd, "--crop %d: must be a positive multiple of the scale %d", o.Crop, s)
	}
	return o, nil
}

// compareMaxPanels bounds the model panels of a row (--steps entries).
const compareMaxPanels = 16

// parseStepsList reads "1,4,8": at most compareMaxPanels step counts, each
// 0 to sr3.MaxSteps.
func parseStepsList(s string) ([]int, error) {
	var steps []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 || n > sr3.MaxSteps {
			return nil, fmt.Errorf("want a comma-separated list of step counts, each 0 (the model's default) to %d, like 1,4,8", sr3.MaxSteps)
		}
		steps = append(steps, n)
	}
	if len(steps) > compareMaxPanels {
		return nil, fmt.Errorf("%d step counts: at most %d model panels a row", len(steps), compareMaxPanels)
	}
	return steps, nil
}

// parsePoint reads "X,Y", two coordinates 0 or more.
func parsePoint(s string) (image.Point, error) {
	xs, ys, ok := strings.Cut(s, ",")
	x, errX := strconv.Atoi(strings.TrimSpace(xs))
	y, errY := strconv.Atoi(strings.TrimSpace(ys))
	if !ok || errX != nil || errY != nil || x < 0 || y < 0 {
		return image.Point{}, errors.New("want X,Y, two pixel coordinates 0 or more, like 120,80")
	}
	return image.Pt(x, y), nil
}

// compareRow is one image's row of the sheet and of the table.
type compareRow struct {
	file   string
	at     image.Point // the crop's top-left corner in HR pixels
	panels []data.SheetPanel
	scores []comparePanelScores // one per panel but HR
}

// comparePanelScores are the scores of one panel's whole image.
type comparePanelScores struct {
	name   string
	scores evalScores
	timed  bool // Seconds is the model's time
}

// run makes one row per image, writes the sheet and prints the scores.
func (o *compareOptions) run(ctx context.Context, e *env) error {
	const cmd = "compare"
	for _, f := range o.Images {
		st, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return usagef(cmd, "HR image %s: no such file", f)
		case err != nil:
			return usagef(cmd, "HR image %s: %v", f, err)
		case st.IsDir():
			return usagef(cmd, "HR image %s: a folder; give the image files (like %s)", f, filepath.Join(f, "*.png"))
		}
	}
	if err := replacesInput(inputSet(o.Images...), o.Output, "HR image"); err != nil {
		return usagef(cmd, "-o %v", err)
	}
	up, err := o.Model.open(cmd)
	if err != nil {
		return err
	}
	ups := []cascade.Upscaler{up}
	for _, name := range o.Also {
		m := o.Model
		m.Model = name
		u, err := m.open(cmd)
		if err != nil {
			return err
		}
		ups = append(ups, u)
	}
	rep := newProgress(e, o.Quiet)
	if n := scaleNote(up); n != "" {
		rep.logf("%s", n)
	}
	withSteps := o.Model // the --steps list's largest count, for the warning
	withSteps.Steps = slices.Max(o.Steps)
	if w := withSteps.unusedWarning(up); w != "" {
		rep.logf("warning: %s", w)
	}
	if crop, small := o.fitCrop(); crop < o.Crop {
		rep.logf("note: %s is smaller than --crop %d: every crop of the sheet is %dx%d", small, o.Crop, crop, crop)
		o.Crop = crop
	}
	rep.start(len(o.Images))
	var rows []compareRow
	var failed []string
	for _, path := range o.Images {
		if ctx.Err() != nil {
			break
		}
		rep.begin(path)
		row, err := o.compareOne(ctx, ups, path, rep.step)
		rep.end()
		r := result{job: job{in: path, out: o.Output}, status: statusDone}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			r.status, r.err = statusFailed, err
			failed = append(failed, errorLine(r))
		} else {
			r.note = fmt.Sprintf("crop %dx%d at %d,%d", o.Crop, o.Crop, row.at.X, row.at.Y)
			rows = append(rows, *row)
		}
		rep.finish(r)
	}
	rep.close()
	if ctx.Err() != nil {
		return errInterrupted
	}
	if len(rows) > 0 {
		sheet, err := o.writeSheet(rows)
		if err != nil {
			return err
		}
		if !o.Quiet {
			fmt.Fprintf(e.stderr, "wrote %s: %d rows of %d panels, %dx%d\n", o.Output, len(rows), len(rows[0].panels), sheet.W, sheet.H)
		}
		if err := o.writeTable(e.stdout, up.Name(), rows); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		fmt.Fprintln(e.stderr, "failed:")
		for _, f := range failed {
			fmt.Fprintf(e.stderr, "  %s\n", f)
		}
		if len(rows) > 0 {
			fmt.Fprintf(e.stderr, "the sheet %s has the other %d images\n", o.Output, len(rows))
		}
		return &failedError{failed: len(failed), total: len(o.Images)}
	}
	return nil
}

// compareOne makes the row of one HR file: the benchmark pair as eval makes
// it, the bicubic and model outputs, their scores and their crops.
func (o *compareOptions) compareOne(ctx context.Context, ups []cascade.Upscaler, path string, progress cascade.Progress) (row *compareRow, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = nil, fmt.Errorf("%s: internal error: %v", path, p)
		}
	}()
	s := o.Model.Scale
	hr, lr, err := benchmarkPair(path, s, data.Limits{MaxPixels: o.MaxPixels})
	if err != nil {
		return nil, err
	}
	if o.Degrade.Enabled() {
		rng := train.DegradeRNG(o.Model.Seed, filepath.Base(path))
		if lr, err = o.Degrade.MakeLR(hr, lr.W, lr.H, rng); err != nil {
			return nil, fmt.Errorf("%s: --degrade: %w", path, err)
		}
	}
	at, err := o.cropAt(hr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	row = &compareRow{file: path, at: at}
	add := func(name string, sr *data.Image, secs float64, timed bool) {
		sc := benchmarkScores(hr, lr, sr, s)
		sc.Seconds = metricFloat(secs)
		row.scores = append(row.scores, comparePanelScores{name: name, scores: sc, timed: timed})
		row.panels = append(row.panels, data.SheetPanel{Image: o.crop(sr, at), Caption: fmt.Sprintf("%s\n%s dB  SSIM %s\ndetail %s",
			name, fmtMetric(sc.PSNR, "%.2f"), fmtMetric(sc.SSIM, "%.4f"), fmtMetric(sc.Detail, "%.2f"))})
	}
	lrName := fmt.Sprintf("LR x%d, nearest", s)
	if o.Degrade.Enabled() {
		lrName = fmt.Sprintf("LR x%d, damaged", s)
	}
	add(lrName, data.EnlargeNearest(lr, s), 0, false)
	opts := o.Model.cascadeOptions()
	bic, secs, err := superResolve(ctx, cascade.Bicubic{}, hr, lr, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: bicubic: %w", path, err)
	}
	add("bicubic", bic, secs, true)
	type run struct {
		up    cascade.Upscaler
		steps int
	}
	var runs []run
	for _, up := range ups {
		if _, ok := up.(cascade.Bicubic); ok {
			continue // the bicubic panel is there already
		}
		for _, steps := range o.Steps {
			runs = append(runs, run{up, steps})
		}
	}
	for i, r := range runs {
		opts.Steps = r.steps
		step := func(done, total int) {
			if progress != nil && total > 0 {
				progress(i*total+done, len(runs)*total)
			}
		}
		sr, secs, err := superResolve(ctx, r.up, hr, lr, opts, step)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, stepsName(r.up.Name(), r.steps), err)
		}
		add(stepsName(r.up.Name(), r.steps), sr, secs, true)
	}
	row.panels = append(row.panels, data.SheetPanel{Image: o.crop(hr, at),
		Caption: fmt.Sprintf("HR %s\n%dx%d\ncrop %d at %d,%d", baseName(path), hr.W, hr.H, o.Crop, at.X, at.Y)})
	return row, nil
}

// fitCrop returns the crop side that fits every HR image (modcropped to
// the scale), from their headers: --crop, or less when an image is
// smaller, with that image described ("small.png (40x36 at x4)").
// Images whose header cannot be read are left to fail on their own.
func (o *compareOptions) fitCrop() (crop int, small string) {
	crop, s := o.Crop, o.Model.Scale
	for _, path := range o.Images {
		w, h, err := data.DecodeConfigFile(path)
		if err != nil {
			continue
		}
		if side := min(w/s*s, h/s*s); side >= 1 && side < crop {
			crop, small = side, fmt.Sprintf("%s (%dx%d, cut to %dx%d at x%d)", path, w, h, w/s*s, h/s*s, s)
		}
	}
	return crop, small
}

// stepsName names a model panel: the model and its step count.
func stepsName(model string, steps int) string {
	switch steps {
	case 0:
		return model + ", default steps"
	case 1:
		return model + ", 1 step"
	}
	return fmt.Sprintf("%s, %d steps", model, steps)
}

// cropAt is the top-left corner of the crop of hr (modcropped to the
// scale): --at rounded down to a multiple of the scale, else the most
// detailed window on the grid of the scale.
func (o *compareOptions) cropAt(hr *data.Image) (image.Point, error) {
	s := o.Model.Scale
	if hr.W < o.Crop || hr.H < o.Crop {
		return image.Point{}, fmt.Errorf("the %dx%d image (cut to a multiple of the scale %d) is smaller than the %dx%d crop (see --crop)", hr.W, hr.H, s, o.Crop, o.Crop)
	}
	if o.At != nil {
		at := image.Pt(o.At.X/s*s, o.At.Y/s*s)
		if at.X+o.Crop > hr.W || at.Y+o.Crop > hr.H {
			return image.Point{}, fmt.Errorf("--at %d,%d: the %dx%d crop at %d,%d does not fit in the %dx%d image", o.At.X, o.At.Y, o.Crop, o.Crop, at.X, at.Y, hr.W, hr.H)
		}
		return at, nil
	}
	x, y, err := data.DetailWindow(hr, o.Crop, s)
	return image.Pt(x, y), err
}

// crop cuts the crop at at out of img (hr's size); cropAt checked that it fits.
func (o *compareOptions) crop(img *data.Image, at image.Point) *data.Image {
	c, err := data.Crop(img, at.X, at.Y, o.Crop, o.Crop)
	if err != nil {
		panic(err) // cropAt checked the window
	}
	return c
}

// writeSheet composes the rows and writes the sheet atomically.
func (o *compareOptions) writeSheet(rows []compareRow) (*data.Image, error) {
	panels := make([][]data.SheetPanel, len(rows))
	for i, r := range rows {
		panels[i] = r.panels
	}
	sheet, err := data.Sheet(panels, o.Zoom)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", o.Output, err)
	}
	return sheet, save(o.Output, &data.Decoded{Image: sheet, Depth: 8}, data.EncodeOptions{})
}

// writeTable prints the scores of every panel but HR, one line each.
func (o *compareOptions) writeTable(w io.Writer, model string, rows []compareRow) error {
	fmt.Fprintf(w, "model %s, x%d", model, o.Model.Scale)
	if o.Model.Sampler != "" {
		fmt.Fprintf(w, ", %s", o.Model.Sampler)
	}
	fmt.Fprintf(w, ", seed %d; sheet %s\n\n", o.Model.Seed, o.Output)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%7s\t%7s\t%6s\t%8s\n", "image", "crop", "panel", "PSNR-Y", "SSIM-Y", "detail", "seconds")
	for _, r := range rows {
		crop := fmt.Sprintf("%dx%d+%d+%d", o.Crop, o.Crop, r.at.X, r.at.Y)
		for _, p := range r.scores {
			secs := ""
			if p.timed {
				secs = fmtMetric(p.scores.Seconds, "%.3f")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%7s\t%7s\t%6s\t%8s\n", baseName(r.file), crop, p.name,
				fmtMetric(p.scores.PSNR, "%.2f"), fmtMetric(p.scores.SSIM, "%.4f"), fmtMetric(p.scores.Detail, "%.3f"), secs)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
