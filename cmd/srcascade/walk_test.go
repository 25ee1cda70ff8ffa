package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// touch creates files (and their folders) under root.
func touch(t *testing.T, root string, names ...string) {
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

// chdir changes into dir for the test.
func chdir(t *testing.T, dir string) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
}

// jobPairs renders jobs as "in -> out".
func jobPairs(jobs []job) []string {
	var s []string
	for _, j := range jobs {
		s = append(s, filepath.ToSlash(j.in)+" -> "+filepath.ToSlash(j.out))
	}
	return s
}

// TestPlanOutputs checks where outputs go for each kind of command line
// (the table in upscaleDescription).
func TestPlanOutputs(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	touch(t, dir, "a.png", "b.jpg", "in/x.png", "in/y.JPEG", "in/sub/z.webp", "in/sub/deep/w.gif",
		"in/.hidden.png", "in/.x.png.123.tmp", "in/.git/config.png", "in/notes.txt",
		"two/q.bmp", "only/nested/k.png")
	if err := os.MkdirAll("outdir", 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line       string
		want       []string
		format     string
		wantFailed []string
		wantWarn   string
	}{
		{line: "upscale a.png", want: []string{"a.png -> a_x4.png"}, format: "png"},
		{line: "upscale -s 2 a.png b.jpg", want: []string{"a.png -> a_x2.png", "b.jpg -> b_x2.png"}, format: "png"},
		{line: "upscale -f jpg a.png", want: []string{"a.png -> a_x4.jpg"}, format: "jpeg"},
		{line: "upscale -o big.JPG a.png", want: []string{"a.png -> big.JPG"}, format: "jpeg"},
		{line: "upscale -o out/big.png a.png", want: []string{"a.png -> out/big.png"}, format: "png"},
		{line: "upscale -o newdir/ a.png", want: []string{"a.png -> newdir/a_x4.png"}, format: "png"},
		{line: "upscale -o newdir a.png", want: []string{"a.png -> newdir/a_x4.png"}, format: "png"},
		{line: "upscale -o outdir a.png", want: []string{"a.png -> outdir/a_x4.png"}, format: "png"},
		{line: "upscale -o outdir a.png b.jpg", want: []string{"a.png -> outdir/a_x4.png", "b.jpg -> outdir/b_x4.png"}, format: "png"},
		{line: "upscale in", want: []string{"in/x.png -> in_x4/x.png", "in/y.JPEG -> in_x4/y.png"}, format: "png",
			wantWarn: "ignored 1 file without an image extension"},
		{line: "upscale -r in", format: "png", want: []string{
			"in/sub/deep/w.gif -> in_x4/sub/deep/w.png", "in/sub/z.webp -> in_x4/sub/z.png",
			"in/x.png -> in_x4/x.png", "in/y.JPEG -> in_x4/y.png"}},
		{line: "upscale -r -f jpg -o res in", format: "jpeg", want: []string{
			"in/sub/deep/w.gif -> res/sub/deep/w.jpg", "in/sub/z.webp -> res/sub/z.jpg",
			"in/x.png -> res/x.jpg", "in/y.JPEG -> res/y.jpg"}},
		{line: "upscale -o res in two a.png", format: "png", want: []string{
			"in/x.png -> res/in/x.png", "in/y.JPEG -> res/in/y.png", "two/q.bmp -> res/two/q.png", "a.png -> res/a_x4.png"}},
		{line: "upscale only", want: nil, format: "png", wantWarn: "no images in only (use -r to include subfolders)"},
		// An output folder inside the input folder is not read as input.
		{line: "upscale -r -o in/up in", format: "png", want: []string{
			"in/sub/deep/w.gif -> in/up/sub/deep/w.png", "in/sub/z.webp -> in/up/sub/z.png",
			"in/x.png -> in/up/x.png", "in/y.JPEG -> in/up/y.png"}},
		// Outputs that would replace an input are refused, not written.
		{line: "upscale -o in in", format: "png", want: []string{"in/y.JPEG -> in/y.png"},
			wantFailed: []string{"output in/x.png would overwrite an input"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			cmd, _, err := parseLine(t, tt.line)
			if err != nil {
				t.Fatal(err)
			}
			p, err := planUpscale(cmd.(*upscaleOptions))
			if err != nil {
				t.Fatal(err)
			}
			if got := jobPairs(p.jobs); !slices.Equal(got, tt.want) {
				t.Errorf("jobs:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if p.format != tt.format {
				t.Errorf("format = %q, want %q", p.format, tt.format)
			}
			var failed []string
			for _, r := range p.failed {
				failed = append(failed, errorLine(r))
			}
			if len(failed) != len(tt.wantFailed) {
				t.Errorf("failed = %q, want %q", failed, tt.wantFailed)
			}
			for i := range min(len(failed), len(tt.wantFailed)) {
				if !strings.HasPrefix(failed[i], tt.wantFailed[i]) {
					t.Errorf("failed[%d] = %q, want %q...", i, failed[i], tt.wantFailed[i])
				}
			}
			if tt.wantWarn != "" && !slices.ContainsFunc(p.warnings, func(w string) bool { return strings.Contains(w, tt.wantWarn) }) {
				t.Errorf("warnings %q lack %q", p.warnings, tt.wantWarn)
			}
		})
	}
}

// TestPlanSkipsExistingOutputs checks what planUpscale does with outputs
// that exist: skip one of the same request, redo one of another request,
// keep (as failed) one srcascade did not make; --overwrite redoes all.
func TestPlanSkipsExistingOutputs(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	touch(t, dir, "in/a.png", "in/b.png", "in/c.png", "in/d.png", "in_x4/c.png")
	cmd, _, err := parseLine(t, "upscale in")
	if err != nil {
		t.Fatal(err)
	}
	o := cmd.(*upscaleOptions)
	img := &data.Decoded{Image: data.NewImage(2, 2, 3), Depth: 8}
	same := o.request("png")
	other := strings.Replace(same, "x4", "x2", 1)
	for f, rec := range map[string]string{"a.png": same, "b.png": other} {
		if err := data.EncodeFile(filepath.Join("in_x4", f), img, data.EncodeOptions{Comment: rec}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		line                  string
		jobs, skipped, failed int
	}{
		{"upscale in", 2, 1, 1},
		{"upscale --overwrite in", 4, 0, 0},
	} {
		cmd, _, err := parseLine(t, tt.line)
		if err != nil {
			t.Fatal(err)
		}
		p, err := planUpscale(cmd.(*upscaleOptions))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.jobs) != tt.jobs || len(p.skipped) != tt.skipped || len(p.failed) != tt.failed {
			t.Errorf("%s: %d jobs, %d skipped, %d failed; want %d, %d, %d", tt.line, len(p.jobs), len(p.skipped), len(p.failed), tt.jobs, tt.skipped, tt.failed)
		}
	}
}

func TestPlanCollisions(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	touch(t, dir, "in/a.jpg", "in/a.png", "in_x4/b.png/keep")
	touch(t, dir, "in/b.png")
	cmd, _, err := parseLine(t, "upscale in")
	if err != nil {
		t.Fatal(err)
	}
	p, err := planUpscale(cmd.(*upscaleOptions))
	if err != nil {
		t.Fatal(err)
	}
	if got := jobPairs(p.jobs); !slices.Equal(got, []string{"in/a.jpg -> in_x4/a.png"}) {
		t.Errorf("jobs = %q", got)
	}
	var msgs []string
	for _, r := range p.failed {
		msgs = append(msgs, errorLine(r))
	}
	want := []string{"in/a.png: output in_x4/a.png is also the output of in/a.jpg", "in/b.png: output in_x4/b.png is a folder"}
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], want[0]) || !strings.HasPrefix(msgs[1], want[1]) {
		t.Errorf("failed = %q, want %q", msgs, want)
	}
}

func TestPlanUsageErrors(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	touch(t, dir, "a.png", "in/x.png")
	for _, tt := range []struct{ line, want string }{
		{"upscale missing.png", "input missing.png: no such file or folder"},
		{"upscale a.png missing/", "input missing/: no such file or folder"},
		{"upscale -o out.png in", "the input is a folder, so -o must be a folder too"},
		{"upscale -o out.webp a.png", "cannot write .webp files"},
	} {
		cmd, _, err := parseLine(t, tt.line)
		if err != nil {
			t.Fatal(err)
		}
		_, err = planUpscale(cmd.(*upscaleOptions))
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want a usage error containing %q", tt.line, err, tt.want)
		}
	}
}

// TestPlanDotInput checks that "." as input gets its output beside the
// current folder, named after it.
func TestPlanDotInput(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "w/a.png")
	chdir(t, filepath.Join(dir, "w"))
	cmd, _, err := parseLine(t, "upscale -s 2 .")
	if err != nil {
		t.Fatal(err)
	}
	p, err := planUpscale(cmd.(*upscaleOptions))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	got := p.jobs[0].out
	if ev, err := filepath.EvalSymlinks(filepath.Dir(filepath.Dir(got))); err == nil {
		got = filepath.Join(ev, filepath.Base(filepath.Dir(got)), filepath.Base(got))
	}
	if want := filepath.Join(real, "w_x2", "a.png"); len(p.jobs) != 1 || got != want {
		t.Errorf("jobs = %q, want output %s", jobPairs(p.jobs), want)
	}
}
