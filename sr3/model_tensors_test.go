package sr3

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestTensorsRoundTrip(t *testing.T) {
	in := map[string]*tensors.Tensor{
		"a/w":  tensors.FromFlatDataAndDimensions([]float32{1, -2.5, 3, 4, 5, 6}, 2, 3),
		"step": tensors.FromFlatDataAndDimensions([]int64{123456789012}, 1),
		"rng":  tensors.FromFlatDataAndDimensions([]uint64{1, 1 << 63, 7}, 3),
	}
	var buf bytes.Buffer
	if err := WriteTensors(&buf, in, map[string]string{"step": "42"}); err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(buf.Bytes()[:8])
	if (8+hlen)%8 != 0 {
		t.Errorf("data section not 8-byte aligned (header %d bytes)", hlen)
	}
	out, meta, err := ReadTensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if meta["step"] != "42" || len(out) != 3 {
		t.Fatalf("meta %v, %d tensors", meta, len(out))
	}
	if got := tensors.MustCopyFlatData[float32](out["a/w"]); got[1] != -2.5 || out["a/w"].Shape().Dimensions[1] != 3 {
		t.Errorf("a/w = %v %s", got, out["a/w"].Shape())
	}
	if got := tensors.MustCopyFlatData[int64](out["step"]); got[0] != 123456789012 {
		t.Errorf("step = %v", got)
	}
	if got := tensors.MustCopyFlatData[uint64](out["rng"]); got[1] != 1<<63 {
		t.Errorf("rng = %v", got)
	}
	// Every truncation is an error, never a panic.
	data := buf.Bytes()
	for n := range len(data) {
		if _, _, err := ReadTensors(data[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
}

func FuzzReadTensors(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteTensors(&buf, map[string]*tensors.Tensor{"x": tensors.FromFlatDataAndDimensions([]float32{1, 2}, 2)}, nil)
	f.Add(buf.Bytes())
	// A header claiming a tensor whose byte size overflows int64.
	huge := []byte(`{"x":{"dtype":"F32","shape":[1073741824,1073741824,1073741824,4],"data_offsets":[0,0]}}`)
	for len(huge)%8 != 0 {
		huge = append(huge, ' ')
	}
	f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(len(huge))), huge...))
	// 16-bit floats: a file of each, and an F16 header with an overflowing
	// shape.
	for _, floats := range []dtypes.DType{dtypes.Float16, dtypes.BFloat16} {
		buf.Reset()
		_ = WriteTensorsAs(&buf, map[string]*tensors.Tensor{"x": tensors.FromFlatDataAndDimensions([]float32{1, -2, 1e-6}, 3)}, nil, floats)
		f.Add(buf.Bytes())
	}
	f.Add(safetensorsFile(`{"x":{"dtype":"F16","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, nil))
	f.Add(safetensorsFile(`{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, []byte{0x80, 0x3f, 0x80, 0x7f}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _, err := ReadTensors(data)
		if err != nil {
			return
		}
		// Sizes in float64, which cannot wrap around as int64 products can.
		total := 0.0
		for _, x := range ts {
			size := float64(x.DType().Size())
			for _, d := range x.Shape().Dimensions {
				size *= float64(d)
			}
			total += size
		}
		// 16-bit floats are widened to float32: twice their bytes at most.
		if total > 2*float64(len(data)) {
			t.Fatalf("tensors of %g bytes from a %d-byte file", total, len(data))
		}
	})
}

// FuzzUnmarshalConfig feeds arbitrary config.json contents to
// UnmarshalConfig: no panic; what it accepts is valid, within the size
// bounds, and survives a MarshalConfig round trip.
func FuzzUnmarshalConfig(f *testing.F) {
	for _, c := range []Config{DefaultConfig(2), DefaultConfig(4), DefaultBaseConfig(16, 12)} {
		b, _ := MarshalConfig(c)
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"train_steps":1099511627776}`))
	f.Add([]byte(`{"version":1,"base_channels":100000}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := UnmarshalConfig(raw)
		if err != nil {
			return
		}
		if c.TrainSteps > MaxTrainSteps || c.Steps > MaxSteps || c.ParamCount() > MaxParams {
			t.Fatalf("accepted train_steps %d, steps %d, %d parameters", c.TrainSteps, c.Steps, c.ParamCount())
		}
		b, err := MarshalConfig(c)
		if err != nil {
			t.Fatal(err)
		}
		again, err := UnmarshalConfig(b)
		if err != nil || !reflect.DeepEqual(normalised(again), normalised(c)) {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, c)
		}
	})
}

// normalised maps empty slices to nil, which JSON does not tell apart.
func normalised(c Config) Config {
	if len(c.ChannelMults) == 0 {
		c.ChannelMults = nil
	}
	if len(c.AttnLevels) == 0 {
		c.AttnLevels = nil
	}
	return c
}
