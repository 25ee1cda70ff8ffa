package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/srcascade/srcascade/serve"
	"github.com/urfave/cli/v2"
)

// serveOptions is a parsed `srcascade serve` command line.
type serveOptions struct {
	Addr    string
	Server  serve.Options
	Timeout time.Duration
}

// serveCommand is the `srcascade serve` command.
func serveCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run the local web app and HTTP API",
		UsageText: "srcascade serve [--addr 127.0.0.1:8080] [options]",
		Description: `Serves a web page (drop images, pick model, scale, steps, denoise level,
deblocking and start strength, watch the progress, compare before and after, download) and an HTTP API on one
port, on this machine only unless --addr says otherwise:

  POST   /v1/upscale?scale=4&model=M&steps=N&seed=K&strength=F&format=png|jpg
         &denoise=auto|LEVEL&deblock=auto|off|QUALITY&prefilter=auto|off|SIGMA&tta=0|1 (as --denoise, --deblock, --prefilter, --tta)
         (body: the image bytes) -> the upscaled image
  POST   /v1/jobs?...same...   -> 202 {"id": ...}; GET /v1/jobs/ID for progress,
         GET /v1/jobs/ID/result for the image, DELETE /v1/jobs/ID to cancel
  GET    /v1/models, GET /healthz

Errors are JSON {"error": "..."}: 400 bad image or parameter, 413 too large,
503 queue full, 504 past --timeout. Jobs run one at a time on the model;
--queue more may wait. A client that disconnects cancels its upscale.

Examples:
  srcascade serve
  curl --data-binary @photo.jpg -o photo_x4.png 'http://127.0.0.1:8080/v1/upscale?scale=4'`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen on `HOST:PORT` (port 0 picks a free one)"},
			&cli.StringFlag{Name: "backend", Usage: "compute `BACKEND` for learned models (see upscale --backend)"},
			&cli.StringFlag{Name: "max-pixels", Value: formatPixels(serve.DefaultMaxPixels),
				Usage: "refuse images with more than `N` pixels (from the header, before decoding): a count with k/M/G, or WxH"},
			&cli.StringFlag{Name: "max-body", Value: "32M", Usage: "refuse request bodies above `SIZE` (e.g. 32M)"},
			&cli.IntFlag{Name: "queue", Value: serve.DefaultQueue, Usage: "`N` jobs may wait behind the running one; more get 503"},
			&cli.DurationFlag{Name: "timeout", Value: serve.DefaultTimeout, Usage: "stop a job after `DURATION`, waiting included"},
		},
		Action: setOptions(set, serveOptionsFrom),
	}
}

// serveOptionsFrom reads and checks the flags of serve.
func serveOptionsFrom(c *cli.Context) (*serveOptions, error) {
	const cmd = "serve"
	if c.Args().Present() {
		return nil, usagef(cmd, "unexpected argument %q", c.Args().First())
	}
	o := &serveOptions{Addr: c.String("addr")}
	o.Server.Backend = c.String("backend")
	if err := checkBackend(o.Server.Backend); err != nil {
		return nil, usagef(cmd, "--backend %q: %v", o.Server.Backend, err)
	}
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return nil, usagef(cmd, "--addr %q: want HOST:PORT such as 127.0.0.1:8080", o.Addr)
	}
	var err error
	if o.Server.MaxPixels, err = parsePixels(c.String("max-pixels")); err != nil {
		return nil, usagef(cmd, "--max-pixels: %v", err)
	}
	if o.Server.MaxBodyBytes, err = parseBytes(c.String("max-body")); err != nil {
		return nil, usagef(cmd, "--max-body: %v", err)
	}
	if o.Server.Queue = c.Int("queue"); o.Server.Queue < 1 || o.Server.Queue > 1000 {
		return nil, usagef(cmd, "--queue %d: must be 1..1000", o.Server.Queue)
	}
	if o.Server.Timeout = c.Duration("timeout"); o.Server.Timeout <= 0 {
		return nil, usagef(cmd, "--timeout %s: must be above 0", o.Server.Timeout)
	}
	return o, nil
}

// run listens, prints the address and serves until ctx ends (Ctrl-C),
// then stops the jobs in flight and returns.
func (o *serveOptions) run(ctx context.Context, e *env) error {
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	opts := o.Server
	opts.Logf = func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	s := serve.New(opts)
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stderr, "srcascade serve: listening on http://%s/ (Ctrl-C stops)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.Close()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	fmt.Fprintln(e.stderr, "srcascade serve: stopped")
	return nil
}
