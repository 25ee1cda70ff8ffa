// Package samefile tells whether a path a command is about to write names
// one of the files it reads, however either is spelled: "a.png" and
// "./x/../a.png", a path through a symlinked folder, a symlink to the file,
// a hard link to it, or another case on a case-insensitive file system all
// name the same file. Commands collect their inputs in a Set and refuse
// every output the Set contains, so that no output replaces an input.
package samefile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Set is a set of existing files, identified by the file itself (device
// and inode where the platform has them), not by their names. The zero
// Set is empty and ready to use.
type Set struct {
	byID  map[fileID]string // first path added for each file
	infos []entry           // files without an ID (platforms without inodes)
}

// entry is a file of a Set on a platform without file IDs.
type entry struct {
	path string
	info fs.FileInfo
}

// Add adds the file at path (following symlinks) to the set. A path that
// does not exist, or cannot be read, is not added: no write can replace a
// file that is not there, and the command's read of it reports the error.
// Folders are not added.
func (s *Set) Add(path string) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return
	}
	if id, ok := idOf(st); ok {
		if s.byID == nil {
			s.byID = map[fileID]string{}
		}
		if _, dup := s.byID[id]; !dup {
			s.byID[id] = path
		}
		return
	}
	s.infos = append(s.infos, entry{path, st})
}

// Contains reports whether path (following symlinks) names a file of the
// set, and the path it was added under. A path that does not exist is
// never in the set.
func (s *Set) Contains(path string) (input string, ok bool) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return "", false
	}
	if id, ok := idOf(st); ok {
		input, ok = s.byID[id]
		if ok {
			return input, true
		}
	}
	for _, e := range s.infos {
		if os.SameFile(e.info, st) {
			return e.path, true
		}
	}
	return "", false
}

// Len is the number of distinct files in the set.
func (s *Set) Len() int { return len(s.byID) + len(s.infos) }

// Same reports whether the paths a and b name the same existing file (see
// Set).
func Same(a, b string) bool {
	var s Set
	s.Add(a)
	_, ok := s.Contains(b)
	return ok
}

// Within reports whether path is the folder dir itself or lies somewhere
// under it, following symlinks, whether or not path exists yet: the first
// existing folder on the way up from path is compared with dir, then its
// parents. It is false when dir is not an existing folder.
func Within(path, dir string) bool {
	target, err := os.Stat(dir)
	if err != nil || !target.IsDir() {
		return false
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for {
		if st, err := os.Stat(p); err == nil && os.SameFile(st, target) {
			return true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return false
		}
		p = parent
	}
}
