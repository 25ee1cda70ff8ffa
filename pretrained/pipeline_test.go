package pretrained

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

func TestOpenChain(t *testing.T) {
	up, err := Open("bicubic+bicubic", "")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := up.(*cascade.Pipeline)
	if !ok {
		t.Fatalf("Open(bicubic+bicubic) = %T, want *cascade.Pipeline", up)
	}
	if p.Name() != "bicubic+bicubic" || len(p.Stages()) != 2 || !slices.Contains(p.Scales(), 4) || !slices.Contains(p.Scales(), 8) {
		t.Errorf("Name %q, %d stages, Scales %v: want bicubic+bicubic, 2, with 4 and 8", p.Name(), len(p.Stages()), p.Scales())
	}
	img := data.NewImage(5, 4, 3)
	for i := range img.Pix {
		img.Pix[i] = float32(i%7)/7 - 0.5
	}
	out, err := up.Upscale(context.Background(), img, cascade.Options{Scale: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := data.Resize(data.Resize(img, 10, 8), 20, 16)
	if !slices.Equal(out.Pix, want.Pix) {
		t.Error("bicubic+bicubic at x4 is not bicubic x2 twice")
	}

	// A checkpoint folder as a part, and a checkpoint folder whose name
	// has a + (a single model, not a chain).
	dir := t.TempDir()
	ck := filepath.Join(dir, "my-x4")
	saveTinyModel(t, ck)
	up, err = Open(ck+"+bicubic", "go")
	if err != nil {
		t.Fatal(err)
	}
	if up.Name() != "my-x4+bicubic" || !slices.Contains(up.Scales(), 8) {
		t.Errorf("checkpoint+bicubic: Name %q, Scales %v; want my-x4+bicubic with 8", up.Name(), up.Scales())
	}
	plus := filepath.Join(dir, "v1+v2")
	saveTinyModel(t, plus)
	up, err = Open(plus, "go")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := up.(*cascade.SR3Stage); !ok || up.Name() != "v1+v2" {
		t.Errorf("folder v1+v2 opened as %T named %q, want the checkpoint itself", up, up.Name())
	}
}

func TestOpenChainErrors(t *testing.T) {
	for _, tt := range []struct {
		arg     string
		unknown bool
		want    []string
	}{
		{"bicubic+no-such-model", true, []string{"part 2", "no-such-model", "bicubic+no-such-model"}},
		{"no-such-model+bicubic", true, []string{"part 1", "no-such-model"}},
		{"bicubic+", true, []string{"part 2", "empty"}},
		{"+bicubic", true, []string{"part 1", "empty"}},
		{"bicubic++bicubic", true, []string{"part 2", "empty"}},
		{"bicubic+" + t.TempDir(), true, []string{"part 2", "no srcascade checkpoint"}},
	} {
		_, err := Open(tt.arg, "go")
		if err == nil {
			t.Errorf("Open(%q): no error", tt.arg)
			continue
		}
		if errors.Is(err, ErrUnknownModel) != tt.unknown {
			t.Errorf("Open(%q) error %v: wraps ErrUnknownModel %v, want %v", tt.arg, err, !tt.unknown, tt.unknown)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%q) error %q lacks %q", tt.arg, err, w)
			}
		}
	}
}

// TestDefaultFollowsRegistry checks Default against the registry as it is
// (whichever built-in models exist) and as it would be with an x2 model
// added: each default is made of built-in models, supports its scale, and
// is the first preference that does.
func TestDefaultFollowsRegistry(t *testing.T) {
	check := func(t *testing.T) {
		t.Helper()
		has := func(name string) bool { return slices.Contains(Names(), name) }
		for _, scale := range []int{2, 3, 4, 8} {
			name := Default(scale)
			scales, ok := builtinScales(name)
			if !ok || !servesScale(name, scales, scale) {
				t.Errorf("Default(%d) = %q: built-in %v, scales %v", scale, name, ok, scales)
			}
		}
		wantIf := func(scale int, cond bool, name string) {
			t.Helper()
			if cond && Default(scale) != name {
				t.Errorf("Default(%d) = %q, want %q (registered: %v)", scale, Default(scale), name, Names())
			}
		}
		real, x4 := has("sr3-x4-real"), has("sr3-x4")
		wantIf(2, real, "sr3-x4-real") // run at x4, halved
		wantIf(2, !real && has("sr3-x2"), "sr3-x2")
		wantIf(2, !real && !has("sr3-x2"), "bicubic")
		wantIf(3, real, "sr3-x4-real") // run at x4, resized down
		wantIf(3, !real && x4, "sr3-x4")
		wantIf(3, !real && !x4 && has("sr3-x2"), "sr3-x2")
		wantIf(4, real, "sr3-x4-real")
		wantIf(4, !real && x4, "sr3-x4")
		wantIf(8, real && has("sr3-x2"), "sr3-x4-real+sr3-x2")
		wantIf(8, !real && x4 && has("sr3-x2"), "sr3-x4+sr3-x2")
		wantIf(8, !has("sr3-x2"), "bicubic") // the x4 models do not do x8
	}
	t.Run("registry", check)

	if !slices.Contains(Names(), "sr3-x2") {
		saved := registry
		t.Cleanup(func() { registry = saved })
		registry = append(slices.Clip(saved), entry{info: Info{Name: "sr3-x2", Scales: []int{2, 4, 8}}})
		t.Run("with sr3-x2", check)
		if (!slices.Contains(Names(), "sr3-x4-real") && Default(2) != "sr3-x2") || (slices.Contains(Names(), "sr3-x4-real") && Default(8) != "sr3-x4-real+sr3-x2") {
			t.Errorf("with sr3-x2 registered: Default(2) = %q, Default(8) = %q", Default(2), Default(8))
		}
	}
}

// TestDefaultOpens opens each scale's default and checks it supports the
// scale, with a learned model for every scale (never bicubic in its place).
func TestDefaultOpens(t *testing.T) {
	for _, scale := range []int{2, 3, 4, 8} {
		up, err := OpenForScale(Default(scale), "go", scale)
		if err == nil && !cascade.HasLearnedStage(up) {
			t.Errorf("Default(%d) = %q has no learned stage", scale, up.Name())
		}
		if err != nil {
			t.Fatalf("Open(Default(%d) = %q): %v", scale, Default(scale), err)
		}
		if !slices.Contains(up.Scales(), scale) {
			t.Errorf("Default(%d) = %q supports %v", scale, up.Name(), up.Scales())
		}
	}
}

// TestOpenSizedDefaultsBelowNativeScale: the default models serve a size
// target whose smallest covering scale is one the x2 default lacks
// natively (sr3-x4-real runs at x4 and is halved): x1.5 and a width.
func TestOpenSizedDefaultsBelowNativeScale(t *testing.T) {
	for _, target := range []cascade.Target{{Factor: 1.5}, {Width: 30}} {
		s, err := OpenSized("", "go", target)
		if err != nil {
			t.Fatalf("OpenSized(%s): %v", target, err)
		}
		w, h, run, err := s.Plan(20, 16)
		if err != nil {
			t.Fatalf("%s: Plan: %v", target, err)
		}
		if w != 30 || h != 24 || run != 2 {
			t.Errorf("%s: Plan(20x16) = %dx%d at x%d, want 30x24 at x2", target, w, h, run)
		}
		at2 := s.ModelAt(2)
		if at2 == nil || !slices.Contains(at2.Scales(), 2) || !cascade.HasLearnedStage(at2) {
			t.Fatalf("%s: model at x2 = %v, want a learned model serving x2", target, at2)
		}
		if want := Default(2); !strings.Contains(at2.Name(), want) {
			t.Errorf("%s: model at x2 is %s, want Default(2) = %s", target, at2.Name(), want)
		}
	}
}
