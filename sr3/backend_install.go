package sr3

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/go-xla/installer"
)

// DefaultPluginDir is where InstallPlugin puts PJRT plugins when no folder
// is given, and one of the folders NewBackend searches: go-xla's own
// default (~/.local/lib/go-xla on Linux).
func DefaultPluginDir() (string, error) {
	lib, err := installer.DefaultHomeLibPath()
	if err != nil {
		return "", fmt.Errorf("no default PJRT plugin folder: %w", err)
	}
	return filepath.Join(lib, "go-xla"), nil
}

// PluginNames are the PJRT plugins InstallPlugin fetches.
var PluginNames = []string{"cpu", "cuda"}

// InstallPlugin downloads the PJRT plugin name ("cpu" or "cuda", with the
// NVIDIA libraries it needs) with go-xla's installer into dir ("" =
// DefaultPluginDir) and returns the folder. It is the only place srcascade
// downloads a plugin, and runs only when called: NewBackend never does.
// The cpu plugin comes from GitHub (gomlx/pjrt-cpu-binaries), cuda from
// PyPI (jax-cuda13-pjrt and NVIDIA's wheels, SHA-256 checked); downloads
// are cached in the user cache folder. A connection that cannot be opened
// within connectTimeout (0 = 20 s) fails with an error saying so.
//
// go-xla's installer uses http.DefaultClient; its transport is replaced for
// the duration of the call (with the same proxy settings, plus timeouts),
// so do not run it beside other HTTP work of the same process.
func InstallPlugin(name, dir string, connectTimeout time.Duration) (string, error) {
	if !XLACompiled {
		return "", fmt.Errorf("install PJRT plugin %q: %w", name, ErrNoCgo)
	}
	if dir == "" {
		var err error
		if dir, err = DefaultPluginDir(); err != nil {
			return "", err
		}
	}
	if connectTimeout <= 0 {
		connectTimeout = 20 * time.Second
	}
	defer withTimeouts(connectTimeout)()
	var err error
	switch name {
	case "cpu":
		platform := runtime.GOOS + "_" + runtime.GOARCH
		if !slices.Contains(installer.CPUSupportedPlatforms, platform) {
			return "", fmt.Errorf("install PJRT plugin cpu: no build for %s (there are builds for %s)",
				platform, strings.Join(installer.CPUSupportedPlatforms, ", "))
		}
		err = installer.CPUInstall(platform, "latest", dir, true, installer.Normal)
	case "cuda":
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			return "", fmt.Errorf("install PJRT plugin cuda: only linux/amd64 has one, this is %s/%s", runtime.GOOS, runtime.GOARCH)
		}
		err = installer.CudaInstall("cuda13", "latest", dir, true, installer.Normal)
	default:
		return "", fmt.Errorf("install PJRT plugin %q: unknown plugin, want %s", name, strings.Join(PluginNames, " or "))
	}
	if err != nil {
		msg := "download or install failed"
		var nerr net.Error
		if errors.As(err, &nerr) || strings.Contains(err.Error(), "dial") || strings.Contains(err.Error(), "proxyconnect") {
			msg = "cannot reach the download server (offline, or behind a proxy? set HTTPS_PROXY; or copy a plugin here and set PJRT_PLUGIN_LIBRARY_PATH)"
		}
		return "", fmt.Errorf("install PJRT plugin %s into %s: %s: %w", name, dir, msg, err)
	}
	return dir, nil
}

// withTimeouts gives http.DefaultClient a transport that fails fast when
// no connection can be made, and returns the function that restores it.
func withTimeouts(connect time.Duration) (restore func()) {
	old := http.DefaultClient.Transport
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connect
	t.ResponseHeaderTimeout = 3 * connect
	http.DefaultClient.Transport = t
	return func() { http.DefaultClient.Transport = old }
}

// WithDevice returns the backend spec that runs spec ("" = $GOMLX_BACKEND)
// on the accelerator numbered device (0, 1, ... as the plugin counts them,
// e.g. nvidia-smi's order for CUDA): XLA's visible_devices option. A
// negative device returns spec unchanged. The Go backend has no devices
// (it runs on the CPU cores): asking for one is an error, as is a
// device with no XLA backend named.
func WithDevice(spec string, device int) (string, error) {
	if device < 0 {
		return spec, nil
	}
	resolved := strings.TrimSpace(spec)
	if resolved == "" {
		resolved = strings.TrimSpace(os.Getenv(BackendEnv))
	}
	switch {
	case resolved == "":
		return "", errors.New("a device is one of an XLA backend's accelerators; name the backend (--backend xla:cuda)")
	case !IsXLASpec(resolved):
		return "", fmt.Errorf("backend %q has no devices (the Go backend runs on the CPU cores); use an XLA backend such as xla:cuda", resolved)
	case !XLACompiled:
		return "", fmt.Errorf("backend %q: %w", resolved, ErrNoCgo)
	case strings.Contains(resolved, "visible_devices="):
		return "", fmt.Errorf("backend %q already sets visible_devices", resolved)
	}
	if resolved == "xla" {
		p := installedPlugin()
		if p == "" {
			return "", &PluginError{Spec: resolved}
		}
		resolved = "xla:" + p
	}
	return resolved + ",visible_devices=" + strconv.Itoa(device), nil
}
