package pretrained

import (
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/sr3"
)

// weights are the files of the built-in models, by folder: photoWeights
// (photo_embed.go, or photo_disk.go's folder with the build tag nophoto),
// and emoji.go's when built without noemoji.
var weights = embeddedFiles{photoWeights}

// embeddedFiles looks a file up in several file systems (embedded, or a
// folder in a nophoto build).
type embeddedFiles []fs.FS

// ReadFile reads the named file from the first file system that has it.
func (e embeddedFiles) ReadFile(name string) ([]byte, error) {
	for _, f := range e {
		if b, err := fs.ReadFile(f, name); err == nil {
			return b, nil
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Stat describes the named file of the first file system that has it.
func (e embeddedFiles) Stat(name string) (fs.FileInfo, error) {
	for _, f := range e {
		if st, err := fs.Stat(f, name); err == nil {
			return st, nil
		}
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// leftOut names the built-in models this binary was built without (the
// emoji models with the build tag noemoji), so that asking for one says
// so instead of "unknown model".
var leftOut []string

// leftOutError is the error for a built-in model left out of this build,
// or nil.
func leftOutError(name string) error {
	if !slices.Contains(leftOut, name) {
		return nil
	}
	return fmt.Errorf("built-in model %s: %w: this binary was built without it (go build -tags noemoji); "+
		"build without that tag to include it", name, ErrUnknownModel)
}

// openEmbedded opens the shipped super-resolution model in folder dir of
// weights on the named compute backend.
func openEmbedded(name, dir, backend string) (cascade.Upscaler, error) {
	cfg, tensors, _, err := readEmbedded(dir)
	if err != nil {
		return nil, fmt.Errorf("built-in model %s: %w", name, err)
	}
	b, err := sr3.NewBackend(backend)
	if err != nil {
		return nil, fmt.Errorf("built-in model %s: %w", name, err)
	}
	m, err := sr3.NewFromWeights(cfg, b, tensors)
	if err != nil {
		b.Finalize()
		return nil, fmt.Errorf("built-in model %s: %w", name, err)
	}
	stage, err := cascade.NewSR3Stage(name, m)
	if err != nil {
		b.Finalize()
		return nil, fmt.Errorf("built-in model %s: %w", name, err)
	}
	return stage, nil
}

// readEmbedded reads the config, weights and weights metadata of the
// shipped model in folder dir of weights.
func readEmbedded(dir string) (sr3.Config, map[string]*tensors.Tensor, map[string]string, error) {
	cfgData, err := weights.ReadFile(path.Join(dir, sr3.ConfigFile))
	if err != nil {
		return sr3.Config{}, nil, nil, fmt.Errorf("%w%s", err, photoWeightsHint())
	}
	cfg, err := sr3.UnmarshalConfig(cfgData)
	if err != nil {
		return sr3.Config{}, nil, nil, err
	}
	w, err := weights.ReadFile(path.Join(dir, sr3.WeightsFile))
	if err != nil {
		return sr3.Config{}, nil, nil, fmt.Errorf("%w%s", err, photoWeightsHint())
	}
	ts, meta, err := sr3.ReadTensors(w)
	if err != nil {
		return sr3.Config{}, nil, nil, err
	}
	return cfg, ts, meta, nil
}

// embeddedSize is the size in bytes of a shipped model's weights file.
func embeddedSize(dir string) int64 {
	st, err := weights.Stat(path.Join(dir, sr3.WeightsFile))
	if err != nil {
		return 0
	}
	return st.Size()
}
