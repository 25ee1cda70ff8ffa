package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// versionOptions is a parsed `srcascade version` command line.
type versionOptions struct{}

// versionCommand is the `srcascade version` command.
func versionCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version and how the binary was built",
		UsageText: "srcascade version",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("version", "unexpected argument %q", c.Args().First())
			}
			set(versionOptions{})
			return nil
		},
	}
}

// run prints the module version, commit and the build settings that
// matter for speed (GOEXPERIMENT=simd, GOAMD64).
func (versionOptions) run(_ context.Context, e *env) error {
	version, commit, experiment, goamd64 := "(devel)", "", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "GOEXPERIMENT":
				experiment = s.Value
			case "GOAMD64":
				goamd64 = s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "srcascade %s\n", version)
	if commit != "" {
		fmt.Fprintf(e.stdout, "commit     %s\n", commit)
	}
	fmt.Fprintf(e.stdout, "go         %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if experiment == "" {
		experiment = "(none: build with GOEXPERIMENT=simd for fast matmul on the Go backend)"
	}
	fmt.Fprintf(e.stdout, "experiment %s\n", experiment)
	if goamd64 != "" {
		fmt.Fprintf(e.stdout, "GOAMD64    %s\n", goamd64)
	}
	return nil
}
