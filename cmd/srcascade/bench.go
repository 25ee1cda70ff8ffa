package main

// `srcascade bench`: the speed numbers of BENCHMARKS.md, measured by the
// CLI itself so anyone can reproduce them: `bench io` (codecs and bicubic
// resize), `bench upscale` (a model's upscale) and `bench train` (training
// steps). Each prints a markdown table preceded by one line naming the
// machine and the full command line, or JSON with --json.

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

const benchCommandName = "bench"

const benchDescription = `Measures speed on this machine and prints a markdown table (to paste into
BENCHMARKS.md), preceded by a line with the machine (CPU, cores, OS/arch,
Go version, whether the binary was built with GOEXPERIMENT=simd, load
average) and the full command line that reproduces the run; --json prints
the same as JSON. Peak RSS is the process's high-water mark so far
(getrusage), so it only grows from one row to the next.

  srcascade bench io [--size WxH] [--repeat N] [IMAGE]
      decode (PNG, JPEG, and IMAGE's own format when given), PNG and JPEG
      encode, bicubic /4 and x4 in megapixels per second. Without IMAGE a
      deterministic photo-like image of --size (default 4000x3000) is made
      and encoded in memory. Median of --repeat runs (default 3).
  srcascade bench upscale [-m MODEL] [-s 4] [--size N|WxH] [--steps N]
        [--sampler ddim|ddpm] [--strength S] [--tile N] [--backend B]
        [--repeat N] [IMAGE]
      a model's upscale through the same path as 'srcascade upscale':
      first call (compile) and steady state, seconds per image, per output
      megapixel and per output megapixel and sampler step.
  srcascade bench train [--set KEY=VALUE]... [-s 4] [--batch 8]
        [--patch 64] [--steps 10] [--skip 1] [--backend B]
      training speed of a config on random batches (no data needed):
      steps/s and patches/s after the first --skip steps (compile).

All take --json and -q (no progress on stderr). Run
'srcascade bench help io' (or upscale, train) for every flag.

Examples:
  srcascade bench io                             # 4000x3000 photo
  srcascade bench upscale -m ckpt/x4 --size 256 --steps 20
  srcascade bench train --batch 8 --patch 64 --steps 20 --json`

// benchCommand is `srcascade bench` with its subcommands, which own their
// flags (permuteArgs descends into subcommands).
func benchCommand(set func(command)) *cli.Command {
	subs := []*cli.Command{benchIOCommand(set), benchUpscaleCommand(set), benchTrainCommand(set)}
	// newApp gives each subcommand its usage-error handler ("bench io").
	return &cli.Command{
		Name:        benchCommandName,
		Usage:       "measure decode/resize/encode, upscale and training speed on this machine",
		UsageText:   "srcascade bench io|upscale|train [options] [IMAGE]",
		Description: benchDescription,
		Subcommands: subs,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef(benchCommandName, "unknown benchmark %q (choose io, upscale or train)", c.Args().First())
			}
			return usagef(benchCommandName, "name what to measure: io, upscale or train")
		},
	}
}

// benchInterrupted tells the user that an interrupted bench measured
// nothing (instead of exitCode's generic message about finished outputs).
func benchInterrupted(e *env, cmd string) error {
	fmt.Fprintf(e.stderr, "srcascade: %s interrupted; nothing measured\n", cmd)
	return errInterruptedReported
}

// median returns the median of xs (the mean of the middle two for an even
// count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// benchHeader is the start of every bench report: what ran where.
type benchHeader struct {
	// Command is the full command line that reproduces the run, every
	// setting explicit.
	Command string       `json:"command"`
	Machine benchMachine `json:"machine"`
}

// line is the line that precedes a markdown table.
func (h benchHeader) line() string {
	return fmt.Sprintf("`%s` on %s", h.Command, h.Machine)
}

// writeBenchJSON writes v as indented JSON.
func writeBenchJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// mdTable writes a markdown table; align holds one of "l" or "r" per
// column.
func mdTable(w io.Writer, header []string, align string, rows [][]string) error {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for i := range header {
		if i < len(align) && align[i] == 'r' {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// fmtMiB formats a size in MiB for a table; "-" when unknown (0).
func fmtMiB(mib float64) string {
	if mib <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", mib)
}

// fmtNum formats a positive measurement with about 3 significant digits.
func fmtNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	case v >= 0.01:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2e", v)
}

// benchLog prints progress lines on stderr unless quiet.
type benchLog struct {
	w     io.Writer
	quiet bool
}

func (l benchLog) printf(format string, args ...any) {
	if !l.quiet {
		fmt.Fprintf(l.w, "bench: "+format+"\n", args...)
	}
}

// benchImageArgs reads what bench io and bench upscale measure on: the
// optional IMAGE argument, or else a synthetic photo of --size. w and h are
// --size (its default when IMAGE is given, which --size may not be).
func benchImageArgs(c *cli.Context, cmd string) (image string, w, h int, err error) {
	switch args := c.Args().Slice(); {
	case len(args) > 1:
		return "", 0, 0, usagef(cmd, "one IMAGE at most (got %d)", len(args))
	case len(args) == 1:
		if args[0] == "" {
			return "", 0, 0, usagef(cmd, "empty IMAGE path")
		}
		if c.IsSet("size") {
			return "", 0, 0, usagef(cmd, "--size is the size of the synthetic image; with IMAGE %s its own size is used", args[0])
		}
		image = args[0]
	}
	if w, h, err = parseSize(c.String("size")); err != nil {
		return "", 0, 0, usagef(cmd, "--size: %v", err)
	}
	return image, w, h, nil
}

// parseSize reads WxH, or N for NxN.
func parseSize(s string) (w, h int, err error) {
	s = strings.TrimSpace(strings.ToLower(s))
	ws, hs, square := strings.Cut(s, "x")
	if !square {
		hs = ws
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w < 1 || h < 1 {
		return 0, 0, fmt.Errorf("%q is not a size like 4000x3000 or 256", s)
	}
	return w, h, nil
}

// megapixels is w*h in millions.
func megapixels(w, h int) float64 { return float64(w) * float64(h) / 1e6 }
