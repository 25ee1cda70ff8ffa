package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
)

// DefaultMemoryBudget bounds the memory the training images take once
// decoded (8-bit RGB, 3 bytes per pixel): 2 GiB holds about 700 megapixels.
const DefaultMemoryBudget int64 = 2 << 30

// DefaultDownscaleHR is the factor lossy HR sources are shrunk by before
// crops are cut when DataOptions.DownscaleHR is 0 (see there).
const DefaultDownscaleHR = 2.0

// DataOptions says where training pairs come from and how batches are cut.
type DataOptions struct {
	// HRDir is the folder of high-resolution images, searched recursively;
	// files that are not images, and hidden files and folders, are ignored.
	HRDir string
	// LRDir, when set, holds the matching low-resolution inputs (see
	// MatchPairs for the naming rule); every HR image must then be exactly
	// Scale times its LR image on both axes. When empty, LR inputs are made
	// from HR crops by the exact benchmark protocol, Quantize(Resize(crop,
	// Patch/Scale)), plus Degrade.
	LRDir string
	// Scale is the super-resolution factor (2, 4, 8 ...).
	Scale int
	// Patch is the side of the square HR crops, a multiple of Scale; the LR
	// crops are Patch/Scale.
	Patch int
	// Batch is the number of pairs per batch.
	Batch int
	// Seed fixes the stream of batches: batch i depends only on the loaded
	// images, the options and (Seed, i), whatever Workers is.
	Seed int64
	// StartBatch is the index of the first batch Next returns; a resumed
	// run passes its step so it continues the same stream.
	StartBatch int64
	// MemoryBudget bounds the bytes of stored pixels (HR and LR, 3 bytes per
	// pixel); 0 means DefaultMemoryBudget. When the images do not fit, the
	// largest are reduced (HR-only: bicubic downscale; pairs: a centred crop
	// aligned to Scale) to a common area cap chosen so they do, never below
	// Patch on a side; if even that does not fit, the last images (in path
	// order) are skipped. Each reduction or skip is logged.
	MemoryBudget int64
	// DownscaleHR shrinks lossy HR sources (JPEG and lossy WebP; their
	// compression artefacts would otherwise be learned as detail) by this
	// factor with MATLAB bicubic before crops are cut, but never so far that
	// the shorter side falls under 2*Patch (smaller images shrink less, or
	// not at all). Lossless sources are kept as they are. 0 means
	// DefaultDownscaleHR; 1 turns it off. Ignored for LR/HR pairs.
	DownscaleHR float64
	// Degrade lists degradations for generated LR inputs (not allowed with
	// LRDir).
	Degrade DegradeOptions
	// CondNoiseMax turns on CDM conditioning augmentation: half the LR
	// inputs, drawn at random, get Gaussian noise LR + level*N(0,1) (in
	// [-1,1] units, not clipped) with level uniform in [0, CondNoiseMax];
	// the other half stay clean (level 0). Levels go in Batch.CondNoise.
	// 0 turns it off.
	CondNoiseMax float64
	// NoFlip and NoRotate turn off the flip and the 90-degree rotation
	// augmentations (both on by default; with both on, all 8 symmetries of
	// the square are drawn uniformly).
	NoFlip, NoRotate bool
	// Workers is the number of goroutines making batches (and decoding
	// images at load); 0 means GOMAXPROCS.
	Workers int
	// Prefetch is the number of batches made ahead of Next; 0 means
	// 2*Workers.
	Prefetch int
}

// withDefaults fills the zero fields that have defaults and checks the rest.
func (o DataOptions) withDefaults() (DataOptions, error) {
	if o.HRDir == "" {
		return o, errors.New("no HR folder given")
	}
	if o.Scale < 1 {
		return o, fmt.Errorf("scale %d: must be at least 1", o.Scale)
	}
	if o.Patch < o.Scale || o.Patch%o.Scale != 0 {
		return o, fmt.Errorf("patch %d: must be a positive multiple of the scale %d", o.Patch, o.Scale)
	}
	if o.Batch < 1 {
		return o, fmt.Errorf("batch %d: must be at least 1", o.Batch)
	}
	if o.StartBatch < 0 {
		return o, fmt.Errorf("start batch %d: must not be negative", o.StartBatch)
	}
	if o.MemoryBudget == 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	if o.MemoryBudget < 0 {
		return o, fmt.Errorf("memory budget %d: must not be negative", o.MemoryBudget)
	}
	if o.DownscaleHR == 0 {
		o.DownscaleHR = DefaultDownscaleHR
	}
	if o.DownscaleHR < 1 || math.IsNaN(o.DownscaleHR) || math.IsInf(o.DownscaleHR, 0) {
		return o, fmt.Errorf("HR pre-downscale %g: must be at least 1 (1 = off)", o.DownscaleHR)
	}
	if err := o.Degrade.Validate(); err != nil {
		return o, err
	}
	if o.LRDir != "" && o.Degrade.Enabled() {
		return o, errors.New("degradations apply to LR inputs made from HR images; they cannot be used with an LR folder")
	}
	if o.CondNoiseMax < 0 || math.IsNaN(o.CondNoiseMax) || math.IsInf(o.CondNoiseMax, 0) {
		return o, fmt.Errorf("conditioning noise maximum %g: must be finite and not negative", o.CondNoiseMax)
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("workers %d: must not be negative", o.Workers)
	}
	if o.Prefetch == 0 {
		o.Prefetch = 2 * o.Workers
	}
	if o.Prefetch < 0 {
		return o, fmt.Errorf("prefetch %d: must not be negative", o.Prefetch)
	}
	return o, nil
}

// pairs reports whether LR images are given rather than made.
func (o DataOptions) pairs() bool { return o.LRDir != "" }

// DatasetStats describes what a Dataset holds.
type DatasetStats struct {
	Files   int   // image files found under HRDir
	Images  int   // images (pairs) kept for training
	Skipped int   // files left out (corrupt, too small, over budget), each logged
	Shrunk  int   // images shrunk (DownscaleHR or budget) or cropped (budget)
	Pixels  int64 // HR pixels stored
	Bytes   int64 // bytes of pixels stored, HR and LR
	Budget  int64 // the memory budget the images were fitted in
}

// String is a one-line summary for logs.
func (s DatasetStats) String() string {
	return fmt.Sprintf("%d images (%.1f MP) in %s of a %s budget; %d files found, %d skipped, %d shrunk",
		s.Images, float64(s.Pixels)/1e6, formatBytes(s.Bytes), formatBytes(s.Budget), s.Files, s.Skipped, s.Shrunk)
}

// formatBytes writes n bytes in binary units (B, KiB, MiB, GiB).
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// item is one training image in memory: HR and, for pairs, its LR.
type item struct {
	name string // path relative to HRDir
	hr   *rgb8
	lr   *rgb8 // nil when LR is made from HR
	// shrunk says the image was reduced (DownscaleHR or budget).
	shrunk bool
}

// Dataset is a set of training images decoded into memory, from which
// batches are cut. It is read-only once loaded, so batches can be made
// concurrently.
type Dataset struct {
	opt   DataOptions
	items []item
	cum   []int64    // cumulative HR areas: items are drawn proportionally to area
	syms  []Dihedral // the augmentations drawn from
	stats DatasetStats
	logf  func(format string, args ...any)
}

// Stats describes the loaded images.
func (d *Dataset) Stats() DatasetStats { return d.stats }

// Options returns the options with defaults filled in.
func (d *Dataset) Options() DataOptions { return d.opt }

// symmetries lists the crop transforms the options allow.
func symmetries(noFlip, noRotate bool) []Dihedral {
	switch {
	case noFlip && noRotate:
		return []Dihedral{Identity}
	case noRotate: // flips only
		return []Dihedral{Identity, FlipX, FlipY, FlipX | FlipY}
	case noFlip: // rotations only: 0, 90, 180, 270 degrees
		return []Dihedral{Identity, Transpose | FlipX, FlipX | FlipY, Transpose | FlipY}
	}
	all := make([]Dihedral, 8)
	for i := range all {
		all[i] = Dihedral(i)
	}
	return all
}

// NewSource is the data pipeline's entry point. In short: image folders are
// scanned recursively (headers first, so the memory plan is made before any
// pixels are decoded), every image is decoded once and kept as 8-bit RGB
// within MemoryBudget, and batches are cut in the background: an image drawn
// in proportion to its area, a random crop (aligned to Scale for given
// pairs), one of the allowed flips/rotations applied alike to HR and LR, the
// LR made by the exact bicubic protocol (plus degradations) when not given,
// and conditioning noise when asked for.
//
// NewSource loads the images opt describes (see LoadDataset) and starts
// Workers goroutines that make batches ahead of Next. The returned Source is
// a *PatchSource. Cancelling ctx stops loading and, later, the workers;
// Close stops them and waits for them. log (may be nil) receives progress
// and every file skipped or shrunk, with the reason.
func NewSource(ctx context.Context, opt DataOptions, log func(string)) (Source, error) {
	ds, err := LoadDataset(ctx, opt, log)
	if err != nil {
		return nil, err
	}
	return ds.Stream(ctx), nil
}
