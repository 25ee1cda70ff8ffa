//go:build !cgo

package sr3

import (
	"fmt"

	"github.com/gomlx/compute"
)

// XLACompiled reports whether this binary has the XLA backend: it needs
// cgo, so a CGO_ENABLED=0 build has only the pure-Go one.
const XLACompiled = false

// newXLA refuses every XLA backend: this binary was built without cgo.
func newXLA(_, spec string) (compute.Backend, error) {
	return nil, fmt.Errorf("backend %q: %w", spec, ErrNoCgo)
}

// installedPlugin is "": without cgo no PJRT plugin can be loaded.
func installedPlugin() string { return "" }
