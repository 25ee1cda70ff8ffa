package pretrained

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/internal/atomicfile"
	"github.com/srcascade/srcascade/internal/readlimit"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// A base checkpoint folder (a model with sr3.Config.Base, written by
// `srcascade train --stage base` or sr3.Model.Save) holds sr3.ConfigFile
// and sr3.WeightsFile as every checkpoint does, and the names of a
// class-conditional model's classes in one of two places, looked up in
// this order:
//
//   - ClassesFile (classes.json) beside config.json, as training writes it:
//     a JSON list of names, ["name", ...], name i for label i, as many names
//     as config.json's "classes"; {"classes": ["name", ...]} is read too;
//   - the weights file's metadata under ClassesMetaKey: the same list as a
//     JSON array of strings.
//
// Names must be non-empty, unique ignoring case, and free of control
// characters (they label files and sheet captions). A model with classes
// but no names anywhere gets DefaultClassNames ("class0", "class1", ...);
// an unconditional model (classes 0) has none.

// ClassesFile is the file of a base checkpoint that lists its class names.
const ClassesFile = "classes.json"

// ClassesMetaKey is the key of the weights file's metadata that may hold
// the class names (a JSON array) when there is no ClassesFile.
const ClassesMetaKey = "classes"

// ErrNotBase is wrapped by OpenBase's error when the model is a
// super-resolution model, not a base model.
var ErrNotBase = errors.New("generate needs a base model")

// classesDoc is the object form of ClassesFile.
type classesDoc struct {
	Classes []string `json:"classes"`
}

// Base is a base model opened by OpenBase.
type Base struct {
	// Model is the network (Model.Config.Base is true).
	Model *sr3.Model
	// Classes are the class names, label i named Classes[i]; nil for an
	// unconditional model.
	Classes []string
	// Size is the side of the images the model was trained at: a built-in
	// model's card (Info.ImageSize), or for a checkpoint folder the
	// training run's TrainInfoFile beside the weights (options.patch); 0
	// when unknown (no such file, as for a folder written by
	// sr3.Model.Save, or one without a usable size).
	Size int
	// Cascade is the super-resolution model (a name or chain for Open)
	// that enlarges the samples by default: a built-in base model's
	// Info.Cascade; "" for a checkpoint folder.
	Cascade string
}

// TrainInfoFile is the file of a training checkpoint that records the
// run's options (train.InfoFile); OpenBase reads the trained image size
// from its "options": {"patch": N}.
const TrainInfoFile = "train.json"

// OpenBase opens a base model (sr3.Config.Base) on the named compute
// backend ("" = automatic, see sr3.NewBackend), with its class names (see
// ClassesFile) and the image size it was trained at: a built-in base model
// by name (see List; DefaultBase is the one generate uses without -m), or
// a checkpoint folder written by `srcascade train --stage base`. A
// built-in super-resolution name, or a checkpoint folder of a
// super-resolution model, gives an error wrapping ErrNotBase; an argument
// that is neither a built-in name nor a folder, or a folder with neither
// of a model's files, wraps ErrUnknownModel. Other errors name the model
// and the problem.
func OpenBase(nameOrDir, backend string) (*Base, error) {
	if e, ok := findBase(nameOrDir); ok {
		return openEmbeddedBase(e, backend)
	}
	if slices.ContainsFunc(registry, func(e entry) bool { return e.info.Name == nameOrDir }) {
		return nil, fmt.Errorf("model %s is a super-resolution model; %w (built-in: %s; or a checkpoint folder written by srcascade train --stage base)",
			nameOrDir, ErrNotBase, strings.Join(BaseNames(), ", "))
	}
	st, err := os.Stat(nameOrDir)
	if err != nil || !st.IsDir() {
		if err := leftOutError(nameOrDir); err != nil {
			return nil, err
		}
		what := "no such folder"
		switch {
		case strings.Contains(nameOrDir, ChainSep):
			what = "a chain of super-resolution models is not a base model"
		case err == nil:
			what = "a file, not a checkpoint folder"
		}
		return nil, fmt.Errorf("model %q: %w: %s (generate needs a base model: built-in %s, or a checkpoint folder written by srcascade train --stage base)",
			nameOrDir, ErrUnknownModel, what, strings.Join(BaseNames(), ", "))
	}
	dir := nameOrDir
	cfg, err := readBaseConfig(dir)
	if err != nil {
		return nil, err
	}
	weights, meta, err := sr3.LoadTensors(filepath.Join(dir, sr3.WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	classesRaw, err := readlimit.ReadFile(filepath.Join(dir, ClassesFile), train.MaxClassesBytes)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	base, err := newBase("checkpoint "+dir, cfg, weights, meta, classesRaw, backend)
	if err != nil {
		return nil, err
	}
	base.Size = trainedSize(dir, cfg)
	return base, nil
}

// newBase builds a Base from a base model's config, weights and metadata
// and the contents of its ClassesFile (nil = none) on the named backend;
// where names the model in errors ("checkpoint DIR", "built-in model
// NAME"). Size and Cascade are left for the caller.
func newBase(where string, cfg sr3.Config, weights map[string]*tensors.Tensor, meta map[string]string, classesRaw []byte, backend string) (*Base, error) {
	names, err := classNames(classesRaw, cfg.Classes, meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	b, err := sr3.NewBackend(backend)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	m, err := sr3.NewFromWeights(cfg, b, weights)
	if err != nil {
		b.Finalize()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &Base{Model: m, Classes: names}, nil
}

// trainedSize reads the trained image side from TrainInfoFile in dir: 0
// when the file is missing or unreadable, or the size does not suit the
// model (TrainInfoFile is training's bookkeeping, not needed to run).
func trainedSize(dir string, cfg sr3.Config) int {
	raw, err := readlimit.ReadFile(filepath.Join(dir, TrainInfoFile), train.MaxInfoBytes)
	if err != nil {
		return 0
	}
	var info struct {
		Options struct {
			Patch int `json:"patch"`
		} `json:"options"`
	}
	if json.Unmarshal(raw, &info) != nil {
		return 0
	}
	if s := info.Options.Patch; s > 0 && s%cfg.SizeMultiple() == 0 {
		return s
	}
	return 0
}

// readBaseConfig checks that dir holds a model's two files and reads its
// configuration, which must be a base model's.
func readBaseConfig(dir string) (sr3.Config, error) {
	hasConfig := isFile(filepath.Join(dir, sr3.ConfigFile))
	hasWeights := isFile(filepath.Join(dir, sr3.WeightsFile))
	switch {
	case !hasConfig && !hasWeights:
		return sr3.Config{}, fmt.Errorf("model %q: %w: the folder holds no srcascade checkpoint (neither %s nor %s)",
			dir, ErrUnknownModel, sr3.ConfigFile, sr3.WeightsFile)
	case !hasConfig:
		return sr3.Config{}, fmt.Errorf("checkpoint %s: %s is missing (the folder has the weights but not the model's configuration)", dir, sr3.ConfigFile)
	case !hasWeights:
		return sr3.Config{}, fmt.Errorf("checkpoint %s: %s is missing (the folder has the configuration but no inference weights; "+
			"training writes them with its first checkpoint)", dir, sr3.WeightsFile)
	}
	cfg, err := sr3.ReadConfig(dir)
	if err != nil {
		return sr3.Config{}, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if !cfg.Base {
		return sr3.Config{}, fmt.Errorf("checkpoint %s is a x%d super-resolution model; %w (one trained with srcascade train --stage base)",
			dir, cfg.Scale, ErrNotBase)
	}
	return cfg, nil
}

// classNames returns the class names of a base model with classes
// classes: from the contents of its ClassesFile (classesRaw; nil = no
// file), else from its weights' metadata, else DefaultClassNames (see
// OpenBase).
func classNames(classesRaw []byte, classes int, meta map[string]string) ([]string, error) {
	var names []string
	source := ClassesFile
	if classesRaw != nil {
		var err error
		if names, err = parseClasses(classesRaw); err != nil {
			return nil, err
		}
	}
	if names == nil {
		if raw, ok := meta[ClassesMetaKey]; ok {
			source = sr3.WeightsFile + " metadata " + ClassesMetaKey
			if err := json.Unmarshal([]byte(raw), &names); err != nil || names == nil {
				return nil, fmt.Errorf("%s: want a JSON array of class names", source)
			}
		}
	}
	if names == nil || (classes == 0 && len(names) == 0) {
		return DefaultClassNames(classes), nil
	}
	if len(names) != classes {
		if classes == 0 {
			return nil, fmt.Errorf("%s names %d classes, but the model is unconditional (config classes 0)", source, len(names))
		}
		return nil, fmt.Errorf("%s names %d classes, the model has %d (config classes)", source, len(names), classes)
	}
	if err := CheckClassNames(names); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return names, nil
}

// DefaultClassNames are the names of k classes without recorded names:
// "class0" to "class<k-1>"; nil for k = 0.
func DefaultClassNames(k int) []string {
	if k <= 0 {
		return nil
	}
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprintf("class%d", i)
	}
	return names
}

// CheckClassNames reports the first problem with a list of class names:
// an empty name, a control character, or two names equal ignoring case.
func CheckClassNames(names []string) error {
	seen := map[string]int{}
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("class %d has an empty name", i)
		}
		if strings.ContainsFunc(n, unicode.IsControl) {
			return fmt.Errorf("class %d name %q has a control character", i, n)
		}
		key := strings.ToLower(n)
		if j, ok := seen[key]; ok {
			return fmt.Errorf("classes %d and %d have the same name %q (names must differ ignoring case)", j, i, n)
		}
		seen[key] = i
	}
	return nil
}

// ReadClasses reads the class names of ClassesFile in dir: a JSON list of
// names, or {"classes": [...]}; nil and no error when there is no such
// file.
func ReadClasses(dir string) ([]string, error) {
	raw, err := readlimit.ReadFile(filepath.Join(dir, ClassesFile), train.MaxClassesBytes)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseClasses(raw)
}

// parseClasses parses the contents of a ClassesFile.
func parseClasses(raw []byte) ([]string, error) {
	var names []string
	if err := json.Unmarshal(raw, &names); err == nil && names != nil {
		return names, nil
	}
	var doc classesDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || doc.Classes == nil {
		return nil, fmt.Errorf(`%s: want a JSON list of class names, ["name", ...]`, ClassesFile)
	}
	return doc.Classes, nil
}

// WriteClasses writes the class names to ClassesFile in dir, atomically:
// the file a base checkpoint's class names are read from (see OpenBase).
// The names must pass CheckClassNames; none (an unconditional model)
// writes an empty list.
func WriteClasses(dir string, names []string) error {
	if err := CheckClassNames(names); err != nil {
		return fmt.Errorf("write %s: %w", ClassesFile, err)
	}
	if names == nil {
		names = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "Animals & Nature", not \u0026
	enc.SetIndent("", "  ")
	if err := enc.Encode(names); err != nil {
		return fmt.Errorf("write %s: %w", ClassesFile, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ClassesFile), b.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", ClassesFile, err)
	}
	return nil
}
