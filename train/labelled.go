package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"unicode"

	"github.com/srcascade/srcascade/data"
)

// LabelledOptions says where a base stage's training images come from and
// how its batches are made (see LoadLabelled).
type LabelledOptions struct {
	// Dir holds the images: one sub-folder per class, each searched
	// recursively; the class names are the sorted names of the sub-folders
	// that hold image files (ScanClasses), label i being class i. A folder
	// without such sub-folders is one unlabelled set, for an unconditional
	// model. Hidden files and folders and non-image files are ignored;
	// images directly in Dir beside class folders are skipped (logged).
	Dir string
	// Size is the side of the square images the model learns: each image
	// is centre-cropped to a square and shrunk to Size x Size by MATLAB
	// bicubic (data.Resize, antialiased), then rounded to 8 bits. Images
	// smaller than Size are skipped (logged).
	Size int
	// Batch is the number of images per batch.
	Batch int
	// Seed fixes the stream of batches: batch i depends only on the loaded
	// images, the options and (Seed, i), whatever Workers is.
	Seed int64
	// StartBatch is the index of the first batch Next returns; a resumed
	// run passes its step so it continues the same stream.
	StartBatch int64
	// NoFlip turns off the random horizontal flips (on by default: each
	// item is mirrored left-right with probability 1/2).
	NoFlip bool
	// MemoryBudget bounds the bytes of stored pixels, Size*Size*3 per
	// image; 0 means DefaultMemoryBudget. More images than fit is an error
	// (they are not shrunk: they are already at the model's size).
	MemoryBudget int64
	// Workers is the number of goroutines decoding images at load and
	// making batches; 0 means GOMAXPROCS.
	Workers int
	// Prefetch is the number of batches made ahead of Next; 0 means
	// 2*Workers.
	Prefetch int
}

// withDefaults fills the zero fields that have defaults and checks the rest.
func (o LabelledOptions) withDefaults() (LabelledOptions, error) {
	switch {
	case o.Dir == "":
		return o, errors.New("no image folder given")
	case o.Size < 1:
		return o, fmt.Errorf("size %d: must be at least 1", o.Size)
	case o.Batch < 1:
		return o, fmt.Errorf("batch %d: must be at least 1", o.Batch)
	case o.StartBatch < 0:
		return o, fmt.Errorf("start batch %d: must not be negative", o.StartBatch)
	case o.MemoryBudget < 0:
		return o, fmt.Errorf("memory budget %d: must not be negative", o.MemoryBudget)
	case o.Workers < 0:
		return o, fmt.Errorf("workers %d: must not be negative", o.Workers)
	case o.Prefetch < 0:
		return o, fmt.Errorf("prefetch %d: must not be negative", o.Prefetch)
	}
	if o.MemoryBudget == 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Prefetch == 0 {
		o.Prefetch = 2 * o.Workers
	}
	return o, nil
}

// labelledItem is one training image of a base stage, at the model's size.
type labelledItem struct {
	name  string // path relative to Dir
	img   *rgb8
	label int32 // class index; 0 for unlabelled sets
}

// LabelledDataset is a base stage's training images, decoded into memory at
// the model's size with their class labels. It is read-only once loaded,
// so batches can be made concurrently.
type LabelledDataset struct {
	opt     LabelledOptions
	classes []string // nil: unlabelled
	items   []labelledItem
	counts  []int // images per class
	skipped int
}

// Classes returns the class names, label i being Classes()[i]; nil for an
// unlabelled set.
func (d *LabelledDataset) Classes() []string { return d.classes }

// Counts returns the number of images of each class (one number for an
// unlabelled set).
func (d *LabelledDataset) Counts() []int { return d.counts }

// Len is the number of images.
func (d *LabelledDataset) Len() int { return len(d.items) }

// Options returns the options with defaults filled in.
func (d *LabelledDataset) Options() LabelledOptions { return d.opt }

// String is a one-line summary for logs: "1906 16x16 images in 9 classes
// (activities 85, ...); 2 files skipped".
func (d *LabelledDataset) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %dx%d images", len(d.items), d.opt.Size, d.opt.Size)
	if d.classes != nil {
		parts := make([]string, len(d.classes))
		for i, c := range d.classes {
			parts[i] = fmt.Sprintf("%s %d", c, d.counts[i])
		}
		fmt.Fprintf(&b, " in %d classes (%s)", len(d.classes), strings.Join(parts, ", "))
	} else {
		b.WriteString(", unlabelled")
	}
	fmt.Fprintf(&b, " in %s; %d files skipped", formatBytes(int64(len(d.items))*int64(d.opt.Size*d.opt.Size*3)), d.skipped)
	return b.String()
}

// ScanClasses returns the class names of a labelled image folder: the
// sorted names of its sub-folders (not hidden) that hold at least one
// image file, searched recursively; none when it has no such sub-folder
// (an unlabelled set). Names must be unique ignoring case and free of
// control characters (generation names files and captions after them). It
// reads directory entries only, no image.
func ScanClasses(dir string) ([]string, error) {
	classes, _, err := scanClasses(context.Background(), dir)
	return classes, err
}

// scanClasses returns the classes of dir and the image files directly in
// it (relative names).
func scanClasses(ctx context.Context, dir string) (classes, loose []string, err error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("listing classes: %w", err)
	} else if !fi.IsDir() {
		return nil, nil, fmt.Errorf("listing classes: %s is not a folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("listing classes: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if fi, err := os.Stat(p); err == nil {
				isDir = fi.IsDir()
			}
		}
		if !isDir {
			if data.IsImagePath(name) {
				loose = append(loose, name)
			}
			continue
		}
		files, err := listImages(ctx, p)
		if err != nil {
			return nil, nil, fmt.Errorf("listing classes: %w", err)
		}
		if len(files) > 0 {
			classes = append(classes, name)
		}
	}
	sort.Strings(classes)
	sort.Strings(loose)
	seen := map[string]string{}
	for _, c := range classes {
		if strings.IndexFunc(c, unicode.IsControl) >= 0 {
			return nil, nil, fmt.Errorf("class folder %q in %s: a control character in the name (class names label files and sheets)", c, dir)
		}
		if prev, ok := seen[strings.ToLower(c)]; ok {
			return nil, nil, fmt.Errorf("class folders %q and %q in %s differ only in case; class names must be unique ignoring case", prev, c, dir)
		}
		seen[strings.ToLower(c)] = c
	}
	return classes, loose, nil
}

// LoadLabelled finds the images opt describes (see LabelledOptions), decodes
// them (Workers at a time) and keeps them in memory at Size x Size: grey
// images become RGB, images with alpha are composited on white (the colour
// under transparent pixels is arbitrary; scripts/fetch-emoji.sh does the
// same), then each is centre-cropped to a square and shrunk to Size by
// MATLAB bicubic and rounded to 8 bits. Corrupt, unreadable and too-small
// files are skipped, each logged with its name and reason; it fails when a
// class is left without images, when nothing is left, or when the images
// do not fit MemoryBudget. log may be nil.
func LoadLabelled(ctx context.Context, opt LabelledOptions, log func(string)) (*LabelledDataset, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("training data: %w", err)
	}
	logf := syncLogf(log)
	classes, loose, err := scanClasses(ctx, opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("training data: %w", err)
	}
	type file struct {
		rel   string
		label int32
	}
	var files []file
	if len(classes) == 0 {
		rels, err := listImages(ctx, opt.Dir)
		if err != nil {
			return nil, fmt.Errorf("training data: %w", err)
		}
		for _, r := range rels {
			files = append(files, file{rel: r})
		}
	} else {
		if len(loose) > 0 {
			shown := strings.Join(loose[:min(len(loose), 5)], ", ")
			if len(loose) > 5 {
				shown += ", ..."
			}
			logf("skipping %d image(s) directly in %s, outside the class folders: %s", len(loose), opt.Dir, shown)
		}
		for i, c := range classes {
			rels, err := listImages(ctx, filepath.Join(opt.Dir, c))
			if err != nil {
				return nil, fmt.Errorf("training data: %w", err)
			}
			for _, r := range rels {
				files = append(files, file{rel: path.Join(c, r), label: int32(i)})
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("training data: no image files (png, jpg, gif, bmp, tiff, webp) under %s", opt.Dir)
	}
	per := int64(opt.Size) * int64(opt.Size) * 3
	if need := int64(len(files)) * per; need > opt.MemoryBudget {
		return nil, fmt.Errorf("training data: %d images of %dx%d need %s, over the %s memory budget",
			len(files), opt.Size, opt.Size, formatBytes(need), formatBytes(opt.MemoryBudget))
	}

	// Decode, Workers at a time, into slots kept in path order.
	imgs := make([]*rgb8, len(files))
	whys := make([]string, len(files))
	parallelFor(ctx, len(files), opt.Workers, func(i int) {
		imgs[i], whys[i] = loadLabelledImage(filepath.Join(opt.Dir, filepath.FromSlash(files[i].rel)), opt.Size)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	d := &LabelledDataset{opt: opt, classes: classes, counts: make([]int, max(1, len(classes)))}
	var reasons []string
	for i, f := range files {
		if imgs[i] == nil {
			d.skipped++
			msg := f.rel + ": " + whys[i]
			if strings.Contains(whys[i], filepath.Join(opt.Dir, filepath.FromSlash(f.rel))) { // data's errors name the file
				msg = whys[i]
			}
			reasons = append(reasons, msg)
			logf("skipping %s", msg)
			continue
		}
		d.items = append(d.items, labelledItem{name: f.rel, img: imgs[i], label: f.label})
		d.counts[f.label]++
	}
	if len(d.items) == 0 {
		return nil, fmt.Errorf("training data: no usable image under %s (%d files, all skipped):\n%s",
			opt.Dir, len(files), listLines(reasons, 20))
	}
	var empty []string
	for i, c := range classes {
		if d.counts[i] == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		return nil, fmt.Errorf("training data: class folder(s) %s under %s have no usable image (every file skipped):\n%s",
			strings.Join(empty, ", "), opt.Dir, listLines(reasons, 20))
	}
	logf("training data: %s", d)
	return d, nil
}

// loadLabelledImage decodes one file and brings it to size x size (see
// LoadLabelled); it returns the image, or why it was skipped.
func loadLabelledImage(file string, size int) (*rgb8, string) {
	dec, err := data.DecodeFile(file, data.Limits{})
	if err != nil {
		return nil, err.Error()
	}
	img := data.GreyToRGB(dec.Image)
	if dec.Alpha != nil {
		img = onWhite(img, dec.Alpha)
	}
	s := min(img.W, img.H)
	if s < size {
		return nil, fmt.Sprintf("%dx%d is smaller than the %dx%d images the model learns", img.W, img.H, size, size)
	}
	img, err = data.Crop(img, (img.W-s)/2, (img.H-s)/2, s, s)
	if err != nil {
		return nil, err.Error()
	}
	if s != size {
		img = data.Resize(img, size, size)
	}
	return toRGB8(img), ""
}

// onWhite composites an RGB image with straight alpha (both in [-1,1]) on
// white: c' = a c + (1 - a), in [0,1] units.
func onWhite(img, alpha *data.Image) *data.Image {
	out := data.NewImage(img.W, img.H, 3)
	for i := range img.W * img.H {
		a := data.ToUnit(alpha.Pix[i])
		for c := range 3 {
			v := data.ToUnit(img.Pix[3*i+c])
			out.Pix[3*i+c] = data.FromUnit(a*v + 1 - a)
		}
	}
	return out
}

// Batch makes batch number i of the stream: Batch images drawn uniformly
// (so classes in proportion to their number of images, the distribution
// the model learns), each mirrored left-right with probability 1/2 unless
// NoFlip, with their labels (nil for an unlabelled set). It depends only on
// the dataset, the options and (Seed, i), and is safe for concurrent use.
func (d *LabelledDataset) Batch(i int64) (*Batch, error) {
	o := d.opt
	S := o.Size
	per := S * S * 3
	b := &Batch{N: o.Batch, HRSize: S, C: 3, HR: make([]float32, o.Batch*per)}
	if d.classes != nil {
		b.Labels = make([]int32, o.Batch)
	}
	rng := batchRNG(o.Seed, i)
	for k := range o.Batch {
		it := &d.items[rng.IntN(len(d.items))]
		t := Identity
		if flip := rng.IntN(2) == 1; flip && !o.NoFlip {
			t = FlipX
		}
		it.img.cropFloat(b.HR[k*per:(k+1)*per], 0, 0, S, t)
		if b.Labels != nil {
			b.Labels[k] = it.label
		}
	}
	return b, nil
}

// Nearest returns the distance from img (Size x Size RGB in [-1,1]) to the
// closest training image, mirrored ones included unless NoFlip: the RMS
// difference per value, in 8-bit levels (0..255). It costs one pass over
// the images (Size*Size*3 values each, twice with flips).
func (d *LabelledDataset) Nearest(img *data.Image) (float64, error) {
	S := d.opt.Size
	if img.W != S || img.H != S || img.C != 3 || len(img.Pix) != S*S*3 {
		return 0, fmt.Errorf("nearest training image: the image is %s, the training images %dx%dx3", img, S, S)
	}
	best := math.Inf(1)
	for k := range d.items {
		pix := d.items[k].img.Pix
		for flip := range 2 {
			if flip == 1 && d.opt.NoFlip {
				break
			}
			var sum float64
			for y := 0; y < S && sum < best; y++ {
				for x := range S {
					sx := x
					if flip == 1 {
						sx = S - 1 - x
					}
					p, q := img.Pix[(y*S+x)*3:], pix[(y*S+sx)*3:]
					for c := range 3 {
						e := float64(p[c] - unitLUT[q[c]])
						sum += e * e
					}
				}
			}
			best = min(best, sum)
		}
	}
	return math.Sqrt(best/float64(S*S*3)) * 127.5, nil
}

// LabelledSource is the Source NewLabelledSource returns: the batches of a
// LabelledDataset, made by Workers goroutines ahead of Next (batch i by
// worker i mod Workers), in index order whatever the number of workers.
// It has Next, Index (the batch Next returns next: the value to resume
// from) and Close (stops the workers and waits for them; idempotent).
type LabelledSource struct {
	*stream
	ds *LabelledDataset
}

// Stream starts the workers making batches from StartBatch on. Cancelling
// ctx stops them (Next then returns ctx's error); Close stops them too and
// waits until they have returned.
func (d *LabelledDataset) Stream(ctx context.Context) *LabelledSource {
	o := d.opt
	return &LabelledSource{stream: newStream(ctx, d.Batch, o.StartBatch, o.Workers, o.Prefetch), ds: d}
}

// Dataset is the images the batches are made of.
func (s *LabelledSource) Dataset() *LabelledDataset { return s.ds }

// ClassNames returns the dataset's class names (nil when unlabelled); Run
// checks them against Options.Classes.
func (s *LabelledSource) ClassNames() []string { return s.ds.classes }

// Nearest is the dataset's Nearest; Run reports it for the sample sheet.
func (s *LabelledSource) Nearest(img *data.Image) (float64, error) { return s.ds.Nearest(img) }

// NewLabelledSource is the data pipeline of a base stage: it loads the
// images opt describes (LoadLabelled) and starts Workers goroutines that
// make batches ahead of Next. Cancelling ctx stops loading and, later, the
// workers; Close stops them and waits for them. log (may be nil) receives
// a summary and every file skipped, with the reason.
func NewLabelledSource(ctx context.Context, opt LabelledOptions, log func(string)) (*LabelledSource, error) {
	d, err := LoadLabelled(ctx, opt, log)
	if err != nil {
		return nil, err
	}
	return d.Stream(ctx), nil
}

// ClassSlug is a class name as it appears in file names: lower case,
// every run of characters other than letters and digits made one "-",
// none at either end ("Animals & Nature" is animals-nature); "class<i>"
// when nothing is left. Class folders of training data
// (scripts/fetch-emoji.sh) are named so, and generate finds a class by it.
func ClassSlug(name string, i int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return fmt.Sprintf("class%d", i)
	}
	return b.String()
}
