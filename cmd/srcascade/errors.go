package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Exit codes of srcascade.
const (
	exitOK          = 0   // everything asked for was done
	exitFailed      = 1   // some inputs failed (each listed in the summary), or a runtime error
	exitUsage       = 2   // bad flags or arguments: nothing was done
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report it)
)

// usageError is a mistake in the command line: exit code 2, and a hint to --help.
type usageError struct {
	cmd string // command whose help to point at ("" = the app)
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef makes a usageError for cmd.
func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// failedError says that some inputs failed; each was already reported.
type failedError struct {
	failed, total int
}

func (e *failedError) Error() string {
	return fmt.Sprintf("%d of %d inputs failed", e.failed, e.total)
}

// errInterrupted is returned when a signal cancelled the run.
var errInterrupted = errors.New("interrupted")

// errInterruptedReported is errInterrupted for a command that already told
// the user where it stopped and how to go on (train): exit code 130, no
// generic message.
var errInterruptedReported = fmt.Errorf("%w (reported)", errInterrupted)

// exitCode maps the error of a command to the process exit code, printing it
// to stderr unless it was already reported.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var fe *failedError
	switch {
	case err == errInterruptedReported:
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "srcascade: %v\n", ue.err)
		if ue.cmd != "" {
			fmt.Fprintf(stderr, "Run 'srcascade %s --help' for usage.\n", ue.cmd)
		} else {
			fmt.Fprintln(stderr, "Run 'srcascade --help' for usage.")
		}
		return exitUsage
	case errors.As(err, &fe):
		fmt.Fprintf(stderr, "srcascade: %v\n", fe)
		return exitFailed
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "srcascade: interrupted; finished outputs are kept, rerun the same command to do the rest")
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "srcascade: %v\n", err)
		return exitFailed
	}
}
