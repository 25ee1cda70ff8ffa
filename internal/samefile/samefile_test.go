package samefile

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSetSpellings checks that every way of naming an input is found, and
// that other files (one with the same bytes included) are not.
func TestSetSpellings(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "photos", "a.png")
	write(t, in, "x")
	write(t, filepath.Join(dir, "photos", "copy.png"), "x")
	if err := os.Symlink(filepath.Join(dir, "photos"), filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.Symlink(in, filepath.Join(dir, "alias.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, filepath.Join(dir, "hard.png")); err != nil {
		t.Fatal(err)
	}
	var s Set
	s.Add(in)
	s.Add(filepath.Join(dir, "missing.png"))
	s.Add(filepath.Join(dir, "photos"))
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1 (missing files and folders are not added)", s.Len())
	}
	for _, p := range []string{
		in,
		filepath.Join(dir, "photos", ".", "..", "photos", "a.png"),
		filepath.Join(dir, "link", "a.png"),
		filepath.Join(dir, "alias.png"),
		filepath.Join(dir, "hard.png"),
	} {
		if got, ok := s.Contains(p); !ok || got != in {
			t.Errorf("Contains(%s) = %q, %v; want %s, true", p, got, ok, in)
		}
	}
	for _, p := range []string{
		filepath.Join(dir, "photos", "copy.png"),
		filepath.Join(dir, "photos", "b.png"),
		filepath.Join(dir, "photos"),
	} {
		if got, ok := s.Contains(p); ok {
			t.Errorf("Contains(%s) = %q, true; want false", p, got)
		}
	}
	if !Same(filepath.Join(dir, "link", "a.png"), filepath.Join(dir, "hard.png")) || Same(in, filepath.Join(dir, "photos", "copy.png")) {
		t.Error("Same disagrees with Contains")
	}
}

func TestWithin(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "data", "cat", "a.png"), "x")
	if err := os.Symlink(filepath.Join(dir, "data"), filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	data := filepath.Join(dir, "data")
	for _, tt := range []struct {
		path string
		want bool
	}{
		{data, true},
		{filepath.Join(data, "cat"), true},
		{filepath.Join(data, "ckpt", "new", "deeper"), true},
		{filepath.Join(dir, "link", "ckpt"), true},
		{filepath.Join(dir, "link"), true},
		{filepath.Join(dir, "other"), false},
		{dir, false},
		{filepath.Join(dir, "data2"), false},
	} {
		if got := Within(tt.path, data); got != tt.want {
			t.Errorf("Within(%s, data) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if Within(dir, filepath.Join(dir, "missing")) {
		t.Error("Within a missing folder")
	}
}
