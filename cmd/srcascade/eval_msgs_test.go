package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEvalReportsCompilationApart is issue 12's item 15 for eval: the
// first image's seconds included compiling the network (25 s against 1.3 s
// for the rest); now compilation is reported on its own and the seconds are
// the model's time alone. The header says "1 step", and files are taken as
// well as folders.
func TestEvalReportsCompilationApart(t *testing.T) {
	dir := t.TempDir()
	saveTinySR3(t, filepath.Join(dir, "m"), false)
	writePNG(t, filepath.Join(dir, "hr", "a.png"), photo(32, 32, 1))
	writePNG(t, filepath.Join(dir, "b.png"), photo(32, 32, 2))
	r := runCLI(t, dir, "eval", "-q", "-m", "m", "-s", "4", "--steps", "1", "--json", "hr", "b.png")
	r.expectCode(t, 0)
	var rep struct {
		CompileSeconds *float64 `json:"compile_seconds"`
		Compilations   int      `json:"compilations"`
		Folders        []struct {
			Path   string `json:"path"`
			Images []struct {
				File    string  `json:"file"`
				Seconds float64 `json:"seconds"`
			} `json:"images"`
		} `json:"folders"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if len(rep.Folders) != 2 || len(rep.Folders[1].Images) != 1 || rep.Folders[1].Images[0].File != "b.png" {
		t.Fatalf("want the folder and the file b.png as two tables: %s", r.stdout)
	}
	if rep.CompileSeconds == nil || rep.Compilations < 1 {
		t.Fatalf("no compile_seconds or compilations: %s", r.stdout)
	}
	first, second := rep.Folders[0].Images[0].Seconds, rep.Folders[1].Images[0].Seconds
	// Same size, so one compilation, not in the first image's seconds.
	if first > 3*second+0.5 {
		t.Errorf("first image %.3fs, second %.3fs, compilation %.3fs: the first still includes compiling",
			first, second, *rep.CompileSeconds)
	}
	r = runCLI(t, dir, "eval", "-q", "-m", "m", "-s", "4", "--steps", "1", "hr")
	r.expectCode(t, 0)
	if !strings.Contains(r.stdout, ", 1 step,") || !regexp.MustCompile(`the network compiled 1 time in [0-9.]+s, not counted`).MatchString(r.stdout) {
		t.Errorf("header should say '1 step' and report the compilation:\n%s", r.stdout)
	}
}

// TestCompareBicubicAndSmallImage: compare -m bicubic has one bicubic
// panel (it was repeated as "bicubic, default steps"), and an image
// smaller than --crop gets a smaller crop instead of failing.
func TestCompareBicubicAndSmallImage(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "big.png"), photo(64, 64, 1))
	writePNG(t, filepath.Join(dir, "small.png"), photo(40, 36, 2))
	r := runCLI(t, dir, "compare", "-m", "bicubic", "-s", "4", "--crop", "48", "-o", "sheet.png", "big.png", "small.png")
	r.expectCode(t, 0)
	if strings.Contains(r.stdout, "default steps") || strings.Count(r.stdout, "bicubic") != 3 {
		t.Errorf("one bicubic panel per image expected (and the header):\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "36x36") {
		t.Errorf("the smaller crop should be said:\n%s", r.stderr)
	}
	m, _ := readImage(t, filepath.Join(dir, "sheet.png"))
	if m.Bounds().Dx() == 0 {
		t.Fatal("empty sheet")
	}
}
