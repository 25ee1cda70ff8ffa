package sr3

import (
	"math"
	"slices"
	"testing"
)

func TestGaussianNoiseReproducible(t *testing.T) {
	a, b, c := make([]float32, 1000), make([]float32, 1000), make([]float32, 1000)
	NewGaussianNoise(42).Fill(3, a)
	NewGaussianNoise(42).Fill(3, b)
	if !slices.Equal(a, b) {
		t.Error("same seed and call give different noise")
	}
	NewGaussianNoise(43).Fill(3, c)
	if slices.Equal(a, c) {
		t.Error("seeds 42 and 43 give the same noise")
	}
	NewGaussianNoise(42).Fill(4, c)
	if slices.Equal(a, c) {
		t.Error("calls 3 and 4 give the same noise")
	}
	// Independent of call order: a prefix of a longer fill is the shorter fill.
	src := NewGaussianNoise(42)
	src.Fill(9, c)
	src.Fill(3, b[:10])
	if !slices.Equal(a[:10], b[:10]) {
		t.Error("noise depends on the order of calls")
	}
}

func TestGaussianNoiseIsStandardNormal(t *testing.T) {
	const n = 1000000
	x := make([]float32, n)
	NewGaussianNoise(1).Fill(0, x)
	var m, m2, m3, m4 float64
	var beyond2 int
	for _, v := range x {
		f := float64(v)
		m += f
		m2 += f * f
		m3 += f * f * f
		m4 += f * f * f * f
		if math.Abs(f) > 2 {
			beyond2++
		}
	}
	m, m2, m3, m4 = m/n, m2/n, m3/n, m4/n
	// Standard errors on 1e6 samples: mean 0.001, variance 0.0014, skew 0.0024, 4th moment 0.01.
	if math.Abs(m) > 0.005 || math.Abs(m2-1) > 0.007 || math.Abs(m3) > 0.012 || math.Abs(m4-3) > 0.05 {
		t.Errorf("moments mean %.4f var %.4f m3 %.4f m4 %.4f, want 0 1 0 3", m, m2, m3, m4)
	}
	// P(|z| > 2) = 0.0455003 (sd 0.0002).
	if p := float64(beyond2) / n; math.Abs(p-0.0455003) > 0.001 {
		t.Errorf("P(|z|>2) = %.5f, want 0.04550", p)
	}
	// Neighbouring calls are uncorrelated.
	y := make([]float32, n)
	NewGaussianNoise(1).Fill(1, y)
	var c float64
	for i := range x {
		c += float64(x[i]) * float64(y[i])
	}
	if math.Abs(c/n) > 0.005 {
		t.Errorf("correlation of calls 0 and 1 = %.4f", c/n)
	}
}

func BenchmarkGaussianNoise(b *testing.B) {
	x := make([]float32, 1<<20)
	src := NewGaussianNoise(1)
	b.SetBytes(int64(4 * len(x)))
	for i := 0; b.Loop(); i++ {
		src.Fill(i, x)
	}
}
