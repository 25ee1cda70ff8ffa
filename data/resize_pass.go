package data

// forceScalar disables the SIMD kernels, for tests that compare the paths.
var forceScalar = false

// rowGrain is the number of output values worth handing to a goroutine.
const rowGrain = 1 << 15

// resizeVertical resizes the H axis of img with the weight table a: every
// output row is a weighted sum of whole input rows.
func resizeVertical(img *Image, a *axisWeights) *Image {
	out := NewImage(img.W, a.out, img.C)
	rowLen := img.W * img.C
	parallelFor(a.out, max(1, rowGrain/rowLen), func(lo, hi int) {
		for y := lo; y < hi; y++ {
			idx, w := a.taps(y)
			weightedRowSum(out.Pix[y*rowLen:(y+1)*rowLen], img.Pix, rowLen, idx, w)
		}
	})
	return out
}

// weightedRowSum sets dst to the sum of w[k] times row idx[k] of src, rows
// being rowLen values long.
func weightedRowSum(dst, src []float32, rowLen int, idx []int32, w []float32) {
	if !forceScalar && simdRowSum(dst, src, rowLen, idx, w) {
		return
	}
	if len(idx) == 4 {
		weightedRowSum4(dst, src, rowLen, idx, w)
		return
	}
	r0 := src[int(idx[0])*rowLen:][:len(dst)]
	w0 := w[0]
	for j, v := range r0 {
		dst[j] = w0 * v
	}
	for k := 1; k < len(idx); k++ {
		addScaledRow(dst, src[int(idx[k])*rowLen:][:len(dst)], w[k])
	}
}

// weightedRowSum4 is weightedRowSum for the four taps of every upscale.
func weightedRowSum4(dst, src []float32, rowLen int, idx []int32, w []float32) {
	n := len(dst)
	r0 := src[int(idx[0])*rowLen:][:n]
	r1 := src[int(idx[1])*rowLen:][:n]
	r2 := src[int(idx[2])*rowLen:][:n]
	r3 := src[int(idx[3])*rowLen:][:n]
	w0, w1, w2, w3 := w[0], w[1], w[2], w[3]
	for j := range dst {
		dst[j] = w0*r0[j] + w1*r1[j] + w2*r2[j] + w3*r3[j]
	}
}

// addScaledRow adds w*src to dst.
func addScaledRow(dst, src []float32, w float32) {
	src = src[:len(dst)]
	for j, v := range src {
		dst[j] += w * v
	}
}

// resizeHorizontal resizes the W axis of img with the weight table a.
func resizeHorizontal(img *Image, a *axisWeights) *Image {
	out := NewImage(a.out, img.H, img.C)
	c := img.C
	inLen, outLen := img.W*c, a.out*c
	// Tap indices pre-multiplied by the channel count.
	idx := make([]int32, len(a.idx))
	for t, j := range a.idx {
		idx[t] = j * int32(c)
	}
	scalarRows := func(lo, hi int) {
		for y := lo; y < hi; y++ {
			src := img.Pix[y*inLen : (y+1)*inLen]
			dst := out.Pix[y*outLen : (y+1)*outLen]
			if c == 3 {
				resampleRow3(dst, src, a.off, idx, a.w)
			} else {
				resampleRow1(dst, src, a.off, idx, a.w)
			}
		}
	}
	// Strips of simdStripRows rows go to the SIMD kernel where there is
	// one; the last rows, and everything without SIMD, row by row.
	strips := img.H / simdStripRows
	parallelFor(strips, max(1, rowGrain/(outLen*simdStripRows)), func(lo, hi int) {
		tmp := make([]float32, inLen*simdStripRows)
		for s := lo; s < hi; s++ {
			y := s * simdStripRows
			src := img.Pix[y*inLen : (y+simdStripRows)*inLen]
			dst := out.Pix[y*outLen : (y+simdStripRows)*outLen]
			if forceScalar || !simdResampleStrip(dst, src, inLen, outLen, c, a.off, idx, a.w, tmp) {
				scalarRows(y, y+simdStripRows)
			}
		}
	})
	scalarRows(strips*simdStripRows, img.H)
	return out
}

// resampleRow3 resamples one row of RGB pixels.
func resampleRow3(dst, src []float32, off, idx []int32, w []float32) {
	for x := 0; x+1 < len(off); x++ {
		var s0, s1, s2 float32
		for t := off[x]; t < off[x+1]; t++ {
			j, wt := idx[t], w[t]
			p := src[j : j+3 : j+3]
			s0 += wt * p[0]
			s1 += wt * p[1]
			s2 += wt * p[2]
		}
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0], d[1], d[2] = s0, s1, s2
	}
}

// resampleRow1 resamples one row of grey pixels.
func resampleRow1(dst, src []float32, off, idx []int32, w []float32) {
	for x := range dst {
		var s float32
		for t := off[x]; t < off[x+1]; t++ {
			s += w[t] * src[idx[t]]
		}
		dst[x] = s
	}
}
