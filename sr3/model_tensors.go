package sr3

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/internal/atomicfile"
	"github.com/srcascade/srcascade/internal/readlimit"
)

// Weights are stored in the safetensors format (an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the raw little-endian data), readable by PyTorch, JAX and
// the HuggingFace tools, simple to embed and to memory-map.

// maxSafetensorsHeader bounds the JSON header we accept (a corrupt length
// must not make us allocate gigabytes).
const maxSafetensorsHeader = 64 << 20

// safetensorsDTypes are the dtypes written and read as they are.
var safetensorsDTypes = map[dtypes.DType]string{
	dtypes.Float32: "F32",
	dtypes.Float64: "F64",
	dtypes.Int32:   "I32",
	dtypes.Int64:   "I64",
	dtypes.Uint64:  "U64",
}

// halfCodes are the safetensors codes of the 16-bit float dtypes, which
// ReadTensors widens to float32 and WriteTensorsAs narrows float32
// tensors to.
var halfCodes = map[dtypes.DType]string{
	dtypes.Float16:  "F16",
	dtypes.BFloat16: "BF16",
}

// halfWiden widens a 16-bit float of the given safetensors code.
var halfWiden = map[string]func(uint16) float32{
	"F16":  float16ToFloat32,
	"BF16": bfloat16ToFloat32,
}

type safetensorsEntry struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// WriteTensors writes named tensors and string metadata in the safetensors
// format, tensors in name order (so the same weights give the same bytes).
func WriteTensors(w io.Writer, ts map[string]*tensors.Tensor, meta map[string]string) error {
	return WriteTensorsAs(w, ts, meta, dtypes.Float32)
}

// WriteTensorsAs is WriteTensors with the float32 tensors stored as
// floats (dtypes.Float32: as they are; dtypes.Float16 or dtypes.BFloat16:
// rounded to nearest, ties to even, half the bytes); tensors of other
// dtypes are written as they are. ReadTensors widens 16-bit floats back to
// float32. Narrowing refuses (an error naming the tensor) a NaN or
// infinite value, and for Float16 a magnitude beyond its largest finite
// value, 65504, rather than store an infinity; see MeasureNarrowing for
// what it does to the values.
func WriteTensorsAs(w io.Writer, ts map[string]*tensors.Tensor, meta map[string]string, floats dtypes.DType) error {
	half, narrow := halfCodes[floats]
	if !narrow && floats != dtypes.Float32 {
		return fmt.Errorf("weights stored as %s: want float32, float16 or bfloat16", floats)
	}
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	header := make(map[string]any, len(ts)+1)
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	// encoded holds the narrowed tensors' bytes, ready before anything is
	// written, so a refused value leaves no partial output.
	encoded := map[string][]byte{}
	offset := 0
	for _, n := range names {
		t := ts[n]
		code, ok := safetensorsDTypes[t.DType()]
		if !ok {
			return fmt.Errorf("tensor %q: dtype %s not supported in safetensors files", n, t.DType())
		}
		size := int(t.Shape().ByteSize())
		if narrow && t.DType() == dtypes.Float32 {
			b, err := narrowFloats(t, floats)
			if err != nil {
				return fmt.Errorf("tensor %q: %w", n, err)
			}
			code, size, encoded[n] = half, len(b), b
		}
		header[n] = safetensorsEntry{DType: code, Shape: append([]int{}, t.Shape().Dimensions...), DataOffsets: [2]int{offset, offset + size}}
		offset += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encoding safetensors header: %w", err)
	}
	for len(hj)%8 != 0 { // align the data section
		hj = append(hj, ' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hj); err != nil {
		return err
	}
	for _, n := range names {
		if b, ok := encoded[n]; ok {
			if _, err := w.Write(b); err != nil {
				return err
			}
			continue
		}
		var werr error
		if err := ts[n].ConstBytes(func(data []byte) { _, werr = w.Write(data) }); err != nil {
			return fmt.Errorf("tensor %q: %w", n, err)
		}
		if werr != nil {
			return werr
		}
	}
	return nil
}

// ReadTensors parses a safetensors file's content. Tensors stored as 16-bit
// floats (F16, BF16) are widened to float32, exactly; the other dtypes
// (F32, F64, I32, I64, U64) are read as they are.
func ReadTensors(data []byte) (map[string]*tensors.Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("not a safetensors file: %d bytes", len(data))
	}
	hlen := binary.LittleEndian.Uint64(data[:8])
	if hlen > maxSafetensorsHeader || hlen > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("not a safetensors file (or truncated): header of %d bytes in a %d-byte file", hlen, len(data))
	}
	body := data[8+hlen:]
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data[8 : 8+hlen]))
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors header: %w", err)
	}
	var meta map[string]string
	ts := make(map[string]*tensors.Tensor, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors metadata: %w", err)
			}
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors entry %q: %w", name, err)
		}
		var dt dtypes.DType = dtypes.InvalidDType
		for d, code := range safetensorsDTypes {
			if code == e.DType {
				dt = d
			}
		}
		widen := halfWiden[e.DType]
		elem := int64(2)
		switch {
		case widen != nil:
			dt = dtypes.Float32
		case dt == dtypes.InvalidDType:
			return nil, nil, fmt.Errorf("tensor %q: unsupported dtype %q (want F32, F16, BF16, F64, I32, I64 or U64)", name, e.DType)
		default:
			elem = int64(dt.Size())
		}
		// The shape's byte size as stored must fit the data section; the
		// product is bounded as it is formed, so no shape can overflow it.
		size := elem
		if len(e.Shape) > 8 {
			return nil, nil, fmt.Errorf("tensor %q: shape %v has more than 8 dimensions", name, e.Shape)
		}
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && size > int64(len(body))/int64(d)) {
				return nil, nil, fmt.Errorf("tensor %q: shape %v does not fit the %d-byte data section", name, e.Shape, len(body))
			}
			size *= int64(d)
		}
		shape := shapes.Make(dt, e.Shape...)
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin < 0 || end < begin || end > len(body) || int64(end-begin) != size {
			return nil, nil, fmt.Errorf("tensor %q: data range %d..%d does not hold %s %v (%d bytes) in a %d-byte data section (truncated file?)",
				name, begin, end, e.DType, e.Shape, size, len(body))
		}
		t := tensors.FromShape(shape)
		var err error
		if widen != nil {
			err = tensors.MutableFlatData(t, func(dst []float32) {
				src := body[begin:end]
				for i := range dst {
					dst[i] = widen(binary.LittleEndian.Uint16(src[2*i:]))
				}
			})
		} else {
			err = t.MutableBytes(func(dst []byte) { copy(dst, body[begin:end]) })
		}
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		ts[name] = t
	}
	return ts, meta, nil
}

// SaveTensors writes a safetensors file atomically (a temporary file in the
// same folder, synced, renamed into place).
func SaveTensors(path string, ts map[string]*tensors.Tensor, meta map[string]string) error {
	return SaveTensorsAs(path, ts, meta, dtypes.Float32)
}

// SaveTensorsAs is SaveTensors with the float32 tensors stored as floats
// (see WriteTensorsAs).
func SaveTensorsAs(path string, ts map[string]*tensors.Tensor, meta map[string]string, floats dtypes.DType) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return WriteTensorsAs(w, ts, meta, floats) }); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	return nil
}

// LoadTensors reads a safetensors file.
func LoadTensors(path string) (map[string]*tensors.Tensor, map[string]string, error) {
	data, err := readlimit.ReadFile(path, MaxWeightsBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("reading weights: %w", err)
	}
	ts, meta, err := ReadTensors(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, meta, nil
}
