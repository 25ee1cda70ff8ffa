package sr3

import (
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
		{"xla:no_such_plugin_here", `"no_such_plugin_here" is not installed`},
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
