package sr3

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/compute"
)

// testBackend is the Go backend shared by this package's tests.
var testBackend = sync.OnceValues(func() (compute.Backend, error) { return NewBackend("go") })

func goBackend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := testBackend()
	if err != nil {
		t.Fatalf("NewBackend(go): %v", err)
	}
	return b
}

func TestNewBackendGo(t *testing.T) {
	b := goBackend(t)
	if !IsGoBackend(b) {
		t.Fatalf("NewBackend(go) = %s, not the Go backend", b.Name())
	}
	if d := b.Description(); !strings.Contains(d, "parallelism=-1") {
		t.Errorf("Go backend %q: want unlimited parallelism (-1)", d)
	}
	if IsGoBackend(nil) {
		t.Error("IsGoBackend(nil) = true")
	}
}

func TestNewBackendDefaultHonoursEnv(t *testing.T) {
	t.Setenv(BackendEnv, "go")
	b, err := NewBackend("")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if !IsGoBackend(b) {
		t.Fatalf("NewBackend(\"\") with %s=go gave %s", BackendEnv, b.Name())
	}
}

func TestNewBackendErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"tpu-please", `unknown backend "tpu-please"`},
		{"go:parallelism=4", `backend "go:parallelism=4"`},
		{"xla:", "missing PJRT plugin name"},
		{"/nonexistent/pjrt_c_api_cpu_plugin.so", "/nonexistent/pjrt_c_api_cpu_plugin.so"},
		{"xla:no_such_plugin_here", `backend "xla:no_such_plugin_here" needs the PJRT plugin "no_such_plugin_here", but it is not installed`},
		{"xla:no_such_plugin_here", "install one with `srcascade backend install cpu|cuda`, or use the go backend"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			b, err := NewBackend(tc.spec)
			if err == nil {
				b.Finalize()
				t.Fatalf("NewBackend(%q) succeeded, want an error", tc.spec)
			}
			want := tc.want
			if !XLACompiled && IsXLASpec(tc.spec) {
				want = ErrNoCgo.Error() // a CGO_ENABLED=0 build refuses every XLA spec
			}
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("NewBackend(%q) error %q does not mention %q", tc.spec, err, want)
			}
		})
	}
	t.Run("env", func(t *testing.T) {
		t.Setenv(BackendEnv, "bogus")
		if _, err := NewBackend(""); err == nil || !strings.Contains(err.Error(), BackendEnv) {
			t.Fatalf("NewBackend(\"\") with %s=bogus: error %v should name the variable", BackendEnv, err)
		}
	})
}

// TestPluginErrorAdvice: a missing PJRT plugin is one sentence naming
// what is missing and the `srcascade backend install` command that fetches
// it (the plugin itself when InstallPlugin knows it), with the go backend
// as the alternative, in builds with and without cgo alike.
func TestPluginErrorAdvice(t *testing.T) {
	for _, tc := range []struct {
		err  PluginError
		want []string
	}{
		{PluginError{Spec: "xla"}, []string{`backend "xla" needs a PJRT plugin, but none is installed`,
			"install one with `srcascade backend install cpu|cuda`, or use the go backend"}},
		{PluginError{Spec: "xla:cpu", Plugin: "cpu"}, []string{`backend "xla:cpu" needs the PJRT plugin "cpu", but it is not installed`,
			"`srcascade backend install cpu`", "go backend"}},
		{PluginError{Spec: "xla:cuda", Plugin: "cuda", Installed: []string{"cpu"}}, []string{"it is not installed (only cpu is)",
			"`srcascade backend install cuda`"}},
		{PluginError{Spec: "xla:rocm", Plugin: "rocm"}, []string{"`srcascade backend install cpu|cuda`"}},
	} {
		msg := tc.err.Error()
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%+v: %q does not say %q", tc.err, msg, want)
			}
		}
		if strings.Count(msg, ". ") > 0 || strings.Contains(msg, "\n") {
			t.Errorf("%+v: want one sentence, got %q", tc.err, msg)
		}
	}
}

// TestNewBackendXLAWithoutPlugin: "xla" with no plugin installed is a
// *PluginError in a cgo build and ErrNoCgo in a CGO_ENABLED=0 one.
func TestNewBackendXLAWithoutPlugin(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	if XLACompiled && installedPlugin() != "" {
		t.Skip("a PJRT plugin is installed on this machine")
	}
	b, err := NewBackend("xla")
	if err == nil {
		b.Finalize()
		t.Fatal(`NewBackend("xla") without a plugin succeeded`)
	}
	var pe *PluginError
	switch {
	case !XLACompiled && !errors.Is(err, ErrNoCgo):
		t.Errorf("without cgo: %v, want ErrNoCgo", err)
	case XLACompiled && !errors.As(err, &pe):
		t.Errorf("%v (%T), want a *PluginError", err, err)
	}
}
