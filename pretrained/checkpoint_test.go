package pretrained

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// saveTinyModel writes a small x4 SR3 model folder, as training would.
func saveTinyModel(t *testing.T, dir string) {
	t.Helper()
	cfg := sr3.DefaultConfig(4)
	cfg.BaseChannels = 8
	cfg.ChannelMults = []int{1, 2}
	cfg.AttnLevels = nil
	cfg.GroupNormGroups = 4
	b, err := sr3.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sr3.New(cfg, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCheckpointUpscales(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-x4")
	saveTinyModel(t, dir)
	if !IsCheckpoint(dir) {
		t.Fatalf("IsCheckpoint(%s) = false for a saved model", dir)
	}
	up, err := Open(dir, "go")
	if err != nil {
		t.Fatal(err)
	}
	if up.Name() != "my-x4" || !slices.Equal(up.Scales(), []int{4}) {
		t.Errorf("Name %q, Scales %v: want my-x4, [4]", up.Name(), up.Scales())
	}
	if _, ok := up.(*cascade.SR3Stage); !ok {
		t.Errorf("checkpoint opened as %T, want *cascade.SR3Stage", up)
	}
	img := data.NewImage(40, 30, 3)
	for i := range img.Pix {
		img.Pix[i] = float32(math.Sin(float64(i) * 0.01))
	}
	var last [2]int
	out, err := up.Upscale(context.Background(), img, cascade.Options{Scale: 4, Seed: 1, Steps: 2},
		func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if out.W != 160 || out.H != 120 || out.C != 3 {
		t.Fatalf("x4 of 40x30 gave %s, want 160x120x3", out)
	}
	for i, v := range out.Pix {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("output value %d = %v, want in [-1, 1]", i, v)
		}
	}
	if last[0] != last[1] || last[1] < 2 {
		t.Errorf("last progress report %v, want done = total >= 2 steps", last)
	}
	if _, err := up.Upscale(context.Background(), img, cascade.Options{Scale: 2}, nil); err == nil ||
		!strings.Contains(err.Error(), "x4") {
		t.Errorf("x2 on a x4 checkpoint: error %v, want one naming its scale", err)
	}
}

func TestOpenCheckpointErrors(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good")
	saveTinyModel(t, good)
	cfgBytes, err := os.ReadFile(filepath.Join(good, sr3.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	weights, err := os.ReadFile(filepath.Join(good, sr3.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	write := func(files map[string][]byte) string {
		dir := t.TempDir()
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	cases := []struct {
		name    string
		dir     string
		backend string
		unknown bool     // wraps ErrUnknownModel
		want    []string // in the message
	}{
		{"photos", write(map[string][]byte{"a.png": []byte("x"), "notes.txt": nil}), "go", true, []string{"no srcascade checkpoint", "bicubic"}},
		{"config only", write(map[string][]byte{sr3.ConfigFile: cfgBytes}), "go", false, []string{sr3.WeightsFile, "missing"}},
		{"weights only", write(map[string][]byte{sr3.WeightsFile: weights}), "go", false, []string{sr3.ConfigFile, "missing"}},
		{"corrupt config", write(map[string][]byte{sr3.ConfigFile: []byte("{"), sr3.WeightsFile: weights}), "go", false, []string{sr3.ConfigFile}},
		{"truncated weights", write(map[string][]byte{sr3.ConfigFile: cfgBytes, sr3.WeightsFile: weights[:len(weights)/2]}), "go", false, nil},
		{"bad backend", good, "no-such-backend", false, []string{"no-such-backend"}},
	}
	for _, c := range cases {
		_, err := Open(c.dir, c.backend)
		if err == nil {
			t.Errorf("%s: opened", c.name)
			continue
		}
		if errors.Is(err, ErrUnknownModel) != c.unknown {
			t.Errorf("%s: errors.Is(ErrUnknownModel) = %v, want %v (%v)", c.name, !c.unknown, c.unknown, err)
		}
		for _, w := range append(c.want, c.dir) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}
