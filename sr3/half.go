package sr3

import "math"

// 16-bit floats of stored weights: IEEE 754 binary16 ("F16": 1 sign, 5
// exponent, 10 mantissa bits; largest finite 65504, subnormals down to
// 2^-24) and bfloat16 ("BF16": the top half of a float32, 8 exponent and
// 7 mantissa bits). Widening to float32 is exact; narrowing rounds to the
// nearest value, ties to even, as IEEE 754 does.

// maxFloat16 is the largest finite float16.
const maxFloat16 = 65504

// minNormalFloat16 is the smallest positive normal float16, 2^-14; below
// it float16 stores subnormals with fewer mantissa bits.
const minNormalFloat16 = 1.0 / (1 << 14)

// float16ToFloat32 widens the binary16 bits h to float32, exactly
// (subnormals, infinities and NaN included).
func float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // infinity or NaN (the payload kept)
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant * 2^-24, exact in float32
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(v))
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// float32ToFloat16 narrows f to binary16 bits, rounding to nearest, ties
// to even; magnitudes that round above 65504 become infinity, NaN stays a
// (quiet) NaN. (F. Giesen's float_to_half_fast3_rtne.)
func float32ToFloat16(f float32) uint16 {
	const (
		f32Inf    = 255 << 23
		f16Max    = (127 + 16) << 23 // 2^16: from here on, infinity (65520 up to it rounds there too)
		minNormal = 113 << 23        // 2^-14
		// denormMagic is 0.5: adding it aligns the 10 mantissa bits of a
		// subnormal float16 at the bottom of the float32's mantissa, and the
		// float32 addition rounds them to nearest even.
		denormMagic = ((127 - 15) + (23 - 10) + 1) << 23
	)
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	bits &^= 0x80000000
	switch {
	case bits >= f16Max:
		if bits > f32Inf {
			return sign | 0x7e00 // NaN
		}
		return sign | 0x7c00 // infinity
	case bits < minNormal:
		v := math.Float32frombits(bits) + math.Float32frombits(denormMagic)
		return sign | uint16(math.Float32bits(v)-denormMagic)
	}
	odd := (bits >> 13) & 1
	bits -= (127 - 15) << 23 // rebias the exponent
	bits += 0xfff + odd      // round to nearest, ties to even
	return sign | uint16(bits>>13)
}

// bfloat16ToFloat32 widens the bfloat16 bits b to float32, exactly.
func bfloat16ToFloat32(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}

// float32ToBFloat16 narrows f to bfloat16 bits, rounding to nearest, ties
// to even; NaN stays a (quiet) NaN, infinity stays infinity.
func float32ToBFloat16(f float32) uint16 {
	bits := math.Float32bits(f)
	if bits&0x7fffffff > 0x7f800000 {
		return uint16(bits>>16) | 0x40 // NaN, kept quiet (the payload's top bits may be zero)
	}
	bits += 0x7fff + (bits>>16)&1
	return uint16(bits >> 16)
}
