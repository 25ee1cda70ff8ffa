package main

import (
	"bufio"
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
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
