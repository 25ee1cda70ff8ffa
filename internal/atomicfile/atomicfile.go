// Package atomicfile writes files so that readers (and a later run after a
// crash) see either the old content or the complete new one, never a
// truncated file: data goes to a temporary file in the same folder, is
// synced, and is renamed into place.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Mode is the permission of files created by Write.
const Mode os.FileMode = 0o644

// TempSuffix ends the name of every temporary file Write creates; such names
// also start with '.', so folder walkers can skip them (see IsTemp).
const TempSuffix = ".tmp"

// IsTemp reports whether name (a base name or a path) looks like one of
// Write's temporary files: a leftover from a crash, never a real output.
func IsTemp(name string) bool {
	base := filepath.Base(name)
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, TempSuffix)
}

// Write creates path atomically with what fill writes.
//
// fill writes to a buffered temporary file ".<name>.pid<PID>.<random>.tmp"
// in path's folder, locked (flock) while it is written; the first write of
// a process into a folder removes the temporary files that killed writers
// left there (CleanStale). The file is then flushed, fsynced, given mode
// 0644, closed and renamed over path, and the folder is synced (best
// effort) so the rename
// itself survives a crash. If fill or any step fails (or fill panics), the
// temporary file is removed and an existing file at path is left as it was.
// fill's own error is returned unwrapped.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("atomic write %q: not a file name", path)
	}
	if dir == "" {
		dir = "."
	}
	sweepOnce(dir)
	f, err := os.CreateTemp(dir, tempPrefix(base)+"*"+TempSuffix)
	if err != nil {
		return fmt.Errorf("atomic write: %w", err)
	}
	lockTemp(f)
	tmp := f.Name()
	closed := false
	done := false
	defer func() {
		if done {
			return
		}
		if !closed {
			f.Close()
		}
		os.Remove(tmp)
	}()

	bw := bufio.NewWriterSize(f, 256<<10)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomic write %s: %w", tmp, err)
	}
	if err := f.Chmod(Mode); err != nil {
		return fmt.Errorf("atomic write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomic write: sync %s: %w", tmp, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomic write: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomic write: %w", err)
	}
	done = true
	syncDir(dir)
	return nil
}

// WriteFile is Write for a byte slice.
func WriteFile(path string, b []byte) error {
	return Write(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// syncDir fsyncs a folder so a rename in it is durable. Some platforms and
// file systems cannot sync folders; the data itself is already synced, so
// failures here are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
