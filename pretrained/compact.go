package pretrained

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/srcascade/srcascade/internal/atomicfile"
	"github.com/srcascade/srcascade/internal/samefile"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// CompactReport says what Compact wrote.
type CompactReport struct {
	// DType is what the weights are stored as.
	DType dtypes.DType
	// Narrowing is what rounding the weights to DType did to them (zero
	// when DType is Float32).
	Narrowing sr3.Narrowing
	// Params is the number of weights; InBytes and OutBytes are the sizes
	// of the weights file read and written.
	Params            int
	InBytes, OutBytes int64
	// Copied are the other files copied as they are (config.json first);
	// LeftOut the entries of the input folder not copied: the training
	// state (train.StateFile), sub-folders and temporary files.
	Copied, LeftOut []string
}

// Compact writes a copy of the model folder inDir (a checkpoint written by
// training or sr3.Model.Save, or a built-in model's folder) to outDir with
// its weights (sr3.WeightsFile, read in any dtype ReadTensors reads) stored
// as floats (dtypes.Float16 or BFloat16 for half the bytes of float32; see
// sr3.WriteTensorsAs), the other files copied as they are, and without the
// training state (train.StateFile: the optimizer's moments, three times
// the weights' size), which inference does not need. This is how the
// built-in models are stored.
//
// outDir must be a new or empty folder outside inDir: the input is
// never replaced, and nothing already in outDir either. Every file is
// written atomically. A NaN or infinite weight, or a float16 weight beyond
// its range, is an error naming the tensor (nothing is written then).
func Compact(inDir, outDir string, floats dtypes.DType) (*CompactReport, error) {
	if floats != dtypes.Float32 && floats != dtypes.Float16 && floats != dtypes.BFloat16 {
		return nil, fmt.Errorf("compact: weights stored as %s: want float32, float16 or bfloat16", floats)
	}
	if !IsCheckpoint(inDir) {
		return nil, fmt.Errorf("compact: %s is not a model folder (it needs %s and %s)", inDir, sr3.ConfigFile, sr3.WeightsFile)
	}
	if err := checkCompactOut(inDir, outDir); err != nil {
		return nil, err
	}
	cfg, err := sr3.ReadConfig(inDir)
	if err != nil {
		return nil, fmt.Errorf("compact: %s: %w", inDir, err)
	}
	inWeights := filepath.Join(inDir, sr3.WeightsFile)
	weights, meta, err := sr3.LoadTensors(inWeights)
	if err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	r := &CompactReport{DType: floats}
	for _, t := range weights {
		r.Params += t.Size()
	}
	if want := cfg.ParamCount(); int64(r.Params) != want {
		return nil, fmt.Errorf("compact: %s holds %d weights, but the network of %s has %d", inWeights, r.Params, sr3.ConfigFile, want)
	}
	if floats != dtypes.Float32 {
		if r.Narrowing, err = sr3.MeasureNarrowing(weights, floats); err != nil {
			return nil, fmt.Errorf("compact: %s: %w", inWeights, err)
		}
	}
	entries, err := os.ReadDir(inDir)
	if err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	var copies []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == sr3.WeightsFile:
		case name == train.StateFile || !e.Type().IsRegular() || atomicfile.IsTemp(name):
			r.LeftOut = append(r.LeftOut, name)
		default:
			copies = append(copies, name)
		}
	}
	// config.json first, as Copied promises.
	slices.SortStableFunc(copies, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == sr3.ConfigFile:
			return -1
		case b == sr3.ConfigFile:
			return 1
		}
		return 0
	})
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	outWeights := filepath.Join(outDir, sr3.WeightsFile)
	if err := sr3.SaveTensorsAs(outWeights, weights, meta, floats); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	for _, name := range copies {
		if err := copyFile(filepath.Join(inDir, name), filepath.Join(outDir, name)); err != nil {
			return nil, fmt.Errorf("compact: %w", err)
		}
		r.Copied = append(r.Copied, name)
	}
	if r.InBytes, err = fileSize(inWeights); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	if r.OutBytes, err = fileSize(outWeights); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	return r, nil
}

// checkCompactOut refuses an output folder that is the input folder or
// lies inside it, is a file, or already holds something.
func checkCompactOut(inDir, outDir string) error {
	if samefile.Within(outDir, inDir) {
		return fmt.Errorf("compact: the output folder %s is the input folder %s or inside it: the input is never replaced; give a new folder elsewhere", outDir, inDir)
	}
	st, err := os.Stat(outDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("compact: %w", err)
	case !st.IsDir():
		return fmt.Errorf("compact: the output %s is a file, not a folder", outDir)
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("compact: the output folder %s is not empty (it holds %s): give a new or empty folder, so nothing in it is replaced",
			outDir, entries[0].Name())
	}
	return nil
}

// copyFile copies src to dst atomically.
func copyFile(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := atomicfile.Write(dst, func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	}); err != nil {
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	return nil
}

// fileSize is the size of the file at path.
func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
