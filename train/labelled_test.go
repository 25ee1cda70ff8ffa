package train

import (
	"context"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// flatRGBA is a w x h image of one colour.
func flatRGBA(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// loadLabelledT loads a labelled dataset or fails the test.
func loadLabelledT(t testing.TB, opt LabelledOptions, log *logRecorder) *LabelledDataset {
	t.Helper()
	var f func(string)
	if log != nil {
		f = log.log
	}
	d, err := LoadLabelled(context.Background(), opt, f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// item8 is the 8-bit form of an image as LoadLabelled stores it.
func item8(d *LabelledDataset, name string) *rgb8 {
	for _, it := range d.items {
		if it.name == name {
			return it.img
		}
	}
	return nil
}

func TestLoadLabelledClassesAndImages(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "red/a.png", flatRGBA(16, 16, color.RGBA{200, 10, 10, 255}))
	writePNG(t, dir, "red/deeper/b.png", randomRGBA(40, 24, 3)) // centre-cropped to 24x24, shrunk to 8
	writeFile(t, dir, "red/bad.png", []byte("not a PNG"))
	writePNG(t, dir, "red/small.png", randomRGBA(6, 20, 1))
	grey := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range grey.Pix {
		grey.Pix[i] = 77
	}
	writePNG(t, dir, "blue/grey.png", grey)
	writePNG(t, dir, "blue/clear.png", flatRGBA(8, 8, color.RGBA{0, 0, 0, 0})) // fully transparent: white
	writePNG(t, dir, "loose.png", flatRGBA(8, 8, color.RGBA{1, 2, 3, 255}))
	writePNG(t, dir, ".hidden/x.png", flatRGBA(8, 8, color.RGBA{1, 2, 3, 255}))
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "notes/readme.txt", []byte("not an image"))

	classes, err := ScanClasses(dir)
	if err != nil || !slices.Equal(classes, []string{"blue", "red"}) {
		t.Fatalf("ScanClasses: %v %v, want [blue red]", classes, err)
	}
	var log logRecorder
	d := loadLabelledT(t, LabelledOptions{Dir: dir, Size: 8, Batch: 4, Workers: 2}, &log)
	t.Logf("log:\n%s", log.String())
	if !slices.Equal(d.Classes(), []string{"blue", "red"}) || !slices.Equal(d.Counts(), []int{2, 2}) || d.Len() != 4 || d.skipped != 2 {
		t.Fatalf("classes %v counts %v len %d skipped %d", d.Classes(), d.Counts(), d.Len(), d.skipped)
	}
	for _, want := range [][]string{{"skipping", "bad.png"}, {"skipping", "red/small.png", "6x20 is smaller than the 8x8"}, {"loose.png", "outside the class folders"}} {
		if len(log.grep(want...)) != 1 {
			t.Errorf("no log line with %q", want)
		}
	}
	if len(log.grep("x.png")) != 0 || len(log.grep("readme")) != 0 {
		t.Errorf("hidden or non-image file reported:\n%s", log.String())
	}
	for _, it := range d.items {
		if want := int32(slices.Index(d.Classes(), strings.Split(it.name, "/")[0])); it.label != want {
			t.Errorf("%s: label %d, want %d", it.name, it.label, want)
		}
	}

	// Flat images stay exact; grey is replicated; transparent is white.
	check := func(name string, r, g, b uint8) {
		t.Helper()
		m := item8(d, name)
		if m == nil || m.W != 8 || m.H != 8 {
			t.Fatalf("%s: %v", name, m)
		}
		for i := 0; i < len(m.Pix); i += 3 {
			if m.Pix[i] != r || m.Pix[i+1] != g || m.Pix[i+2] != b {
				t.Fatalf("%s: pixel %d is %v, want %d %d %d", name, i/3, m.Pix[i:i+3], r, g, b)
			}
		}
	}
	check("blue/grey.png", 77, 77, 77)
	check("blue/clear.png", 255, 255, 255)
	// 16x16 flat shrinks to 8x8 flat (bicubic weights sum to 1).
	check("red/a.png", 200, 10, 10)

	// The 40x24 image is its centre 24x24 square shrunk by MATLAB bicubic.
	src, err := data.DecodeFile(filepath.Join(dir, "red/deeper/b.png"), data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sq, err := data.Crop(src.Image, 8, 0, 24, 24)
	if err != nil {
		t.Fatal(err)
	}
	want := toRGB8(data.Resize(sq, 8, 8))
	if got := item8(d, "red/deeper/b.png"); got == nil || !slices.Equal(got.Pix, want.Pix) {
		t.Error("red/deeper/b.png is not the bicubic shrink of its centre square")
	}
}

func TestLabelledBatches(t *testing.T) {
	dir := t.TempDir()
	// An asymmetric image per class, so flips show.
	writePNG(t, dir, "a/1.png", randomRGBA(8, 8, 1))
	writePNG(t, dir, "b/1.png", randomRGBA(8, 8, 2))
	writePNG(t, dir, "b/2.png", randomRGBA(8, 8, 3))
	d := loadLabelledT(t, LabelledOptions{Dir: dir, Size: 8, Batch: 16, Seed: 4, Workers: 1}, nil)
	b, err := d.Batch(0)
	if err != nil {
		t.Fatal(err)
	}
	if b.N != 16 || b.HRSize != 8 || b.LRSize != 0 || b.LR != nil || b.C != 3 || len(b.HR) != 16*8*8*3 || len(b.Labels) != 16 {
		t.Fatalf("batch geometry N %d HR %d LR %d C %d, %d values, %d labels", b.N, b.HRSize, b.LRSize, b.C, len(b.HR), len(b.Labels))
	}
	flipped, seen := 0, map[string]bool{}
	for k := range b.N {
		item := hrItem(b, k)
		found := false
		for _, it := range d.items {
			switch whichSymmetry(it.img, item) {
			case int(Identity):
			case int(FlipX):
				flipped++
			default:
				continue
			}
			found = true
			seen[it.name] = true
			if b.Labels[k] != it.label {
				t.Errorf("item %d is %s (label %d) but labelled %d", k, it.name, it.label, b.Labels[k])
			}
		}
		if !found {
			t.Errorf("item %d is no training image, nor its mirror", k)
		}
	}
	if flipped == 0 || flipped == b.N || len(seen) != 3 {
		t.Errorf("%d of %d items mirrored, %d images seen; want some of each", flipped, b.N, len(seen))
	}

	// NoFlip: never mirrored.
	d2 := loadLabelledT(t, LabelledOptions{Dir: dir, Size: 8, Batch: 16, Seed: 4, NoFlip: true, Workers: 1}, nil)
	b2, _ := d2.Batch(0)
	for k := range b2.N {
		ok := false
		for _, it := range d2.items {
			ok = ok || whichSymmetry(it.img, hrItem(b2, k)) == int(Identity)
		}
		if !ok {
			t.Errorf("NoFlip: item %d is not an unmirrored training image", k)
		}
	}

	// The stream is the same for any number of workers and from any start.
	read := func(workers int, start int64, n int) []*Batch {
		dd := loadLabelledT(t, LabelledOptions{Dir: dir, Size: 8, Batch: 3, Seed: 9, Workers: workers, StartBatch: start}, nil)
		src := dd.Stream(context.Background())
		defer src.Close()
		if !slices.Equal(src.ClassNames(), []string{"a", "b"}) {
			t.Errorf("ClassNames %v", src.ClassNames())
		}
		var out []*Batch
		for range n {
			b, err := src.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		if src.Index() != start+int64(n) {
			t.Errorf("Index %d, want %d", src.Index(), start+int64(n))
		}
		return out
	}
	one, three, late := read(1, 0, 6), read(3, 0, 6), read(2, 4, 2)
	for i := range one {
		if !slices.Equal(one[i].HR, three[i].HR) || !slices.Equal(one[i].Labels, three[i].Labels) {
			t.Errorf("batch %d differs between 1 and 3 workers", i)
		}
	}
	for i := range late {
		if !slices.Equal(late[i].HR, one[4+i].HR) || !slices.Equal(late[i].Labels, one[4+i].Labels) {
			t.Errorf("batch %d differs when the stream starts at 4", 4+i)
		}
	}
}

func TestLabelledUnlabelledFolder(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "x.png", randomRGBA(8, 8, 1))
	writePNG(t, dir, "sub.png", randomRGBA(12, 12, 2))
	if c, err := ScanClasses(dir); err != nil || len(c) != 0 {
		t.Fatalf("ScanClasses of a flat folder: %v %v", c, err)
	}
	d := loadLabelledT(t, LabelledOptions{Dir: dir, Size: 8, Batch: 2}, nil)
	if d.Classes() != nil || d.Len() != 2 {
		t.Fatalf("classes %v, %d images", d.Classes(), d.Len())
	}
	b, _ := d.Batch(0)
	if b.Labels != nil {
		t.Errorf("unlabelled batch has labels %v", b.Labels)
	}
}

func TestLabelledErrors(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "good/a.png", randomRGBA(8, 8, 1))
	writeFile(t, dir, "broken/a.png", []byte("garbage"))
	_, err := LoadLabelled(context.Background(), LabelledOptions{Dir: dir, Size: 8, Batch: 2}, nil)
	if err == nil || !strings.Contains(err.Error(), "broken") || !strings.Contains(err.Error(), "no usable image") || !strings.Contains(err.Error(), "a.png") {
		t.Errorf("a class of corrupt files: %v", err)
	}
	_, err = LoadLabelled(context.Background(), LabelledOptions{Dir: filepath.Join(dir, "good"), Size: 8, Batch: 2, MemoryBudget: 100}, nil)
	if err == nil || !strings.Contains(err.Error(), "memory budget") {
		t.Errorf("over budget: %v", err)
	}
	if _, err := LoadLabelled(context.Background(), LabelledOptions{Dir: t.TempDir(), Size: 8, Batch: 2}, nil); err == nil || !strings.Contains(err.Error(), "no image files") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := LoadLabelled(context.Background(), LabelledOptions{Dir: filepath.Join(dir, "nope"), Size: 8, Batch: 2}, nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing folder: %v", err)
	}
	for _, o := range []LabelledOptions{{Size: 8, Batch: 2}, {Dir: dir, Batch: 2}, {Dir: dir, Size: 8}} {
		if _, err := LoadLabelled(context.Background(), o, nil); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
}

func TestLabelledNearest(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a/1.png", randomRGBA(8, 8, 1))
	writePNG(t, dir, "b/1.png", randomRGBA(8, 8, 2))
	d := loadLabelledT(t, LabelledOptions{Dir: dir, Size: 8, Batch: 2}, nil)
	img := d.items[1].img.toImage()
	if got, err := d.Nearest(img); err != nil || got != 0 {
		t.Errorf("a training image: %v %v, want 0", got, err)
	}
	// Its mirror is at distance 0 with flips, not without.
	mirror := data.NewImage(8, 8, 3)
	d.items[1].img.cropFloat(mirror.Pix, 0, 0, 8, FlipX)
	if got, _ := d.Nearest(mirror); got != 0 {
		t.Errorf("a mirrored training image: %v, want 0", got)
	}
	d.opt.NoFlip = true
	if got, _ := d.Nearest(mirror); got < 10 {
		t.Errorf("a mirrored training image without flips: %v, want far", got)
	}
	// A uniform offset of 10 levels from the closer image.
	for i := range img.Pix {
		img.Pix[i] = float32(math.Max(-1, math.Min(1, float64(img.Pix[i])+10/127.5)))
	}
	if got, _ := d.Nearest(img); got <= 0 || got > 10.01 {
		t.Errorf("offset image: %v, want in (0, 10]", got)
	}
	if _, err := d.Nearest(data.NewImage(4, 4, 3)); err == nil {
		t.Error("a 4x4 image: no error")
	}
}

func TestScanClassesNames(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "Cats/a.png", randomRGBA(8, 8, 1))
	writePNG(t, dir, "cats/a.png", randomRGBA(8, 8, 2))
	if _, err := ScanClasses(dir); err == nil || !strings.Contains(err.Error(), "differ only in case") {
		t.Errorf("classes differing in case: %v", err)
	}
	dir = t.TempDir()
	writePNG(t, dir, "bad\tname/a.png", randomRGBA(8, 8, 1))
	if _, err := ScanClasses(dir); err == nil || !strings.Contains(err.Error(), "control character") {
		t.Errorf("a control character: %v", err)
	}
}

// TestWriteClassNamesKeepsDisplayNames checks that a checkpoint's
// classes.json with display names of the class folders ("Animals &
// Nature" for animals-nature) survives the next checkpoint of a resumed
// run, and that names of other classes are replaced.
func TestWriteClassNamesKeepsDisplayNames(t *testing.T) {
	dir := t.TempDir()
	folders := []string{"animals-nature", "flags"}
	display := []string{"Animals & Nature", "Flags"}
	if err := writeClassNames(dir, display); err != nil {
		t.Fatal(err)
	}
	if err := writeClassNames(dir, folders); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadClassNames(dir); err != nil || !slices.Equal(got, display) {
		t.Errorf("after a resumed checkpoint: %q, %v; want the display names %q kept", got, err, display)
	}
	other := []string{"cats", "dogs"}
	if err := writeClassNames(dir, other); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadClassNames(dir); err != nil || !slices.Equal(got, other) {
		t.Errorf("other classes: %q, %v; want %q written", got, err, other)
	}
}

func TestClassSlug(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"smileys-emotion", "smileys-emotion"},
		{"Smileys & Emotion", "smileys-emotion"},
		{"Animals & Nature", "animals-nature"},
		{"  Flags!  ", "flags"},
		{"café_au lait", "café-au-lait"},
		{"???", "class4"},
	} {
		if got := ClassSlug(tc.name, 4); got != tc.want {
			t.Errorf("ClassSlug(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
