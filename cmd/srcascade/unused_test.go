package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIUnusedFlagsWarn runs commands with flags that change nothing for
// the model or output asked: each such flag gets one warning on stderr
// (issue 12, item 16), and flags that matter get none.
func TestCLIUnusedFlagsWarn(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "x.png"), photo(12, 10, 1))
	writePNG(t, filepath.Join(dir, "hr", "a.png"), photo(16, 16, 2))
	saveTinySR3(t, filepath.Join(dir, "ck"), false)
	saveTinyBase(t, filepath.Join(dir, "base"), []string{"cat"})
	for _, tt := range []struct {
		args  []string
		warns []string // flags a warning names; none = no warning
	}{
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "-o", "a.png", "x.png"}, nil},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "--steps", "3", "--eta", "0.5", "--seed", "4", "--tile", "32", "-o", "b.png", "x.png"},
			[]string{"--seed", "--steps", "--eta", "--tile"}},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "--quality", "80", "-o", "c.png", "x.png"}, []string{"--quality"}},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "--backend", "go", "-o", "c2.png", "x.png"}, []string{"--backend"}},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "--quality", "80", "-o", "c.jpg", "x.png"}, nil},
		{[]string{"upscale", "-m", "bicubic", "-s", "2", "-r", "-o", "d.png", "x.png"}, []string{"-r"}},
		{[]string{"upscale", "-m", "ck", "--sampler", "ddpm", "--steps", "2", "--eta", "0.5", "-o", "e.png", "x.png"}, []string{"--eta"}},
		{[]string{"upscale", "-m", "ck", "--sampler", "ddim", "--steps", "2", "--eta", "0.5", "-o", "f.png", "x.png"}, nil},
		{[]string{"upscale", "-m", "ck", "--steps", "1", "--sampler", "ddim", "-o", "g.png", "x.png"}, []string{"--sampler"}},
		{[]string{"eval", "-m", "bicubic", "-s", "2", "--strength", "0.5", "hr"}, []string{"--strength"}},
		{[]string{"compare", "-m", "bicubic", "-s", "2", "--crop", "8", "--seed", "3", "-o", "s.png", "hr/a.png"}, []string{"--seed"}},
		{[]string{"compare", "-m", "bicubic", "-s", "2", "--crop", "8", "--steps", "1,4", "-o", "s2.png", "hr/a.png"}, []string{"--steps"}},
		{[]string{"generate", "-m", "base", "-n", "1", "--steps", "2", "--sampler", "ddpm", "--eta", "0.3", "-o", "gen"}, []string{"--eta"}},
	} {
		r := runCLI(t, dir, tt.args...)
		line := strings.Join(tt.args, " ")
		if r.code != 0 {
			t.Errorf("%s: exit %d\n%s", line, r.code, r.stderr)
			continue
		}
		if n := strings.Count(r.stderr, "warning:"); (n == 0) != (len(tt.warns) == 0) || n > 1 {
			t.Errorf("%s: %d warnings, want %d:\n%s", line, n, min(len(tt.warns), 1), r.stderr)
		}
		for _, f := range tt.warns {
			if !strings.Contains(r.stderr, f+" ") && !strings.Contains(r.stderr, f+",") {
				t.Errorf("%s: the warning does not name %s:\n%s", line, f, r.stderr)
			}
		}
	}
}
