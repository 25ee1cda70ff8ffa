package sr3

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// safetensorsFile builds a safetensors file from a JSON header and the
// data section.
func safetensorsFile(header string, body []byte) []byte {
	h := []byte(header)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), body...)
}

// le16 is the little-endian bytes of 16-bit values.
func le16(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

// TestReadTensorsHalf reads a hand-written file of F16 and BF16 tensors:
// float32 tensors of the hand-computed values (a subnormal and infinities
// included, widened exactly as stored), the F32 tensor beside them as it
// is; every truncation and a data range that does not match the shape's
// 2-byte values are errors.
func TestReadTensorsHalf(t *testing.T) {
	body := le16(0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0x3555) // F16 at 0..12
	body = append(body, le16(0x3f80, 0x4049, 0xff80, 0x0000)...) // BF16 at 12..20
	body = binary.LittleEndian.AppendUint32(body, math.Float32bits(0.1))
	header := `{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},` +
		`"b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]},` +
		`"f":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}}`
	data := safetensorsFile(header, body)
	ts, _, err := ReadTensors(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]float64{
		"h": {1, -2, 1.0 / (1 << 24), 65504, math.Inf(1), 0.333251953125},
		"b": {1, 3.140625, math.Inf(-1), 0},
		"f": {float64(float32(0.1))},
	} {
		x := ts[name]
		if x == nil || x.DType() != dtypes.Float32 {
			t.Fatalf("tensor %s: %v, want float32", name, x)
		}
		got := tensors.MustCopyFlatData[float32](x)
		for i := range want {
			if float64(got[i]) != want[i] {
				t.Errorf("tensor %s[%d] = %g, want %g", name, i, got[i], want[i])
			}
		}
	}
	if d := ts["h"].Shape().Dimensions; len(d) != 2 || d[0] != 2 || d[1] != 3 {
		t.Errorf("tensor h has shape %v, want [2 3]", d)
	}
	for n := range len(data) {
		if _, _, err := ReadTensors(data[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
	// The range must hold exactly the shape's 2-byte values: 4 values of
	// F16 in 12 bytes (their float32 size would be 16) is an error.
	bad := safetensorsFile(`{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,12]}}`, body[:12])
	if _, _, err := ReadTensors(bad); err == nil || !strings.Contains(err.Error(), `tensor "h": data range 0..12 does not hold F16 [4] (8 bytes)`) {
		t.Errorf("F16 [4] in 12 bytes: %v", err)
	}
	bad = safetensorsFile(`{"h":{"dtype":"F8","shape":[4],"data_offsets":[0,4]}}`, body[:4])
	if _, _, err := ReadTensors(bad); err == nil || !strings.Contains(err.Error(), `unsupported dtype "F8"`) {
		t.Errorf("dtype F8: %v", err)
	}
}

// randomWeights are weights drawn like a trained network's: mostly small,
// a few large, some zero, and some below float16's normal range.
func randomWeights(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	w := make([]float32, n)
	for i := range w {
		switch i % 50 {
		case 0:
			w[i] = 0
		case 1:
			w[i] = float32(r.NormFloat64() * 1e-6) // subnormal in float16
		case 2:
			w[i] = float32(r.NormFloat64() * 20)
		default:
			w[i] = float32(r.NormFloat64() * 0.05)
		}
	}
	return w
}

// TestWriteTensorsAsRoundTrip stores float32 weights as float16 and as
// bfloat16: the header names the dtype, the float32 tensors take half the
// bytes, an int64 tensor is kept as it is, and each value read back is the
// float32 value rounded to nearest (within 2^-11 relative for float16,
// 2^-8 for bfloat16, 2^-25 absolute for float16's subnormals), as
// MeasureNarrowing reports.
func TestWriteTensorsAsRoundTrip(t *testing.T) {
	vals := randomWeights(3, 6000)
	in := map[string]*tensors.Tensor{
		"w":    tensors.FromFlatDataAndDimensions(vals, 20, 300),
		"step": tensors.FromFlatDataAndDimensions([]int64{123456789012}, 1),
	}
	for _, c := range []struct {
		dtype  dtypes.DType
		code   string
		rel    float64
		subAbs float64
	}{{dtypes.Float16, `"F16"`, 1.0 / (1 << 11), 1.0 / (1 << 25)}, {dtypes.BFloat16, `"BF16"`, 1.0 / (1 << 8), 0}} {
		var buf bytes.Buffer
		if err := WriteTensorsAs(&buf, in, map[string]string{"k": "v"}, c.dtype); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(buf.Bytes(), []byte(c.code)) || !bytes.Contains(buf.Bytes(), []byte(`"I64"`)) {
			t.Errorf("%s: header does not name %s and I64", c.dtype, c.code)
		}
		if data := buf.Len() - 8 - int(binary.LittleEndian.Uint64(buf.Bytes())); data != 2*len(vals)+8 {
			t.Errorf("%s: data section of %d bytes, want %d: 2 per weight and the int64", c.dtype, data, 2*len(vals)+8)
		}
		out, meta, err := ReadTensors(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if meta["k"] != "v" || tensors.MustCopyFlatData[int64](out["step"])[0] != 123456789012 {
			t.Errorf("%s: meta %v, step %v", c.dtype, meta, out["step"])
		}
		got := tensors.MustCopyFlatData[float32](out["w"])
		maxErr, sumErr := 0.0, 0.0
		for i, v := range vals {
			want, err := roundTo(v, c.dtype)
			if err != nil {
				t.Fatal(err)
			}
			if got[i] != want {
				t.Fatalf("%s: weight %d = %g read back as %g, want %g", c.dtype, i, v, got[i], want)
			}
			e := math.Abs(float64(got[i]) - float64(v))
			maxErr, sumErr = max(maxErr, e), sumErr+e
			a := math.Abs(float64(v))
			if c.dtype == dtypes.Float16 && a < minNormalFloat16 {
				if e > c.subAbs {
					t.Errorf("%s: subnormal weight %g read back as %g", c.dtype, v, got[i])
				}
			} else if e > c.rel*a {
				t.Errorf("%s: weight %g read back as %g: relative error %g", c.dtype, v, got[i], e/a)
			}
		}
		n, err := MeasureNarrowing(in, c.dtype)
		if err != nil {
			t.Fatal(err)
		}
		if n.Tensors != 1 || n.Values != len(vals) || n.MaxAbsError != maxErr || math.Abs(n.MeanAbsError-sumErr/float64(len(vals))) > 1e-12 ||
			n.MaxRelError > c.rel || n.Bytes != int64(4*len(vals)) || n.StoredBytes != int64(2*len(vals)) {
			t.Errorf("%s: MeasureNarrowing = %+v; max error %g, mean %g", c.dtype, n, maxErr, sumErr/float64(len(vals)))
		}
		// One weight in 50 is drawn tiny (a few of the others are tiny too);
		// of those, the ones below 2^-25 are flushed to zero.
		if c.dtype == dtypes.Float16 && (n.Subnormal < len(vals)/50 || n.Subnormal > len(vals)/40 || n.Flushed == 0 || n.Flushed > n.Subnormal/10) {
			t.Errorf("float16: %d subnormal, %d flushed to zero of %d tiny weights", n.Subnormal, n.Flushed, len(vals)/50)
		}
		if c.dtype == dtypes.BFloat16 && (n.Subnormal != 0 || n.Flushed != 0) {
			t.Errorf("bfloat16: %d subnormal, %d flushed, want none", n.Subnormal, n.Flushed)
		}
	}
}

// TestWriteTensorsAsRefuses checks that narrowing refuses what it cannot
// store faithfully, naming the tensor and writing nothing: NaN and
// infinite weights, float16 magnitudes beyond 65504 (bfloat16 takes them),
// and dtypes weights are not stored as.
func TestWriteTensorsAsRefuses(t *testing.T) {
	for _, c := range []struct {
		v     float32
		dtype dtypes.DType
		want  string
	}{
		{float32(math.NaN()), dtypes.Float16, `tensor "w": value 1: NaN is not a finite weight`},
		{float32(math.Inf(-1)), dtypes.BFloat16, `tensor "w": value 1: -Inf is not a finite weight`},
		{70000, dtypes.Float16, `tensor "w": value 1: 70000 is outside float16's range (largest 65504): store the weights as bf16 or f32`},
		{1, dtypes.Int8, "weights stored as Int8: want float32, float16 or bfloat16"},
	} {
		var buf bytes.Buffer
		ts := map[string]*tensors.Tensor{"w": tensors.FromFlatDataAndDimensions([]float32{1, c.v}, 2)}
		err := WriteTensorsAs(&buf, ts, nil, c.dtype)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%g as %s: %v, want %q", c.v, c.dtype, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%g as %s: %d bytes written before the error", c.v, c.dtype, buf.Len())
		}
	}
	var buf bytes.Buffer
	if err := WriteTensorsAs(&buf, map[string]*tensors.Tensor{"w": tensors.FromFlatDataAndDimensions([]float32{70000}, 1)}, nil, dtypes.BFloat16); err != nil {
		t.Errorf("70000 as bfloat16: %v", err)
	}
	// SaveTensorsAs leaves an existing file as it was.
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := SaveTensorsAs(path, map[string]*tensors.Tensor{"w": tensors.FromFlatDataAndDimensions([]float32{float32(math.NaN())}, 1)}, nil, dtypes.Float16)
	if got, _ := os.ReadFile(path); err == nil || string(got) != "old" {
		t.Errorf("SaveTensorsAs of a NaN: %v, file now %q", err, got)
	}
}

// TestParseWeightsDType checks the dtype names of `models compact --dtype`.
func TestParseWeightsDType(t *testing.T) {
	for s, want := range map[string]dtypes.DType{"f16": dtypes.Float16, "float16": dtypes.Float16, "bf16": dtypes.BFloat16, "f32": dtypes.Float32} {
		if got, err := ParseWeightsDType(s); err != nil || got != want {
			t.Errorf("ParseWeightsDType(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseWeightsDType("int8"); err == nil || !strings.Contains(err.Error(), `"int8": want f32, f16 or bf16`) {
		t.Errorf("int8: %v", err)
	}
}

// TestSaveModelAsAgrees saves a small network's weights as float16 and as
// bfloat16 and checks that the loaded model predicts the noise of the
// float32 one closely: float16 within 1e-2 of the prediction's scale,
// bfloat16 (3 fewer mantissa bits) within 8e-2 (measured: 3.0e-3 and
// 2.1e-2 on this randomly perturbed network, which amplifies rounding more
// than a trained one).
func TestSaveModelAsAgrees(t *testing.T) {
	cfg := tinyConfig()
	m, err := New(cfg, goBackend(t), 7)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh network's last layer is zero: perturb every weight, so that
	// all of them reach the prediction.
	weights := map[string]*tensors.Tensor{}
	seed := uint64(10)
	for name, w := range m.Weights() {
		seed++
		vals := tensors.MustCopyFlatData[float32](w)
		for i, d := range randomWeights(seed, len(vals)) {
			vals[i] += d / 4
		}
		weights[name] = tensors.FromFlatDataAndDimensions(vals, w.Shape().Dimensions...)
	}
	if err := m.SetWeights(weights); err != nil {
		t.Fatal(err)
	}
	const n, s = 1, 16
	xt := flat(randTensor(1, n, s, s, 3))
	cond := scaled(flat(randTensor(2, n, s, s, 3)), 0.5)
	ref, err := m.PredictNoise(xt, cond, n, s, s, []float32{0.4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dtype dtypes.DType
		tol   float64
	}{{dtypes.Float16, 1e-2}, {dtypes.BFloat16, 8e-2}} {
		dir := t.TempDir()
		if err := SaveModelAs(dir, cfg, m.Weights(), nil, c.dtype); err != nil {
			t.Fatal(err)
		}
		h, err := Load(dir, goBackend(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.PredictNoise(xt, cond, n, s, s, []float32{0.4}, nil)
		if err != nil {
			t.Fatal(err)
		}
		diff, scale := maxAbsDiff(t, ref, got)
		t.Logf("%s weights: prediction differs by %.3g of its scale", c.dtype, diff/scale)
		if diff == 0 || diff > c.tol*scale {
			t.Errorf("%s weights: prediction differs by %g (scale %g), want (0, %g]", c.dtype, diff, scale, c.tol*scale)
		}
	}
}
