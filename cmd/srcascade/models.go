package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/srcascade/srcascade/pretrained"
	"github.com/urfave/cli/v2"
)

// modelsOptions is a parsed `srcascade models` command line.
type modelsOptions struct {
	JSON bool
}

// modelsCommand is the `srcascade models` command.
func modelsCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:      "models",
		Usage:     "list the built-in models; models compact: store a model's weights as 16-bit floats",
		UsageText: "srcascade models [--json] | srcascade models compact [--dtype f16|bf16|f32] IN_DIR OUT_DIR",
		Description: `Lists the models built into this binary: name (for -m), kind, supported
scales, parameters, size of the embedded weights, training data and a
description. Kind sr is a super-resolution model (upscale, eval, compare -m;
generate --sr); kind base is the base stage of a cascade, which generates images
from noise (generate -m; its SCALES column gives the sample size and the cascade
that enlarges them by default). A checkpoint folder written by training can be
given to -m as well.

` + "`srcascade models compact`" + ` copies a checkpoint folder with its weights stored as
float16 and without its training state (see srcascade models compact --help).

Examples:
  srcascade models
  srcascade models --json
  srcascade models compact runs/x4 runs/x4-f16`,
		Flags:       []cli.Flag{boolFlag("json", "", "print the model cards as JSON")},
		Subcommands: []*cli.Command{modelsCompactCommand(set)},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("models", "unexpected argument %q", c.Args().First())
			}
			set(&modelsOptions{JSON: c.Bool("json")})
			return nil
		},
	}
}

// run prints the model cards.
func (o *modelsOptions) run(_ context.Context, e *env) error {
	list := pretrained.List()
	if o.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
		return nil
	}
	defaults := map[string][]string{} // model -> the scales it is the default of
	var defaultLine []string
	for _, scale := range []int{2, 4, 8} {
		name := pretrained.Default(scale)
		defaults[name] = append(defaults[name], fmt.Sprintf("x%d", scale))
		defaultLine = append(defaultLine, fmt.Sprintf("x%d %s", scale, name))
	}
	// The columns are aligned alone, then each row is followed by its
	// description, wrapped and indented (a line without cells would end
	// tabwriter's alignment block).
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tSCALES\tDEFAULT\tPARAMS\tSIZE")
	var notes [][]string
	width := min(terminalWidth(), 100)
	for _, m := range list {
		scales := joinInts(m.Scales, ",")
		if m.Kind == pretrained.KindBase {
			scales = fmt.Sprintf("%dx%d -> %s", m.ImageSize, m.ImageSize, m.Cascade)
		}
		def := strings.Join(defaults[m.Name], ",")
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Kind, scales, def,
			formatCount(m.Params), formatBytes(m.Size))
		text := strings.TrimSpace(m.Description)
		if t := strings.TrimSpace(m.TrainedOn); t != "" && t != "-" {
			if !strings.HasSuffix(text, ".") {
				text += "."
			}
			text += " Trained on " + strings.TrimSuffix(t, ".") + "."
		}
		notes = append(notes, wrapWords(text, width-4))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	rows := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	fmt.Fprintln(e.stdout, strings.TrimRight(rows[0], " "))
	for i, row := range rows[1:] {
		fmt.Fprintln(e.stdout, strings.TrimRight(row, " "))
		for _, line := range notes[i] {
			fmt.Fprintf(e.stdout, "    %s\n", line)
		}
	}
	fmt.Fprintf(e.stdout, "\nDefaults without -m (upscale, eval, compare): %s.\n", strings.Join(defaultLine, ", "))
	return nil
}

// wrapWords breaks text into lines of at most width characters at spaces
// (a longer word gets a line of its own).
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// formatCount writes a parameter count as 0, 950k or 12.3M.
func formatCount(n int64) string {
	switch {
	case n == 0:
		return "-"
	case n < 1000:
		return fmt.Sprint(n)
	case n < 1_000_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}

// formatBytes writes a size as 512 B, 3.4 MiB.
func formatBytes(n int64) string {
	switch {
	case n == 0:
		return "-"
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
}
