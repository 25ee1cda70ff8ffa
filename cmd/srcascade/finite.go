package main

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// checkFiniteFloats makes every command and subcommand of cmds refuse NaN
// and infinite values of its float64 flags (which strconv.ParseFloat, and
// so urfave/cli, accepts) as a usage error, before its action runs.
// String flags that carry numbers are parsed with parseFinite instead.
func checkFiniteFloats(cmds []*cli.Command) {
	for _, c := range cmds {
		name := c.FullName()
		before := c.Before
		c.Before = func(ctx *cli.Context) error {
			for _, f := range ctx.Command.Flags {
				ff, ok := f.(*cli.Float64Flag)
				if !ok || !ctx.IsSet(ff.Name) {
					continue
				}
				if v := ctx.Float64(ff.Name); math.IsNaN(v) || math.IsInf(v, 0) {
					return usagef(name, "--%s %g: must be a finite number", ff.Name, v)
				}
			}
			if before != nil {
				return before(ctx)
			}
			return nil
		}
		checkFiniteFloats(c.Subcommands)
	}
}

// parseFinite reads a finite number: NaN and infinities are refused, as
// by every float flag (checkFiniteFloats).
func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	switch {
	case err != nil:
		return 0, errors.New("not a number")
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, errors.New("not a finite number")
	}
	return v, nil
}
