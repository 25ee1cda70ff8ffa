package readlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := ReadFile(p, 9); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("above the limit: %v, want an error naming the file", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none"), 9); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}
