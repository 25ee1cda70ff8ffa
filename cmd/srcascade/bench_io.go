package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/srcascade/srcascade/data"
	"github.com/urfave/cli/v2"
)

// benchIOOptions is a parsed `srcascade bench io` command line.
type benchIOOptions struct {
	Image  string // IMAGE to measure on; "" = a synthetic photo of W x H
	W, H   int    // synthetic image size
	Repeat int    // runs per phase; the median is reported
	JSON   bool
	Quiet  bool
}

const (
	defaultBenchIOSize = "4000x3000"
	defaultBenchRepeat = 3
	maxBenchRepeat     = 1000
	// benchIOScale is the resize factor of bench io (up and down).
	benchIOScale = 4
)

// Flags shared by the bench subcommands.
func benchRepeatFlag(def int, what string) cli.Flag {
	return &cli.IntFlag{Name: "repeat", Value: def,
		Usage: "time each measurement `N` times and report the median (" + what + ")"}
}

func benchOutputFlags() []cli.Flag {
	return []cli.Flag{
		boolFlag("json", "", "print the results as JSON instead of a markdown table"),
		boolFlag("quiet", "q", "no progress lines on stderr"),
	}
}

// benchIOFlags are the flags of bench io.
func benchIOFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "size", Value: defaultBenchIOSize,
			Usage: "`WxH` of the synthetic photo measured when no IMAGE is given"},
		benchRepeatFlag(defaultBenchRepeat, "each phase"),
	}, benchOutputFlags()...)
}

const benchIODescription = `Measures, on one image, the throughput in megapixels per second of:
  encode png / encode jpeg  the image (JPEG at quality 95, as upscale writes),
                            MP of the encoded image;
  decode png / decode jpeg  those encodings, from memory, MP of the decoded image;
  decode FORMAT             IMAGE's own bytes, from memory (when IMAGE is given);
  bicubic /4                MATLAB-exact bicubic to a quarter of each side, MP of the output;
  bicubic x4                bicubic to four times each side, MP of the output
                            (needs about 200 bytes per input pixel).
Each phase runs --repeat times after a garbage collection; the median is
reported, with the peak RSS of the process after the phase.

Without IMAGE the image is a deterministic synthetic photo of --size
(smooth gradients, shapes with sharp edges, texture and sensor-like noise).

Examples:
  srcascade bench io                       # 4000x3000, 3 runs per phase
  srcascade bench io --repeat 5 photo.jpg
  srcascade bench io --size 1920x1080 --json`

// benchIOCommand is `srcascade bench io`.
func benchIOCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:        "io",
		Usage:       "decode, encode and bicubic resize throughput (MP/s) and peak RSS",
		ArgsUsage:   "[IMAGE]",
		UsageText:   "srcascade bench io [--size WxH] [--repeat N] [--json] [IMAGE]",
		Description: benchIODescription,
		Flags:       benchIOFlags(),
		Action:      setOptions(set, benchIOOptionsFrom),
	}
}

// benchIOOptionsFrom reads and checks the flags and arguments of bench io.
func benchIOOptionsFrom(c *cli.Context) (*benchIOOptions, error) {
	const cmd = benchCommandName + " io"
	o := &benchIOOptions{Repeat: c.Int("repeat"), JSON: c.Bool("json"), Quiet: c.Bool("quiet")}
	var err error
	if o.Image, o.W, o.H, err = benchImageArgs(c, cmd); err != nil {
		return nil, err
	}
	switch {
	case o.W < benchIOScale || o.H < benchIOScale:
		return nil, usagef(cmd, "--size %dx%d: both sides must be at least %d (the image is also shrunk by %d)", o.W, o.H, benchIOScale, benchIOScale)
	case int64(o.W)*int64(o.H) > data.DefaultMaxPixels:
		return nil, usagef(cmd, "--size %dx%d: at most %s pixels (its x%d resize alone would need %.0f GiB)",
			o.W, o.H, formatPixels(data.DefaultMaxPixels), benchIOScale, float64(o.W)*float64(o.H)*200/(1<<30))
	case o.Repeat < 1 || o.Repeat > maxBenchRepeat:
		return nil, usagef(cmd, "--repeat %d: must be 1..%d", o.Repeat, maxBenchRepeat)
	}
	return o, nil
}

// commandLine is the full command line of the run, every setting explicit.
func (o *benchIOOptions) commandLine() string {
	s := fmt.Sprintf("srcascade bench io --repeat %d", o.Repeat)
	if o.Image != "" {
		return s + " " + shellQuote(o.Image)
	}
	return fmt.Sprintf("%s --size %dx%d", s, o.W, o.H)
}

// benchIOPhase is one measured operation.
type benchIOPhase struct {
	Phase string `json:"phase"` // "encode png", "decode jpeg", "bicubic x4", ...
	In    string `json:"in"`    // WxH of what goes in
	Out   string `json:"out"`   // WxH of what comes out
	// Counted says which pixels Megapixels counts: "input" (decode) or
	// "output" (encode, resize).
	Counted    string    `json:"counted"`
	Megapixels float64   `json:"megapixels"`
	Bytes      int       `json:"bytes,omitempty"` // size of the encoded file (encode and decode phases)
	Seconds    []float64 `json:"seconds"`         // every run
	Median     float64   `json:"median_seconds"`
	MPPerSec   float64   `json:"mp_per_sec"` // Megapixels / Median
	// PeakRSSMiB is the process's peak RSS after this phase (a
	// high-water mark: it includes the earlier phases).
	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
}

// benchIOReport is the output of bench io.
type benchIOReport struct {
	benchHeader
	Image    string         `json:"image"` // the IMAGE path, or "synthetic"
	Width    int            `json:"width"`
	Height   int            `json:"height"`
	Channels int            `json:"channels"`
	Depth    int            `json:"depth"` // bits per sample
	Repeat   int            `json:"repeat"`
	Phases   []benchIOPhase `json:"phases"`
}

// run measures every phase and prints the report.
func (o *benchIOOptions) run(ctx context.Context, e *env) error {
	log := benchLog{w: e.stderr, quiet: o.Quiet}
	rep := &benchIOReport{benchHeader: benchHeader{Command: o.commandLine(), Machine: readMachine()}, Repeat: o.Repeat}
	var src *data.Decoded
	var file []byte
	lim := data.Limits{}
	if o.Image != "" {
		var err error
		if file, err = os.ReadFile(o.Image); err != nil {
			return err // *PathError names the file
		}
		if src, err = data.Decode(bytes.NewReader(file), lim); err != nil {
			return fmt.Errorf("%s: %w", o.Image, err)
		}
		rep.Image = o.Image
	} else {
		log.printf("making a %dx%d synthetic photo", o.W, o.H)
		src = &data.Decoded{Image: syntheticPhoto(o.W, o.H, 1), Depth: 8, Format: "png"}
		lim.MaxPixels = max(data.DefaultMaxPixels, int64(o.W)*int64(o.H))
		rep.Image = "synthetic"
	}
	img := src.Image
	w, h := img.W, img.H
	rep.Width, rep.Height, rep.Channels, rep.Depth = w, h, img.C, src.Depth
	size := fmt.Sprintf("%dx%d", w, h)
	mp := megapixels(w, h)

	// measure runs f Repeat times, each after a collection so that one
	// run's garbage does not count against the next, and records the phase.
	measure := func(p benchIOPhase, f func() error) error {
		for i := range o.Repeat {
			if ctx.Err() != nil {
				return benchInterrupted(e, benchCommandName+" io")
			}
			runtime.GC()
			t0 := time.Now()
			if err := f(); err != nil {
				return fmt.Errorf("%s: %w", p.Phase, err)
			}
			p.Seconds = append(p.Seconds, time.Since(t0).Seconds())
			log.printf("%s %s: %.3fs (%d of %d)", p.Phase, p.In, p.Seconds[i], i+1, o.Repeat)
		}
		p.Median = median(p.Seconds)
		if p.Median > 0 {
			p.MPPerSec = p.Megapixels / p.Median
		}
		p.PeakRSSMiB = peakRSSMiB()
		rep.Phases = append(rep.Phases, p)
		return nil
	}

	encoded := map[string][]byte{}
	for _, format := range []string{"png", "jpeg"} {
		var out bytes.Buffer
		err := measure(benchIOPhase{Phase: "encode " + format, In: size, Out: size, Counted: "output", Megapixels: mp}, func() error {
			out.Reset()
			return data.Encode(&out, src, data.EncodeOptions{Format: format, Quality: data.DefaultJPEGQuality})
		})
		if err != nil {
			return err
		}
		encoded[format] = bytes.Clone(out.Bytes())
		rep.Phases[len(rep.Phases)-1].Bytes = out.Len()
	}
	type decodeInput struct {
		name string
		file []byte
	}
	decodes := []decodeInput{{"png", encoded["png"]}, {"jpeg", encoded["jpeg"]}}
	if file != nil {
		decodes = append(decodes, decodeInput{src.Format + " (IMAGE)", file})
	}
	for _, d := range decodes {
		err := measure(benchIOPhase{Phase: "decode " + d.name, In: size, Out: size, Counted: "input", Megapixels: mp, Bytes: len(d.file)}, func() error {
			got, err := data.Decode(bytes.NewReader(d.file), lim)
			if err == nil && (got.Image.W != w || got.Image.H != h) {
				err = fmt.Errorf("decoded %dx%d, want %s", got.Image.W, got.Image.H, size)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, r := range []struct {
		name string
		w, h int
	}{
		{fmt.Sprintf("bicubic /%d", benchIOScale), max(1, w/benchIOScale), max(1, h/benchIOScale)},
		{fmt.Sprintf("bicubic x%d", benchIOScale), w * benchIOScale, h * benchIOScale},
	} {
		p := benchIOPhase{Phase: r.name, In: size, Out: fmt.Sprintf("%dx%d", r.w, r.h), Counted: "output", Megapixels: megapixels(r.w, r.h)}
		err := measure(p, func() error {
			if out := data.Resize(img, r.w, r.h); out.W != r.w || out.H != r.h {
				return fmt.Errorf("resized to %dx%d, want %dx%d", out.W, out.H, r.w, r.h)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}

	if o.JSON {
		return writeBenchJSON(e.stdout, rep)
	}
	return rep.writeMarkdown(e)
}

// writeMarkdown prints the header line and the phase table.
func (r *benchIOReport) writeMarkdown(e *env) error {
	fmt.Fprintln(e.stdout, r.line())
	fmt.Fprintln(e.stdout)
	what := fmt.Sprintf("%s %dx%d", r.Image, r.Width, r.Height)
	if r.Channels == 1 {
		what += " grey"
	}
	if r.Depth == 16 {
		what += " 16-bit"
	}
	header := []string{"phase (" + what + ")", "in → out", "MP counted", fmt.Sprintf("median s (%d)", r.Repeat), "MP/s", "peak RSS MiB"}
	var rows [][]string
	for _, p := range r.Phases {
		inOut := p.In + " → " + p.Out
		switch {
		case strings.HasPrefix(p.Phase, "encode"):
			inOut = p.In + " → " + fmtBytes(p.Bytes)
		case strings.HasPrefix(p.Phase, "decode"):
			inOut = fmtBytes(p.Bytes) + " → " + p.Out
		}
		rows = append(rows, []string{p.Phase, inOut, fmt.Sprintf("%s (%s)", fmtNum(p.Megapixels), p.Counted),
			fmtNum(p.Median), fmtNum(p.MPPerSec), fmtMiB(p.PeakRSSMiB)})
	}
	return mdTable(e.stdout, header, "llrrrr", rows)
}

// fmtBytes formats a file size: 812 B, 81.9 kB, 14.2 MB.
func fmtBytes(n int) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
