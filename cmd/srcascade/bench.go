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

// benchCommand is `srcascade bench` with its subcommands.
//
// The command tree's permuteArgs moves every flag after the command name
// in front of the positional arguments, looking only at `bench`'s own
// flags: `bench io --size 10x10` reaches the parser as
// `bench --size 10x10 -- io`. So `bench` declares (hidden) the union of
// its subcommands' flags, parses them, and each subcommand copies the ones
// it has down to itself (inheritBenchFlags) and refuses the others. Flags
// given after the subcommand name directly work too.
func benchCommand(set func(command)) *cli.Command {
	subs := []*cli.Command{benchIOCommand(set), benchUpscaleCommand(set), benchTrainCommand(set)}
	union, err := unionFlags(benchIOFlags(), benchUpscaleFlags(), benchTrainFlags())
	if err != nil {
		panic(err) // a programming error, caught by every test
	}
	for _, s := range subs {
		name := benchCommandName + " " + s.Name
		s.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return &usageError{cmd: name, err: err}
		}
	}
	return &cli.Command{
		Name:        benchCommandName,
		Usage:       "measure decode/resize/encode, upscale and training speed on this machine",
		UsageText:   "srcascade bench io|upscale|train [options] [IMAGE]",
		Description: benchDescription,
		Flags:       union,
		Subcommands: subs,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef(benchCommandName, "unknown benchmark %q (choose io, upscale or train)", c.Args().First())
			}
			return usagef(benchCommandName, "name what to measure: io, upscale or train")
		},
	}
}

// unionFlags merges flag lists by name, hidden: a name in several lists
// must have the same flag type (and aliases) in each.
func unionFlags(lists ...[]cli.Flag) ([]cli.Flag, error) {
	var out []cli.Flag
	seen := map[string]cli.Flag{}
	for _, list := range lists {
		for _, f := range list {
			name := f.Names()[0]
			if prev, ok := seen[name]; ok {
				if fmt.Sprintf("%T", prev) != fmt.Sprintf("%T", f) || !slices.Equal(prev.Names(), f.Names()) {
					return nil, fmt.Errorf("bench: flag --%s is a %T %v in one subcommand and a %T %v in another",
						name, prev, prev.Names(), f, f.Names())
				}
				continue
			}
			if err := hideFlag(f); err != nil {
				return nil, err
			}
			seen[name] = f
			out = append(out, f)
		}
	}
	return out, nil
}

// hideFlag hides f from --help.
func hideFlag(f cli.Flag) error {
	switch f := f.(type) {
	case *cli.StringFlag:
		f.Hidden = true
	case *cli.IntFlag:
		f.Hidden = true
	case *cli.Int64Flag:
		f.Hidden = true
	case *cli.Float64Flag:
		f.Hidden = true
	case *cli.BoolFlag:
		f.Hidden = true
	case *cli.GenericFlag:
		f.Hidden = true
	default:
		return fmt.Errorf("bench: flag --%s: type %T not handled", f.Names()[0], f)
	}
	return nil
}

// inheritBenchFlags copies the flags that were parsed by `bench` (see
// benchCommand) down to the subcommand context c, so that c.Int, c.IsSet
// and friends see them, and refuses flags of other subcommands.
func inheritBenchFlags(c *cli.Context, cmd string) error {
	lineage := c.Lineage()
	if len(lineage) < 2 || lineage[1].Command == nil || lineage[1].Command.Name != benchCommandName {
		return nil
	}
	parent := lineage[1]
	own := map[string]bool{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			own[n] = true
		}
	}
	for _, n := range parent.LocalFlagNames() {
		if !own[n] {
			return usagef(cmd, "%s is not a flag of %s", dashed(n), cmd)
		}
	}
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if !parent.IsSet(name) || c.IsSet(name) {
			continue // not given, or given after the subcommand name: that wins
		}
		var values []string
		switch f.(type) {
		case *cli.StringFlag:
			values = []string{parent.String(name)}
		case *cli.IntFlag:
			values = []string{strconv.Itoa(parent.Int(name))}
		case *cli.Int64Flag:
			values = []string{strconv.FormatInt(parent.Int64(name), 10)}
		case *cli.Float64Flag:
			values = []string{strconv.FormatFloat(parent.Float64(name), 'g', -1, 64)}
		case *cli.BoolFlag:
			values = []string{strconv.FormatBool(parent.Bool(name))}
		case *cli.GenericFlag:
			// The flag's value accumulates: set it once per item, on its
			// one name (all names share the value).
			l, ok := parent.Generic(name).(*setList)
			if !ok {
				return fmt.Errorf("bench: flag --%s: generic value %T not handled", name, parent.Generic(name))
			}
			for _, s := range l.items {
				if err := c.Set(name, s.Key+"="+s.Value); err != nil {
					return usagef(cmd, "--%s: %v", name, err)
				}
			}
			continue
		default:
			return fmt.Errorf("bench: flag --%s: type %T not handled", name, f)
		}
		for _, n := range f.Names() {
			for _, v := range values {
				if err := c.Set(n, v); err != nil {
					return usagef(cmd, "%s: %v", dashed(n), err)
				}
			}
		}
	}
	return nil
}

// benchInterrupted tells the user that an interrupted bench measured
// nothing (instead of exitCode's generic message about finished outputs).
func benchInterrupted(e *env, cmd string) error {
	fmt.Fprintf(e.stderr, "srcascade: %s interrupted; nothing measured\n", cmd)
	return errInterruptedReported
}

// dashed writes a flag name as given on the command line: -s, --size.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
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
