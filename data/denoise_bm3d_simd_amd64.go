//go:build goexperiment.simd && amd64

package data

import "simd/archsimd"

// simdPatchDistances8 is patchDistances8 with the 8 candidates in the lanes
// of one vector, bit for bit; false when the CPU lacks AVX (simdOK).
func simdPatchDistances8(ref, cand []float32, w int, d *[8]float32) bool {
	if !simdOK {
		return false
	}
	var acc archsimd.Float32x8
	for i := range bmPatch {
		r, c := ref[i*w:i*w+bmPatch], cand[i*w:]
		for k, v := range r {
			e := archsimd.LoadFloat32x8Slice(c[k:]).Sub(archsimd.BroadcastFloat32x8(v))
			acc = acc.Add(e.Mul(e))
		}
	}
	acc.Store(d)
	return true
}
