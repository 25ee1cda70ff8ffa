// Package atomicfile writes files so that readers (and a later run after a
// crash) see either the old content or the complete new one, never a
// truncated file: data goes to a temporary file in the same folder, is
// synced, and is renamed into place.
package atomicfile

import "io"

// Write creates path atomically with what fill writes.
func Write(path string, fill func(w io.Writer) error) error { panic("TODO atomicfile.Write") }

// WriteFile is Write for a byte slice.
func WriteFile(path string, b []byte) error {
	return Write(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}
