// Command srcascade upscales images with diffusion super-resolution models
// (SR3 stages chained as in Cascaded Diffusion Models), evaluates models on
// benchmark folders and lists the built-in models. Run `srcascade --help`.
//
// main is tiny: it wires signals to a context, parses argv, runs the command
// and maps the error to an exit code (see exitCode).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the run winds down cleanly; a second one
		// gets the default behaviour and kills the process. Writes are
		// atomic, so even that leaves no truncated output.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
