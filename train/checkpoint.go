package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/srcascade/srcascade/internal/atomicfile"
	"github.com/srcascade/srcascade/internal/readlimit"
	"github.com/srcascade/srcascade/internal/recovery"
	"github.com/srcascade/srcascade/sr3"
)

// A checkpoint folder holds, each file written atomically (temporary file,
// sync, rename) in this order:
//
//   - StateFile: everything needed to continue training bit for bit — the
//     raw weights, their EMA, Adam's moments and step counter, the global
//     step and the dropout RNG state — with the step in its metadata.
//   - sr3.WeightsFile and sr3.ConfigFile: the EMA weights and the config,
//     what inference (sr3.Load, `srcascade upscale -m`) reads.
//   - ClassesFile (class-conditional base stages): the class names, a JSON
//     list, label i being entry i.
//   - InfoFile: the options, the step, the loss and PSNR history (JSON).
//   - CurveFile: the loss / validation PSNR curve (PNG).
//   - SamplesFile (base stages): the sample sheet of the latest
//     validation (PNG; see Run).
//
// A crash between two renames leaves each file whole (old or new); the
// state file alone decides where a resumed run continues.
const (
	StateFile   = "train_state.safetensors"
	InfoFile    = "train.json"
	CurveFile   = "curve.png"
	ClassesFile = "classes.json"
	SamplesFile = "samples.png"
)

// Store scopes of the training state.
const (
	weightsScope = "/unet/"
	emaScope     = "/ema"
)

// CheckpointInfo is the content of InfoFile.
type CheckpointInfo struct {
	// Step is the number of optimisation steps done.
	Step int `json:"step"`
	// Options are those of the run that wrote the checkpoint.
	Options Options `json:"options"`
	// Config is the model configuration.
	Config sr3.Config `json:"config"`
	// Params is the number of weights of the network.
	Params int `json:"params"`
	// Seconds is the total training time so far.
	Seconds float64 `json:"seconds"`
	// History is the training curve.
	History History `json:"history"`
}

// History is the training curve: the mean loss over successive windows
// of steps, and the validation Y-PSNR (with the bicubic baseline) of a
// super-resolution stage, or the sample sheet's mean distance to the
// nearest training image of a base stage (8-bit levels RMS; see Run).
type History struct {
	Loss    []Point `json:"loss"`
	PSNR    []Point `json:"psnr,omitempty"`
	Bicubic float64 `json:"bicubic_psnr,omitempty"`
	Nearest []Point `json:"nearest,omitempty"`
}

// Point is a (step, value) pair.
type Point struct {
	Step  int     `json:"step"`
	Value float64 `json:"value"`
}

// ReadCheckpoint returns the step and settings of the checkpoint in dir,
// e.g. to start a resumed run's data stream at the right batch. The step
// is the state file's (authoritative); the rest comes from InfoFile.
func ReadCheckpoint(dir string) (*CheckpointInfo, error) {
	raw, err := readlimit.ReadFile(filepath.Join(dir, InfoFile), MaxInfoBytes)
	if err != nil {
		return nil, fmt.Errorf("train: reading checkpoint: %w", err)
	}
	info, err := ParseCheckpointInfo(raw, dir)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", filepath.Join(dir, InfoFile), err)
	}
	step, err := stateStep(dir)
	if err != nil {
		return nil, err
	}
	info.Step = step
	return info, nil
}

// ParseCheckpointInfo parses the content of an InfoFile (train.json) of the
// checkpoint in dir and checks every size in it (the model config and the
// options) before anything is made from it.
func ParseCheckpointInfo(raw []byte, dir string) (*CheckpointInfo, error) {
	var info CheckpointInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, err
	}
	if err := info.Config.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	opts := info.Options
	opts.Out = dir
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &info, nil
}

// HasCheckpoint reports whether dir holds a training checkpoint.
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, StateFile))
	return err == nil
}

// stateStep reads only the step from the state file's header.
func stateStep(dir string) (int, error) {
	_, meta, err := sr3.LoadTensors(filepath.Join(dir, StateFile))
	if err != nil {
		return 0, fmt.Errorf("train: checkpoint: %w", err)
	}
	return metaStep(meta, filepath.Join(dir, StateFile))
}

func metaStep(meta map[string]string, path string) (int, error) {
	step, err := strconv.Atoi(meta["step"])
	if err != nil || step < 0 {
		return 0, fmt.Errorf("train: checkpoint %s: no valid step in its metadata (%q)", path, meta["step"])
	}
	return step, nil
}

// saveHook, when set (tests), is called before each checkpoint file is
// written; an error aborts the save there.
var saveHook func(file string) error

// saveCheckpoint writes the whole checkpoint of store at step: curve is
// CurveFile's content, samples SamplesFile's (nil: left as it is).
func saveCheckpoint(dir string, store *model.Store, cfg sr3.Config, info *CheckpointInfo, curve, samples []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	meta := map[string]string{"step": strconv.Itoa(info.Step), "format": "srcascade-train-1"}
	state := map[string]*tensors.Tensor{}
	for v := range store.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("train: checkpoint: variable %s: %w", v.Path(), err)
		}
		state[strings.TrimPrefix(v.Path(), "/")] = t
	}
	steps := []struct {
		file string
		save func() error
	}{
		{StateFile, func() error { return sr3.SaveTensors(filepath.Join(dir, StateFile), state, meta) }},
		{ClassesFile, func() error {
			if len(info.Options.Classes) == 0 {
				return nil
			}
			return writeClassNames(dir, info.Options.Classes)
		}},
		{sr3.WeightsFile, func() error { return sr3.SaveModel(dir, cfg, emaWeights(store), meta) }},
		{InfoFile, func() error {
			b, err := json.MarshalIndent(info, "", "  ")
			if err != nil {
				return err
			}
			return atomicfile.WriteFile(filepath.Join(dir, InfoFile), append(b, '\n'))
		}},
		{CurveFile, func() error {
			if curve == nil {
				return nil
			}
			return atomicfile.WriteFile(filepath.Join(dir, CurveFile), curve)
		}},
		{SamplesFile, func() error {
			if samples == nil {
				return nil
			}
			return atomicfile.WriteFile(filepath.Join(dir, SamplesFile), samples)
		}},
	}
	for _, s := range steps {
		if saveHook != nil {
			if err := saveHook(s.file); err != nil {
				return fmt.Errorf("train: checkpoint %s: %w", filepath.Join(dir, s.file), err)
			}
		}
		if err := s.save(); err != nil {
			return fmt.Errorf("train: checkpoint %s: %w", filepath.Join(dir, s.file), err)
		}
	}
	return nil
}

// emaWeights returns the EMA weights under their inference names
// ("unet/..."). The tensors are the store's own.
func emaWeights(store *model.Store) map[string]*tensors.Tensor {
	out := map[string]*tensors.Tensor{}
	prefix := emaScope + weightsScope
	for v := range store.IterVariables() {
		if strings.HasPrefix(v.Path(), prefix) {
			out[strings.TrimPrefix(v.Path(), emaScope+"/")] = v.MustValue()
		}
	}
	return out
}

// loadState fills a fresh store with the state file of dir and returns its
// step. Weights under /unet/ are trainable, everything else is not.
func loadState(dir string, store *model.Store) (int, error) {
	path := filepath.Join(dir, StateFile)
	ts, meta, err := sr3.LoadTensors(path)
	if err != nil {
		return 0, fmt.Errorf("train: resuming: %w", err)
	}
	step, err := metaStep(meta, path)
	if err != nil {
		return 0, err
	}
	hasWeights := false
	for name, t := range ts {
		p := "/" + name
		if err := recovery.Catch(func() {
			v := store.GetVariable(p)
			if v == nil {
				v = store.VariableWithValue(p, t)
			} else if err := v.SetValue(t); err != nil { // e.g. the RNG state, created by seeding
				panic(err)
			}
			v.SetTrainable(strings.HasPrefix(p, weightsScope))
		}); err != nil {
			return 0, fmt.Errorf("train: resuming from %s: variable %s: %w", path, name, err)
		}
		hasWeights = hasWeights || strings.HasPrefix(p, weightsScope)
	}
	if !hasWeights {
		return 0, fmt.Errorf("train: resuming: %s holds no network weights", path)
	}
	return step, nil
}

// checkNoCheckpoint refuses to start a fresh run over an existing one.
func checkNoCheckpoint(dir string) error {
	for _, f := range []string{StateFile, InfoFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("train: %s already holds a training checkpoint; resume it or choose another output folder", dir)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("train: %w", err)
		}
	}
	return nil
}

// writeClassNames writes ClassesFile: the names as a JSON list. A
// ClassesFile already in dir whose names are display names of the same
// classes (entry i's ClassSlug is names[i], as "Animals & Nature" is the
// folder animals-nature) is kept: a shipped checkpoint's names survive
// --resume.
func writeClassNames(dir string, names []string) error {
	if prev, err := ReadClassNames(dir); err == nil && len(prev) == len(names) {
		same := true
		for i, p := range prev {
			same = same && ClassSlug(p, i) == ClassSlug(names[i], i)
		}
		if same {
			return nil
		}
	}
	b, err := json.MarshalIndent(names, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ClassesFile), append(b, '\n'))
}

// ReadClassNames returns the class names saved with a class-conditional
// base stage in dir (ClassesFile), label i being entry i. The error wraps
// fs.ErrNotExist when the folder has none (an unconditional or
// super-resolution model, or one trained without names).
func ReadClassNames(dir string) ([]string, error) {
	path := filepath.Join(dir, ClassesFile)
	raw, err := readlimit.ReadFile(path, MaxClassesBytes)
	if err != nil {
		return nil, fmt.Errorf("train: class names: %w", err)
	}
	names, err := parseClassNames(raw)
	if err != nil {
		return nil, fmt.Errorf("train: class names %s: %w", path, err)
	}
	return names, nil
}

// parseClassNames parses the content of a ClassesFile: a non-empty JSON
// list of at most sr3.MaxClasses names.
func parseClassNames(raw []byte) ([]string, error) {
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("empty list")
	}
	if len(names) > sr3.MaxClasses {
		return nil, fmt.Errorf("%d names, more than the %d classes a model can have", len(names), sr3.MaxClasses)
	}
	return names, nil
}
