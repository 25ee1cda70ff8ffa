package main

// Tests that build the real srcascade binary once and run it on temporary
// folders, as a user would.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "image/jpeg"
)

// binary is the srcascade executable built by TestMain.
var binary string

func TestMain(m *testing.M) {
	if fuzzOnly() {
		os.Exit(m.Run()) // the fuzz targets run no binary: skip the build
	}
	dir, err := os.MkdirTemp("", "srcascade-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "srcascade")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	// The environment (GOEXPERIMENT=simd, GOFLAGS) is inherited.
	build := exec.Command(goTool, "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building srcascade:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fuzzOnly reports whether this process only fuzzes: a fuzz worker, or
// the coordinator of `-run '^$' -fuzz X`.
func fuzzOnly() bool {
	flag.Parse()
	get := func(name string) string {
		if f := flag.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	return get("test.fuzzworker") == "true" || (get("test.fuzz") != "" && get("test.run") == "^$")
}

// cliResult is what one run of the binary gave.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary in dir with args and returns its output and exit code.
func runCLI(t *testing.T, dir string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run srcascade %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// expectCode fails the test unless r exited with code.
func (r cliResult) expectCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// writePNG encodes m as PNG at path (with Go's own encoder, independently
// of the data package), creating folders.
func writePNG(t *testing.T, path string, m image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readImage decodes path with Go's own decoders.
func readImage(t *testing.T, path string) (image.Image, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, format, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return m, format
}

// pngDepth reads the bit depth and colour type from a PNG's IHDR.
func pngDepth(t *testing.T, path string) (depth, colourType int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 26 || string(b[12:16]) != "IHDR" {
		t.Fatalf("%s is not a PNG", path)
	}
	return int(b[24]), int(b[25])
}

// photo is a smooth, textured w x h RGB test image (no flat areas, no
// hard edges), different for each seed.
func photo(w, h, seed int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			r := (x*7 + y*3 + seed*41) % 256
			g := (x*x/3 + y*5 + seed*13) % 256
			b := (x*2 + y*y/5 + seed*7) % 256
			m.Set(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return m
}

// assertSize checks an image's dimensions.
func assertSize(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	m, _ := readImage(t, path)
	if b := m.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %dx%d, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
	return m
}

func TestCLISingleFile(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "photo.png"), photo(20, 15, 1))
	r := runCLI(t, dir, "upscale", "photo.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "photo_x4.png"), 80, 60)
	if r.stdout != "" {
		t.Errorf("upscale printed on stdout: %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "[1/1] photo.png -> photo_x4.png (20x15") || !strings.Contains(r.stderr, "1 upscaled") {
		t.Errorf("stderr should log the image and a summary:\n%s", r.stderr)
	}

	// -s 2 -o with flags after the input; -q prints nothing.
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "photo.png", "-s", "2", "-o", "out/two.png", "-q")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "out", "two.png"), 40, 30)
	if r.stderr != "" {
		t.Errorf("-q printed %q", r.stderr)
	}
	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "8", "-o", "eight/", "photo.png")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "eight", "photo_x8.png"), 160, 120)
}

// TestCLIDefaultModel runs upscale without -m, as a user first does: at x4
// the default is the shipped sr3-x4, whose output is a 4x image near
// bicubic's but not bicubic's; at x2 it is bicubic, byte for byte.
func TestCLIDefaultModel(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "small.png"), photo(32, 24, 5))

	runCLI(t, dir, "upscale", "-q", "small.png").expectCode(t, 0)
	sr := assertSize(t, filepath.Join(dir, "small_x4.png"), 128, 96)
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-o", "bicubic_x4.png", "small.png").expectCode(t, 0)
	bic := assertSize(t, filepath.Join(dir, "bicubic_x4.png"), 128, 96)
	// sr3-x4 refines bicubic: 37.7 dB from it on this image with the first
	// shipped weights. Far less means the model's output is not an upscale
	// of the input (wrong range, channels or tiles); identical means the
	// model did not run.
	psnr := psnrRGB8(sr, bic)
	t.Logf("default x4 vs bicubic: %.2f dB", psnr)
	if math.IsInf(psnr, 1) {
		t.Error("upscale without -m at x4 gave bicubic's output, want sr3-x4's")
	} else if psnr < 25 {
		t.Errorf("upscale without -m at x4 is %.2f dB from bicubic: want a refinement of it (> 25 dB)", psnr)
	}

	// At x2 the default is sr3-x2, at x8 sr3-x4 then sr3-x2.
	runCLI(t, dir, "upscale", "-q", "-s", "2", "small.png").expectCode(t, 0)
	sr2 := assertSize(t, filepath.Join(dir, "small_x2.png"), 64, 48)
	runCLI(t, dir, "upscale", "-q", "-s", "2", "-m", "bicubic", "-o", "bicubic_x2.png", "small.png").expectCode(t, 0)
	bic2 := assertSize(t, filepath.Join(dir, "bicubic_x2.png"), 64, 48)
	if psnr := psnrRGB8(sr2, bic2); math.IsInf(psnr, 1) || psnr < 25 {
		t.Errorf("upscale -s 2 without -m is %.2f dB from bicubic: want sr3-x2's refinement of it", psnr)
	}
	runCLI(t, dir, "upscale", "-q", "-s", "8", "small.png").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "small_x8.png"), 256, 192)
}

// psnrRGB8 is the PSNR in dB of b against a over the 8-bit RGB values of
// their common bounds (+Inf when they are equal).
func psnrRGB8(a, b image.Image) float64 {
	var se float64
	n := 0
	r := a.Bounds().Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range [3]float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				se += d * d
				n++
			}
		}
	}
	return 10 * math.Log10(255*255*float64(n)/se)
}

func TestCLIFolderTree(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "shots")
	writePNG(t, filepath.Join(in, "a.png"), photo(12, 10, 1))
	writePNG(t, filepath.Join(in, "trip", "b.png"), photo(10, 12, 2))
	writePNG(t, filepath.Join(in, "trip", "day2", "c.png"), photo(8, 8, 3))
	writePNG(t, filepath.Join(in, ".thumbs", "hidden.png"), photo(8, 8, 4))
	os.WriteFile(filepath.Join(in, ".a.png.42.tmp"), []byte("half an image"), 0o644)

	// Without -r only the top level.
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-o", "flat", "shots").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "flat", "a.png"), 24, 20)
	if _, err := os.Stat(filepath.Join(dir, "flat", "trip")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("without -r subfolders must not be processed (stat: %v)", err)
	}

	// With -r and the default output folder: shots_x2 mirrors the tree.
	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-r", "-s", "2", "shots")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "shots_x2", "a.png"), 24, 20)
	assertSize(t, filepath.Join(dir, "shots_x2", "trip", "b.png"), 20, 24)
	assertSize(t, filepath.Join(dir, "shots_x2", "trip", "day2", "c.png"), 16, 16)
	var got []string
	filepath.WalkDir(filepath.Join(dir, "shots_x2"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := []string{"shots_x2/a.png", "shots_x2/trip/b.png", "shots_x2/trip/day2/c.png"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("output tree %q, want %q (hidden files and temp files are not inputs)", got, want)
	}
}

// TestCLIBadFiles checks that corrupt, truncated, empty and unsupported
// files are reported by name and skipped while the rest is processed.
func TestCLIBadFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writePNG(t, filepath.Join(in, "good.png"), photo(10, 10, 1))
	writePNG(t, filepath.Join(in, "sub", "good2.png"), photo(10, 10, 2))
	var full bytes.Buffer
	png.Encode(&full, photo(64, 64, 3))
	os.WriteFile(filepath.Join(in, "truncated.png"), full.Bytes()[:full.Len()/2], 0o644)
	corrupt := bytes.Clone(full.Bytes())
	for i := 60; i < len(corrupt)-20; i += 7 {
		corrupt[i] ^= 0x5a
	}
	os.WriteFile(filepath.Join(in, "corrupt.png"), corrupt, 0o644)
	os.WriteFile(filepath.Join(in, "empty.jpg"), nil, 0o644)
	os.WriteFile(filepath.Join(in, "text.webp"), []byte("this is not an image at all\n"), 0o644)

	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-r", "-s", "2", "in")
	r.expectCode(t, 1)
	assertSize(t, filepath.Join(dir, "in_x2", "good.png"), 20, 20)
	assertSize(t, filepath.Join(dir, "in_x2", "sub", "good2.png"), 20, 20)
	_, summary, ok := strings.Cut(r.stderr, "failed:\n")
	if !ok {
		t.Fatalf("no failure summary in stderr:\n%s", r.stderr)
	}
	for _, bad := range []struct{ name, reason string }{
		{"truncated.png", "truncated"},
		{"corrupt.png", "png"},
		{"empty.jpg", "empty file"},
		{"text.webp", "unsupported image format"},
	} {
		line := ""
		for _, l := range strings.Split(summary, "\n") {
			if strings.Contains(l, filepath.Join("in", bad.name)) {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, bad.reason) {
			t.Errorf("summary should list %s with %q:\n%s", bad.name, bad.reason, summary)
		}
		if _, err := os.Stat(filepath.Join(dir, "in_x2", strings.TrimSuffix(bad.name, filepath.Ext(bad.name))+".png")); err == nil {
			t.Errorf("an output was written for %s", bad.name)
		}
	}
	if !strings.Contains(r.stderr, "2 upscaled, 4 failed") || !strings.Contains(r.stderr, "4 of 6 inputs failed") {
		t.Errorf("stderr should count 2 upscaled and 4 failed:\n%s", r.stderr)
	}
}

// TestCLIResume checks that a rerun skips existing outputs and --overwrite redoes them.
func TestCLIResume(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "in", "a.png"), photo(10, 10, 1))
	writePNG(t, filepath.Join(dir, "in", "b.png"), photo(10, 10, 2))
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "in").expectCode(t, 0)
	out := filepath.Join(dir, "in_x2", "a.png")
	done, _ := os.ReadFile(out)
	os.Chtimes(out, time.Unix(1e9, 0), time.Unix(1e9, 0))
	os.Remove(filepath.Join(dir, "in_x2", "b.png"))

	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "in")
	r.expectCode(t, 0)
	if b, _ := os.ReadFile(out); !bytes.Equal(b, done) {
		t.Error("an existing output was rewritten without --overwrite")
	}
	if st, _ := os.Stat(out); st == nil || !st.ModTime().Equal(time.Unix(1e9, 0)) {
		t.Error("an existing output of the same request was written again")
	}
	assertSize(t, filepath.Join(dir, "in_x2", "b.png"), 20, 20)
	if !strings.Contains(r.stderr, "skip in/a.png") || !strings.Contains(r.stderr, "1 upscaled, 1 skipped") {
		t.Errorf("stderr should report the skipped output:\n%s", r.stderr)
	}

	r = runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "--overwrite", "in")
	r.expectCode(t, 0)
	assertSize(t, out, 20, 20)
	if !strings.Contains(r.stderr, "2 upscaled") {
		t.Errorf("--overwrite should redo both:\n%s", r.stderr)
	}
}

func TestCLIJPEG(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "p.png"), photo(16, 16, 1))
	runCLI(t, dir, "upscale", "-f", "jpg", "--quality", "90", "p.png").expectCode(t, 0)
	if _, format := readImage(t, filepath.Join(dir, "p_x4.jpg")); format != "jpeg" {
		t.Errorf("-f jpg wrote %s", format)
	}
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-o", "q.jpeg", "p.png").expectCode(t, 0)
	if m, format := readImage(t, filepath.Join(dir, "q.jpeg")); format != "jpeg" || m.Bounds().Dx() != 32 {
		t.Errorf("-o q.jpeg wrote %s %v", format, m.Bounds())
	}
}

func TestCLIGreyStaysGrey(t *testing.T) {
	dir := t.TempDir()
	g8 := image.NewGray(image.Rect(0, 0, 12, 9))
	g16 := image.NewGray16(image.Rect(0, 0, 12, 9))
	for i := range g8.Pix {
		g8.Pix[i] = uint8(i * 5)
	}
	for y := range 9 {
		for x := range 12 {
			g16.SetGray16(x, y, color.Gray16{Y: uint16(x*5000 + y*900 + 7)})
		}
	}
	writePNG(t, filepath.Join(dir, "g8.png"), g8)
	writePNG(t, filepath.Join(dir, "g16.png"), g16)
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "g8.png", "g16.png").expectCode(t, 0)
	if m := assertSize(t, filepath.Join(dir, "g8_x2.png"), 24, 18); m.ColorModel() != color.GrayModel {
		t.Errorf("8-bit grey came back as %T", m)
	}
	if m := assertSize(t, filepath.Join(dir, "g16_x2.png"), 24, 18); m.ColorModel() != color.Gray16Model {
		t.Errorf("16-bit grey came back as %T", m)
	}
	if d, ct := pngDepth(t, filepath.Join(dir, "g16_x2.png")); d != 16 || ct != 0 {
		t.Errorf("16-bit grey PNG: depth %d colour type %d, want 16, 0", d, ct)
	}
}

func TestCLI16BitRGB(t *testing.T) {
	dir := t.TempDir()
	m := image.NewRGBA64(image.Rect(0, 0, 10, 8))
	for y := range 8 {
		for x := range 10 {
			m.SetRGBA64(x, y, color.RGBA64{uint16(x * 6000), uint16(y * 8000), 12345, 0xffff})
		}
	}
	writePNG(t, filepath.Join(dir, "deep.png"), m)
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "deep.png").expectCode(t, 0)
	if d, ct := pngDepth(t, filepath.Join(dir, "deep_x2.png")); d != 16 || ct != 2 {
		t.Errorf("16-bit RGB PNG became depth %d colour type %d, want 16, 2 (RGB)", d, ct)
	}
	// 16 bits survive: the constant blue channel must come back as exactly 12345.
	out := assertSize(t, filepath.Join(dir, "deep_x2.png"), 20, 16)
	if _, _, b, _ := out.At(7, 7).RGBA(); b != 12345 {
		t.Errorf("constant 16-bit channel 12345 came back as %d", b)
	}
}

func TestCLIAlphaKept(t *testing.T) {
	dir := t.TempDir()
	m := image.NewNRGBA(image.Rect(0, 0, 16, 12))
	for y := range 12 {
		for x := range 16 {
			a := uint8(255)
			if x < 8 {
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 15), uint8(y * 20), 200, a})
		}
	}
	writePNG(t, filepath.Join(dir, "cut.png"), m)
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "cut.png").expectCode(t, 0)
	out := assertSize(t, filepath.Join(dir, "cut_x2.png"), 32, 24)
	if d, ct := pngDepth(t, filepath.Join(dir, "cut_x2.png")); d != 8 || ct != 6 {
		t.Errorf("RGBA PNG became depth %d colour type %d, want 8, 6 (RGBA)", d, ct)
	}
	for _, p := range []image.Point{{0, 0}, {10, 20}, {13, 5}} {
		if _, _, _, a := out.At(p.X, p.Y).RGBA(); a != 0 {
			t.Errorf("alpha at %v = %d, want transparent", p, a)
		}
	}
	for _, p := range []image.Point{{19, 0}, {25, 20}, {31, 23}} {
		if _, _, _, a := out.At(p.X, p.Y).RGBA(); a != 0xffff {
			t.Errorf("alpha at %v = %d, want opaque", p, a)
		}
	}
}

func TestCLIMaxPixels(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "big.png"), photo(40, 30, 1))
	writePNG(t, filepath.Join(dir, "small.png"), photo(10, 10, 1))
	r := runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "--max-pixels", "1000", "big.png", "small.png")
	r.expectCode(t, 1)
	if !strings.Contains(r.stderr, "big.png") || !strings.Contains(r.stderr, "image too large") || !strings.Contains(r.stderr, "40x30") ||
		!strings.Contains(r.stderr, "--max-pixels") {
		t.Errorf("stderr should name big.png and say it is too large:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "big_x2.png")); err == nil {
		t.Error("big.png was upscaled despite --max-pixels")
	}
	assertSize(t, filepath.Join(dir, "small_x2.png"), 20, 20)
}

func TestCLIUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), photo(8, 8, 1))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"upscale"}, "no INPUT given"},
		{[]string{"upscale", "missing.png"}, "input missing.png: no such file or folder"},
		{[]string{"upscale", "-m", "nope", "a.png"}, `"nope": not a model name or checkpoint folder`},
		{[]string{"upscale", "-m", "emoji-base16", "a.png"}, "model emoji-base16: a base model generates images from noise (srcascade generate -m MODEL)"},
		{[]string{"upscale", "-s", "4", "-m", "emoji-x2+emoji-base16", "a.png"}, "part 2 (emoji-base16): model emoji-base16: a base model generates images"},
		{[]string{"upscale", "-s", "5", "a.png"}, "-s/--scale 5"},
		{[]string{"upscale", "--bogus", "a.png"}, "unknown flag --bogus"},
		{[]string{"eval", "missing"}, "no such folder"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		r := runCLI(t, dir, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("srcascade %s: exit %d, stderr %q; want 2 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("usage errors must write nothing; folder has %d entries", len(entries))
	}
	r := runCLI(t, dir, "--help")
	r.expectCode(t, 0)
	if !strings.Contains(r.stdout, "upscale") {
		t.Errorf("--help on stdout: %q", r.stdout)
	}
}

func TestCLIModels(t *testing.T) {
	r := runCLI(t, t.TempDir(), "models")
	r.expectCode(t, 0)
	if !strings.Contains(r.stdout, "NAME") || !strings.Contains(r.stdout, "bicubic") {
		t.Errorf("models output:\n%s", r.stdout)
	}
	// The base model's row gives its kind, sample size and cascade.
	if !regexp.MustCompile(`(?m)^emoji-base16 +base +16x16 -> emoji-x2\+emoji-x2 `).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^emoji-x2 +sr +2,4,8 `).MatchString(r.stdout) {
		t.Errorf("models output should list emoji-base16 (base, 16x16 -> emoji-x2+emoji-x2) and emoji-x2 (sr):\n%s", r.stdout)
	}
	// Rows fit a terminal (they ran to ~300 characters), and the default of
	// each scale is marked.
	for _, line := range strings.Split(r.stdout, "\n") {
		if len(line) > 100 {
			t.Errorf("line of %d characters:\n%s", len(line), line)
		}
	}
	if !regexp.MustCompile(`(?m)^sr3-x4-real +sr +[0-9,]+ +x2,x4 `).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^sr3-x2 +sr +[0-9,]+ +- `).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "x8 sr3-x4-real+sr3-x2") {
		t.Errorf("models output should mark sr3-x4-real as the x2 and x4 default and name x8's:\n%s", r.stdout)
	}
	r = runCLI(t, t.TempDir(), "models", "--json")
	r.expectCode(t, 0)
	var list []struct {
		Name   string `json:"name"`
		Scales []int  `json:"scales"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) == 0 || list[0].Name != "bicubic" {
		t.Errorf("models --json = %q (%v)", r.stdout, err)
	}
}

func TestCLIVersion(t *testing.T) {
	r := runCLI(t, t.TempDir(), "version")
	r.expectCode(t, 0)
	if !strings.HasPrefix(r.stdout, "srcascade ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("version output:\n%s", r.stdout)
	}
	// --version and -v, as most CLIs take them, print the same.
	for _, flag := range []string{"--version", "-v"} {
		f := runCLI(t, t.TempDir(), flag)
		f.expectCode(t, 0)
		if f.stdout != r.stdout {
			t.Errorf("srcascade %s printed %q, want what srcascade version prints", flag, f.stdout)
		}
	}
	runCLI(t, t.TempDir(), "--version", "x").expectCode(t, 2)
}

// TestCLIUnknownFlagSpelling: an unknown flag is named as it was typed,
// with both dashes (Go's flag package drops one).
func TestCLIUnknownFlagSpelling(t *testing.T) {
	r := runCLI(t, t.TempDir(), "upscale", "--face-enhance", "a.png") // a Real-ESRGAN flag srcascade lacks
	r.expectCode(t, 2)
	if !strings.Contains(r.stderr, "unknown flag --face-enhance") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
