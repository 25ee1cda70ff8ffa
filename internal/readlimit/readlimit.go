// Package readlimit reads whole files whose size a bad or hostile file
// could make unbounded (checkpoint JSON and weights), refusing any larger
// than the most a valid one can be before reading it.
package readlimit

import (
	"fmt"
	"io"
	"os"
)

// ReadFile returns the content of path, or an error naming the file when
// it holds more than max bytes. The size is checked before anything is
// read, and the read stops at max+1 bytes should the file grow meanwhile.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a valid file of this kind can hold (corrupt or not a srcascade file?)", path, fi.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: more than the %d bytes a valid file of this kind can hold (corrupt or not a srcascade file?)", path, max)
	}
	return b, nil
}
