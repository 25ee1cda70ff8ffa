//go:build !unix

package samefile

import "io/fs"

// fileID identifies a file; unused where the platform has no inodes, and
// Set falls back to os.SameFile.
type fileID struct{}

// idOf reports that st has no ID here.
func idOf(fs.FileInfo) (fileID, bool) { return fileID{}, false }
