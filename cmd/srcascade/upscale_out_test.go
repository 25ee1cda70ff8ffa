package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// imageSize decodes b (PNG or JPEG) and returns its size and format.
func imageSize(t *testing.T, b []byte) (w, h int, format string) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %d bytes: %v", len(b), err)
	}
	return cfg.Width, cfg.Height, format
}

// TestCLIOutscale asks for sizes that are not a model scale: --outscale
// 3.5, --width, --height, both; the learned model runs at the next scale
// it has and the result is its output resized exactly (compared with
// data.Resize of the x4 output); bad factors and sizes are refused.
func TestCLIOutscale(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "photo.png"), photo(20, 15, 1))

	r := runCLI(t, dir, "upscale", "-m", "bicubic", "--outscale", "3.5", "photo.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "photo_x3.5.png"), 70, 53)
	for _, tc := range []struct {
		args []string
		out  string
		w, h int
	}{
		{[]string{"--width", "50"}, "photo_w50.png", 50, 38},
		{[]string{"--height", "30"}, "photo_h30.png", 40, 30},
		{[]string{"--width", "33", "--height", "90"}, "photo_33x90.png", 33, 90}, // aspect changes: runs x8
	} {
		r := runCLI(t, dir, append([]string{"upscale", "-m", "bicubic", "photo.png"}, tc.args...)...)
		r.expectCode(t, 0)
		assertSize(t, filepath.Join(dir, tc.out), tc.w, tc.h)
	}

	// The learned default at x2.5 is sr3-x4-real at x4, resized down exactly.
	r = runCLI(t, dir, "upscale", "--steps", "1", "--outscale", "2.5", "-o", "sr.png", "photo.png")
	r.expectCode(t, 0)
	r = runCLI(t, dir, "upscale", "--steps", "1", "-s", "4", "-o", "four.png", "photo.png")
	r.expectCode(t, 0)
	got := assertSize(t, filepath.Join(dir, "sr.png"), 50, 38)
	four, err := data.DecodeFile(filepath.Join(dir, "four.png"), data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := data.Resize(four.Image, 50, 38)
	var buf bytes.Buffer
	if err := data.Encode(&buf, &data.Decoded{Image: want, Depth: 8}, data.EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	wantImg, _ := png.Decode(&buf)
	if p := psnrRGB8(got, wantImg); p < 40 {
		t.Errorf("--outscale 2.5 is %.1f dB from x4 resized to 50x38, want the same image (>= 40 dB; 8-bit rounding of x4 apart)", p)
	}
	// --outscale 3 is -s 3 (sr3-x4-real at x4, resized down), pixel for pixel.
	r = runCLI(t, dir, "upscale", "--steps", "1", "--outscale", "3", "-o", "o3.png", "photo.png")
	r.expectCode(t, 0)
	runCLI(t, dir, "upscale", "--steps", "1", "-s", "3", "-o", "s3.png", "photo.png").expectCode(t, 0)
	if p := psnrRGB8(assertSize(t, filepath.Join(dir, "o3.png"), 60, 45), assertSize(t, filepath.Join(dir, "s3.png"), 60, 45)); !math.IsInf(p, 1) {
		t.Errorf("--outscale 3 and -s 3 differ (%.1f dB)", p)
	}
	// --width without -m picks per image among sr3-x4-real halved (x2), sr3-x4-real
	// (x4) and the x8 cascade: 60 px from 20 is x3, so sr3-x4-real, as -s 3.
	rw := runCLI(t, dir, "upscale", "--steps", "1", "--width", "60", "-o", "w60.png", "photo.png")
	rw.expectCode(t, 0)
	if p := psnrRGB8(assertSize(t, filepath.Join(dir, "w60.png"), 60, 45), assertSize(t, filepath.Join(dir, "s3.png"), 60, 45)); !math.IsInf(p, 1) {
		t.Errorf("--width 60 of a 20 px image and -s 3 differ (%.1f dB): not sr3-x4-real at x4?", p)
	}
	if !strings.Contains(rw.stderr, "sr3-x4-real at x2 (run at x4, resized down) or sr3-x4-real at x4 or sr3-x4-real+sr3-x2 at x8") {
		t.Errorf("--width note:\n%s", rw.stderr)
	}
	if !strings.Contains(r.stderr, "note: x3: each image runs sr3-x4-real at x4") {
		t.Errorf("--outscale 3 should say how it is served:\n%s", r.stderr)
	}
	bic := runCLI(t, dir, "upscale", "-m", "bicubic", "--outscale", "2.5", "-o", "bic.png", "photo.png")
	bic.expectCode(t, 0)
	if p := psnrRGB8(got, assertSize(t, filepath.Join(dir, "bic.png"), 50, 38)); p > 60 {
		t.Errorf("--outscale 2.5 with the learned model equals bicubic (%.1f dB)", p)
	}

	// Refused before any image is read (exit 2) ...
	for _, args := range [][]string{
		{"--outscale", "0.5"}, {"--outscale", "NaN"}, {"--outscale", "Inf"}, {"--outscale", "1e12"}, {"--outscale", "0"},
		{"--width", "1000000"}, {"--height", "-3"}, {"--width", "0"},
		{"--outscale", "3", "-s", "4"}, {"--outscale", "3", "--width", "10"},
	} {
		r := runCLI(t, dir, append([]string{"upscale", "-m", "bicubic", "photo.png", "-o", "bad.png"}, args...)...)
		r.expectCode(t, 2)
	}
	// ... or per image, before its output is allocated (exit 1).
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--width", "10"}, "smaller than the input"},
		{[]string{"-m", "sr3-x4", "--outscale", "6"}, "never stretched"},
		{[]string{"--width", "100000", "--height", "100000"}, "above 300 MP"},
	} {
		args := append([]string{"upscale", "photo.png", "-o", "bad.png"}, tc.args...)
		if !slices.Contains(tc.args, "-m") {
			args = append(args, "-m", "bicubic")
		}
		r := runCLI(t, dir, args...)
		r.expectCode(t, 1)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: want %q in:\n%s", tc.args, tc.want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.png")); err == nil {
		t.Error("a refused size wrote bad.png")
	}
}

// TestCLIPipes reads an image from standard input and writes the result
// to standard output, progress staying on stderr.
func TestCLIPipes(t *testing.T) {
	dir := t.TempDir()
	var in bytes.Buffer
	if err := png.Encode(&in, photo(20, 15, 2)); err != nil {
		t.Fatal(err)
	}
	r, out := runCLIIO(t, "", dir, nil, bytes.NewReader(in.Bytes()), "upscale", "-m", "bicubic", "-s", "2", "-", "-o", "-")
	r.expectCode(t, 0)
	if w, h, f := imageSize(t, out); w != 40 || h != 30 || f != "png" {
		t.Errorf("stdout holds a %dx%d %s, want a 40x30 png", w, h, f)
	}
	if !strings.Contains(r.stderr, "1 upscaled") {
		t.Errorf("progress should be on stderr:\n%s", r.stderr)
	}
	r, out = runCLIIO(t, "", dir, nil, bytes.NewReader(in.Bytes()), "upscale", "-m", "bicubic", "-f", "jpg", "-q", "--outscale", "1.5", "-", "-o", "-")
	r.expectCode(t, 0)
	if w, h, f := imageSize(t, out); w != 30 || h != 23 || f != "jpeg" {
		t.Errorf("-f jpg: stdout holds a %dx%d %s, want a 30x23 jpeg", w, h, f)
	}
	if r.stderr != "" {
		t.Errorf("-q printed %q", r.stderr)
	}
	// A file to stdout, stdin to a file.
	writePNG(t, filepath.Join(dir, "a.png"), photo(8, 8, 3))
	r, out = runCLIIO(t, "", dir, nil, nil, "upscale", "-m", "bicubic", "-s", "2", "a.png", "-o", "-")
	r.expectCode(t, 0)
	if w, _, _ := imageSize(t, out); w != 16 {
		t.Errorf("a.png -o -: width %d", w)
	}
	r, _ = runCLIIO(t, "", dir, nil, bytes.NewReader(in.Bytes()), "upscale", "-m", "bicubic", "-s", "2", "-", "-o", "from-stdin.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "from-stdin.png"), 40, 30)
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Error(`a file or folder named "-" was created`)
	}
	// Mistakes.
	r, _ = runCLIIO(t, "", dir, nil, strings.NewReader("not an image"), "upscale", "-m", "bicubic", "-", "-o", "-")
	r.expectCode(t, 1)
	if !strings.Contains(r.stderr, "standard input") {
		t.Errorf("garbage on stdin: %s", r.stderr)
	}
	os.Mkdir(filepath.Join(dir, "folder"), 0o755)
	for _, args := range [][]string{{"-"}, {"-", "a.png", "-o", "out/"}, {"a.png", "a.png", "-o", "-"}, {"folder", "-o", "-"}} {
		r, out := runCLIIO(t, "", dir, nil, strings.NewReader(""), append([]string{"upscale", "-m", "bicubic"}, args...)...)
		r.expectCode(t, 2)
		if len(out) != 0 {
			t.Errorf("%v wrote %d bytes on stdout", args, len(out))
		}
	}
}

// TestCLINameTemplate: a.gif and a.png in one folder collide by default
// (refused, listed); --name with {inext} or --suffix tells them apart.
func TestCLINameTemplate(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writePNG(t, filepath.Join(in, "a.png"), photo(6, 5, 1))
	f, err := os.Create(filepath.Join(in, "a.gif"))
	if err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(f, photo(6, 5, 2), nil); err != nil {
		t.Fatal(err)
	}
	f.Close()

	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-o", "out1", "in")
	r.expectCode(t, 1)
	if !strings.Contains(r.stderr, "is also the output of") {
		t.Errorf("collision not reported:\n%s", r.stderr)
	}
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-o", "out2", "--name", "{name}_{inext}_x{scale}.{ext}", "in")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "out2", "a_png_x2.png"), 12, 10)
	assertSize(t, filepath.Join(dir, "out2", "a_gif_x2.png"), 12, 10)
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "--suffix", "-big", "in/a.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(in, "a-big.png"), 12, 10)
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "--outscale", "1.5", "--name", "{name}-{size}-{scale}.{ext}", "-f", "jpg", "in/a.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(in, "a-x1.5-1.5.jpg"), 9, 8)
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "--suffix", "-big", "-o", "named.png", "in/a.png")
	r.expectCode(t, 0)
	if !strings.Contains(r.stderr, "--name/--suffix does nothing: -o names the one output") {
		t.Errorf("--suffix with -o FILE should be warned about:\n%s", r.stderr)
	}
	for _, bad := range []string{"out.{ext}", "{name}/x.{ext}", "{name}.{foo}", "{name", ".{name}"} {
		r := runCLI(t, dir, "upscale", "-m", "bicubic", "--name", bad, "in")
		r.expectCode(t, 2)
	}
	runCLI(t, dir, "upscale", "--name", "{name}.{ext}", "--suffix", "x", "in").expectCode(t, 2)
}

// TestCLIShard splits a folder among 3 workers writing to one output
// folder: every image is done by exactly one, and the outputs equal the
// unsharded run's; eval's N reports hold every image once.
func TestCLIShard(t *testing.T) {
	dir := t.TempDir()
	var rels []string
	for i := range 17 {
		rel := filepath.Join(fmt.Sprintf("sub%d", i%3), fmt.Sprintf("img%02d.png", i))
		writePNG(t, filepath.Join(dir, "in", rel), photo(18, 16, i))
		rels = append(rels, rel)
	}
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-r", "-o", "all", "in").expectCode(t, 0)
	logLine := regexp.MustCompile(`\] in/(\S+) -> `)
	owner := map[string]string{}
	for k := 1; k <= 3; k++ {
		shard := fmt.Sprintf("%d/3", k)
		r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-r", "-o", "shared", "--shard", shard, "in")
		r.expectCode(t, 0)
		for _, m := range logLine.FindAllStringSubmatch(r.stderr, -1) {
			if prev, ok := owner[m[1]]; ok {
				t.Errorf("%s done by shards %s and %s", m[1], prev, shard)
			}
			owner[m[1]] = shard
		}
	}
	if len(owner) != len(rels) {
		t.Errorf("the shards did %d of %d images: %v", len(owner), len(rels), owner)
	}
	for _, rel := range rels {
		a, err1 := os.ReadFile(filepath.Join(dir, "all", rel))
		b, err2 := os.ReadFile(filepath.Join(dir, "shared", rel))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: sharded output differs from the unsharded one (%v, %v)", rel, err1, err2)
		}
	}
	// eval: the union of the shards' images is the folder, each once.
	seen := map[string]int{}
	for k := 1; k <= 2; k++ {
		r := runCLI(t, dir, "eval", "-m", "bicubic", "-s", "2", "-r", "-q", "--json", "--shard", fmt.Sprintf("%d/2", k), "in")
		r.expectCode(t, 0)
		var rep struct {
			Shard   string
			Folders []struct{ Images []struct{ File string } }
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("eval --json: %v\n%s", err, r.stdout)
		}
		if rep.Shard != fmt.Sprintf("%d/2", k) {
			t.Errorf("report shard %q", rep.Shard)
		}
		for _, im := range rep.Folders[0].Images {
			seen[im.File]++
		}
	}
	if len(seen) != len(rels) {
		t.Errorf("eval shards covered %d of %d images", len(seen), len(rels))
	}
	for f, n := range seen {
		if n != 1 {
			t.Errorf("%s evaluated %d times", f, n)
		}
	}
	for _, bad := range []string{"0/3", "4/3", "x", "1/0"} {
		runCLI(t, dir, "upscale", "-m", "bicubic", "--shard", bad, "in").expectCode(t, 2)
		runCLI(t, dir, "eval", "-m", "bicubic", "--shard", bad, "in").expectCode(t, 2)
	}
}
