package main

import (
	"encoding/json"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// defaultCompare is compare's options for `compare -o s.png a.png`, changed
// by mod.
func defaultCompare(mod func(o *compareOptions)) *compareOptions {
	o := &compareOptions{
		Images: []string{"a.png"}, Output: "s.png", Steps: []int{0}, Crop: 96, Zoom: 2,
		MaxPixels: data.DefaultMaxPixels,
		Model:     modelOptions{Model: "sr3-x4-real", Scale: 4, Seed: 1},
	}
	if mod != nil {
		mod(o)
	}
	return o
}

func TestParseCompare(t *testing.T) {
	tests := []struct {
		line string
		want *compareOptions
	}{
		{"compare -o s.png a.png", defaultCompare(nil)},
		{"compare a.png b.png -o s.png --steps 1,4,8 -m bicubic --seed 7 --sampler DDPM -q", defaultCompare(func(o *compareOptions) {
			o.Images = []string{"a.png", "b.png"}
			o.Steps = []int{1, 4, 8}
			o.Model.Model, o.Model.Seed, o.Model.Sampler = "bicubic", 7, "ddpm"
			o.Quiet = true
		})},
		// A single step count is a list of one; the model's own Steps stays 0.
		{"compare --steps 4 -o s.png a.png", defaultCompare(func(o *compareOptions) { o.Steps = []int{4} })},
		{"compare --steps=0,1 -o s.png a.png", defaultCompare(func(o *compareOptions) { o.Steps = []int{0, 1} })},
		{"compare -s 2 --crop 50 --zoom 1 --at 10,20 --output out.jpg a.png", defaultCompare(func(o *compareOptions) {
			o.Model.Model, o.Model.Scale = "sr3-x4-real", 2
			o.Crop, o.Zoom, o.At, o.Output = 50, 1, &image.Point{10, 20}, "out.jpg"
		})},
		{"compare -m ckpt --backend go --eta 0.5 --strength 0.3 --tile 64 --max-pixels 1M -o s.png a.png", defaultCompare(func(o *compareOptions) {
			o.Model = modelOptions{Model: "ckpt", Backend: "go", Scale: 4, Seed: 1, Eta: 0.5, Strength: 0.3, Tile: 64}
			o.MaxPixels = 1_000_000
		})},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantParse(t, tt.line, tt.want) })
	}
}

func TestParseCompareUsageErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"compare -o s.png", "no HR_IMAGE given"},
		{"compare a.png", "no -o/--output given"},
		{"compare -o sheet a.png", "-o sheet: "},
		{"compare -o s.gif a.png", "-o s.gif: "},
		{"compare -o a.png a.png", "-o a.png would replace the HR image a.png"},
		{"compare --steps 1,x -o s.png a.png", `--steps "1,x": want a comma-separated list`},
		{"compare --steps 1,,4 -o s.png a.png", `--steps "1,,4"`},
		{"compare --steps -1 -o s.png a.png", `--steps "-1"`},
		{"compare --steps= -o s.png a.png", `--steps ""`},
		{"compare --at 5 -o s.png a.png", `--at "5": want X,Y`},
		{"compare --at -1,2 -o s.png a.png", `--at "-1,2"`},
		{"compare --at 1,2,3 -o s.png a.png", `--at "1,2,3"`},
		{"compare --zoom 0 -o s.png a.png", "--zoom 0: must be 1 to 16"},
		{"compare --zoom 17 -o s.png a.png", "--zoom 17"},
		{"compare --crop 90 -o s.png a.png", "--crop 90: must be a positive multiple of the scale 4"},
		{"compare --crop 0 -o s.png a.png", "--crop 0"},
		{"compare -s 8 --crop 4 -o s.png a.png", "--crop 4: must be a positive multiple of the scale 8"},
		{"compare -s 7 -o s.png a.png", "-s/--scale 7"},
		{"compare --sampler euler -o s.png a.png", `--sampler "euler"`},
		{"compare --max-pixels x -o s.png a.png", "--max-pixels"},
		{"compare --bogus -o s.png a.png", "unknown flag --bogus"},
		{"compare --steps 1099511627776 -o s.png a.png", "each 0 (the model's default) to 10000"},
		{"compare --steps 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1 -o s.png a.png", "at most 16 model panels"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantUsageError(t, tt.line, tt.want, "compare --help") })
	}
	wantHelp(t, "compare --help", "HR_IMAGE...")
	wantHelp(t, "compare -h", "comma-separated sampler STEPS")
	wantHelp(t, "--help", "compare")
}

// halfNoise is an RGB image, flat grey on its left half and random noise
// on its right half.
func halfNoise(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 2))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{120, 120, 120, 255}
			if x >= w/2 {
				c = color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
			}
			m.Set(x, y, c)
		}
	}
	return m
}

// TestCompareCropAt: the automatic crop is the textured half of an image
// that is half flat and half noise, whichever side the noise is on, and
// --at is rounded down to the scale and checked to fit.
func TestCompareCropAt(t *testing.T) {
	hr := fromRGBA(halfNoise(160, 96, 1))
	mirrored := image.NewRGBA(image.Rect(0, 0, 160, 96))
	src := halfNoise(160, 96, 1)
	for y := range 96 {
		for x := range 160 {
			mirrored.Set(159-x, y, src.At(x, y))
		}
	}
	o := &compareOptions{Crop: 48, Model: modelOptions{Scale: 4}}
	at, err := o.cropAt(hr)
	if err != nil || at.X < 80 || at.X%4 != 0 || at.Y%4 != 0 {
		t.Errorf("automatic crop of noise on the right at %v (%v), want x >= 80 on the grid of 4", at, err)
	}
	if again, _ := o.cropAt(hr); again != at {
		t.Errorf("automatic crop moved: %v then %v", at, again)
	}
	if at, err := o.cropAt(fromRGBA(mirrored)); err != nil || at.X+48 > 80 {
		t.Errorf("automatic crop of noise on the left at %v (%v), want x+48 <= 80", at, err)
	}
	o.At = &image.Point{11, 21}
	if at, err := o.cropAt(hr); err != nil || at != image.Pt(8, 20) {
		t.Errorf("--at 11,21 at x4 gave %v (%v), want 8,20", at, err)
	}
	o.At = &image.Point{117, 0} // 116 + 48 > 160
	if _, err := o.cropAt(hr); err == nil || !strings.Contains(err.Error(), "does not fit in the 160x96 image") {
		t.Errorf("--at 117,0 with a 48 crop of 160x96: error %v", err)
	}
	o.At, o.Crop = nil, 100
	if _, err := o.cropAt(hr); err == nil || !strings.Contains(err.Error(), "smaller than the 100x100 crop") {
		t.Errorf("a crop larger than the image: error %v", err)
	}
}

// fromRGBA converts an opaque test image to a data.Image.
func fromRGBA(m *image.RGBA) *data.Image {
	img := data.NewImage(m.Rect.Dx(), m.Rect.Dy(), 3)
	for y := range img.H {
		for x := range img.W {
			c := m.RGBAAt(x, y)
			img.Set(x, y, 0, float32(c.R)/127.5-1)
			img.Set(x, y, 1, float32(c.G)/127.5-1)
			img.Set(x, y, 2, float32(c.B)/127.5-1)
		}
	}
	return img
}

// sheetSize is the size of a compare sheet of rows x cols panels at the
// default crop and zoom (96 x 2: captions fit in the 192-pixel panels).
func sheetSize(rows, cols int) (w, h int) {
	const panel = compareCrop * compareZoom
	cellH := panel + data.SheetCaptionGap + 3*data.SheetLineHeight
	return cols*panel + (cols+1)*data.SheetMargin, rows*cellH + (rows+1)*data.SheetMargin
}

// cropOf finds an image's crop in compare's table: "NAME  96x96+X+Y".
func cropOf(t *testing.T, table, name string) image.Point {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `\s+\d+x\d+\+(\d+)\+(\d+)\s`).FindStringSubmatch(table)
	if m == nil {
		t.Fatalf("no crop of %s in the table:\n%s", name, table)
	}
	x, _ := strconv.Atoi(m[1])
	y, _ := strconv.Atoi(m[2])
	return image.Pt(x, y)
}

func TestCLICompare(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "hr", "one.png"), photo(130, 101, 1)) // modcrop to 128x100
	writePNG(t, filepath.Join(dir, "hr", "two.png"), halfNoise(240, 120, 3))
	writePNG(t, filepath.Join(dir, "hr", "small.png"), photo(80, 80, 2))
	os.WriteFile(filepath.Join(dir, "hr", "broken.png"), []byte("\x89PNG\r\n\x1a\nnope"), 0o644)

	// Two good images, one smaller than the crop, one broken: the sheet
	// has three rows with 80x80 crops (the small image's size, noted), the
	// broken one is listed, exit code 1. -m bicubic has no panel beside
	// bicubic's (it was repeated for each --steps).
	r := runCLI(t, dir, "compare", "-m", "bicubic", "--steps", "1,4", "-o", "out/sheet.png",
		"hr/one.png", "hr/small.png", "hr/two.png", "hr/broken.png")
	r.expectCode(t, 1)
	m, _ := readImage(t, filepath.Join(dir, "out", "sheet.png"))
	cellH := 80*compareZoom + data.SheetCaptionGap + 3*data.SheetLineHeight
	if h := 3*cellH + 4*data.SheetMargin; m.Bounds().Dy() != h {
		t.Errorf("sheet height %d, want 3 rows of 80x80 crops: %d", m.Bounds().Dy(), h)
	}
	for _, want := range []string{"hr/small.png (80x80, cut to 80x80 at x4) is smaller than --crop 96: every crop of the sheet is 80x80",
		"hr/broken.png", "1 of 4 inputs failed", "wrote out/sheet.png: 3 rows of 3 panels"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{"model bicubic, x4, seed 1; sheet out/sheet.png", "PSNR-Y", "SSIM-Y", "detail",
		"LR x4, nearest", "one.png", "small.png", "two.png"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "broken.png") || strings.Contains(r.stdout, "bicubic, 1 step") {
		t.Errorf("the table lists a failed image or repeats bicubic as a model panel:\n%s", r.stdout)
	}
	// The automatic crop of the half-noise image is in its noisy right half.
	if at := cropOf(t, r.stdout, "two.png"); at.X < 120 || at.X%4 != 0 || at.Y%4 != 0 {
		t.Errorf("two.png cropped at %v, want inside the noise (x >= 120) on the grid of 4", at)
	}

	// --at, -q and a JPEG sheet; bicubic, the model, is its one panel
	// between LR and HR. Rerunning replaces the sheet.
	for range 2 {
		r = runCLI(t, dir, "compare", "-m", "bicubic", "-s", "2", "--at", "13,3", "-q", "-o", "sheet.jpg", "hr/one.png")
		r.expectCode(t, 0)
		if r.stderr != "" {
			t.Errorf("compare -q wrote to stderr: %q", r.stderr)
		}
		w, h := sheetSize(1, 3)
		assertSize(t, filepath.Join(dir, "sheet.jpg"), w, h)
		if at := cropOf(t, r.stdout, "one.png"); at != image.Pt(12, 2) {
			t.Errorf("--at 13,3 at x2 cropped at %v, want 12,2", at)
		}
		if strings.Contains(r.stdout, "bicubic, default steps") {
			t.Errorf("the bicubic panel is repeated as a model panel:\n%s", r.stdout)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}

	// Files that are not there or are folders are usage errors.
	r = runCLI(t, dir, "compare", "-o", "s.png", "hr/missing.png")
	r.expectCode(t, 2)
	if !strings.Contains(r.stderr, "HR image hr/missing.png: no such file") {
		t.Errorf("stderr: %s", r.stderr)
	}
	r = runCLI(t, dir, "compare", "-o", "s.png", "hr")
	r.expectCode(t, 2)
	if !strings.Contains(r.stderr, "HR image hr: a folder") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

// TestCLICompareSet5 makes the sheet of the shared Set5 copy with bicubic:
// five rows of LR, bicubic (the model) and HR, and bicubic's scores on the
// whole images as eval gives them.
func TestCLICompareSet5(t *testing.T) {
	set5, err := filepath.Abs("../../../shared/data/bench/Set5")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(set5, "*.png"))
	if len(files) != 5 {
		t.Skipf("benchmark images not found in %s", set5)
	}
	dir := t.TempDir()
	r := runCLI(t, dir, append([]string{"compare", "-m", "bicubic", "-q", "-o", "set5.png"}, files...)...)
	r.expectCode(t, 0)
	w, h := sheetSize(5, 3)
	assertSize(t, filepath.Join(dir, "set5.png"), w, h)
	// baby.png: bicubic x4 on the whole image, as eval measures it.
	if !regexp.MustCompile(`baby\.png\s+\S+\s+bicubic\s+31\.7\d\s+0\.85`).MatchString(r.stdout) {
		t.Errorf("baby.png bicubic scores differ from eval's:\n%s", r.stdout)
	}
}

// TestCLIEvalDetail checks eval's detail column: in the table and its
// mean, in the JSON; below 1 for bicubic, about 0.5 at x4 on Set5.
func TestCLIEvalDetail(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "hr", "one.png"), halfNoise(64, 48, 5))
	writePNG(t, filepath.Join(dir, "hr", "two.png"), photo(40, 32, 3))
	r := runCLI(t, dir, "eval", "-m", "bicubic", "-q", "hr")
	r.expectCode(t, 0)
	header := regexp.MustCompile(`(?m)^image\s+size\s+PSNR-Y\s+SSIM-Y\s+detail\s+consistency\s+seconds$`)
	if !header.MatchString(r.stdout) {
		t.Errorf("eval table header lacks the detail column:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^mean of 2\s+\d+\.\d\d\s+0\.\d{4}\s+0\.\d{3}\s`).MatchString(r.stdout) {
		t.Errorf("eval mean line lacks the detail:\n%s", r.stdout)
	}
	r = runCLI(t, dir, "eval", "-m", "bicubic", "-q", "--json", "hr")
	r.expectCode(t, 0)
	var rep struct {
		Folders []struct {
			Images []struct {
				Detail *float64 `json:"detail"`
			} `json:"images"`
			Mean struct {
				Detail float64 `json:"detail"`
			} `json:"mean"`
		} `json:"folders"`
		Mean struct {
			Detail float64 `json:"detail"`
		} `json:"mean"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("eval --json does not parse: %v\n%s", err, r.stdout)
	}
	sum := 0.0
	for i, im := range rep.Folders[0].Images {
		if im.Detail == nil || *im.Detail <= 0 || *im.Detail >= 1 {
			t.Errorf("image %d: bicubic detail %v, want in (0, 1)", i, im.Detail)
		} else {
			sum += *im.Detail
		}
	}
	if m := rep.Folders[0].Mean.Detail; m != sum/2 || rep.Mean.Detail != m {
		t.Errorf("mean detail %v (all folders %v), want %v", m, rep.Mean.Detail, sum/2)
	}

	set5, err := filepath.Abs("../../../shared/data/bench/Set5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(set5); err != nil {
		t.Skipf("benchmark images not found: %v", err)
	}
	r = runCLI(t, dir, "eval", "-m", "bicubic", "-q", "--json", set5)
	r.expectCode(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if d := rep.Mean.Detail; d < 0.45 || d > 0.65 {
		t.Errorf("Set5 x4 bicubic mean detail %.3f, want about 0.5", d)
	}
	t.Logf("Set5 x4 bicubic mean detail %.4f", rep.Mean.Detail)
}
