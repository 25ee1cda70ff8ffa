package pretrained

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

// tinyBaseConfig is a small base model generating 8x8 images.
func tinyBaseConfig(classes int) sr3.Config {
	c := sr3.DefaultBaseConfig(8, classes)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.ResBlocks = 1
	c.AttnLevels = nil
	c.GroupNormGroups = 4
	c.Steps = 2
	return c
}

// saveTinyBase writes a small base model folder with meta in its weights'
// metadata, as training would (without ClassesFile).
func saveTinyBase(t *testing.T, dir string, classes int, meta map[string]string) {
	t.Helper()
	b, err := sr3.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sr3.New(tinyBaseConfig(classes), b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := sr3.SaveModel(dir, m.Config, m.Weights(), meta); err != nil {
		t.Fatal(err)
	}
}

func TestOpenBase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "emoji-base")
	saveTinyBase(t, dir, 3, nil)
	names := []string{"smileys-emotion", "Animals & Nature", "flags"}
	if err := WriteClasses(dir, names); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ClassesFile))
	if err != nil || !strings.HasPrefix(string(raw), "[") {
		t.Fatalf("%s = %q, %v: want a JSON list, as training writes", ClassesFile, raw, err)
	}
	base, err := OpenBase(dir, "go")
	if err != nil {
		t.Fatal(err)
	}
	m, got := base.Model, base.Classes
	if base.Size != 0 {
		t.Errorf("size %d without %s, want 0 (unknown)", base.Size, TrainInfoFile)
	}
	if !m.Config.Base || m.Config.Classes != 3 || !slices.Equal(got, names) {
		t.Fatalf("opened base %v classes %d names %q, want a base model of 3 classes named %q", m.Config.Base, m.Config.Classes, got, names)
	}
	imgs, err := m.Generate(context.Background(), 2, 8, 8, []int32{0, 2}, m.Config.Guidance, m.Config.SamplerConfig(), sr3.NewGaussianNoise(1), nil)
	if err != nil || len(imgs) != 2 || imgs[0].W != 8 {
		t.Fatalf("generate with the opened model: %v", err)
	}
}

func TestOpenBaseClassNameSources(t *testing.T) {
	// From the weights' metadata.
	dir := t.TempDir()
	saveTinyBase(t, dir, 2, map[string]string{ClassesMetaKey: `["cat","dog"]`})
	names, err := openClasses(dir)
	if err != nil || !slices.Equal(names, []string{"cat", "dog"}) {
		t.Errorf("names from metadata = %q, %v; want [cat dog]", names, err)
	}
	// classes.json wins over the metadata, as a list or an object.
	if err := WriteClasses(dir, []string{"Cat", "Dog"}); err != nil {
		t.Fatal(err)
	}
	if names, err = openClasses(dir); err != nil || !slices.Equal(names, []string{"Cat", "Dog"}) {
		t.Errorf("names with %s = %q, %v; want [Cat Dog]", ClassesFile, names, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ClassesFile), []byte(`{"classes": ["kitten", "puppy"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if names, err = openClasses(dir); err != nil || !slices.Equal(names, []string{"kitten", "puppy"}) {
		t.Errorf("names with %s as an object = %q, %v; want [kitten puppy]", ClassesFile, names, err)
	}
	// None recorded: class0, class1, ...
	dir = t.TempDir()
	saveTinyBase(t, dir, 3, nil)
	if names, err = openClasses(dir); err != nil || !slices.Equal(names, []string{"class0", "class1", "class2"}) {
		t.Errorf("default names = %q, %v; want class0..class2", names, err)
	}
	// Unconditional: no names (an empty list is fine).
	dir = t.TempDir()
	saveTinyBase(t, dir, 0, nil)
	if err := WriteClasses(dir, nil); err != nil {
		t.Fatal(err)
	}
	if names, err = openClasses(dir); err != nil || names != nil {
		t.Errorf("unconditional names = %q, %v; want none", names, err)
	}
}

// openClasses opens the base model in dir and returns its class names.
func openClasses(dir string) ([]string, error) {
	b, err := OpenBase(dir, "go")
	if err != nil {
		return nil, err
	}
	return b.Classes, nil
}

func TestOpenBaseTrainedSize(t *testing.T) {
	dir := t.TempDir()
	saveTinyBase(t, dir, 0, nil)
	for _, tc := range []struct {
		info string
		want int
	}{
		{`{"step": 100, "options": {"steps": 1000, "batch": 32, "patch": 32}}`, 32},
		{`{"options": {"patch": 7}}`, 0}, // not a multiple of the UNet's 2
		{`{"options": {}}`, 0},
		{`not json`, 0},
	} {
		if err := os.WriteFile(filepath.Join(dir, TrainInfoFile), []byte(tc.info), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := OpenBase(dir, "go")
		if err != nil {
			t.Fatal(err)
		}
		if b.Size != tc.want {
			t.Errorf("%s %s: size %d, want %d", TrainInfoFile, tc.info, b.Size, tc.want)
		}
	}
}

func TestOpenBaseErrors(t *testing.T) {
	root := t.TempDir()
	folder := func(name string, fill func(dir string)) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if fill != nil {
			fill(dir)
		}
		return dir
	}
	write := func(dir, name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sr := folder("sr-x4", func(dir string) { saveTinyModel(t, dir) })
	empty := folder("empty", nil)
	configOnly := folder("config-only", func(dir string) {
		saveTinyBase(t, dir, 2, nil)
		os.Remove(filepath.Join(dir, sr3.WeightsFile))
	})
	weightsOnly := folder("weights-only", func(dir string) {
		saveTinyBase(t, dir, 2, nil)
		os.Remove(filepath.Join(dir, sr3.ConfigFile))
	})
	count := folder("count", func(dir string) {
		saveTinyBase(t, dir, 2, nil)
		write(dir, ClassesFile, `{"classes": ["a", "b", "c"]}`)
	})
	badJSON := folder("bad-json", func(dir string) {
		saveTinyBase(t, dir, 2, nil)
		write(dir, ClassesFile, `{"names": ["a", "b"]}`)
	})
	dup := folder("dup", func(dir string) {
		saveTinyBase(t, dir, 2, nil)
		write(dir, ClassesFile, `{"classes": ["Cat", "cat"]}`)
	})
	emptyName := folder("empty-name", func(dir string) {
		saveTinyBase(t, dir, 2, nil)
		write(dir, ClassesFile, `{"classes": ["cat", " "]}`)
	})
	uncond := folder("uncond", func(dir string) {
		saveTinyBase(t, dir, 0, nil)
		write(dir, ClassesFile, `{"classes": ["cat"]}`)
	})
	badMeta := folder("bad-meta", func(dir string) {
		saveTinyBase(t, dir, 2, map[string]string{ClassesMetaKey: "cat,dog"})
	})
	tests := []struct {
		arg  string
		is   error
		want string
	}{
		{"sr3-x4", ErrNotBase, "model sr3-x4 is a super-resolution model"},
		{"bicubic", ErrNotBase, "generate needs a base model"},
		{"sr3-x4+sr3-x2", ErrUnknownModel, "a chain of super-resolution models is not a base model"},
		{filepath.Join(root, "nope"), ErrUnknownModel, "no such folder"},
		{filepath.Join(sr, sr3.ConfigFile), ErrUnknownModel, "a file, not a checkpoint folder"},
		{empty, ErrUnknownModel, "neither config.json nor model.safetensors"},
		{configOnly, nil, "model.safetensors is missing"},
		{weightsOnly, nil, "config.json is missing"},
		{sr, ErrNotBase, "is a x4 super-resolution model"},
		{"emoji-x2", ErrNotBase, "model emoji-x2 is a super-resolution model; generate needs a base model (built-in: emoji-base16"},
		{count, nil, "classes.json names 3 classes, the model has 2"},
		{badJSON, nil, `classes.json: want a JSON list of class names`},
		{dup, nil, `classes 0 and 1 have the same name "cat"`},
		{emptyName, nil, "class 1 has an empty name"},
		{uncond, nil, "the model is unconditional"},
		{badMeta, nil, "metadata classes: want a JSON array"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.arg), func(t *testing.T) {
			if slices.Contains(leftOut, tc.arg) {
				t.Skipf("%s is left out of this build", tc.arg)
			}
			b, err := OpenBase(tc.arg, "go")
			if err == nil {
				t.Fatalf("OpenBase(%s) = %v, want an error", tc.arg, b.Model.Config)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			if filepath.IsAbs(tc.arg) && !strings.Contains(err.Error(), tc.arg) {
				t.Errorf("error %q does not name the folder", err)
			}
		})
	}
	if err := WriteClasses(root, []string{"a", "A"}); err == nil {
		t.Error("WriteClasses accepted names equal ignoring case")
	}
}

// TestOpenRefusesBaseModels checks that the super-resolution opener
// refuses base models, built-in, as a folder or as part of a chain, with
// ErrBaseModel (upscale's usage error that points to generate).
func TestOpenRefusesBaseModels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "base-ckpt")
	saveTinyBase(t, dir, 2, nil)
	for _, arg := range []string{DefaultBase, dir, "sr3-x2" + ChainSep + DefaultBase} {
		up, err := Open(arg, "go")
		if !errors.Is(err, ErrBaseModel) {
			t.Errorf("Open(%q) = %v, %v; want an error wrapping ErrBaseModel", arg, up, err)
		}
	}
}
