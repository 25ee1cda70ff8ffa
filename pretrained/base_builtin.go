package pretrained

import (
	"fmt"
	"path"
	"slices"

	"github.com/srcascade/srcascade/sr3"
)

// Kinds of built-in models (Info.Kind).
const (
	// KindSR is a super-resolution model: upscale, eval and compare take it.
	KindSR = "sr"
	// KindBase is the base stage of a cascade: generate samples images
	// from noise with it.
	KindBase = "base"
)

// DefaultBase is the base model `srcascade generate` uses when -m is not
// given.
const DefaultBase = "emoji-base16"

// baseEntry is one built-in base model: its card (Kind KindBase) and its
// folder in the embedded weights (config, weights, ClassesFile).
type baseEntry struct {
	info Info
	dir  string
}

// bases holds the built-in base models, listed after the super-resolution
// ones (emoji.go appends emoji-base16 unless built with noemoji).
var bases []baseEntry

// BaseNames returns the built-in base model names, in list order.
func BaseNames() []string {
	names := make([]string, len(bases))
	for i, e := range bases {
		names[i] = e.info.Name
	}
	return names
}

// findBase returns the built-in base model named name.
func findBase(name string) (baseEntry, bool) {
	i := slices.IndexFunc(bases, func(e baseEntry) bool { return e.info.Name == name })
	if i < 0 {
		return baseEntry{}, false
	}
	return bases[i], true
}

// openEmbeddedBase opens a built-in base model from the embedded files.
func openEmbeddedBase(e baseEntry, backend string) (*Base, error) {
	where := "built-in model " + e.info.Name
	cfg, tensors, meta, err := readEmbedded(e.dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if !cfg.Base {
		return nil, fmt.Errorf("%s: %s is not a base model's", where, sr3.ConfigFile)
	}
	classesRaw, err := weights.ReadFile(path.Join(e.dir, ClassesFile))
	if err != nil {
		classesRaw = nil // no names shipped: class0, class1, ...
	}
	b, err := newBase(where, cfg, tensors, meta, classesRaw, backend)
	if err != nil {
		return nil, err
	}
	b.Size, b.Cascade = e.info.ImageSize, e.info.Cascade
	return b, nil
}
