package sr3

import (
	"errors"
	"strings"
	"testing"
)

func TestIsXLASpec(t *testing.T) {
	for spec, want := range map[string]bool{
		"": false, "go": false, "xla": true, "xla:cpu": true, "xla:cuda,tf32=false": true,
		"/opt/pjrt_c_api_cpu_plugin.so": true, "plugin.so": true, "cuda": false,
	} {
		if got := IsXLASpec(spec); got != want {
			t.Errorf("IsXLASpec(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestWithDevice(t *testing.T) {
	t.Setenv(BackendEnv, "")
	if got, err := WithDevice("go", -1); err != nil || got != "go" {
		t.Errorf("no device: %q, %v", got, err)
	}
	for _, spec := range []string{"go", ""} {
		if _, err := WithDevice(spec, 0); err == nil {
			t.Errorf("WithDevice(%q, 0) succeeded: the Go backend has no devices", spec)
		}
	}
	if _, err := WithDevice("xla:cuda,visible_devices=0", 1); err == nil {
		t.Error("a second visible_devices was accepted")
	}
	got, err := WithDevice("xla:cuda", 1)
	if !XLACompiled {
		if !errors.Is(err, ErrNoCgo) {
			t.Errorf("without cgo: %v, want ErrNoCgo", err)
		}
		return
	}
	if err != nil || got != "xla:cuda,visible_devices=1" {
		t.Errorf("WithDevice(xla:cuda, 1) = %q, %v", got, err)
	}
	t.Setenv(BackendEnv, "xla:cpu")
	if got, err := WithDevice("", 0); err != nil || got != "xla:cpu,visible_devices=0" {
		t.Errorf("WithDevice(\"\", 0) with $%s=xla:cpu = %q, %v", BackendEnv, got, err)
	}
}

func TestInstallPluginUnknown(t *testing.T) {
	_, err := InstallPlugin("tpu", t.TempDir(), 0)
	if err == nil || (XLACompiled && !strings.Contains(err.Error(), "unknown plugin")) {
		t.Errorf("InstallPlugin(tpu): %v", err)
	}
}
