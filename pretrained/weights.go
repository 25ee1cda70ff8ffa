package pretrained

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/sr3"
)

// ReadWeights returns the config and weights (names as in sr3.WeightsFile)
// of a learned model: a built-in model name (super-resolution or base; see
// List) or a model folder (sr3.ConfigFile and sr3.WeightsFile, as training
// writes them). It is what a warm start reads (`srcascade train --init`,
// train.Options.InitWeights). An argument that is neither wraps
// ErrUnknownModel; the bicubic model and chains have no weights.
func ReadWeights(nameOrDir string) (sr3.Config, map[string]*tensors.Tensor, error) {
	if _, ok := chainParts(nameOrDir); ok {
		return sr3.Config{}, nil, fmt.Errorf("model %s: a chain of models has no single set of weights: name one model", nameOrDir)
	}
	dir := ""
	if e, ok := findBase(nameOrDir); ok {
		dir = e.dir
	} else if slices.ContainsFunc(registry, func(e entry) bool { return e.info.Name == nameOrDir }) {
		if nameOrDir == "bicubic" {
			return sr3.Config{}, nil, fmt.Errorf("model bicubic is an interpolation and has no weights")
		}
		dir = nameOrDir // built-in models live in the folder of their name
	}
	if dir != "" {
		cfg, ts, _, err := readEmbedded(dir)
		if err != nil {
			return sr3.Config{}, nil, fmt.Errorf("built-in model %s: %w", nameOrDir, err)
		}
		return cfg, ts, nil
	}
	if st, err := os.Stat(nameOrDir); err != nil || !st.IsDir() {
		if err := leftOutError(nameOrDir); err != nil {
			return sr3.Config{}, nil, err
		}
		return sr3.Config{}, nil, fmt.Errorf("model %q: %w (built-in models: %s)", nameOrDir, ErrUnknownModel, strings.Join(Names(), ", "))
	}
	cfg, err := sr3.ReadConfig(nameOrDir)
	if err != nil {
		return sr3.Config{}, nil, fmt.Errorf("model folder %s: %w", nameOrDir, err)
	}
	ts, _, err := sr3.LoadTensors(filepath.Join(nameOrDir, sr3.WeightsFile))
	if err != nil {
		return sr3.Config{}, nil, fmt.Errorf("model folder %s: %w", nameOrDir, err)
	}
	return cfg, ts, nil
}
