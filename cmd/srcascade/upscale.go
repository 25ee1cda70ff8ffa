package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/internal/membudget"
	"github.com/srcascade/srcascade/internal/meminfo"
	"github.com/urfave/cli/v2"
)

// upscaleOptions is a parsed `srcascade upscale` command line.
type upscaleOptions struct {
	Inputs    []string // files and folders, as given
	Output    string   // -o: output file or folder; "" = beside each input
	Recursive bool     // -r: descend into subfolders of folder inputs
	Format    string   // "png", "jpeg", or "" = from -o's extension, else png
	Quality   int      // JPEG quality 1..100 (data.DefaultJPEGQuality unless --quality)
	Overwrite bool     // redo outputs that exist instead of skipping them
	Jobs      int      // images in flight (decode and encode workers)
	MaxPixels int64    // refuse decoded images above this many pixels
	Memory    int64    // --memory: bytes the images in flight may hold; 0 = from the machine
	Quiet     bool     // no progress, only errors and failures
	Model     modelOptions
	// Target is an output size other than -s (--outscale, --width,
	// --height); zero = -s.
	Target cascade.Target
	// ModelGiven says -m was given (else the defaults serve Target).
	ModelGiven bool
	Name       string     // output name template (--name, --suffix); "" = the defaults
	Shard      data.Shard // --shard: the part of the inputs to do; zero = all
}

const upscaleDescription = `Upscales image files, or every image in folders, with a diffusion
super-resolution model (or bicubic). Reads PNG, JPEG, GIF, BMP, TIFF and WebP;
writes PNG (grey stays grey, 16-bit stays 16-bit, alpha is kept) or JPEG.

Where outputs go:
  FILE            -> beside it, NAME_x4.png (the scale is in the name)
  FILE -o OUT.png -> OUT.png (the format follows the extension)
  FOLDER          -> FOLDER_x4/ beside it, mirroring the tree (same names, new extension)
  FOLDER -o DIR   -> DIR/, mirroring the tree
  several inputs  -> -o must be a folder: files go to DIR/NAME_x4.png,
                     folders to DIR/FOLDERNAME/...
  - (stdin) -o -  -> one image from standard input to standard output
                     (PNG, or -f jpg); progress stays on stderr
--name/--suffix rename the outputs; --outscale/--width/--height put the size
in the name instead of the scale (NAME_x3.5.png, NAME_w1920.png).

Every output records its request (model, scale, seed, sampling options, JPEG
quality) in the file (a PNG tEXt Comment, a JPEG COM segment). An output that
exists is skipped when it holds the same request (so rerunning an interrupted
batch finishes it), redone when it holds another srcascade request (say, x2
results in a folder now asked for x4), and kept, listed as failed, when
srcascade did not make it; --overwrite redoes every one. Files that cannot be read are reported by name and
skipped; the summary lists them and the exit code is 1. Folders are read for
files with image extensions; hidden files and folders (.*) are ignored.

Examples:
  srcascade upscale photo.jpg                     # photo_x4.png beside it
  srcascade upscale -s 2 -o big.jpg photo.png     # x2, JPEG at --quality 95
  srcascade upscale -r -j 4 -o out/ photos/       # whole tree, 4 images in flight
  srcascade upscale -m ./ckpt --steps 20 --seed 7 photo.png
  srcascade upscale --outscale 3.5 photo.jpg      # any factor: x4, resized to x3.5
  srcascade upscale --width 3000 -o print/ thumbs/
  srcascade upscale -f jpg - -o - < a.png > b.jpg # a pipe
  srcascade upscale -r -o out/ --shard 2/8 photos/ # worker 2 of 8

Exit codes: 0 all done, 1 some inputs failed, 2 usage error, 130 interrupted.`

// upscaleCommand is the `srcascade upscale` command.
func upscaleCommand(set func(command)) *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"},
			Usage: "output `FILE` (one input file) or FOLDER; default: beside the input"},
		boolFlag("recursive", "r", "descend into subfolders of FOLDER inputs"),
		&cli.StringFlag{Name: "format", Aliases: []string{"f"},
			Usage: "output `FORMAT`: png or jpg (default: from -o's extension, else png)"},
		&cli.IntFlag{Name: "quality", Value: data.DefaultJPEGQuality, Usage: "JPEG `QUALITY`, 1..100"},
		boolFlag("overwrite", "", "redo outputs that already exist (default: skip them)"),
		&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 2,
			Usage: "`N` images in flight: N decode and N encode workers around the (serial) model step"},
		maxPixelsFlag(),
		&cli.StringFlag{Name: "memory",
			Usage: "memory `SIZE` the images in flight may hold together, e.g. 4G or 512M (default: 3/4 of the memory available at start); an image above it runs alone"},
		boolFlag("quiet", "q", "no progress output; failures are still reported"),
	}
	return &cli.Command{
		Name:        "upscale",
		Usage:       "upscale image files and folders",
		ArgsUsage:   "INPUT...",
		UsageText:   "srcascade upscale [options] INPUT...",
		Description: upscaleDescription,
		Flags:       append(append(inCategory(ioCategory, flags), modelFlags()...), upscaleSizeFlags()...),
		Action:      setOptions(set, upscaleOptionsFrom),
	}
}

// upscaleOptionsFrom reads and checks the flags and arguments of upscale.
func upscaleOptionsFrom(c *cli.Context) (*upscaleOptions, error) {
	const cmd = "upscale"
	o := &upscaleOptions{
		Inputs:    c.Args().Slice(),
		Output:    c.String("output"),
		Recursive: c.Bool("recursive"),
		Quality:   c.Int("quality"),
		Overwrite: c.Bool("overwrite"),
		Jobs:      c.Int("jobs"),
		Quiet:     c.Bool("quiet"),
	}
	if len(o.Inputs) == 0 {
		return nil, usagef(cmd, "no INPUT given: name image files or folders to upscale")
	}
	for _, in := range o.Inputs {
		if in == "" {
			return nil, usagef(cmd, "empty INPUT path")
		}
	}
	var err error
	if o.Format, err = parseFormat(c.String("format")); err != nil {
		return nil, usagef(cmd, "-f/--format: %v", err)
	}
	if ext := filepath.Ext(o.Output); o.Output != "" && isImageWriteExt(ext) {
		extFormat, _ := parseFormat(ext[1:])
		if len(o.Inputs) > 1 {
			return nil, usagef(cmd, "-o %s: with several inputs -o must be a folder", o.Output)
		}
		if o.Format != "" && o.Format != extFormat {
			return nil, usagef(cmd, "-f %s contradicts -o %s", c.String("format"), o.Output)
		}
	}
	if o.Quality < 1 || o.Quality > 100 {
		return nil, usagef(cmd, "--quality %d: must be 1..100", o.Quality)
	}
	if o.Jobs < 1 || o.Jobs > 64 {
		return nil, usagef(cmd, "-j %d: must be 1..64", o.Jobs)
	}
	if o.MaxPixels, err = parsePixels(c.String("max-pixels")); err != nil {
		return nil, usagef(cmd, "--max-pixels: %v", err)
	}
	if s := c.String("memory"); s != "" {
		if o.Memory, err = parseBytes(s); err != nil {
			return nil, usagef(cmd, "--memory: %v", err)
		}
	}
	if o.Model, err = modelOptionsFrom(c, cmd); err != nil {
		return nil, err
	}
	o.ModelGiven = c.IsSet("model")
	if err := parseUpscaleSize(c, o); err != nil {
		return nil, err
	}
	for _, in := range o.Inputs {
		if in == stdio && len(o.Inputs) > 1 {
			return nil, usagef(cmd, "INPUT - (standard input) is one image: give it alone")
		}
	}
	if o.Output == stdio && len(o.Inputs) > 1 {
		return nil, usagef(cmd, "-o - (standard output) takes one image: give one INPUT file")
	}
	return o, nil
}

// memoryBudget is --memory, else 3/4 of the memory available now (the
// rest for the model's working memory and the runtime).
func (o *upscaleOptions) memoryBudget() int64 {
	if o.Memory > 0 {
		return o.Memory
	}
	avail, _ := meminfo.Available()
	return avail / 4 * 3
}

// parseBytes reads a memory size: "4G", "512M", "1.5GiB", "2GB",
// "1000000" (bytes); K, M, G and T are powers of 1024, with or without
// a trailing B or iB.
func parseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := 1.0
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = float64(int64(1) << (10 * (i + 1)))
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(f*mult >= 1) || f*mult > 1<<60 {
		return 0, fmt.Errorf("%q is not a memory size such as 4G, 512M or 1.5GiB", s)
	}
	return int64(f * mult), nil
}

// parseFormat normalises an output format name: "" stays "", png, jpg/jpeg -> "jpeg".
func parseFormat(f string) (string, error) {
	switch strings.ToLower(f) {
	case "":
		return "", nil
	case "png":
		return "png", nil
	case "jpg", "jpeg":
		return "jpeg", nil
	}
	return "", fmt.Errorf("%q: output formats are png and jpg", f)
}

// isImageWriteExt reports whether ext (with the dot) is one upscale can write.
func isImageWriteExt(ext string) bool {
	switch strings.ToLower(ext) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// run upscales: plan the outputs, open the model, run the pipeline, report.
func (o *upscaleOptions) run(ctx context.Context, e *env) error {
	const cmd = "upscale"
	if err := o.checkPipes(e); err != nil {
		return err
	}
	p, err := planUpscale(o)
	if err != nil {
		return err
	}
	u, err := o.openUpscaler(cmd)
	if err != nil {
		return err
	}
	up := u.Cascade()
	if w := o.Model.unusedWarning(up); w != "" {
		p.warnings = append(p.warnings, w)
	}
	rep := newProgress(e, o.Quiet)
	if n := scaleNote(up); n != "" {
		rep.logf("%s", n)
	}
	if n := sizedNote(up); n != "" {
		rep.logf("%s", n)
	}
	for _, w := range p.warnings {
		rep.logf("warning: %s", w)
	}
	if n := len(p.redone); n > 0 {
		r := p.redone[0]
		rep.logf("redoing %d %s made by another request: %s holds %q, this run is %q",
			n, plural(n, "output", "outputs"), r.path, strings.TrimPrefix(r.request, requestPrefix+" "), strings.TrimPrefix(p.request, requestPrefix+" "))
	}
	for _, j := range p.skipped {
		rep.skipped(j)
	}
	start := time.Now()
	pl := &pipeline{
		up:     u,
		limits: data.Limits{MaxPixels: o.MaxPixels},
		enc:    data.EncodeOptions{Format: p.format, Quality: o.Quality, Comment: p.request},
		jobs:   o.Jobs,
		budget: membudget.New(o.memoryBudget()),
		rep:    rep,
		stdin:  e.stdin,
		stdout: e.stdout,
	}
	results := pl.run(ctx, p.jobs)
	rep.close()
	results = append(p.failed, results...)
	return summarize(e.stderr, o.Quiet, results, len(p.skipped), time.Since(start), ctx.Err() != nil)
}
