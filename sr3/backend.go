package sr3

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
)

// BackendEnv is the environment variable consulted by NewBackend("") (the
// same one GoMLX reads): "go", "xla:cpu", "xla:cuda" or a PJRT plugin path.
const BackendEnv = "GOMLX_BACKEND"

// NewBackend returns the compute backend named by spec:
//
//   - "go": GoMLX's pure-Go backend, with unlimited op parallelism (the
//     default pool deadlocked in some training runs on 2 cores; -1 never did).
//   - "xla:cpu", "xla:cuda", "xla:NAME[,options]": an XLA/PJRT plugin that is
//     already installed (PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla,
//     /usr/local/lib/go-xla or the system library path).
//   - a path to a PJRT plugin .so (or "xla:/path/to/plugin.so").
//   - "": $GOMLX_BACKEND if set, else XLA if a PJRT plugin is installed
//     locally, else "go".
//
// Plugins are never downloaded (see InstallPlugin for the explicit way).
// The XLA backend needs cgo: in a binary built with CGO_ENABLED=0 (see
// XLACompiled) every XLA spec fails with ErrNoCgo and "" means "go".
func NewBackend(spec string) (compute.Backend, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		if env := strings.TrimSpace(os.Getenv(BackendEnv)); env != "" {
			b, err := NewBackend(env)
			if err != nil {
				return nil, fmt.Errorf("$%s: %w", BackendEnv, err)
			}
			return b, nil
		}
		if plugin := installedPlugin(); plugin != "" {
			b, err := newXLA(plugin, "xla:"+plugin)
			if err == nil {
				return b, nil
			}
			// A plugin that is found but fails to start (say, a CUDA plugin
			// without a usable driver) must not stop the tool: use Go.
		}
		return newGo()
	}
	switch {
	case spec == "go" || strings.HasPrefix(spec, "go:"):
		if spec != "go" {
			return nil, fmt.Errorf("backend %q: the Go backend takes no options (use \"go\")", spec)
		}
		return newGo()
	case spec == "xla":
		plugin := installedPlugin()
		if plugin == "" {
			if !XLACompiled {
				return nil, fmt.Errorf("backend %q: %w", spec, ErrNoCgo)
			}
			return nil, &PluginError{Spec: spec}
		}
		return newXLA(plugin, spec)
	case strings.HasPrefix(spec, "xla:"):
		return newXLA(strings.TrimPrefix(spec, "xla:"), spec)
	case looksLikePath(spec):
		return newXLA(spec, spec)
	default:
		return nil, fmt.Errorf("unknown backend %q: want \"go\", \"xla:cpu\", \"xla:cuda\" or the path to a PJRT plugin .so", spec)
	}
}

// IsGoBackend reports whether b is GoMLX's pure-Go backend (on which
// convolutions are lowered to im2col + matmul, see Conv2D).
func IsGoBackend(b compute.Backend) bool {
	return b != nil && b.String() == gobackend.BackendName
}

// newGo builds the pure-Go backend with unlimited parallelism.
func newGo() (compute.Backend, error) {
	b, err := gobackend.New("")
	if err != nil {
		return nil, fmt.Errorf("backend \"go\": %w", err)
	}
	// Set parallelism=-1 directly on the worker pool when we can: the
	// config-string route ("go:parallelism=-1") prints a line on stdout,
	// which would corrupt the CLI's output.
	if !setUnlimitedParallelism(b) {
		b.Finalize()
		b, err = compute.NewWithConfig("go:parallelism=-1")
		if err != nil {
			return nil, fmt.Errorf("backend \"go\": %w", err)
		}
	}
	return b, nil
}

// setUnlimitedParallelism sets the Go backend's worker pool to unlimited
// parallelism through its exported Workers field, reporting whether it could.
func setUnlimitedParallelism(b compute.Backend) bool {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f := v.Elem().FieldByName("Workers")
	if !f.IsValid() || !f.CanInterface() {
		return false
	}
	pool, ok := f.Interface().(interface {
		SetMaxParallelism(int)
		MaxParallelism() int
	})
	if !ok || reflect.ValueOf(pool).IsNil() {
		return false
	}
	pool.SetMaxParallelism(-1)
	return pool.MaxParallelism() == -1
}

// PluginInstallCommand installs a PJRT plugin for this machine's CPU or
// NVIDIA GPU into ~/.local/lib/go-xla, where NewBackend looks: the
// srcascade command that runs InstallPlugin (go-xla's installer), on
// request only; NewBackend itself never downloads one.
const PluginInstallCommand = "srcascade backend install cpu|cuda"

// PluginError is NewBackend's error for an XLA backend whose PJRT plugin
// is not installed. It is the same in builds with and without cgo (without
// cgo, NewBackend refuses every XLA spec with ErrNoCgo first).
type PluginError struct {
	Spec      string   // the backend asked for: "xla", "xla:cpu", ...
	Plugin    string   // the plugin it needs; "" = any
	Installed []string // the plugins that are installed
}

// Error says, in one sentence, which plugin is missing, where it was
// looked for, and how to install one (srcascade backend install, naming
// the plugin when it is one InstallPlugin fetches) or use the go backend.
func (e *PluginError) Error() string {
	need, missing, install := "a PJRT plugin", "none is installed", PluginInstallCommand
	if e.Plugin != "" {
		need = fmt.Sprintf("the PJRT plugin %q", e.Plugin)
		missing = "it is not installed"
		if len(e.Installed) > 0 {
			missing += " (only " + strings.Join(e.Installed, ", ") + " is)"
		}
		if slices.Contains(PluginNames, e.Plugin) {
			install = "srcascade backend install " + e.Plugin
		}
	} else if len(e.Installed) > 0 {
		missing = "only " + strings.Join(e.Installed, ", ") + " is installed"
	}
	return fmt.Sprintf("backend %q needs %s, but %s (searched PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, "+
		"/usr/local/lib/go-xla and the library path): install one with `%s`, or use the go backend",
		e.Spec, need, missing, install)
}

// looksLikePath reports whether spec names a file rather than a plugin name.
func looksLikePath(spec string) bool {
	return strings.ContainsRune(spec, '/') || strings.HasSuffix(spec, ".so") ||
		strings.HasSuffix(spec, ".dylib") || strings.HasSuffix(spec, ".dll")
}

// ErrNoCgo is the error of an XLA backend asked of a binary built without
// cgo (CGO_ENABLED=0): XLA loads its PJRT plugin through cgo.
var ErrNoCgo = errors.New("this srcascade was built without cgo; XLA needs a cgo build, see README (Install)")

// IsXLASpec reports whether spec names an XLA backend ("xla", "xla:NAME"
// or the path of a PJRT plugin) rather than "go" or "" (automatic).
func IsXLASpec(spec string) bool {
	spec = strings.TrimSpace(spec)
	return spec == "xla" || strings.HasPrefix(spec, "xla:") || (spec != "go" && looksLikePath(spec))
}
