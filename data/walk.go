package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ImageTree is what WalkImages found under a folder.
type ImageTree struct {
	// Files are the image files (by extension, IsImagePath), relative to
	// the folder with the OS's separators, sorted.
	Files []string
	// Ignored counts visible files without an image extension.
	Ignored int
	// Unreadable lists what could not be read: subfolders that cannot be
	// listed and symlinks that lead nowhere, each error naming the path.
	Unreadable []error
	// Loops lists the symlinks (relative paths) that lead back to a folder
	// being walked; they are not followed.
	Loops []string
}

// readDir lists a folder; tests replace it to make folders unreadable.
var readDir = os.ReadDir

// WalkImages lists the image files in dir, descending into subfolders
// when recursive. Symlinks are followed, to files and to folders (dir
// itself may be one), except a symlink back to a folder on the way down,
// which would loop (ImageTree.Loops). Hidden files and folders (names
// starting with '.', such as the temporary files of interrupted atomic
// writes) are left out, and so are the folders for which skip returns
// true (skip may be nil; it gets the path as dir joined with the relative
// path). A subfolder that cannot be read, or a symlink that leads nowhere,
// is recorded in Unreadable and the walk goes on; only dir itself not
// being a readable folder is an error.
func WalkImages(dir string, recursive bool, skip func(path string) bool) (*ImageTree, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	w := &walker{root: dir, recursive: recursive, skip: skip, tree: &ImageTree{}}
	if err := w.walk("", []os.FileInfo{st}); err != nil {
		return nil, err
	}
	sort.Strings(w.tree.Files)
	return w.tree, nil
}

// walker is one WalkImages call.
type walker struct {
	root      string
	recursive bool
	skip      func(string) bool
	tree      *ImageTree
}

// walk lists the folder rel (relative to the root); up holds the folders
// from the root down to it, to recognise loops. Only the root's read error
// is returned; the others are recorded.
func (w *walker) walk(rel string, up []os.FileInfo) error {
	path := filepath.Join(w.root, rel)
	entries, err := readDir(path)
	if err != nil {
		if rel == "" {
			return err
		}
		w.tree.Unreadable = append(w.tree.Unreadable, fmt.Errorf("folder %s cannot be read: %w", path, unwrapPath(err)))
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		childRel := filepath.Join(rel, name)
		childPath := filepath.Join(w.root, childRel)
		isDir, isFile := e.IsDir(), e.Type().IsRegular()
		var info os.FileInfo
		if e.Type()&fs.ModeSymlink != 0 || isDir {
			st, err := os.Stat(childPath)
			if err != nil {
				if isDir {
					w.tree.Unreadable = append(w.tree.Unreadable, fmt.Errorf("folder %s cannot be read: %w", childPath, unwrapPath(err)))
				} else {
					w.tree.Unreadable = append(w.tree.Unreadable, fmt.Errorf("symlink %s leads nowhere: %w", childPath, unwrapPath(err)))
				}
				continue
			}
			info, isDir, isFile = st, st.IsDir(), st.Mode().IsRegular()
		}
		switch {
		case isDir:
			if !w.recursive || (w.skip != nil && w.skip(childPath)) {
				continue
			}
			if loops(up, info) {
				w.tree.Loops = append(w.tree.Loops, childRel)
				continue
			}
			if err := w.walk(childRel, append(up, info)); err != nil {
				return err
			}
		case !isFile:
			// sockets, devices, pipes: not images
		case IsImagePath(name):
			w.tree.Files = append(w.tree.Files, childRel)
		default:
			w.tree.Ignored++
		}
	}
	return nil
}

// loops reports whether the folder info is one of the folders up.
func loops(up []os.FileInfo, info os.FileInfo) bool {
	for _, u := range up {
		if os.SameFile(u, info) {
			return true
		}
	}
	return false
}

// unwrapPath drops the path an *fs.PathError repeats, the message naming
// it already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
