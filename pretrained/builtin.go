package pretrained

import (
	"embed"
	"fmt"
	"io/fs"
	"path"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/sr3"
)

// weights holds the shipped models' inference files (EMA weights and
// config; a base model's class names too). Each model's folder also has
// MODEL_CARD.md (how it was trained, its scores) and, not embedded, the
// training state to resume from.
//
//go:embed sr3-x4/config.json sr3-x4/model.safetensors sr3-x2/config.json sr3-x2/model.safetensors
//go:embed emoji-x2/config.json emoji-x2/model.safetensors
//go:embed emoji-base16/config.json emoji-base16/model.safetensors emoji-base16/classes.json
var weights embed.FS

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
		return sr3.Config{}, nil, nil, err
	}
	cfg, err := sr3.UnmarshalConfig(cfgData)
	if err != nil {
		return sr3.Config{}, nil, nil, err
	}
	w, err := weights.ReadFile(path.Join(dir, sr3.WeightsFile))
	if err != nil {
		return sr3.Config{}, nil, nil, err
	}
	ts, meta, err := sr3.ReadTensors(w)
	if err != nil {
		return sr3.Config{}, nil, nil, err
	}
	return cfg, ts, meta, nil
}

// embeddedSize is the size in bytes of a shipped model's weights file.
func embeddedSize(dir string) int64 {
	st, err := fs.Stat(weights, path.Join(dir, sr3.WeightsFile))
	if err != nil {
		return 0
	}
	return st.Size()
}
