package train

import (
	"fmt"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// grid3 is a 3x3 one-channel-as-RGB image with distinct values 0..8 at
// (x,y) = y*3+x, stored in the red channel.
func grid3() *rgb8 {
	m := &rgb8{W: 3, H: 3, Pix: make([]uint8, 27)}
	for i := 0; i < 9; i++ {
		m.Pix[3*i] = uint8(i)
	}
	return m
}

// cropLevels returns the red 8-bit levels of a transformed crop.
func cropLevels(m *rgb8, x0, y0, size int, t Dihedral) []int {
	f := make([]float32, size*size*3)
	m.cropFloat(f, x0, y0, size, t)
	out := make([]int, size*size)
	for i := range out {
		out[i] = int(to8(f[3*i]))
	}
	return out
}

func TestDihedralMapsByHand(t *testing.T) {
	// Rows of the output, as values of grid3 (value = 3*y + x of the source).
	tests := []struct {
		t    Dihedral
		want []int
	}{
		{Identity, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{FlipX, []int{2, 1, 0, 5, 4, 3, 8, 7, 6}},
		{FlipY, []int{6, 7, 8, 3, 4, 5, 0, 1, 2}},
		{FlipX | FlipY, []int{8, 7, 6, 5, 4, 3, 2, 1, 0}},             // 180 degrees
		{Transpose, []int{0, 3, 6, 1, 4, 7, 2, 5, 8}},                 // main diagonal
		{Transpose | FlipX, []int{2, 5, 8, 1, 4, 7, 0, 3, 6}},         // 90 anticlockwise
		{Transpose | FlipY, []int{6, 3, 0, 7, 4, 1, 8, 5, 2}},         // 90 clockwise
		{Transpose | FlipX | FlipY, []int{8, 5, 2, 7, 4, 1, 6, 3, 0}}, // anti-diagonal
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		got := cropLevels(grid3(), 0, 0, 3, tc.t)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Dihedral %03b: got %v, want %v", tc.t, got, tc.want)
		}
		seen[fmt.Sprint(got)] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct transforms, want 8", len(seen))
	}
}

func TestCropOffset(t *testing.T) {
	// A 2x2 crop at (1,1) of grid3 is {4,5,7,8}.
	if got := cropLevels(grid3(), 1, 1, 2, Identity); !slices.Equal(got, []int{4, 5, 7, 8}) {
		t.Fatalf("crop at (1,1): %v", got)
	}
	if got := cropLevels(grid3(), 1, 0, 2, FlipX); !slices.Equal(got, []int{2, 1, 5, 4}) {
		t.Fatalf("flipped crop at (1,0): %v", got)
	}
}

// TestDihedralCommutesWithBlocks checks that transforming an HR crop and its
// LR crop alike keeps HR = nearest-upscale(LR), for every transform.
func TestDihedralCommutesWithBlocks(t *testing.T) {
	const s, L = 4, 5
	lr := randomRGB8(L, L, 7)
	hr := nearestUp8(lr, s)
	for t8 := Dihedral(0); t8 < 8; t8++ {
		h := make([]float32, L*s*L*s*3)
		l := make([]float32, L*L*3)
		hr.cropFloat(h, 0, 0, L*s, t8)
		lr.cropFloat(l, 0, 0, L, t8)
		for y := 0; y < L*s; y++ {
			for x := 0; x < L*s; x++ {
				for c := 0; c < 3; c++ {
					if h[(y*L*s+x)*3+c] != l[((y/s)*L+x/s)*3+c] {
						t.Fatalf("transform %03b: HR (%d,%d) does not sit in its LR block", t8, x, y)
					}
				}
			}
		}
	}
}

func TestSymmetries(t *testing.T) {
	tests := []struct {
		noFlip, noRotate bool
		n                int
	}{{false, false, 8}, {true, false, 4}, {false, true, 4}, {true, true, 1}}
	for _, tc := range tests {
		syms := symmetries(tc.noFlip, tc.noRotate)
		if len(syms) != tc.n {
			t.Errorf("noFlip=%v noRotate=%v: %d symmetries, want %d", tc.noFlip, tc.noRotate, len(syms), tc.n)
		}
		for _, d := range syms {
			// A transform mirrors (changes orientation) iff it has an odd
			// number of generators; rotations-only must all preserve it,
			// flips-only must never transpose.
			odd := (d&1)^(d>>1&1)^(d>>2&1) == 1
			if tc.noFlip && odd {
				t.Errorf("rotations only, but %03b is a mirror", d)
			}
			if tc.noRotate && d&Transpose != 0 {
				t.Errorf("flips only, but %03b transposes", d)
			}
		}
	}
}

func TestTo8MatchesQuantize(t *testing.T) {
	img := data.NewImage(1001, 1, 1)
	for i := range img.Pix {
		img.Pix[i] = -1.1 + 2.2*float32(i)/1000
	}
	q := data.Quantize(img)
	for i, v := range img.Pix {
		if got := unitLUT[to8(v)]; got != q.Pix[i] {
			t.Fatalf("value %g: 8-bit round trip %g, data.Quantize %g", v, got, q.Pix[i])
		}
	}
}

// randomRGB8 is a w x h image of random 8-bit colours.
func randomRGB8(w, h int, seed uint64) *rgb8 {
	return rgb8Of(randomRGBA(w, h, seed))
}

// nearestUp8 makes every pixel of m an s x s block.
func nearestUp8(m *rgb8, s int) *rgb8 {
	out := &rgb8{W: m.W * s, H: m.H * s, Pix: make([]uint8, m.W*s*m.H*s*3)}
	for y := 0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			copy(out.Pix[(y*out.W+x)*3:(y*out.W+x)*3+3], m.Pix[((y/s)*m.W+x/s)*3:])
		}
	}
	return out
}
