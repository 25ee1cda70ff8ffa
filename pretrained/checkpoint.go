package pretrained

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/sr3"
)

// IsCheckpoint reports whether dir holds a model that Open can load: the
// files sr3.ConfigFile and sr3.WeightsFile, as written by training (the
// EMA weights) and by sr3.Model.Save.
func IsCheckpoint(dir string) bool {
	return isFile(filepath.Join(dir, sr3.ConfigFile)) && isFile(filepath.Join(dir, sr3.WeightsFile))
}

// loadCheckpoint opens the model folder dir on the named compute backend
// (see sr3.NewBackend) as a cascade.SR3Stage named after the folder.
func loadCheckpoint(dir, backend string) (cascade.Upscaler, error) {
	hasConfig := isFile(filepath.Join(dir, sr3.ConfigFile))
	hasWeights := isFile(filepath.Join(dir, sr3.WeightsFile))
	switch {
	case !hasConfig && !hasWeights:
		return nil, fmt.Errorf("model %q: %w: the folder holds no srcascade checkpoint (neither %s nor %s; built-in models: %s)",
			dir, ErrUnknownModel, sr3.ConfigFile, sr3.WeightsFile, strings.Join(Names(), ", "))
	case !hasConfig:
		return nil, fmt.Errorf("checkpoint %s: %s is missing (the folder has the weights but not the model's configuration)", dir, sr3.ConfigFile)
	case !hasWeights:
		return nil, fmt.Errorf("checkpoint %s: %s is missing (the folder has the configuration but no inference weights; "+
			"training writes them with its first checkpoint)", dir, sr3.WeightsFile)
	}
	b, err := sr3.NewBackend(backend)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	m, err := sr3.Load(dir, b)
	if err != nil {
		b.Finalize()
		return nil, err // sr3.Load names the folder and the problem
	}
	if m.Config.Base {
		b.Finalize()
		return nil, fmt.Errorf("checkpoint %s: %w", dir, ErrBaseModel)
	}
	stage, err := cascade.NewSR3Stage(checkpointName(dir), m)
	if err != nil {
		b.Finalize()
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return stage, nil
}

// checkpointName is the name a checkpoint folder goes by: its base name.
func checkpointName(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	name := filepath.Base(dir)
	if name == "" || name == "." || name == string(filepath.Separator) {
		return "checkpoint:" + dir
	}
	return name
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
