package sr3

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// testModel returns a tiny model with randomised weights (a fresh model's
// zero-initialised output layer would predict zero noise everywhere).
func testModel(t *testing.T) *Model {
	t.Helper()
	m, err := New(tinyConfig(), goBackend(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	randomizeModel(t, m)
	return m
}

func randImage(w, h, c int, seed uint64) *data.Image {
	v := flat(randTensor(seed, h, w, c))
	for i := range v {
		v[i] = min(max(v[i]*0.4, -1), 1)
	}
	return &data.Image{W: w, H: h, C: c, Pix: v}
}

func TestSaveLoadBitIdentical(t *testing.T) {
	m := testModel(t)
	n, h, w := 2, 8, 8
	xt := flat(randTensor(5, n, h, w, 3))
	cond := flat(randTensor(6, n, h, w, 3))
	levels := []float32{0.3, 0.9}
	want, err := m.PredictNoise(xt, cond, n, h, w, levels, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir, goBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	if m2.NumParams() != m.NumParams() || m.NumParams() == 0 {
		t.Fatalf("params: saved %d, loaded %d", m.NumParams(), m2.NumParams())
	}
	got, err := m2.PredictNoise(xt, cond, n, h, w, levels, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("output %d: %v before save, %v after load", i, want[i], got[i])
		}
	}
	// Saving the loaded model gives the same bytes.
	dir2 := filepath.Join(t.TempDir(), "again")
	if err := m2.Save(dir2); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{WeightsFile, ConfigFile} {
		a, _ := os.ReadFile(filepath.Join(dir, f))
		b, _ := os.ReadFile(filepath.Join(dir2, f))
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s differs after a save/load/save round trip", f)
		}
	}
	// No temporary files left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("model folder holds %d entries, want 2", len(entries))
	}
}

func TestLoadErrors(t *testing.T) {
	m := testModel(t)
	dir := filepath.Join(t.TempDir(), "model")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(dir, "missing"), goBackend(t)); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing folder: %v", err)
	}
	// Truncated weights.
	wpath := filepath.Join(dir, WeightsFile)
	full, _ := os.ReadFile(wpath)
	if err := os.WriteFile(wpath, full[:len(full)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, goBackend(t)); err == nil || !strings.Contains(err.Error(), WeightsFile) {
		t.Errorf("truncated weights: %v", err)
	}
	os.WriteFile(wpath, full, 0o644)
	// Weights that do not fit the config.
	cfg := tinyConfig()
	cfg.BaseChannels = 12
	cj, _ := MarshalConfig(cfg)
	os.WriteFile(filepath.Join(dir, ConfigFile), cj, 0o644)
	if _, err := Load(dir, goBackend(t)); err == nil || !strings.Contains(err.Error(), "do not fit") {
		t.Errorf("mismatched config: %v", err)
	}
	// Invalid config.
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"version": 1, "scale": 0}`), 0o644)
	if _, err := Load(dir, goBackend(t)); err == nil || !strings.Contains(err.Error(), "scale 0") {
		t.Errorf("invalid config: %v", err)
	}
}

func TestUpscaleCompilesOncePerShape(t *testing.T) {
	m := testModel(t)
	base := m.Compilations()
	cfg := SamplerConfig{Kind: DDIM, Steps: 3, Strength: 1, ClipX0: 1}
	lr := randImage(5, 3, 3, 1) // padded to a multiple of 4 at HR: 10x6 -> 12x8
	var outs []*data.Image
	for range 2 {
		out, err := m.Upscale(context.Background(), lr, cfg, NewGaussianNoise(7), nil)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if got := m.Compilations() - base; got != 1 {
		t.Errorf("two upscales of one size compiled %d graphs, want 1", got)
	}
	if o := outs[0]; o.W != 10 || o.H != 6 || o.C != 3 {
		t.Fatalf("output %s, want 10x6x3", o)
	}
	if !equalPix(outs[0], outs[1]) {
		t.Error("DDIM (eta 0) with the same seed gave different images")
	}
	for _, v := range outs[0].Pix {
		if v < -1 || v > 1 {
			t.Fatalf("output value %v outside [-1,1]", v)
		}
	}
	other, err := m.Upscale(context.Background(), lr, cfg, NewGaussianNoise(8), nil)
	if err != nil {
		t.Fatal(err)
	}
	if equalPix(outs[0], other) {
		t.Error("different seeds gave identical images")
	}
	// A new size compiles once more; grey images go through the RGB model.
	steps := 0
	grey, err := m.Upscale(context.Background(), randImage(4, 4, 1, 2), cfg, NewGaussianNoise(7), func(step, total int) { steps = step })
	if err != nil {
		t.Fatal(err)
	}
	if grey.C != 1 || grey.W != 8 || grey.H != 8 || steps != 3 {
		t.Errorf("grey upscale: %s after %d steps, want 8x8x1 after 3", grey, steps)
	}
	if got := m.Compilations() - base; got != 2 {
		t.Errorf("after a second size: %d compilations, want 2", got)
	}
	// Cancellation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Upscale(ctx, lr, cfg, NewGaussianNoise(7), nil); err == nil {
		t.Error("upscale with a cancelled context succeeded")
	}
}

func TestPredictNoiseBatchMatchesSingles(t *testing.T) {
	m := testModel(t)
	n, h, w := 3, 4, 8
	xt := flat(randTensor(1, n, h, w, 3))
	cond := flat(randTensor(2, n, h, w, 3))
	levels := []float32{0.1, 0.5, 0.99}
	batch, err := m.PredictNoise(xt, cond, n, h, w, levels, nil)
	if err != nil {
		t.Fatal(err)
	}
	per := h * w * 3
	for i := range n {
		one, err := m.PredictNoise(xt[i*per:(i+1)*per], cond[i*per:(i+1)*per], 1, h, w, levels[i:i+1], nil)
		if err != nil {
			t.Fatal(err)
		}
		d, s := maxAbsDiff(t, one, batch[i*per:(i+1)*per])
		if d > 1e-4*max(1, s) {
			t.Errorf("item %d: batched and single predictions differ by %g", i, d)
		}
	}
	if _, err := m.PredictNoise(xt, cond, n, 5, w, levels, nil); err == nil {
		t.Error("a height that is not a multiple of the UNet's was accepted")
	}
}

func equalPix(a, b *data.Image) bool {
	if len(a.Pix) != len(b.Pix) {
		return false
	}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			return false
		}
	}
	return true
}
