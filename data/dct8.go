package data

// Fast 8-point DCT-II and its inverse by the even/odd split of dctMatrix:
// row k of the matrix is symmetric about its middle for even k and
// antisymmetric for odd k, so the even coefficients are a 4x4 product of
// the sums x[n]+x[7-n] and the odd ones of the differences, 32
// multiply-adds instead of 64.

// dctEven and dctOdd are dctMatrix's even rows and odd rows, first halves.
var dctEven, dctOdd = func() (e, o [4][4]float32) {
	for k := range 4 {
		for n := range 4 {
			e[k][n] = dctMatrix[2*k][n]
			o[k][n] = dctMatrix[2*k+1][n]
		}
	}
	return e, o
}()

// fdct8 sets v to its orthonormal DCT-II (dctMatrix times v).
func fdct8(v *[8]float32) {
	var s, d [4]float32
	for n := range 4 {
		s[n], d[n] = v[n]+v[7-n], v[n]-v[7-n]
	}
	for k := range 4 {
		e, o := &dctEven[k], &dctOdd[k]
		v[2*k] = e[0]*s[0] + e[1]*s[1] + e[2]*s[2] + e[3]*s[3]
		v[2*k+1] = o[0]*d[0] + o[1]*d[1] + o[2]*d[2] + o[3]*d[3]
	}
}

// idct8 inverts fdct8 (the transpose of dctMatrix times v).
func idct8(v *[8]float32) {
	var e, o [4]float32
	for n := range 4 {
		e[n] = dctEven[0][n]*v[0] + dctEven[1][n]*v[2] + dctEven[2][n]*v[4] + dctEven[3][n]*v[6]
		o[n] = dctOdd[0][n]*v[1] + dctOdd[1][n]*v[3] + dctOdd[2][n]*v[5] + dctOdd[3][n]*v[7]
	}
	for n := range 4 {
		v[n], v[7-n] = e[n]+o[n], e[n]-o[n]
	}
}

// fdct8x8 sets p (8x8, row-major) to its 2-D DCT: p[k*8+l] is vertical
// frequency k and horizontal frequency l.
func fdct8x8(p *[64]float32) {
	for r := range 8 {
		fdct8((*[8]float32)(p[r*8 : r*8+8]))
	}
	var c [8]float32
	for x := range 8 {
		for r := range 8 {
			c[r] = p[r*8+x]
		}
		fdct8(&c)
		for r := range 8 {
			p[r*8+x] = c[r]
		}
	}
}

// idct8x8 inverts fdct8x8.
func idct8x8(p *[64]float32) {
	for k := range 8 {
		idct8((*[8]float32)(p[k*8 : k*8+8]))
	}
	var c [8]float32
	for x := range 8 {
		for k := range 8 {
			c[k] = p[k*8+x]
		}
		idct8(&c)
		for n := range 8 {
			p[n*8+x] = c[n]
		}
	}
}
