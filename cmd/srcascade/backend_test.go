package main

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/sr3"
)

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
	// A scale a bicubic chain lacks is a usage error naming its scales;
	// one a learned model lacks below its largest is served by it.
	_, err = modelOptions{Model: "bicubic+bicubic", Scale: 2}.open("upscale")
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "-s/--scale 2: model bicubic+bicubic upscales by x4, x6") {
		t.Errorf("bicubic+bicubic at x2: %v, want a usage error listing its scales", err)
	}
	up, err = modelOptions{Model: "sr3-x4", Scale: 3}.open("upscale")
	if r, ok := up.(*cascade.Rescaled); err != nil || !ok || r.RunScale() != 4 {
		t.Errorf("sr3-x4 at x3: %T, %v; want it run at x4 and resized", up, err)
	}
}

func TestCheckBackend(t *testing.T) {
	plugin := t.TempDir() + "/pjrt_c_api_cpu_plugin.so"
	touch(t, "/", plugin)
	for _, ok := range []string{"", "go", "xla", "xla:cpu", "xla:cuda", "xla:" + plugin, plugin} {
		err := checkBackend(ok)
		if !sr3.XLACompiled && sr3.IsXLASpec(ok) {
			if !errors.Is(err, sr3.ErrNoCgo) {
				t.Errorf("checkBackend(%q) without cgo = %v, want ErrNoCgo", ok, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("checkBackend(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"tpu", "cuda", "go:parallelism=-1", "/no/such.so", t.TempDir()} {
		if err := checkBackend(bad); err == nil {
			t.Errorf("checkBackend(%q) = nil, want an error", bad)
		}
	}
}

// TestCLIDefaultsAreLibraryDefaults: `srcascade upscale a.png` without
// model flags runs exactly srcascade.Options{} (the zero value a Go
// program passes), so the CLI and the library cannot drift; --seed 0 is
// the default seed, as in the library.
func TestCLIDefaultsAreLibraryDefaults(t *testing.T) {
	for argv, want := range map[string]srcascade.Options{
		"upscale a.png":                 {},
		"upscale -s 2 a.png":            {Scale: 2},
		"upscale --seed 0 a.png":        {},
		"upscale -m bicubic -s 8 a.png": {Model: "bicubic", Scale: 8},
	} {
		cmd, err := parse(append([]string{"srcascade"}, strings.Fields(argv)...), io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", argv, err)
		}
		got := cmd.(*upscaleOptions).Model.library()
		if got != want.Resolved() {
			t.Errorf("%s: library options %+v, want %+v", argv, got, want.Resolved())
		}
		if c, w := cmd.(*upscaleOptions).Model.cascadeOptions(), want.Cascade(); c.Seed != w.Seed || c.Scale != w.Scale {
			t.Errorf("%s: cascade options %+v, want %+v", argv, c, w)
		}
	}
}
