//go:build !(goexperiment.simd && amd64)

package data

// simdStripRows is how many rows the horizontal SIMD kernel handles at once.
const simdStripRows = 8

// simdRowSum reports that no SIMD kernel is built in.
func simdRowSum(dst, src []float32, rowLen int, idx []int32, w []float32) bool { return false }

// simdResampleStrip reports that no SIMD kernel is built in.
func simdResampleStrip(dst, src []float32, inLen, outLen, c int, off, idx []int32, w []float32, tmp []float32) bool {
	return false
}
