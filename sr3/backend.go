package sr3

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

// BackendEnv is the environment variable consulted by NewBackend("") (the
// same one GoMLX reads): "go", "xla:cpu", "xla:cuda" or a PJRT plugin path.
const BackendEnv = "GOMLX_BACKEND"

func init() {
	// Never let go-xla download PJRT plugins behind the user's back: the
	// installer runs from xla.New/GetAvailablePlugins unless disabled. This
	// is the same switch GOMLX_NO_AUTO_INSTALL flips.
	xla.EnableAutoInstall(false)
}

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
// Plugins are never downloaded.
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

// PluginInstallCommand installs GoMLX's PJRT plugin for this machine's CPU
// (and CUDA where present) into ~/.local/lib/go-xla, where NewBackend
// looks; srcascade itself never downloads one.
const PluginInstallCommand = "go run github.com/gomlx/go-xla/cmd/pjrt_installer@v0.4.0 -autoinstall"

// PluginError is NewBackend's error for an XLA backend whose PJRT plugin
// is not installed.
type PluginError struct {
	Spec      string   // the backend asked for: "xla", "xla:cpu", ...
	Plugin    string   // the plugin it needs; "" = any
	Installed []string // the plugins that are installed
}

func (e *PluginError) Error() string {
	need := "a PJRT plugin"
	if e.Plugin != "" {
		need = fmt.Sprintf("the PJRT plugin %q", e.Plugin)
	}
	have := "no plugin is installed"
	if len(e.Installed) > 0 {
		have = "only " + strings.Join(e.Installed, ", ") + " is installed"
	}
	return fmt.Sprintf("backend %q needs %s, but %s (searched PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, "+
		"/usr/local/lib/go-xla and the library path): install one with `%s`, or use the go backend",
		e.Spec, need, have, PluginInstallCommand)
}

// newXLA starts the XLA backend with the given plugin (a name such as "cpu",
// optionally followed by ",options", or a path to a .so). spec is the user's
// original text, for error messages.
func newXLA(plugin, spec string) (b compute.Backend, err error) {
	name, opts, _ := strings.Cut(plugin, ",")
	if name == "" {
		return nil, fmt.Errorf("backend %q: missing PJRT plugin name (e.g. \"xla:cpu\")", spec)
	}
	if looksLikePath(name) {
		abs, aerr := filepath.Abs(name)
		if aerr != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, aerr)
		}
		st, serr := os.Stat(abs)
		if serr != nil {
			return nil, fmt.Errorf("backend %q: PJRT plugin: %w", spec, serr)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("backend %q: PJRT plugin %s is a folder, want a .so file", spec, abs)
		}
		name = abs
	} else if !slices.Contains(xla.GetAvailablePlugins(), name) && findVersioned(name) == "" {
		return nil, &PluginError{Spec: spec, Plugin: name, Installed: xla.GetAvailablePlugins()}
	}
	config := name
	if opts != "" {
		config += "," + opts
	}
	// The XLA backend reports some failures by panicking; turn them into errors.
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %q: %v", spec, r)
		}
	}()
	b, err = xla.New(config)
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w", spec, err)
	}
	return b, nil
}

// findVersioned returns an installed plugin "NAME_vX.Y.Z" for name, or "".
func findVersioned(name string) string {
	for _, p := range xla.GetAvailablePlugins() {
		if strings.HasPrefix(p, name+"_v") {
			return p
		}
	}
	return ""
}

// installedPlugin returns the preferred PJRT plugin already installed on this
// machine ("cuda" before "cpu"), or "" if there is none. It never downloads.
func installedPlugin() string {
	found := pjrt.AvailablePlugins()
	if len(found) == 0 {
		return ""
	}
	for _, pref := range []string{"cuda", "cpu"} {
		if _, ok := found[pref]; ok {
			return pref
		}
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	slices.Sort(names)
	return names[0]
}

// looksLikePath reports whether spec names a file rather than a plugin name.
func looksLikePath(spec string) bool {
	return strings.ContainsRune(spec, '/') || strings.HasSuffix(spec, ".so") ||
		strings.HasSuffix(spec, ".dylib") || strings.HasSuffix(spec, ".dll")
}
