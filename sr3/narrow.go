package sr3

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// ParseWeightsDType parses the name of a dtype weights can be stored as
// (WriteTensorsAs): f32/float32, f16/float16/fp16 or bf16/bfloat16.
func ParseWeightsDType(s string) (dtypes.DType, error) {
	switch s {
	case "f32", "float32", "fp32":
		return dtypes.Float32, nil
	case "f16", "float16", "fp16":
		return dtypes.Float16, nil
	case "bf16", "bfloat16":
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("unknown weights dtype %q: want f32, f16 or bf16", s)
}

// Narrowing is what storing float32 weights as a 16-bit float dtype does to
// them (MeasureNarrowing).
type Narrowing struct {
	// DType is the dtype the weights are stored as.
	DType dtypes.DType
	// Tensors and Values count the float32 tensors and their values.
	Tensors, Values int
	// MaxAbs is the largest magnitude of the float32 weights.
	MaxAbs float64
	// Subnormal counts the nonzero values stored as float16 subnormals
	// (magnitude below 2^-14, with fewer mantissa bits); Flushed those of
	// them that round to zero. Both are 0 for bfloat16, which has float32's
	// range.
	Subnormal, Flushed int
	// MaxAbsError and MeanAbsError are the largest and mean absolute
	// rounding errors; MaxRelError the largest relative error of a value
	// stored as a normal number (at most 2^-11 for float16, 2^-8 for
	// bfloat16).
	MaxAbsError, MeanAbsError, MaxRelError float64
	// Bytes and StoredBytes are the float32 tensors' bytes and what they
	// take stored as DType.
	Bytes, StoredBytes int64
}

// MeasureNarrowing rounds the float32 tensors of ts to dtype (Float16 or
// BFloat16) as WriteTensorsAs stores them and measures the effect. A NaN or
// infinite weight, or a float16 magnitude above 65504, is an error naming
// the tensor, as in WriteTensorsAs.
func MeasureNarrowing(ts map[string]*tensors.Tensor, dtype dtypes.DType) (Narrowing, error) {
	n := Narrowing{DType: dtype}
	if _, ok := halfCodes[dtype]; !ok {
		return n, fmt.Errorf("weights stored as %s: want float16 or bfloat16", dtype)
	}
	names := make([]string, 0, len(ts))
	for name, t := range ts {
		if t.DType() == dtypes.Float32 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	sumErr := 0.0
	for _, name := range names {
		vals, err := tensors.CopyFlatData[float32](ts[name])
		if err != nil {
			return n, fmt.Errorf("tensor %q: %w", name, err)
		}
		n.Tensors++
		n.Values += len(vals)
		n.Bytes += int64(4 * len(vals))
		n.StoredBytes += int64(2 * len(vals))
		for i, v := range vals {
			r, err := roundTo(v, dtype)
			if err != nil {
				return n, fmt.Errorf("tensor %q, value %d: %w", name, i, err)
			}
			a := math.Abs(float64(v))
			n.MaxAbs = max(n.MaxAbs, a)
			e := math.Abs(float64(r) - float64(v))
			sumErr += e
			n.MaxAbsError = max(n.MaxAbsError, e)
			switch {
			case dtype == dtypes.Float16 && v != 0 && a < minNormalFloat16:
				n.Subnormal++
				if r == 0 {
					n.Flushed++
				}
			case v != 0:
				n.MaxRelError = max(n.MaxRelError, e/a)
			}
		}
	}
	if n.Values > 0 {
		n.MeanAbsError = sumErr / float64(n.Values)
	}
	return n, nil
}

// roundTo is v as stored in dtype (Float16 or BFloat16) and widened back;
// an error for values the dtype must not store.
func roundTo(v float32, dtype dtypes.DType) (float32, error) {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return 0, fmt.Errorf("%g is not a finite weight", v)
	}
	if dtype == dtypes.BFloat16 {
		r := bfloat16ToFloat32(float32ToBFloat16(v))
		if math.IsInf(float64(r), 0) {
			return 0, fmt.Errorf("%g rounds to infinity in bfloat16", v)
		}
		return r, nil
	}
	r := float16ToFloat32(float32ToFloat16(v))
	if math.IsInf(float64(r), 0) {
		return 0, fmt.Errorf("%g is outside float16's range (largest %d): store the weights as bf16 or f32", v, maxFloat16)
	}
	return r, nil
}

// narrowFloats encodes a float32 tensor's values as little-endian 16-bit
// floats of dtype (Float16 or BFloat16), refusing values roundTo refuses.
func narrowFloats(t *tensors.Tensor, dtype dtypes.DType) ([]byte, error) {
	vals, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	conv := float32ToFloat16
	if dtype == dtypes.BFloat16 {
		conv = float32ToBFloat16
	}
	out := make([]byte, 2*len(vals))
	for i, v := range vals {
		if _, err := roundTo(v, dtype); err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		binary.LittleEndian.PutUint16(out[2*i:], conv(v))
	}
	return out, nil
}
