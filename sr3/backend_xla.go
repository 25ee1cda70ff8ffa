//go:build cgo

package sr3

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

// XLACompiled reports whether this binary has the XLA backend: it needs
// cgo, so a CGO_ENABLED=0 build has only the pure-Go one.
const XLACompiled = true

func init() {
	// Never let go-xla download PJRT plugins behind the user's back: the
	// installer runs from xla.New/GetAvailablePlugins unless disabled. This
	// is the same switch GOMLX_NO_AUTO_INSTALL flips.
	xla.EnableAutoInstall(false)
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
