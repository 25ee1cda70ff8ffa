package sr3

import (
	"bytes"
	"encoding/binary"
	"testing"

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
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = ReadTensors(data)
	})
}
