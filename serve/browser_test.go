package serve

import (
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// browser finds a headless-capable Chromium, or skips the test.
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (Debian: apt-get install chromium): the page is not tested in a browser")
	return ""
}

// runBrowser runs headless Chromium on url with extra arguments, giving
// the page up to 60 s of (virtual) time to settle, and returns stdout.
func runBrowser(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=60000", "--window-size=1100,820"}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	return out
}

// TestPageInBrowser drives the page in headless Chromium: with ?selftest
// the page fetches its embedded sample image and drops it on the drop
// zone as a DragEvent (the path a user's drop takes: handleFiles, POST
// /v1/jobs, polling the progress, fetching the result into the
// before/after view), then writes what came back into the DOM, which the
// test reads from --dump-dom. A screenshot of the same page goes to
// $SRCASCADE_SCREENSHOT when set (docs/serve.png is made so).
func TestPageInBrowser(t *testing.T) {
	bin := browser(t)
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	url := ts.URL + "/?selftest=1&model=bicubic&scale=2"
	dom := runBrowser(t, bin, url, "--dump-dom")
	m := regexp.MustCompile(`<pre id="selftest-result"[^>]*>([^<]*)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the page wrote no self-test result; DOM:\n%s", dom)
	}
	if got, want := string(m[1]), "state=done size=256x256 decoded=256x256"; got != want {
		t.Errorf("self-test: %q, want %q", got, want)
	}
	for _, frag := range []string{`class="compare"`, `alt="before"`, `alt="after"`, `type="range"`, `download="sample_x2.png"`} {
		if !regexp.MustCompile(regexp.QuoteMeta(frag)).Match(dom) {
			t.Errorf("the result has no %s (before/after slider, download link)", frag)
		}
	}
	shot := os.Getenv("SRCASCADE_SCREENSHOT")
	if shot == "" {
		shot = t.TempDir() + "/serve.png"
	}
	runBrowser(t, bin, url, "--screenshot="+shot, "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width < 800 {
		t.Errorf("screenshot %s: %v %v", shot, cfg, err)
	}
}
