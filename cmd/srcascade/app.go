package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// command is a parsed command line, ready to run.
type command interface {
	run(ctx context.Context, env *env) error
}

// setOptions is the action of a command whose flags and arguments parse
// into options: it hands what parse returns to set, or returns parse's
// error (a *usageError) without calling set.
func setOptions[T command](set func(command), parse func(*cli.Context) (T, error)) cli.ActionFunc {
	return func(c *cli.Context) error {
		o, err := parse(c)
		if err != nil {
			return err
		}
		set(o)
		return nil
	}
}

// env is where a command's output goes.
type env struct {
	stdin  io.Reader // an image, for upscale's INPUT -
	stdout io.Writer // results: tables, JSON; the image of upscale -o -
	stderr io.Writer // progress, warnings, errors
	tty    bool      // stderr is a terminal: draw a progress bar instead of log lines
	width  int       // terminal width for the progress bar
}

// run parses argv, runs the command and returns the exit code.
func run(ctx context.Context, argv []string, stdout, stderr io.Writer) int {
	cmd, err := parse(argv, stdout)
	if err != nil {
		return exitCode(err, stderr)
	}
	if cmd == nil { // --help, help, version: already printed
		return exitOK
	}
	e := &env{stdin: os.Stdin, stdout: stdout, stderr: stderr, tty: isTerminal(stderr), width: terminalWidth()}
	return exitCode(cmd.run(ctx, e), stderr)
}

// parse turns argv (with the program name first) into a command, or into a
// *usageError for a mistake in it. It returns (nil, nil) when it only
// printed help. It reads no files: paths are checked when the command runs.
func parse(argv []string, stdout io.Writer) (command, error) {
	var parsed command
	app := newApp(stdout, func(c command) { parsed = c })
	if err := app.Run(permuteArgs(app, argv)); err != nil {
		var ue *usageError
		if !errors.As(err, &ue) {
			err = &usageError{err: err}
		}
		return nil, err
	}
	return parsed, nil
}

// newApp builds the command tree; each command's action hands its parsed
// options to set instead of running them, so parsing can be tested alone.
func newApp(stdout io.Writer, set func(command)) *cli.App {
	app := &cli.App{
		Name:      "srcascade",
		Usage:     "diffusion super-resolution: upscale images and folders, evaluate models",
		UsageText: "srcascade command [options] [arguments...]",
		Description: `Examples:
  srcascade upscale photo.jpg                  # writes photo_x4.png beside it
  srcascade upscale -s 2 -o big.jpg photo.png  # x2, written as JPEG
  srcascade upscale -r -o out/ photos/         # a folder tree, mirrored into out/
  srcascade eval -s 4 Set5/                    # Y-PSNR / SSIM on a benchmark folder
  srcascade models                             # the built-in models
  srcascade serve                              # web app and HTTP API on http://127.0.0.1:8080/

Exit codes: 0 all done, 1 some inputs failed (listed at the end),
2 usage error (nothing done), 130 interrupted.`,
		Writer:                 stdout,
		ErrWriter:              stdout,
		HideVersion:            true,
		UseShortOptionHandling: false,
		ExitErrHandler:         func(*cli.Context, error) {}, // exit codes are main's business
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &usageError{err: flagError(err)}
		},
		Flags: []cli.Flag{&cli.BoolFlag{Name: "version", Aliases: []string{"v"},
			Usage: "print the version and how the binary was built (as `srcascade version`)"}},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				if c.Args().Present() {
					return usagef("", "--version takes no arguments (got %q)", c.Args().First())
				}
				set(versionOptions{})
				return nil
			}
			if c.Args().Present() {
				return usagef("", "unknown command %q (commands: %s)", c.Args().First(), strings.Join(commandNames(c.App), ", "))
			}
			return cli.ShowAppHelp(c)
		},
		Commands: []*cli.Command{
			upscaleCommand(set),
			evalCommand(set),
			compareCommand(set),
			generateCommand(set),
			trainCommand(set),
			benchCommand(set),
			modelsCommand(set),
			backendCommand(set),
			serveCommand(set),
			versionCommand(set),
		},
	}
	checkFiniteFloats(app.Commands)
	var onUsage func(cmds []*cli.Command, prefix string)
	onUsage = func(cmds []*cli.Command, prefix string) {
		for _, c := range cmds {
			name := prefix + c.Name
			c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
				return &usageError{cmd: name, err: flagError(err)}
			}
			onUsage(c.Subcommands, name+" ")
		}
	}
	onUsage(app.Commands, "")
	return app
}

// flagError rewrites the flag parser's "flag provided but not defined:
// -outscale", which drops a dash of what was typed, as "unknown flag
// --outscale" (one dash for a one-letter name, as the flags are spelled
// in --help); other errors are returned as they are.
func flagError(err error) error {
	const prefix = "flag provided but not defined: -"
	name, ok := strings.CutPrefix(err.Error(), prefix)
	if !ok {
		return err
	}
	dashes := "--"
	if len(name) == 1 {
		dashes = "-"
	}
	return fmt.Errorf("unknown flag %s%s (see --help for the flags)", dashes, name)
}

// commandNames lists the visible commands of app.
func commandNames(app *cli.App) []string {
	var names []string
	for _, c := range app.VisibleCommands() {
		names = append(names, c.Name)
	}
	return names
}

// permuteArgs lets flags follow the positional arguments of a command
// (`srcascade upscale photo.png -s 2`), which urfave/cli v2's parser, like
// Go's flag package, would otherwise take as more file names. Flags are
// moved before the positionals, keeping their order; everything after "--"
// stays positional.
func permuteArgs(app *cli.App, argv []string) []string {
	if len(argv) < 2 {
		return argv
	}
	// The command is the first argument that is not a (boolean) global flag.
	i := 1
	for i < len(argv) && strings.HasPrefix(argv[i], "-") && argv[i] != "--" {
		i++
	}
	if i >= len(argv) {
		return argv
	}
	cmd := app.Command(argv[i])
	if cmd == nil || cmd.Name == "help" {
		return argv
	}
	// A subcommand (bench io) owns the flags that follow it.
	for i+1 < len(argv) && len(cmd.Subcommands) > 0 {
		sub := cmd.Command(argv[i+1])
		if sub == nil || sub.Name == "help" {
			break
		}
		cmd, i = sub, i+1
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	head := append([]string(nil), argv[:i+1]...)
	var flags, positional []string
	help, dangling := false, false
	rest := argv[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case a == "--":
			positional = append(positional, rest[j+1:]...)
			j = len(rest)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			help = help || name == "h" || name == "help"
			if !strings.Contains(name, "=") && takesValue[name] {
				if j+1 < len(rest) {
					j++
					flags = append(flags, rest[j])
				} else {
					dangling = true // last flag lacks its value: let the parser say so
				}
			}
		default:
			positional = append(positional, a)
		}
	}
	out := append(head, flags...)
	// With --help the positionals would be taken as help topics; with a
	// dangling flag, "--" would be taken as its value.
	if len(positional) > 0 && !help && !dangling {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}

// isTerminal reports whether w is a terminal (a character device), the
// test the progress bar needs without golang.org/x/term.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
