package main

import (
	"fmt"

	"github.com/srcascade/srcascade/internal/samefile"
)

// inputSet collects the files a command reads, so that it can refuse every
// output that would replace one of them, however the paths are spelled
// (through symlinks, hard links, "./", ".."): see samefile.Set.
func inputSet(paths ...string) *samefile.Set {
	s := &samefile.Set{}
	for _, p := range paths {
		s.Add(p)
	}
	return s
}

// replacesInput is the error for an output that names an input, or nil.
// what names the kind of input ("HR image", "input").
func replacesInput(inputs *samefile.Set, out, what string) error {
	if in, ok := inputs.Contains(out); ok {
		if in == out {
			return fmt.Errorf("%s would replace the %s %s itself", out, what, in)
		}
		return fmt.Errorf("%s would replace the %s %s (the same file)", out, what, in)
	}
	return nil
}
