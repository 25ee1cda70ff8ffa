//go:build goexperiment.simd && amd64

package data

import "simd/archsimd"

// simdOK reports whether the AVX (256-bit float) kernels can run. They use
// separate multiplies and adds in the same order as the scalar kernels, so
// both paths give bit-identical results.
var simdOK = archsimd.X86.AVX()

// simdRowSum is weightedRowSum with 8 floats at a time; false when the CPU
// lacks AVX.
func simdRowSum(dst, src []float32, rowLen int, idx []int32, w []float32) bool {
	if !simdOK {
		return false
	}
	n := len(dst)
	n8 := n &^ 7
	row := func(k int) []float32 { return src[int(idx[k])*rowLen:][:n] }
	if len(idx) == 4 {
		r0, r1, r2, r3 := row(0), row(1), row(2), row(3)
		w0, w1, w2, w3 := w[0], w[1], w[2], w[3]
		v0, v1 := archsimd.BroadcastFloat32x8(w0), archsimd.BroadcastFloat32x8(w1)
		v2, v3 := archsimd.BroadcastFloat32x8(w2), archsimd.BroadcastFloat32x8(w3)
		for j := 0; j < n8; j += 8 {
			s := archsimd.LoadFloat32x8Slice(r0[j:]).Mul(v0)
			s = s.Add(archsimd.LoadFloat32x8Slice(r1[j:]).Mul(v1))
			s = s.Add(archsimd.LoadFloat32x8Slice(r2[j:]).Mul(v2))
			s = s.Add(archsimd.LoadFloat32x8Slice(r3[j:]).Mul(v3))
			s.StoreSlice(dst[j:])
		}
		for j := n8; j < n; j++ {
			dst[j] = w0*r0[j] + w1*r1[j] + w2*r2[j] + w3*r3[j]
		}
		return true
	}
	r0, w0 := row(0), w[0]
	v0 := archsimd.BroadcastFloat32x8(w0)
	for j := 0; j < n8; j += 8 {
		archsimd.LoadFloat32x8Slice(r0[j:]).Mul(v0).StoreSlice(dst[j:])
	}
	for j := n8; j < n; j++ {
		dst[j] = w0 * r0[j]
	}
	for k := 1; k < len(idx); k++ {
		rk, wk := row(k), w[k]
		vk := archsimd.BroadcastFloat32x8(wk)
		for j := 0; j < n8; j += 8 {
			d := archsimd.LoadFloat32x8Slice(dst[j:])
			d.Add(archsimd.LoadFloat32x8Slice(rk[j:]).Mul(vk)).StoreSlice(dst[j:])
		}
		for j := n8; j < n; j++ {
			dst[j] += wk * rk[j]
		}
	}
	return true
}

// transpose8 transposes the 8x8 block whose rows are r: afterwards r[i]
// holds what was column i.
func transpose8(r *[8]archsimd.Float32x8) {
	// Pairs of rows interleaved in pairs of columns.
	t0 := r[0].SelectFromPairGrouped(0, 1, 4, 5, r[1])
	t1 := r[0].SelectFromPairGrouped(2, 3, 6, 7, r[1])
	t2 := r[2].SelectFromPairGrouped(0, 1, 4, 5, r[3])
	t3 := r[2].SelectFromPairGrouped(2, 3, 6, 7, r[3])
	t4 := r[4].SelectFromPairGrouped(0, 1, 4, 5, r[5])
	t5 := r[4].SelectFromPairGrouped(2, 3, 6, 7, r[5])
	t6 := r[6].SelectFromPairGrouped(0, 1, 4, 5, r[7])
	t7 := r[6].SelectFromPairGrouped(2, 3, 6, 7, r[7])
	// Columns (0|4), (1|5), (2|6), (3|7) of rows 0-3 and of rows 4-7.
	u0 := t0.SelectFromPairGrouped(0, 2, 4, 6, t2)
	u1 := t0.SelectFromPairGrouped(1, 3, 5, 7, t2)
	u2 := t1.SelectFromPairGrouped(0, 2, 4, 6, t3)
	u3 := t1.SelectFromPairGrouped(1, 3, 5, 7, t3)
	u4 := t4.SelectFromPairGrouped(0, 2, 4, 6, t6)
	u5 := t4.SelectFromPairGrouped(1, 3, 5, 7, t6)
	u6 := t5.SelectFromPairGrouped(0, 2, 4, 6, t7)
	u7 := t5.SelectFromPairGrouped(1, 3, 5, 7, t7)
	r[0] = u0.Select128FromPair(0, 2, u4)
	r[4] = u0.Select128FromPair(1, 3, u4)
	r[1] = u1.Select128FromPair(0, 2, u5)
	r[5] = u1.Select128FromPair(1, 3, u5)
	r[2] = u2.Select128FromPair(0, 2, u6)
	r[6] = u2.Select128FromPair(1, 3, u6)
	r[3] = u3.Select128FromPair(0, 2, u7)
	r[7] = u3.Select128FromPair(1, 3, u7)
}

// simdStripRows is how many rows the horizontal SIMD kernel handles at once.
const simdStripRows = 8

// simdResampleStrip resamples 8 rows at once along x: the rows are
// transposed into tmp (column-major, 8 lanes = 8 rows), every output value
// is then a weighted sum of whole 8-lane vectors, and blocks of 8 results
// are transposed back into the 8 output rows. src and dst hold 8 rows of
// inLen and outLen values; idx is pre-multiplied by the channel count c;
// tmp has room for inLen*8 values. False when the CPU lacks AVX.
func simdResampleStrip(dst, src []float32, inLen, outLen, c int, off, idx []int32, w []float32, tmp []float32) bool {
	if !simdOK {
		return false
	}
	var blk [8]archsimd.Float32x8
	// 1. Transpose the input strip into tmp[j*8+r] = src[r*inLen+j].
	in8 := inLen &^ 7
	for j := 0; j < in8; j += 8 {
		for r := range blk {
			blk[r] = archsimd.LoadFloat32x8Slice(src[r*inLen+j:])
		}
		transpose8(&blk)
		for i := range blk {
			blk[i].StoreSlice(tmp[(j+i)*8:])
		}
	}
	for j := in8; j < inLen; j++ {
		for r := 0; r < 8; r++ {
			tmp[j*8+r] = src[r*inLen+j]
		}
	}
	// 2. Output values q = x*c + ch in blocks of 8.
	x, ch := 0, 0
	lane := func() archsimd.Float32x8 {
		lo, hi := off[x], off[x+1]
		var s archsimd.Float32x8
		for t := lo; t < hi; t++ {
			v := archsimd.LoadFloat32x8Slice(tmp[(int(idx[t])+ch)*8:])
			s = s.Add(v.Mul(archsimd.BroadcastFloat32x8(w[t])))
		}
		if ch++; ch == c {
			ch = 0
			x++
		}
		return s
	}
	out8 := outLen &^ 7
	for q := 0; q < out8; q += 8 {
		for i := range blk {
			blk[i] = lane()
		}
		transpose8(&blk)
		for r := range blk {
			blk[r].StoreSlice(dst[r*outLen+q:])
		}
	}
	var col [8]float32
	for q := out8; q < outLen; q++ {
		lane().Store(&col)
		for r, v := range col {
			dst[r*outLen+q] = v
		}
	}
	return true
}
