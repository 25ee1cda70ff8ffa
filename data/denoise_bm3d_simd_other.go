//go:build !(goexperiment.simd && amd64)

package data

// simdPatchDistances8 reports that no SIMD kernel is built in.
func simdPatchDistances8(ref, cand []float32, w int, d *[8]float32) bool { return false }
