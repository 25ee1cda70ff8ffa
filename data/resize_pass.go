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

// resizeHorizontal resizes the W axis of img with the weight table a.
func resizeHorizontal(img *Image, a *axisWeights) *Image {
	out := NewImage(a.out, img.H, img.C)
	h := newHorizontalKernel(a, img.C)
	strips := (img.H + simdStripRows - 1) / simdStripRows
	parallelFor(strips, max(1, rowGrain/(h.outLen*simdStripRows)), func(lo, hi int) {
		tmp := make([]float32, h.inLen*simdStripRows)
		for s := lo; s < hi; s++ {
			y0, y1 := s*simdStripRows, min((s+1)*simdStripRows, img.H)
			h.strip(out.Pix[y0*h.outLen:y1*h.outLen], img.Pix[y0*h.inLen:y1*h.inLen], tmp)
		}
	})
	return out
}

// resizeVerticalThenHorizontal is resizeVertical followed by
// resizeHorizontal without the intermediate image: each goroutine computes
// a strip of vertically resized rows into a small buffer and resizes that
// strip horizontally straight into the output. Every intermediate row is
// used by exactly one output row, so the arithmetic, and the result, are
// those of the two separate passes.
func resizeVerticalThenHorizontal(img *Image, av, ah *axisWeights) *Image {
	out := NewImage(ah.out, av.out, img.C)
	h := newHorizontalKernel(ah, img.C)
	strips := (av.out + simdStripRows - 1) / simdStripRows
	parallelFor(strips, max(1, rowGrain/(h.outLen*simdStripRows)), func(lo, hi int) {
		rows := make([]float32, h.inLen*simdStripRows)
		tmp := make([]float32, h.inLen*simdStripRows)
		for s := lo; s < hi; s++ {
			y0, y1 := s*simdStripRows, min((s+1)*simdStripRows, av.out)
			for y := y0; y < y1; y++ {
				idx, w := av.taps(y)
				weightedRowSum(rows[(y-y0)*h.inLen:(y-y0+1)*h.inLen], img.Pix, h.inLen, idx, w)
			}
			h.strip(out.Pix[y0*h.outLen:y1*h.outLen], rows[:(y1-y0)*h.inLen], tmp)
		}
	})
	return out
}

// horizontalKernel resamples rows along x with one weight table.
type horizontalKernel struct {
	a             *axisWeights
	c             int
	inLen, outLen int     // values per input and output row
	idx           []int32 // a.idx pre-multiplied by the channel count
}

func newHorizontalKernel(a *axisWeights, c int) *horizontalKernel {
	idx := make([]int32, len(a.idx))
	for t, j := range a.idx {
		idx[t] = j * int32(c)
	}
	return &horizontalKernel{a: a, c: c, inLen: a.in * c, outLen: a.out * c, idx: idx}
}

// strip resamples the rows of src (inLen values each) into dst (outLen
// each): eight rows at once with SIMD where available, otherwise row by row.
// tmp has room for inLen*simdStripRows values.
func (h *horizontalKernel) strip(dst, src, tmp []float32) {
	n := len(src) / h.inLen
	if n == simdStripRows && !forceScalar &&
		simdResampleStrip(dst, src, h.inLen, h.outLen, h.c, h.a.off, h.idx, h.a.w, tmp) {
		return
	}
	for r := 0; r < n; r++ {
		s, d := src[r*h.inLen:(r+1)*h.inLen], dst[r*h.outLen:(r+1)*h.outLen]
		if h.c == 3 {
			resampleRow3(d, s, h.a.off, h.idx, h.a.w)
		} else {
			resampleRow1(d, s, h.a.off, h.idx, h.a.w)
		}
	}
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
