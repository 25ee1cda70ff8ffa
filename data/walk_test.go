package data

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func touchFiles(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(root, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWalkImages walks a tree with symlinked folders and files, a loop, a
// dangling link and a folder that cannot be read.
func TestWalkImages(t *testing.T) {
	dir := t.TempDir()
	touchFiles(t, dir, "in/a.png", "in/notes.txt", "in/.hidden.png", "in/.git/x.png", "in/sub/b.jpg",
		"in/locked/c.png", "in/skipme/d.png", "other/e.webp", "other/deep/f.gif")
	for _, l := range []struct{ target, name string }{
		{"in", "link"}, {"../other", "in/linked"}, {"..", "in/sub/up"}, {"nowhere", "in/dangling.png"}, {"a.png", "in/alias.png"},
	} {
		if err := os.Symlink(l.target, filepath.Join(dir, l.name)); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	locked := filepath.Join(dir, "link", "locked")
	readDir = func(name string) ([]os.DirEntry, error) {
		if name == locked {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		}
		return os.ReadDir(name)
	}
	t.Cleanup(func() { readDir = os.ReadDir })

	tree, err := WalkImages(filepath.Join(dir, "link"), true, func(p string) bool { return filepath.Base(p) == "skipme" })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.png", "alias.png", "linked/deep/f.gif", "linked/e.webp", "sub/b.jpg"}
	for i := range want {
		want[i] = filepath.FromSlash(want[i])
	}
	if !slices.Equal(tree.Files, want) {
		t.Errorf("Files = %q, want %q", tree.Files, want)
	}
	if tree.Ignored != 1 {
		t.Errorf("Ignored = %d, want 1 (notes.txt)", tree.Ignored)
	}
	if !slices.Equal(tree.Loops, []string{filepath.Join("sub", "up")}) {
		t.Errorf("Loops = %q, want [sub/up]", tree.Loops)
	}
	var msgs []string
	for _, e := range tree.Unreadable {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], "dangling.png leads nowhere") || !strings.Contains(msgs[1], "locked cannot be read: permission denied") {
		t.Errorf("Unreadable = %q", msgs)
	}

	// Not recursive: the top folder only; a file or a missing folder is an error.
	tree, err = WalkImages(filepath.Join(dir, "link"), false, nil)
	if err != nil || !slices.Equal(tree.Files, []string{"a.png", "alias.png"}) || len(tree.Unreadable) != 1 {
		t.Errorf("not recursive: %+v, %v", tree, err)
	}
	if _, err := WalkImages(filepath.Join(dir, "in", "a.png"), true, nil); err == nil {
		t.Error("WalkImages of a file succeeded")
	}
	if _, err := WalkImages(filepath.Join(dir, "missing"), true, nil); err == nil {
		t.Error("WalkImages of a missing folder succeeded")
	}
}
