package main

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// floatFlagCase is a float-valued flag of a command: its command path, its
// name, how a value is written into it, and the arguments the command
// needs besides it, so that the flag is what parsing stops at.
type floatFlagCase struct {
	cmd    []string
	flag   string
	format string // fmt format of the value, %s = the value
	args   []string
}

// requiredArgs are arguments each command needs so that its flags are
// checked (no file is read while parsing).
var requiredArgs = map[string][]string{
	"upscale":  {"x.png"},
	"eval":     {"hr"},
	"compare":  {"-o", "s.png", "x.png"},
	"generate": {"-o", "out"},
	"train":    {"--hr", "hr", "--out", "ck"},
}

// stringFloatFlags are the string flags that carry numbers (parsed by the
// command, because "absent" differs from 0 or the value has units).
var stringFloatFlags = []floatFlagCase{
	{cmd: []string{"upscale"}, flag: "cond-noise"},
	{cmd: []string{"eval"}, flag: "cond-noise"},
	{cmd: []string{"compare"}, flag: "cond-noise"},
	{cmd: []string{"generate"}, flag: "cond-noise", args: []string{"--sr", "bicubic"}},
	{cmd: []string{"generate"}, flag: "guidance"},
	{cmd: []string{"upscale"}, flag: "max-pixels"},
	{cmd: []string{"eval"}, flag: "max-pixels"},
	{cmd: []string{"compare"}, flag: "max-pixels"},
	{cmd: []string{"upscale"}, flag: "max-pixels", format: "%sM"},
	{cmd: []string{"train"}, flag: "degrade", format: "noise=%s@1-15"},
	{cmd: []string{"train"}, flag: "degrade", format: "noise=0.5@1-%s"},
	{cmd: []string{"train"}, flag: "set", format: "lr=%s"},
}

// floatFlagCases lists every float64 flag of every command and subcommand
// of the app, and the string flags that carry numbers.
func floatFlagCases(t *testing.T) []floatFlagCase {
	var cases []floatFlagCase
	var walk func(path []string, cmds []*cli.Command)
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string(nil), path...), c.Name)
			for _, f := range c.Flags {
				if ff, ok := f.(*cli.Float64Flag); ok {
					cases = append(cases, floatFlagCase{cmd: p, flag: ff.Name})
				}
			}
			walk(p, c.Subcommands)
		}
	}
	walk(nil, newApp(io.Discard, func(command) {}).Commands)
	names := map[string]bool{}
	for _, c := range cases {
		names[strings.Join(c.cmd, " ")+" --"+c.flag] = true
	}
	for _, want := range []string{"upscale --eta", "upscale --strength", "generate --eta", "train --learning-rate", "train --memory"} {
		if !names[want] {
			t.Fatalf("the float flags found lack %s: %v", want, names)
		}
	}
	return append(cases, stringFloatFlags...)
}

// TestCLIFloatFlagsRejectNonFinite runs every float flag of every command
// with NaN and infinities: each must be a usage error (exit 2) naming the
// flag, before any file is read or model opened (issue 12, item 10).
func TestCLIFloatFlagsRejectNonFinite(t *testing.T) {
	dir := t.TempDir()
	for _, c := range floatFlagCases(t) {
		for _, v := range []string{"nan", "NaN", "inf", "-Inf", "+infinity"} {
			format := c.format
			if format == "" {
				format = "%s"
			}
			args := append(append([]string(nil), c.cmd...), "--"+c.flag, fmt.Sprintf(format, v))
			args = append(append(args, c.args...), requiredArgs[c.cmd[0]]...)
			r := runCLI(t, dir, args...)
			if r.code != 2 || !strings.Contains(r.stderr, "--"+c.flag) {
				t.Errorf("srcascade %s: exit %d, want 2 with a message naming --%s\nstderr:\n%s", strings.Join(args, " "), r.code, c.flag, r.stderr)
			}
		}
	}
}
