package main

import (
	"image"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
)

// defaultGenerate is generate's options for `generate -m ckpt -o out`,
// changed by mod.
func defaultGenerate(mod func(o *generateOptions)) *generateOptions {
	o := &generateOptions{Model: "ckpt", Output: "out", N: 16, Seed: 1}
	if mod != nil {
		mod(o)
	}
	return o
}

func TestParseGenerate(t *testing.T) {
	two, half := 2.0, 0.5
	zero := 0.0
	tests := []struct {
		line string
		want *generateOptions
	}{
		{"generate -m ckpt -o out", defaultGenerate(nil)},
		// -m defaults to the built-in base model; --sr none is kept as said.
		{"generate -o out --sr none", defaultGenerate(func(o *generateOptions) { o.Model, o.SR = pretrained.DefaultBase, srNone })},
		{"generate -o out -s 4", defaultGenerate(func(o *generateOptions) { o.Model, o.Scale = pretrained.DefaultBase, 4 })},
		{"generate --model ckpt --output out -n 4 --seed 7 -q", defaultGenerate(func(o *generateOptions) {
			o.N, o.Seed, o.Quiet = 4, 7, true
		})},
		// --class repeats and splits at commas, in order.
		{"generate -m ckpt -o out --class cat --class Dog,2 --class=flags", defaultGenerate(func(o *generateOptions) {
			o.Classes = []string{"cat", "Dog", "2", "flags"}
		})},
		{"generate -m ckpt -o out --guidance 2 --steps 20 --sampler DDPM --eta 0.5 --size 32", defaultGenerate(func(o *generateOptions) {
			o.Guidance, o.Steps, o.Sampler, o.Eta, o.Size = &two, 20, "ddpm", 0.5, 32
		})},
		{"generate -m ckpt -o out --guidance 0", defaultGenerate(func(o *generateOptions) { o.Guidance = &zero })},
		{"generate -m ckpt -o out --sr sr3-x2+sr3-x2 -s 8 --cond-noise 0.5 --backend go", defaultGenerate(func(o *generateOptions) {
			o.SR, o.Scale, o.CondNoise, o.Backend = "sr3-x2+sr3-x2", 8, &half, "go"
		})},
		{"generate -m ckpt -o out --nn emoji --zoom 3 --count 9", defaultGenerate(func(o *generateOptions) {
			o.NN, o.Zoom, o.N = "emoji", 3, 9
		})},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantParse(t, tt.line, tt.want) })
	}
	wantHelp(t, "generate --help", "srcascade generate [options] -o OUT_DIR")
	wantHelp(t, "generate --help", `(default: "`+pretrained.DefaultBase+`")`)
	wantHelp(t, "generate --help", "--class NAME")
	wantHelp(t, "--help", "generate")
}

func TestParseGenerateUsageErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"generate -o out --model=", "-m/--model is empty: give a base model, " + pretrained.DefaultBase},
		{"generate -m ckpt", "no -o/--output given"},
		{"generate -m ckpt -o out -n 0", "-n 0: must be 1 to 10000"},
		{"generate -m ckpt -o out -n -3", "-n -3"},
		{"generate -m ckpt -o out -n 10001", "-n 10001"},
		{"generate -m ckpt -o out extra", `unexpected argument "extra"`},
		{"generate -m ckpt -o out --class a,,b", "--class: empty class name"},
		{"generate -m ckpt -o out --guidance -1", "--guidance -1: must be a number 0 or more"},
		{"generate -m ckpt -o out --guidance x", `--guidance "x": not a number`},
		{"generate -m ckpt -o out --guidance Inf", "--guidance \"Inf\": not a finite number"},
		{"generate -m ckpt -o out --steps -1", "--steps -1"},
		{"generate -m ckpt -o out --sampler euler", `--sampler "euler": must be ddim or ddpm`},
		{"generate -m ckpt -o out --eta -0.5", "--eta -0.5"},
		{"generate -m ckpt -o out --size -16", "--size -16"},
		{"generate -m ckpt -o out --size 4096", "--size 4096"},
		{"generate -m ckpt -o out --sr bicubic -s 5", "-s/--scale 5"},
		{"generate -m ckpt -o out -s 2 --sr none", "-s/--scale 2: --sr none keeps the base samples"},
		{"generate -m ckpt -o out --sr sr3-x2 --cond-noise 2", "--cond-noise 2: must be between 0 and 1"},
		{"generate -m ckpt -o out --sr sr3-x2 --cond-noise abc", `--cond-noise "abc": not a number`},
		{"generate -m ckpt -o out --cond-noise 0.1 --sr none", "--cond-noise: --sr none keeps the base samples"},
		{"generate -m ckpt -o out --zoom 17", "--zoom 17"},
		{"generate -m ckpt -o out --backend tpu", `--backend "tpu"`},
		{"generate -m ckpt -o out --bogus", "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantUsageError(t, tt.line, tt.want, "generate --help") })
	}
}

func TestGenerateClassLookup(t *testing.T) {
	names := []string{"Cat", "dog", "Animals & Nature", "a-b", "A b"}
	for _, tc := range []struct {
		arg  string
		want int
		err  string
	}{
		{"Cat", 0, ""}, {"cat", 0, ""}, {"DOG", 1, ""}, {"2", 2, ""},
		{"animals-nature", 2, ""}, {"Animals & Nature", 2, ""},
		{"a-b", 3, ""}, // the exact name wins over the slug of "A b"
		{"A B", 4, ""}, // the name ignoring case
		{"5", 0, "no class 5 (indices 0 to 4)"},
		{"-1", 0, "no class -1"},
		{"bird", 0, "no such class; the model's classes: 0 Cat, 1 dog, 2 Animals & Nature, 3 a-b, 4 A b"},
	} {
		got, err := findClass(names, tc.arg)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("findClass(%q) = %d, %v; want %d", tc.arg, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("findClass(%q) error %v, want one mentioning %q", tc.arg, err, tc.err)
		}
	}
	if _, err := findClass([]string{"A  B", "a&b"}, "a-b"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("a slug of two classes: error %v, want ambiguous", err)
	}

	o := &generateOptions{N: 5, Model: "m"}
	labels, err := o.labels([]string{"a", "b", "c"})
	if err != nil || !slices.Equal(labels, []int32{0, 1, 2, 0, 1}) {
		t.Errorf("default labels = %v, %v; want every class in turn", labels, err)
	}
	o.Classes = []string{"c", "0"}
	if labels, err = o.labels([]string{"a", "b", "c"}); err != nil || !slices.Equal(labels, []int32{2, 0, 2, 0, 2}) {
		t.Errorf("labels of --class c,0 = %v, %v; want [2 0 2 0 2]", labels, err)
	}
	if _, err = o.labels(nil); err == nil || !strings.Contains(err.Error(), "is unconditional") {
		t.Errorf("--class with an unconditional model: error %v", err)
	}
	o.Classes = nil
	if labels, err = o.labels(nil); err != nil || labels != nil {
		t.Errorf("unconditional labels = %v, %v; want none", labels, err)
	}
}

func TestGenerateNearestTraining(t *testing.T) {
	// A 32x24 image with alpha becomes a 16x16 RGB square over white.
	img := data.NewImage(32, 24, 3)
	for i := range img.Pix {
		img.Pix[i] = float32(i%7)/7 - 0.5
	}
	alpha := data.NewImage(32, 24, 1)
	for i := range alpha.Pix {
		alpha.Pix[i] = -1 // transparent
	}
	p := nnPrepare(&data.Decoded{Image: img, Alpha: alpha, Depth: 8}, 16)
	if p.W != 16 || p.H != 16 || p.C != 3 {
		t.Fatalf("prepared %s, want 16x16x3", p)
	}
	for _, v := range p.Pix {
		if v != 1 {
			t.Fatalf("a transparent image should be white, got %g", v)
		}
	}
	if small := nnPrepare(&data.Decoded{Image: data.NewImage(32, 15, 3), Depth: 8}, 16); small != nil {
		t.Errorf("an image smaller than the size gave %s, want nil (skipped, as training does)", small)
	}
	grey := nnPrepare(&data.Decoded{Image: data.NewImage(16, 16, 1), Depth: 8}, 16)
	a, b := data.NewImage(16, 16, 3), data.NewImage(16, 16, 3)
	for i := range b.Pix {
		b.Pix[i] = 1
	}
	set := []nnImage{{path: "white.png", img: p}, {path: "grey.png", img: grey}, {path: "x/other.png", img: b}}
	m := nearestTraining(a, set)
	if m == nil || m.img.path != "grey.png" || m.dist > 0.003 {
		t.Errorf("nearest of mid-grey = %+v, want grey.png at ~0 (8-bit rounding)", m)
	}
	m = nearestTraining(b, set[:1])
	if m == nil || m.dist != 0 {
		t.Errorf("white against white: %+v", m)
	}
	m = nearestTraining(a, set[2:])
	if m == nil || m.dist != 0.5 {
		t.Errorf("mid-grey against white: distance %v, want 0.5 (RMS in [0,1] units)", m)
	}
}

// saveTinyBase writes a small, freshly initialised base model folder with
// class names, as `srcascade train --stage base` would.
func saveTinyBase(t *testing.T, dir string, names []string) {
	t.Helper()
	cfg := sr3.DefaultBaseConfig(16, len(names))
	cfg.BaseChannels, cfg.ChannelMults, cfg.ResBlocks, cfg.AttnLevels, cfg.GroupNormGroups = 8, []int{1, 2}, 1, nil, 4
	saveNewModel(t, dir, cfg)
	if err := pretrained.WriteClasses(dir, names); err != nil {
		t.Fatal(err)
	}
}

// TestCLIGenerate runs the binary on a tiny saved base model: images,
// sheet, upscaling, nearest neighbours, determinism and usage errors.
func TestCLIGenerate(t *testing.T) {
	dir := t.TempDir()
	saveTinyBase(t, filepath.Join(dir, "base"), []string{"Cat", "dog", "Animals & Nature"})

	// Every class in turn, no upscaling: 16x16 images.
	r := runCLI(t, dir, "generate", "-m", "base", "-n", "4", "--steps", "2", "-o", "a")
	r.expectCode(t, 0)
	names := []string{"000_cat.png", "001_dog.png", "002_animals-nature.png", "003_cat.png"}
	for _, n := range names {
		assertSize(t, filepath.Join(dir, "a", n), 16, 16)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "a")); len(entries) != 5 {
		t.Errorf("a/ holds %d entries, want 4 images and sheet.png", len(entries))
	}
	// A row per round of the 3 classes: 2 rows of 3 columns.
	assertSheet(t, filepath.Join(dir, "a", "sheet.png"), 2, 3, 64)
	if !strings.Contains(r.stderr, "3 classes in turn, 16x16 (the default size), 2 ddim steps, guidance 1") || !strings.Contains(r.stderr, "wrote 4 images of 16x16") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	// A training folder holding a copy of sample 1 (dog) and another image.
	copied, err := os.ReadFile(filepath.Join(dir, "a", "001_dog.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "train", "cat"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train", "cat", "copy.png"), copied, 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(dir, "train", "dog", "photo.png"), photo(32, 40, 5))

	// Classes cat, dog in turn: samples 0 and 1 are those of the first run
	// (same seed, labels and settings), upscaled x2 by bicubic.
	r = runCLI(t, dir, "generate", "-m", "base", "-n", "4", "--steps", "2", "--class", "cat,DOG",
		"--sr", "bicubic", "--nn", "train", "-o", "b")
	r.expectCode(t, 0)
	for _, n := range []string{"000_cat.png", "001_dog.png", "002_cat.png", "003_dog.png"} {
		assertSize(t, filepath.Join(dir, "b", n), 32, 32)
	}
	assertSheet(t, filepath.Join(dir, "b", "sheet.png"), 2, 4, 64)
	rows := map[string][]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) == 4 && strings.HasSuffix(f[0], ".png") {
			rows[f[0]] = f
		}
	}
	if len(rows) != 4 || !strings.Contains(r.stdout, "2 images; RMS pixel distance at 16x16") {
		t.Fatalf("stdout should hold a table of 4 samples:\n%s", r.stdout)
	}
	if row := rows["001_dog.png"]; row[2] != "cat/copy.png" || parseDist(t, row[3]) > 0.005 {
		t.Errorf("sample 1's nearest %v, want its copy cat/copy.png at ~0", row)
	}
	if d := parseDist(t, rows["000_cat.png"][3]); d < 0.01 {
		t.Errorf("sample 0 is at %g of a training image, want a clear distance", d)
	}
	if !regexp.MustCompile(`mean distance 0\.\d{4} over 4 samples; closest: 001_dog\.png at 0\.00\d\d of cat/copy\.png`).MatchString(r.stdout) {
		t.Errorf("stdout should end with the mean distance and the closest sample (001_dog.png):\n%s", r.stdout)
	}

	// The same seed gives the same images (up to the rounding of a
	// different batch's arithmetic); another seed others.
	runCLI(t, dir, "generate", "-q", "-m", "base", "-n", "2", "--steps", "2", "-o", "c").expectCode(t, 0)
	want := filepath.Join(dir, "a", "001_dog.png")
	if d := maxDiff8(t, filepath.Join(dir, "c", "001_dog.png"), want); d > 1 {
		t.Errorf("-n 2 gave another sample 1 than -n 4 with the same seed (max difference %d levels)", d)
	}
	runCLI(t, dir, "generate", "-q", "-m", "base", "-n", "2", "--steps", "2", "--seed", "2", "-o", "d").expectCode(t, 0)
	if d := maxDiff8(t, filepath.Join(dir, "d", "001_dog.png"), want); d < 20 {
		t.Errorf("seeds 1 and 2 gave nearly the same sample 1 (max difference %d levels)", d)
	}

	// The size training recorded (train.json) is the default; --size wins.
	info := `{"step": 10, "options": {"batch": 4, "patch": 8}}`
	if err := os.WriteFile(filepath.Join(dir, "base", pretrained.TrainInfoFile), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, dir, "generate", "-m", "base", "-n", "1", "--steps", "2", "--sr", "bicubic", "-s", "4", "-o", "e")
	r.expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "e", "000_cat.png"), 32, 32)
	if !strings.Contains(r.stderr, "8x8 (the trained size)") {
		t.Errorf("stderr should give the trained size:\n%s", r.stderr)
	}
	runCLI(t, dir, "generate", "-q", "-m", "base", "-n", "1", "--steps", "2", "--size", "12", "-o", "f").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "f", "000_cat.png"), 12, 12)

	// Usage errors: exit code 2, nothing written.
	saveTinySR3(t, filepath.Join(dir, "sr"), false)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-m", "sr3-x4"}, "model sr3-x4 is a super-resolution model; generate needs a base model"},
		{[]string{"-m", "sr"}, "is a x4 super-resolution model; generate needs a base model"},
		{[]string{"-m", "nope"}, `model "nope": not a model name or checkpoint folder`},
		{[]string{"-m", "base", "--class", "bird"}, `--class "bird": no such class; the model's classes: 0 Cat, 1 dog, 2 Animals & Nature`},
		{[]string{"-m", "base", "--class", "7"}, "no class 7 (indices 0 to 2)"},
		{[]string{"-m", "base", "--sr", "base"}, "--sr: checkpoint base: a base model generates images from noise"},
		{[]string{"-m", "base", "--sr", "sr3-x2+" + pretrained.DefaultBase}, "(" + pretrained.DefaultBase + "): model " + pretrained.DefaultBase + ": a base model generates images"},
		{[]string{"-m", "base", "-s", "4"}, "base is a checkpoint folder, which has no cascade; give --sr MODEL"},
		{[]string{"-m", "base", "--sr", "sr", "--cond-noise", "0.1"}, "--cond-noise 0.1"},
		{[]string{"-m", "base", "--sr", "bicubic+bicubic", "-s", "2"}, "-s/--scale 2: model bicubic+bicubic upscales by x4, x6"},
		{[]string{"-m", "base", "--size", "15"}, "--size 15: the base model needs a multiple of 2"},
		{[]string{"-m", "base", "--nn", "missing"}, "--nn missing: no such folder"},
		{[]string{"-m", "base", "-o", "base/config.json"}, "exists and is not a folder"},
	} {
		args := append([]string{"generate", "--steps", "2"}, tc.args...)
		if !slices.Contains(tc.args, "-o") {
			args = append(args, "-o", "bad")
		}
		r := runCLI(t, dir, args...)
		r.expectCode(t, exitUsage)
		if !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "srcascade generate --help") {
			t.Errorf("%v: stderr %q should mention %q and the help", tc.args, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
		t.Error("a usage error wrote the output folder")
	}
}

// assertSheet checks that path is a contact sheet of rows x cols panels of
// at least panel pixels (captions make cells wider and taller) and returns
// its size.
func assertSheet(t *testing.T, path string, rows, cols, panel int) image.Point {
	t.Helper()
	m, _ := readImage(t, path)
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	minW := cols*panel + (cols+1)*data.SheetMargin
	minH := rows*(panel+data.SheetCaptionGap+2*data.SheetLineHeight) + (rows+1)*data.SheetMargin
	if w < minW || h != minH {
		t.Errorf("sheet %s is %dx%d, want %d rows of %d panels: width >= %d, height %d", path, w, h, rows, cols, minW, minH)
	}
	return image.Pt(w, h)
}

// maxDiff8 is the largest difference of two same-size 8-bit images' samples.
func maxDiff8(t *testing.T, a, b string) int {
	t.Helper()
	ma, _ := readImage(t, a)
	mb, _ := readImage(t, b)
	if ma.Bounds() != mb.Bounds() {
		t.Fatalf("%s is %v, %s is %v", a, ma.Bounds(), b, mb.Bounds())
	}
	d := 0
	for y := ma.Bounds().Min.Y; y < ma.Bounds().Max.Y; y++ {
		for x := ma.Bounds().Min.X; x < ma.Bounds().Max.X; x++ {
			r1, g1, b1, _ := ma.At(x, y).RGBA()
			r2, g2, b2, _ := mb.At(x, y).RGBA()
			for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
				d = max(d, int(p[0]>>8)-int(p[1]>>8), int(p[1]>>8)-int(p[0]>>8))
			}
		}
	}
	return d
}

// parseDist reads a distance of the nearest-neighbour table.
func parseDist(t *testing.T, s string) float64 {
	t.Helper()
	if !regexp.MustCompile(`^\d+\.\d{4}$`).MatchString(s) {
		t.Fatalf("distance %q is not a number with 4 decimals", s)
	}
	d, _ := strconv.ParseFloat(s, 64)
	return d
}

// TestCLIGenerateBuiltin runs the command line on the built-in
// cascade (no -m, no --sr): 64x64 emoji of the asked class, found by its
// display name; --sr none keeps the 16x16 base samples.
func TestCLIGenerateBuiltin(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, dir, "generate", "-n", "2", "--class", "Animals & Nature", "--seed", "1", "--steps", "4", "-o", "out")
	r.expectCode(t, 0)
	for _, n := range []string{"000_animals-nature.png", "001_animals-nature.png"} {
		assertSize(t, filepath.Join(dir, "out", n), 64, 64)
	}
	for _, want := range []string{"base model " + pretrained.DefaultBase + ": 1 class of 9, 16x16 (the trained size)",
		"super-resolution emoji-x2+emoji-x2: x4 to 64x64"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr should say %q:\n%s", want, r.stderr)
		}
	}
	runCLI(t, dir, "generate", "-q", "-n", "1", "--class", "flags", "--steps", "4", "--sr", "none", "-o", "small").expectCode(t, 0)
	assertSize(t, filepath.Join(dir, "small", "000_flags.png"), 16, 16)
}
