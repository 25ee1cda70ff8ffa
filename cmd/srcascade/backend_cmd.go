package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/srcascade/srcascade/sr3"
	"github.com/urfave/cli/v2"
)

// backendInstallOptions is a parsed `srcascade backend install` command line.
type backendInstallOptions struct {
	Plugin  string        // cpu or cuda
	Dir     string        // install folder; "" = sr3.DefaultPluginDir
	Timeout time.Duration // connection timeout
}

// backendCommand is `srcascade backend`, whose one subcommand installs a
// PJRT plugin for the XLA backend.
func backendCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:      "backend",
		Usage:     "install a PJRT plugin for the XLA backend (--backend xla:cpu, xla:cuda)",
		UsageText: "srcascade backend install cpu|cuda [--dir DIR]",
		Subcommands: []*cli.Command{{
			Name:      "install",
			Usage:     "download a PJRT plugin with go-xla's installer",
			UsageText: "srcascade backend install [--dir DIR] cpu|cuda",
			Description: `Downloads the XLA PJRT plugin for the CPU (from GitHub, gomlx/pjrt-cpu-binaries)
or for NVIDIA GPUs (jax-cuda13-pjrt and the NVIDIA libraries from PyPI, SHA-256
checked) into DIR, by default ~/.local/lib/go-xla, where --backend xla:cpu and
xla:cuda find it. srcascade downloads a plugin only here, when asked: no other
command ever does. Needs a binary built with cgo (see README, Install).

Examples:
  srcascade backend install cpu
  srcascade backend install cuda && srcascade upscale --backend xla:cuda --device 0 photo.jpg`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "dir", Usage: "install `FOLDER` (default: ~/.local/lib/go-xla; elsewhere, point PJRT_PLUGIN_LIBRARY_PATH at it)"},
				&cli.DurationFlag{Name: "timeout", Value: 20 * time.Second, Usage: "give up on a connection that does not open within `DURATION`"},
			},
			Action: func(c *cli.Context) error {
				const cmd = "backend install"
				if c.NArg() != 1 {
					return usagef(cmd, "want one plugin name: cpu or cuda")
				}
				o := &backendInstallOptions{Plugin: c.Args().First(), Dir: c.String("dir"), Timeout: c.Duration("timeout")}
				if o.Plugin != "cpu" && o.Plugin != "cuda" {
					return usagef(cmd, "unknown plugin %q: want cpu or cuda", o.Plugin)
				}
				if o.Timeout <= 0 {
					return usagef(cmd, "--timeout %s: must be above 0", o.Timeout)
				}
				if !sr3.XLACompiled {
					return usagef(cmd, "%v", sr3.ErrNoCgo)
				}
				set(o)
				return nil
			},
		}},
	}
}

// run installs the plugin and says how to use it.
func (o *backendInstallOptions) run(_ context.Context, e *env) error {
	fmt.Fprintf(e.stderr, "installing the PJRT %s plugin (a download of 100 MB or more)...\n", o.Plugin)
	dir, err := sr3.InstallPlugin(o.Plugin, o.Dir, o.Timeout)
	if err != nil {
		if errors.Is(err, sr3.ErrNoCgo) {
			return &usageError{cmd: "backend install", err: err}
		}
		return err
	}
	fmt.Fprintf(e.stderr, "installed the PJRT %s plugin in %s; use it with --backend xla:%s\n", o.Plugin, dir, o.Plugin)
	if o.Dir != "" {
		fmt.Fprintf(e.stderr, "this folder is not searched by default: export PJRT_PLUGIN_LIBRARY_PATH=%s\n", dir)
	}
	return nil
}
