package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteCreatesFileWithMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.png")
	want := bytes.Repeat([]byte("0123456789"), 100_000) // larger than the buffer
	if err := WriteFile(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("content differs: %d bytes, want %d", len(got), len(want))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != Mode {
		t.Errorf("mode %v, want %v", fi.Mode().Perm(), Mode)
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "out.png" {
		t.Errorf("folder holds %q, want only out.png", names)
	}
}

func TestWriteReplacesExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("content %q, want new", got)
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		existing []byte // nil: no file before
		fill     func(w io.Writer) error
	}{
		{"error before writing", nil, func(io.Writer) error { return boom }},
		{"error after partial write", nil, func(w io.Writer) error {
			w.Write(bytes.Repeat([]byte{1}, 1<<20)) // more than the buffer: reaches the disk
			return boom
		}},
		{"existing target kept", []byte("precious"), func(w io.Writer) error {
			w.Write([]byte("half"))
			return boom
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.jpg")
			if tc.existing != nil {
				if err := os.WriteFile(path, tc.existing, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, tc.fill)
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			names := entries(t, dir)
			if tc.existing == nil {
				if len(names) != 0 {
					t.Fatalf("folder holds %q after a failed write, want nothing", names)
				}
				return
			}
			if len(names) != 1 || names[0] != "out.jpg" {
				t.Fatalf("folder holds %q, want only out.jpg", names)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, tc.existing) {
				t.Errorf("existing target changed to %q", got)
			}
		})
	}
}

func TestWritePanicRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		Write(filepath.Join(dir, "x"), func(w io.Writer) error { panic("fill bug") })
	}()
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("folder holds %q after a panicking fill", names)
	}
}

func TestWriteTempName(t *testing.T) {
	dir := t.TempDir()
	var seen []string
	err := Write(filepath.Join(dir, "img.png"), func(w io.Writer) error {
		seen = entries(t, dir)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !IsTemp(seen[0]) {
		t.Fatalf("during fill the folder held %q, want one temp file", seen)
	}
	if IsTemp("img.png") || IsTemp(".hidden.png") || !IsTemp(filepath.Join("a", ".img.png.123.tmp")) {
		t.Error("IsTemp misclassifies names")
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	// Missing folder.
	if err := WriteFile(filepath.Join(dir, "no", "such", "f"), nil); err == nil {
		t.Error("write into a missing folder succeeded")
	}
	// Target is a folder: the rename fails and the temp file goes away.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(sub, []byte("x")); err == nil {
		t.Error("write over a non-empty folder succeeded")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "sub" {
		t.Errorf("folder holds %q, want only sub", names)
	}
}
