package sr3

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes/float16"
)

// TestFloat16Widen checks float16 bits against hand-computed values,
// subnormals and non-finite ones included, then every one of the 65536
// bit patterns against GoMLX's conversion.
func TestFloat16Widen(t *testing.T) {
	for _, c := range []struct {
		bits uint16
		want float64
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0400, 1.0 / (1 << 14)},    // smallest normal, 2^-14
		{0x0001, 1.0 / (1 << 24)},    // smallest subnormal, 2^-24
		{0x03ff, 1023.0 / (1 << 24)}, // largest subnormal
		{0x8200, -512.0 / (1 << 24)}, // a negative subnormal, -2^-15
		{0x7c00, math.Inf(1)}, {0xfc00, math.Inf(-1)},
	} {
		if got := float16ToFloat32(c.bits); float64(got) != c.want {
			t.Errorf("float16 %#04x = %g, want %g", c.bits, got, c.want)
		}
	}
	if got := float16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("float16 0x8000 = %g, want -0", got)
	}
	if got := float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("float16 0x7e00 = %g, want NaN", got)
	}
	for h := range 1 << 16 {
		got, want := float16ToFloat32(uint16(h)), float16.FromBits(uint16(h)).Float32()
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("float16 %#04x = %g (%#08x), GoMLX %g (%#08x)", h, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
}

// TestFloat16Narrow checks rounding to float16 exhaustively: every finite
// float16 narrows back to itself, the midpoint between two neighbours goes
// to the even one and anything off the midpoint to the nearer one, and the
// range ends (65504, 65520, 2^-25) round as IEEE 754 says.
func TestFloat16Narrow(t *testing.T) {
	for h := range 0x7c00 { // every finite non-negative float16
		for _, sign := range []uint16{0, 0x8000} {
			b := uint16(h) | sign
			if got := float32ToFloat16(float16ToFloat32(b)); got != b {
				t.Fatalf("float16 %#04x narrows back to %#04x", b, got)
			}
		}
		if h == 0x7bff {
			continue
		}
		lo, hi := float16ToFloat32(uint16(h)), float16ToFloat32(uint16(h+1))
		mid := (lo + hi) / 2 // exact: 12 significant bits
		even := uint16(h)
		if h%2 == 1 {
			even = uint16(h + 1)
		}
		if got := float32ToFloat16(mid); got != even {
			t.Fatalf("midpoint %g of %#04x and %#04x narrows to %#04x, want %#04x", mid, h, h+1, got, even)
		}
		if got := float32ToFloat16(math.Nextafter32(mid, 0)); got != uint16(h) {
			t.Fatalf("just below the midpoint %g of %#04x, %#04x: got %#04x", mid, h, h+1, got)
		}
		if got := float32ToFloat16(math.Nextafter32(mid, 1e9)); got != uint16(h+1) {
			t.Fatalf("just above the midpoint %g of %#04x, %#04x: got %#04x", mid, h, h+1, got)
		}
	}
	for _, c := range []struct {
		v    float32
		want uint16
	}{
		{65519.99, 0x7bff}, {65520, 0x7c00}, {-1e6, 0xfc00}, {float32(math.Inf(1)), 0x7c00},
		{1.0 / (1 << 25), 0},                       // half the smallest subnormal: the tie goes to 0 (even)
		{math.Nextafter32(1.0/(1<<25), 1), 0x0001}, // just above it: 2^-24
		{1e-10, 0}, {-1e-10, 0x8000}, {0.1, 0x2e66}, {-0.1, 0xae66},
	} {
		if got := float32ToFloat16(c.v); got != c.want {
			t.Errorf("float16(%g) = %#04x, want %#04x", c.v, got, c.want)
		}
	}
	if got := float32ToFloat16(float32(math.NaN())); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
		t.Errorf("float16(NaN) = %#04x, want a NaN", got)
	}
}

// TestBFloat16 checks bfloat16 widening and rounding against hand-computed
// values (ties to even), subnormals and non-finite values included.
func TestBFloat16(t *testing.T) {
	for _, c := range []struct {
		bits uint16
		want float64
	}{
		{0x3f80, 1}, {0xc000, -2}, {0x4049, 3.140625}, {0x0001, math.Ldexp(1, -133)}, {0x7f80, math.Inf(1)},
	} {
		if got := bfloat16ToFloat32(c.bits); float64(got) != c.want {
			t.Errorf("bfloat16 %#04x = %g, want %g", c.bits, got, c.want)
		}
	}
	for _, c := range []struct {
		bits uint32 // float32
		want uint16
	}{
		{0x3f808000, 0x3f80}, // 1 + 2^-8: halfway, to the even 1
		{0x3f818000, 0x3f82}, // halfway, to the even 0x3f82
		{0x3f808001, 0x3f81}, // just above halfway
		{0x3f807fff, 0x3f80}, // just below
		{0x40490fdb, 0x4049}, // pi
		{0x7f7fffff, 0x7f80}, // float32's largest rounds to infinity
		{0x00008000, 0x0000}, // a float32 subnormal halfway to the smallest bfloat16 one: to 0
		{0xff800000, 0xff80}, // -Inf stays
	} {
		if got := float32ToBFloat16(math.Float32frombits(c.bits)); got != c.want {
			t.Errorf("bfloat16(%#08x) = %#04x, want %#04x", c.bits, got, c.want)
		}
	}
	if got := float32ToBFloat16(math.Float32frombits(0x7f800001)); got&0x7f80 != 0x7f80 || got&0x7f == 0 {
		t.Errorf("bfloat16 of a NaN whose payload is all in the low bits = %#04x, want a NaN", got)
	}
}
