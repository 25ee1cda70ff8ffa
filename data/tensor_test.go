package data

import (
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// rampImage has distinct values everywhere, so any layout mistake shows.
func rampImage(w, h, c int, offset float32) *Image {
	m := NewImage(w, h, c)
	for i := range m.Pix {
		m.Pix[i] = offset + float32(i)/1000
	}
	return m
}

func TestToTensorLayout(t *testing.T) {
	a, b := rampImage(5, 3, 3, 0), rampImage(5, 3, 3, 10)
	tt, err := ToTensor(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := tt.Shape().Dimensions; len(got) != 4 || got[0] != 2 || got[1] != 3 || got[2] != 5 || got[3] != 3 {
		t.Fatalf("shape %v, want [2 3 5 3] (N,H,W,C)", tt.Shape())
	}
	if tt.DType() != dtypes.Float32 {
		t.Fatalf("dtype %s", tt.DType())
	}
	// Element [n,y,x,c] is image n's (x,y) channel c.
	flat := tensors.MustCopyFlatData[float32](tt)
	for n, m := range []*Image{a, b} {
		for y := range 3 {
			for x := range 5 {
				for c := range 3 {
					if got := flat[((n*3+y)*5+x)*3+c]; got != m.At(x, y, c) {
						t.Fatalf("[%d,%d,%d,%d] = %v, want %v", n, y, x, c, got, m.At(x, y, c))
					}
				}
			}
		}
	}
	// The tensor owns a copy: changing the image later does not change it.
	a.Pix[0] = 99
	if tensors.MustCopyFlatData[float32](tt)[0] == 99 {
		t.Error("tensor shares memory with the image")
	}
}

func TestTensorRoundTrip(t *testing.T) {
	for _, c := range []int{1, 3, 12} {
		imgs := []*Image{rampImage(4, 6, c, 0), rampImage(4, 6, c, -1), rampImage(4, 6, c, 5)}
		tt, err := ToTensor(imgs...)
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromTensor(tt)
		if err != nil {
			t.Fatal(err)
		}
		if len(back) != len(imgs) {
			t.Fatalf("%d images back, want %d", len(back), len(imgs))
		}
		for i := range imgs {
			assertSameValues(t, "round trip", back[i], imgs[i])
		}
	}
	// FromTensor copies too.
	tt := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	back, err := FromTensor(tt)
	if err != nil {
		t.Fatal(err)
	}
	back[0].Pix[0] = 7
	if tensors.MustCopyFlatData[float32](tt)[0] != 1 {
		t.Error("image shares memory with the tensor")
	}
}

func TestTensorErrors(t *testing.T) {
	ok := NewImage(2, 2, 3)
	for _, tc := range []struct {
		name string
		imgs []*Image
		want string
	}{
		{"none", nil, "no images"},
		{"nil", []*Image{ok, nil}, "image 1 is nil"},
		{"size", []*Image{ok, NewImage(3, 2, 3)}, "all must match"},
		{"channels", []*Image{ok, NewImage(2, 2, 1)}, "all must match"},
		{"short pix", []*Image{{W: 2, H: 2, C: 3, Pix: make([]float32, 3)}}, "has 3 values"},
	} {
		if _, err := ToTensor(tc.imgs...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ToTensor %s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		t    *tensors.Tensor
		want string
	}{
		{"nil", nil, "nil tensor"},
		{"rank 3", tensors.FromFlatDataAndDimensions([]float32{1, 2}, 1, 2, 1), "want float32 [N,H,W,C]"},
		{"int32", tensors.FromFlatDataAndDimensions([]int32{1, 2}, 1, 1, 2, 1), "want float32 [N,H,W,C]"},
		{"empty", tensors.FromFlatDataAndDimensions([]float32{}, 0, 2, 2, 1), "empty axis"},
	} {
		if _, err := FromTensor(tc.t); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromTensor %s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func BenchmarkToTensor(b *testing.B) {
	imgs := []*Image{NewImage(256, 256, 3), NewImage(256, 256, 3), NewImage(256, 256, 3), NewImage(256, 256, 3)}
	b.SetBytes(int64(4 * 256 * 256 * 3 * 4))
	for b.Loop() {
		tt, err := ToTensor(imgs...)
		if err != nil {
			b.Fatal(err)
		}
		tt.FinalizeAll()
	}
}
