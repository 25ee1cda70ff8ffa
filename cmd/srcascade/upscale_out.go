package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/urfave/cli/v2"
)

// stdio is the path that stands for standard input (as INPUT) or
// standard output (as -o).
const stdio = "-"

// maxStdinBytes bounds an image read from standard input.
const maxStdinBytes = 1 << 30

// upscaleSizeFlags are upscale's flags for an output size other than -s
// (cascade.Target), for output names and for sharding.
func upscaleSizeFlags() []cli.Flag {
	return []cli.Flag{
		// Strings parsed by parseFinite: NaN and infinities are refused.
		&cli.StringFlag{Name: "outscale", Category: modelCategory,
			Usage: "any output `FACTOR` >= 1, e.g. 3.5: the model runs at the next scale it has (x4), then an exact bicubic resize to the factor"},
		&cli.IntFlag{Name: "width", Category: modelCategory, DefaultText: "none",
			Usage: "output width in `PIXELS` (alone: the height keeps the aspect ratio; with --height: exactly that size, the aspect may change)"},
		&cli.IntFlag{Name: "height", Category: modelCategory, DefaultText: "none",
			Usage: "output height in `PIXELS` (alone: the width keeps the aspect ratio)"},
		&cli.StringFlag{Name: "name", Category: ioCategory,
			Usage: "output file name `TEMPLATE` for every output: {name} the input's name without extension, {inext} its extension, {ext} the output's, {scale} the scale (4, 3.5), {size} the size asked (x4, x3.5, w1920, h1080, 1920x1080); " +
				"default {name}_{size}.{ext} for files, {name}.{ext} inside folders"},
		&cli.StringFlag{Name: "suffix", Category: ioCategory,
			Usage: "`TEXT` added to every output name before the extension: --suffix _up is --name '{name}_up.{ext}'"},
		&cli.StringFlag{Name: "shard", Category: ioCategory,
			Usage: "do only part `K/N` of the inputs (K = 1..N), chosen by a hash of each file's path relative to its INPUT: N workers with K = 1..N cover the inputs disjointly and completely"},
	}
}

// parseUpscaleSize reads --outscale, --width, --height, --name, --suffix
// and --shard into o.
func parseUpscaleSize(c *cli.Context, o *upscaleOptions) error {
	const cmd = "upscale"
	if c.IsSet("outscale") {
		f, err := parseFinite(c.String("outscale"))
		if err != nil {
			return usagef(cmd, "--outscale %q: %v", c.String("outscale"), err)
		}
		o.Target.Factor = f
		if f == 0 {
			o.Target.Factor = -1 // refused by Check, not taken as unset
		}
	}
	o.Target.Width, o.Target.Height = c.Int("width"), c.Int("height")
	if (c.IsSet("width") && o.Target.Width == 0) || (c.IsSet("height") && o.Target.Height == 0) {
		return usagef(cmd, "--width/--height: must be above 0")
	}
	if o.Target != (cascade.Target{}) {
		if err := o.Target.Check(); err != nil {
			return usagef(cmd, "--outscale/--width/--height: %v", err)
		}
		if c.IsSet("scale") {
			return usagef(cmd, "-s/--scale with --outscale/--width/--height: ask for one size")
		}
	}
	switch {
	case c.IsSet("name") && c.IsSet("suffix"):
		return usagef(cmd, "--name and --suffix: give one of them")
	case c.IsSet("suffix"):
		o.Name = "{name}" + c.String("suffix") + ".{ext}"
	case c.IsSet("name"):
		o.Name = c.String("name")
	}
	if o.Name != "" {
		if err := checkNameTemplate(o.Name); err != nil {
			return usagef(cmd, "--name %q: %v", o.Name, err)
		}
	}
	if c.IsSet("shard") {
		s, err := data.ParseShard(c.String("shard"))
		if err != nil {
			return usagef(cmd, "--shard: %v", err)
		}
		o.Shard = s
	}
	return nil
}

// checkNameTemplate refuses a template that cannot name distinct files in
// the output folder: no {name}, a folder separator, an unknown {field}.
func checkNameTemplate(t string) error {
	if !strings.Contains(t, "{name}") {
		return fmt.Errorf("must contain {name}, or every output would have the same name")
	}
	if strings.ContainsAny(t, `/\`) {
		return fmt.Errorf("a name, not a path: no / or \\")
	}
	rest := t
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("unclosed {")
		}
		switch f := rest[i+1 : i+j]; f {
		case "name", "inext", "ext", "scale", "size":
		default:
			return fmt.Errorf("unknown field {%s}: use {name}, {inext}, {ext}, {scale}, {size}", f)
		}
		rest = rest[i+j+1:]
	}
	if e := expandName(t, "a.png", "png", "4", "x4"); e == "." || e == ".." || strings.HasPrefix(e, ".") {
		return fmt.Errorf("gives hidden or special names such as %q", e)
	}
	return nil
}

// expandName fills a name template for input file in (its base name is
// used), output extension ext (no dot), scale and size texts.
func expandName(t, in, ext, scale, size string) string {
	base := filepath.Base(in)
	inext := strings.TrimPrefix(filepath.Ext(base), ".")
	return strings.NewReplacer("{name}", strings.TrimSuffix(base, filepath.Ext(base)), "{inext}", inext,
		"{ext}", ext, "{scale}", scale, "{size}", size).Replace(t)
}

// scaleText is the scale as {scale} writes it: "4", "3.5", "w1920",
// "h1080", "1920x1080".
func (o *upscaleOptions) scaleText() string {
	return strings.TrimPrefix(o.sizeTag(), "x")
}

// sizeTag is the size asked as default output names and the request
// record write it: "x4", "x3.5", "w1920", "h1080", "1920x1080".
func (o *upscaleOptions) sizeTag() string {
	if o.Target == (cascade.Target{}) {
		return "x" + strconv.Itoa(o.Model.Scale)
	}
	return o.Target.String()
}

// checkPipes refuses standard input or output that is a terminal: an
// image is not typed, and its bytes would garble the screen.
func (o *upscaleOptions) checkPipes(e *env) error {
	if o.Output == stdio && isTerminal(e.stdout) {
		return usagef("upscale", "-o -: standard output is a terminal; redirect it (> out.png) or name a file")
	}
	if len(o.Inputs) == 1 && o.Inputs[0] == stdio {
		if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
			return usagef("upscale", "INPUT -: standard input is a terminal; pipe an image in (< photo.jpg)")
		}
	}
	return nil
}

// library is the srcascade.Options of upscale's flags: the model's
// (modelOptions.library), and for --outscale/--width/--height the Target
// with no scale, and no model unless -m was given (the default model of
// each scale serves the size, pretrained.OpenSized).
func (o *upscaleOptions) library() srcascade.Options {
	l := o.Model.library()
	if o.Target != (cascade.Target{}) {
		l.Target, l.Scale = o.Target, 0
		if !o.ModelGiven {
			l.Model = ""
		}
	}
	return l
}

// openUpscaler opens the upscaler through srcascade.Open, the library
// call: the model at -s, or for --outscale/--width/--height the models
// that serve the size. What the flags ask that cannot be is a usage error
// (modelError).
func (o *upscaleOptions) openUpscaler(cmd string) (*srcascade.Upscaler, error) {
	u, err := srcascade.Open(o.library())
	if err != nil {
		if o.Target != (cascade.Target{}) && errors.Is(err, srcascade.ErrTarget) {
			return nil, usagef(cmd, "--outscale/--width/--height: %v", err)
		}
		err = modelError(cmd, o.Model, err)
		if ue := (*usageError)(nil); o.Target != (cascade.Target{}) && !errors.As(err, &ue) {
			// as pretrained.OpenSized's errors were: the -m asked cannot serve the size
			err = &usageError{cmd: cmd, err: fmt.Errorf("-m/--model: %w", err)}
		}
		return nil, err
	}
	return u, nil
}

// displayName is path as messages name it: "standard input" for "-".
func displayName(path string) string {
	if path == stdio {
		return "standard input"
	}
	return path
}

// decodeStdin decodes one image from r (standard input), at most
// maxStdinBytes long.
func decodeStdin(r io.Reader, lim data.Limits) (*data.Decoded, error) {
	if r == nil {
		return nil, fmt.Errorf("standard input: not available")
	}
	lr := &io.LimitedReader{R: r, N: maxStdinBytes + 1}
	d, err := data.Decode(bufio.NewReaderSize(lr, 64<<10), lim)
	if lr.N <= 0 {
		return nil, fmt.Errorf("standard input: more than %d bytes", int64(maxStdinBytes))
	}
	if err != nil {
		return nil, fmt.Errorf("standard input: %w", err)
	}
	return d, nil
}

// encodeStdout encodes d whole, then writes it to w (standard output), so
// a failed encode writes nothing.
func encodeStdout(w io.Writer, d *data.Decoded, enc data.EncodeOptions) error {
	var buf bytes.Buffer
	if err := data.Encode(&buf, d, enc); err != nil {
		return fmt.Errorf("standard output: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write standard output: %w", err)
	}
	return nil
}

// sizedNote says how a Target size is served (cascade.Sized), or "".
func sizedNote(up cascade.Upscaler) string {
	s, ok := up.(*cascade.Sized)
	if !ok {
		return ""
	}
	var runs []string
	var last cascade.Upscaler
	for _, sc := range s.Scales() {
		m := s.ModelAt(sc)
		if m == last {
			runs[len(runs)-1] += fmt.Sprintf("/x%d", sc)
			continue
		}
		run := fmt.Sprintf("%s at x%d", m.Name(), sc)
		if r, ok := m.(*cascade.Rescaled); ok {
			run += fmt.Sprintf(" (run at x%d, resized down)", r.RunScale())
		}
		runs = append(runs, run)
		last = m
	}
	return fmt.Sprintf("note: %s: each image runs %s (the smallest scale covering its size), then an exact (MATLAB) bicubic resize to the size",
		s.Target(), strings.Join(runs, " or "))
}
