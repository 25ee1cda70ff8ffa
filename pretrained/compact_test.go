package pretrained

import (
	"bytes"
	"encoding/binary"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// trainingFolder writes a small model folder as training leaves it: the
// weights, config, a training state, train.json, a model card, plus a
// sub-folder and a leftover temporary file.
func trainingFolder(t *testing.T) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "run")
	saveTinyModel(t, in)
	for name, content := range map[string]string{
		train.StateFile:  "state",
		train.InfoFile:   `{"step": 4}`,
		"MODEL_CARD.md":  "# card\n",
		".x.pid1.ab.tmp": "torn",
	} {
		if err := os.WriteFile(filepath.Join(in, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(in, "samples"), 0o755); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestCompact compacts a training folder to float16 and to bfloat16: the
// weights file is about half the size and stores the dtype, each weight
// loads as the float32 one rounded (relative error within 2^-11, 2^-8),
// config.json and the other files are copied byte for byte, the training
// state, the sub-folder and the temporary file are left out, the input is
// untouched, and the copy opens as a model.
func TestCompact(t *testing.T) {
	in := trainingFolder(t)
	ref, _, err := sr3.LoadTensors(filepath.Join(in, sr3.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(in, sr3.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dtype dtypes.DType
		code  string
		rel   float64
	}{{dtypes.Float16, `"F16"`, 1.0 / (1 << 11)}, {dtypes.BFloat16, `"BF16"`, 1.0 / (1 << 8)}} {
		out := filepath.Join(t.TempDir(), "new", "x4-small")
		r, err := Compact(in, out, c.dtype)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Copied, []string{sr3.ConfigFile, "MODEL_CARD.md", train.InfoFile}) {
			t.Errorf("%s: copied %q, want config.json, MODEL_CARD.md, train.json", c.dtype, r.Copied)
		}
		if !slices.Equal(r.LeftOut, []string{".x.pid1.ab.tmp", "samples", train.StateFile}) {
			t.Errorf("%s: left out %q", c.dtype, r.LeftOut)
		}
		if r.InBytes != int64(len(before)) {
			t.Errorf("%s: read %d bytes, the file has %d", c.dtype, r.InBytes, len(before))
		}
		if r.Narrowing.Values != r.Params || r.Narrowing.MaxRelError > c.rel || r.Narrowing.MaxAbsError == 0 {
			t.Errorf("%s: %d weights, narrowing %+v", c.dtype, r.Params, r.Narrowing)
		}
		written, err := os.ReadFile(filepath.Join(out, sr3.WeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(written)) != r.OutBytes || !bytes.Contains(written[:4096], []byte(c.code)) {
			t.Errorf("%s: the weights file (%d bytes) does not store %s", c.dtype, len(written), c.code)
		}
		if in, out := dataBytes(before), dataBytes(written); out != in/2 || out != 2*r.Params {
			t.Errorf("%s: %d weights in %d bytes of float32 data -> %d bytes, want half", c.dtype, r.Params, in, out)
		}
		for _, name := range r.Copied {
			a, _ := os.ReadFile(filepath.Join(in, name))
			b, err := os.ReadFile(filepath.Join(out, name))
			if err != nil || !bytes.Equal(a, b) {
				t.Errorf("%s: %s not copied as it was (%v)", c.dtype, name, err)
			}
		}
		entries, _ := os.ReadDir(out)
		if len(entries) != 4 {
			t.Errorf("%s: the output holds %d entries, want the weights and 3 copies", c.dtype, len(entries))
		}
		got, _, err := sr3.LoadTensors(filepath.Join(out, sr3.WeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range ref {
			a, b := tensors.MustCopyFlatData[float32](w), tensors.MustCopyFlatData[float32](got[name])
			for i := range a {
				if e := math.Abs(float64(a[i] - b[i])); e > c.rel*math.Abs(float64(a[i])) && e > 1.0/(1<<24) {
					t.Fatalf("%s: weight %s[%d] = %g loads as %g", c.dtype, name, i, a[i], b[i])
				}
			}
		}
		up, err := Open(out, "go")
		if err != nil {
			t.Fatalf("%s: opening the compact copy: %v", c.dtype, err)
		}
		if up.Name() != "x4-small" {
			t.Errorf("%s: the copy opens as %q", c.dtype, up.Name())
		}
	}
	if after, _ := os.ReadFile(filepath.Join(in, sr3.WeightsFile)); !bytes.Equal(after, before) {
		t.Error("the input weights changed")
	}
	if _, err := os.Stat(filepath.Join(in, train.StateFile)); err != nil {
		t.Errorf("the input's training state: %v", err)
	}
}

// TestCompactRefuses checks what Compact will not do, each an error naming
// the folder or tensor, with nothing written: write into the input folder
// or inside it, into a non-empty folder or over a file, read a folder that
// is not a model, or store a NaN weight or weights that do not match the
// config.
func TestCompactRefuses(t *testing.T) {
	in := trainingFolder(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A model whose weights hold a NaN, and one whose weights lack a tensor.
	nan := filepath.Join(dir, "nan")
	mismatch := filepath.Join(dir, "mismatch")
	cfgRaw, err := os.ReadFile(filepath.Join(in, sr3.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	weights, _, err := sr3.LoadTensors(filepath.Join(in, sr3.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for name := range weights {
		if first == "" || name < first {
			first = name
		}
	}
	vals := tensors.MustCopyFlatData[float32](weights[first])
	vals[0] = float32(math.NaN())
	withNaN := maps.Clone(weights)
	withNaN[first] = tensors.FromFlatDataAndDimensions(vals, weights[first].Shape().Dimensions...)
	without := maps.Clone(weights)
	delete(without, first)
	for d, w := range map[string]map[string]*tensors.Tensor{nan: withNaN, mismatch: without} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, sr3.ConfigFile), cfgRaw, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := sr3.SaveTensors(filepath.Join(d, sr3.WeightsFile), w, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		in, out string
		want    string
	}{
		{in, in, "is the input folder " + in + " or inside it"},
		{in, filepath.Join(in, "f16"), "or inside it"},
		{in, full, "the output folder " + full + " is not empty (it holds keep.txt)"},
		{in, file, "the output " + file + " is a file"},
		{dir, filepath.Join(dir, "out1"), dir + " is not a model folder"},
		{nan, filepath.Join(dir, "out2"), `tensor "` + first + `", value 0: NaN is not a finite weight`},
		{mismatch, filepath.Join(dir, "out3"), "but the network of config.json has"},
	} {
		_, err := Compact(c.in, c.out, dtypes.Float16)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compact(%s, %s): %v, want %q", c.in, c.out, err, c.want)
		}
	}
	for _, gone := range []string{filepath.Join(in, "f16"), filepath.Join(dir, "out1"), filepath.Join(dir, "out2"), filepath.Join(dir, "out3")} {
		if _, err := os.Stat(gone); err == nil {
			t.Errorf("%s was created", gone)
		}
	}
	if entries, _ := os.ReadDir(in); len(entries) != 7 {
		t.Errorf("the input folder holds %d entries after the refusals, want its 7", len(entries))
	}
}

// dataBytes is the size of a safetensors file's data section.
func dataBytes(file []byte) int {
	return len(file) - 8 - int(binary.LittleEndian.Uint64(file))
}
