package main

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckScale(t *testing.T) {
	m := nearestRGB{} // supports 2 and 4
	if err := checkScale(m, 4); err != nil {
		t.Errorf("checkScale(4) = %v", err)
	}
	err := checkScale(m, 8)
	if err == nil || !strings.Contains(err.Error(), "model nearest-rgb supports 2, 4") {
		t.Errorf("checkScale(8) = %v, want it to list the supported scales", err)
	}
}

func TestOpenModel(t *testing.T) {
	up, err := modelOptions{Model: "bicubic", Scale: 8}.open("upscale")
	if err != nil || up.Name() != "bicubic" {
		t.Fatalf("open bicubic: %v, %v", up, err)
	}
	_, err = modelOptions{Model: "no-such-model", Scale: 4}.open("upscale")
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `"no-such-model": not a model name or checkpoint folder`) {
		t.Errorf("unknown model: %v, want a usage error naming it", err)
	}
}

func TestCheckBackend(t *testing.T) {
	plugin := t.TempDir() + "/pjrt_c_api_cpu_plugin.so"
	touch(t, "/", plugin)
	for _, ok := range []string{"", "go", "xla", "xla:cpu", "xla:cuda", "xla:" + plugin, plugin} {
		if err := checkBackend(ok); err != nil {
			t.Errorf("checkBackend(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"tpu", "cuda", "go:parallelism=-1", "/no/such.so", t.TempDir()} {
		if err := checkBackend(bad); err == nil {
			t.Errorf("checkBackend(%q) = nil, want an error", bad)
		}
	}
}
