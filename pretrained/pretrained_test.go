package pretrained

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestListHasBicubic(t *testing.T) {
	list := List()
	i := slices.IndexFunc(list, func(in Info) bool { return in.Name == "bicubic" })
	if i < 0 {
		t.Fatalf("List() = %+v, want a bicubic entry", list)
	}
	if !slices.Contains(list[i].Scales, 4) || !slices.Contains(list[i].Scales, 2) {
		t.Errorf("bicubic scales = %v, want 2 and 4 among them", list[i].Scales)
	}
	list[i].Scales[0] = -1 // List must hand out copies
	if List()[i].Scales[0] == -1 {
		t.Error("List() shares its Scales slice with the registry")
	}
}

// TestDefaultIsListed checks that the default of every scale is built from
// listed models (a chain "a+b" of them or one) and opens with that scale.
func TestDefaultIsListed(t *testing.T) {
	for _, scale := range []int{2, 3, 4, 8} {
		name := Default(scale)
		for _, part := range strings.Split(name, "+") {
			if !slices.Contains(Names(), part) {
				t.Errorf("Default(%d) = %q: %q is not among %v", scale, name, part, Names())
			}
		}
		up, err := OpenForScale(name, "go", scale)
		if err != nil {
			t.Errorf("Default(%d) = %q: %v", scale, name, err)
			continue
		}
		if !slices.Contains(up.Scales(), scale) {
			t.Errorf("Default(%d) = %q supports only %v", scale, name, up.Scales())
		}
	}
}

func TestOpen(t *testing.T) {
	up, err := Open("bicubic", "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Name() != "bicubic" {
		t.Errorf("Open(bicubic).Name() = %q", up.Name())
	}
	for _, arg := range []string{"no-such-model", t.TempDir()} {
		_, err := Open(arg, "go")
		if !errors.Is(err, ErrUnknownModel) {
			t.Errorf("Open(%q) error = %v, want ErrUnknownModel", arg, err)
			continue
		}
		if !strings.Contains(err.Error(), arg) || !strings.Contains(err.Error(), "bicubic") {
			t.Errorf("Open(%q) error %q should name the argument and the built-in models", arg, err)
		}
	}
}
