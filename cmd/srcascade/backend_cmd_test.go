package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/srcascade/srcascade/sr3"
)

// offlineEnv points every HTTP(S) request of the binary at a closed local
// port, as on a machine without network: a download fails at once.
var offlineEnv = []string{"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1",
	"https_proxy=http://127.0.0.1:1", "http_proxy=http://127.0.0.1:1", "NO_PROXY=", "no_proxy="}

// TestCLIBackendInstallOffline asks for each PJRT plugin with no network:
// the command fails quickly (exit 1) with a message that says the server
// cannot be reached and what to do, and installs nothing.
func TestCLIBackendInstallOffline(t *testing.T) {
	skipWithoutCgo(t)
	dir := t.TempDir()
	home := t.TempDir()
	for _, plugin := range []string{"cpu", "cuda"} {
		if plugin == "cuda" && (runtime.GOOS != "linux" || runtime.GOARCH != "amd64") {
			continue
		}
		t.Run(plugin, func(t *testing.T) {
			into := filepath.Join(dir, plugin)
			t0 := time.Now()
			env := append([]string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}, offlineEnv...)
			r, _ := runCLIIO(t, "", dir, env, nil, "backend", "install", "--dir", into, "--timeout", "5s", plugin)
			r.expectCode(t, 1)
			if !strings.Contains(r.stderr, "cannot reach the download server") || !strings.Contains(r.stderr, "install PJRT plugin "+plugin) {
				t.Errorf("want a clear offline message, got:\n%s", r.stderr)
			}
			if d := time.Since(t0); d > 30*time.Second {
				t.Errorf("offline failure took %s", d)
			}
			if plugins, _ := filepath.Glob(filepath.Join(into, "*.so")); len(plugins) > 0 {
				t.Errorf("installed %v offline", plugins)
			}
		})
	}
	r, _ := runCLIIO(t, "", dir, offlineEnv, nil, "backend", "install", "tpu")
	r.expectCode(t, 2)
	if !strings.Contains(r.stderr, `unknown plugin "tpu"`) {
		t.Errorf("backend install tpu: %s", r.stderr)
	}
}

// TestCLIXLANeverDownloads asks for an XLA backend whose plugin is not
// installed: the error says so and points at `backend install`, and no
// download is tried (the offline proxy would show in the message).
func TestCLIXLANeverDownloads(t *testing.T) {
	skipWithoutCgo(t)
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), photo(8, 8, 1))
	env := append([]string{"HOME=" + t.TempDir(), "PJRT_PLUGIN_LIBRARY_PATH=" + t.TempDir(), "GOMLX_NO_AUTO_INSTALL="}, offlineEnv...)
	r, _ := runCLIIO(t, "", dir, env, nil, "upscale", "-m", "sr3-x4", "--steps", "1", "--backend", "xla:cpu", "a.png")
	if r.code == 0 {
		t.Skip("an XLA cpu plugin is installed on this machine")
	}
	if !strings.Contains(r.stderr, "not installed") || !strings.Contains(r.stderr, "srcascade backend install") {
		t.Errorf("want a not-installed message naming backend install, got:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "127.0.0.1:1") || strings.Contains(r.stderr, "proxyconnect") {
		t.Errorf("--backend xla:cpu tried a download:\n%s", r.stderr)
	}
}

// TestCLIDevice: --device picks an accelerator of an XLA backend and is
// refused, as a usage error, where there is none to pick.
func TestCLIDevice(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), photo(8, 8, 1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--backend", "go", "--device", "1"}, `backend "go" has no devices`},
		{[]string{"--backend", "xla:cuda", "--device", "-2"}, "--device -2: must be 0 or more"},
		{[]string{"--backend", "xla:cuda,visible_devices=1", "--device", "0"}, "already sets visible_devices"},
	} {
		r, _ := runCLIIO(t, "", dir, []string{"GOMLX_BACKEND="}, nil, append([]string{"upscale", "-m", "sr3-x4", "a.png"}, tc.args...)...)
		r.expectCode(t, 2)
		want := tc.want
		if !sr3.XLACompiled && tc.args[1] != "go" {
			want = "built without cgo" // XLA specs are refused first
		}
		if !strings.Contains(r.stderr, want) {
			t.Errorf("%v: want %q in:\n%s", tc.args, want, r.stderr)
		}
	}
	// With no backend named, $GOMLX_BACKEND decides: go has no devices.
	r, _ := runCLIIO(t, "", dir, []string{"GOMLX_BACKEND=go"}, nil, "upscale", "-m", "sr3-x4", "--device", "0", "a.png")
	r.expectCode(t, 2)
	// An XLA backend with a device reaches the plugin loader with
	// visible_devices set (here no plugin is installed).
	skipWithoutCgo(t)
	env := []string{"HOME=" + t.TempDir(), "PJRT_PLUGIN_LIBRARY_PATH=" + t.TempDir(), "GOMLX_BACKEND="}
	r, _ = runCLIIO(t, "", dir, env, nil, "upscale", "-m", "sr3-x4", "--steps", "1", "--backend", "xla:cuda", "--device", "1", "a.png")
	if r.code == 0 {
		t.Skip("a CUDA plugin and a second GPU are here")
	}
	if !strings.Contains(r.stderr, "xla:cuda,visible_devices=1") {
		t.Errorf("want the backend with visible_devices=1 named, got:\n%s", r.stderr)
	}
}

// skipWithoutCgo skips a test of the XLA backend when the binary under
// test was built with CGO_ENABLED=0 (TestCLIStaticBuild covers that one).
func skipWithoutCgo(t *testing.T) {
	t.Helper()
	if !sr3.XLACompiled {
		t.Skip("built with CGO_ENABLED=0: no XLA backend to test")
	}
}

// TestCLIStaticBuild builds srcascade with CGO_ENABLED=0, as for a
// distroless image: the binary runs the pure-Go backend (a learned model
// included), and says clearly that XLA needs a cgo build (exit 2).
func TestCLIStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary a second time, without cgo (about 20 s): skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	static := filepath.Join(t.TempDir(), "srcascade-static")
	build := exec.Command(goTool, "build", "-o", static, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), photo(8, 6, 1))
	r, _ := runCLIIO(t, static, dir, []string{"GOMLX_BACKEND="}, nil, "upscale", "-m", "sr3-x4", "--steps", "1", "a.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "a_x4.png"), 32, 24)
	const msg = "this srcascade was built without cgo; XLA needs a cgo build, see README"
	for _, args := range [][]string{
		{"upscale", "--backend", "xla:cpu", "a.png"},
		{"eval", "--backend", "xla:cuda", "."},
		{"upscale", "--backend", "go", "--device", "0", "a.png"},
		{"backend", "install", "cpu"},
	} {
		r, _ := runCLIIO(t, static, dir, nil, nil, args...)
		if args[2] == "go" {
			r.expectCode(t, 2)
			continue
		}
		r.expectCode(t, 2)
		if !strings.Contains(r.stderr, msg) {
			t.Errorf("%v: want %q in:\n%s", args, msg, r.stderr)
		}
	}
	// $GOMLX_BACKEND naming XLA fails the same way, with the variable named.
	r, _ = runCLIIO(t, static, dir, []string{"GOMLX_BACKEND=xla:cpu"}, nil, "upscale", "-m", "sr3-x4", "--steps", "1", "-o", "b.png", "a.png")
	if r.code == 0 || !strings.Contains(r.stderr, msg) || !strings.Contains(r.stderr, "GOMLX_BACKEND") {
		t.Errorf("GOMLX_BACKEND=xla:cpu on a static binary: exit %d\n%s", r.code, r.stderr)
	}
}
