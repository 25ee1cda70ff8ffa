package main

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/data"
)

// TestCLIServe starts the real binary's serve on a free port, upscales an
// image through the API as curl would, and stops it with SIGINT (exit 0).
func TestCLIServe(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--queue", "2")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	if !lines.Scan() {
		t.Fatal("serve printed nothing")
	}
	m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("first line %q does not give the address", lines.Text())
	}
	go io.Copy(io.Discard, stderr)
	var body bytes.Buffer
	if err := png.Encode(&body, photo(20, 16, 1)); err != nil {
		t.Fatal(err)
	}
	r, err := http.Post(m[1]+"v1/upscale?model=bicubic&scale=3", "image/png", &body)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || err != nil || cfg.Width != 60 || cfg.Height != 48 {
		t.Errorf("upscale through the API: status %d, %dx%d, %v; want 200 and 60x48", r.StatusCode, cfg.Width, cfg.Height, err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGINT: %v, want exit 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of SIGINT")
	}
}

// TestParseServe: serve's flags, and the mistakes in them.
func TestParseServe(t *testing.T) {
	c, err := parse([]string{"srcascade", "serve", "--addr", ":9000", "--max-pixels", "1000x1000", "--queue", "3", "--timeout", "30s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := c.(*serveOptions)
	if o.Addr != ":9000" || o.Server.MaxPixels != 1_000_000 || o.Server.Queue != 3 || o.Server.Timeout != 30*time.Second {
		t.Errorf("parsed %+v", o)
	}
	for _, bad := range [][]string{
		{"serve", "--addr", "nohost"}, {"serve", "--queue", "0"}, {"serve", "--timeout", "0s"},
		{"serve", "--max-body", "lots"}, {"serve", "extra"}, {"serve", "--backend", "tpu"},
	} {
		if _, err := parse(append([]string{"srcascade"}, bad...), io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestCLIMatchesLibrary: the binary's upscale with default seed gives the
// pixels of srcascade.Upscale with the zero Options (the same model and
// steps), so a Go program gets the CLI's output.
func TestCLIMatchesLibrary(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	writePNG(t, in, photo(24, 20, 3))
	runCLI(t, dir, "upscale", "-m", "sr3-x2", "-s", "2", "--steps", "2", "-q", "-o", "cli.png", "in.png").expectCode(t, 0)
	d, err := data.DecodeFile(in, data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := srcascade.Upscale(context.Background(), d, srcascade.Options{Model: "sr3-x2", Scale: 2, Steps: 2})
	if err != nil {
		t.Fatal(err)
	}
	expectLibraryPixels(t, filepath.Join(dir, "cli.png"), lib)
}

// expectLibraryPixels fails t unless the image file at path has the size
// and pixels of lib (a library result, encoded as PNG the way the CLI does).
func expectLibraryPixels(t *testing.T, path string, lib *data.Decoded) {
	t.Helper()
	var b bytes.Buffer
	if err := data.Encode(&b, lib, data.EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	want, _, err := image.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readImage(t, path)
	if got.Bounds() != want.Bounds() {
		t.Fatalf("CLI %v, library %v", got.Bounds(), want.Bounds())
	}
	for y := range want.Bounds().Dy() {
		for x := range want.Bounds().Dx() {
			if got.At(x, y) != want.At(x, y) {
				t.Fatalf("pixel (%d,%d): CLI %v, library %v", x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
}
