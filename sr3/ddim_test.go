package sr3

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDDIMStepByHand(t *testing.T) {
	// gamma_t = 0.504 -> gamma_s = 0.72, x0 = 1, x_t = 2, z = -1.
	// eps = (2 - sqrt(0.504))/sqrt(0.496) = (2 - 0.709929574)/0.704271252 = 1.831776914
	// eta = 0: x_s = sqrt(0.72) + sqrt(0.28) eps = 0.848528137 + 0.529150262*1.831776914 = 1.817813372
	// eta = 0.5: sigma = 0.5 sqrt(0.169354839) = 0.205763723,
	//   x_s = 0.848528137 + sqrt(0.28 - 0.042338710)*1.831776914 - 0.205763723 = 1.535765129
	for _, tc := range []struct {
		eta, sigma, want float64
	}{
		{0, 0, 1.817813372},
		{0.5, 0.205763723, 1.535765129},
	} {
		if got := DDIMSigma(0.504, 0.72, tc.eta); !near(got, tc.sigma, 1e-9) {
			t.Errorf("DDIMSigma(eta %g) = %v, want %v", tc.eta, got, tc.sigma)
		}
		dst := make([]float32, 1)
		DDIMStep(dst, []float32{2}, []float32{1}, 0.504, 0.72, tc.eta, []float32{-1})
		if !near(float64(dst[0]), tc.want, 1e-6) {
			t.Errorf("DDIMStep(eta %g) = %v, want %v", tc.eta, dst[0], tc.want)
		}
	}
	// To the clean image: x0 whatever eta.
	dst := make([]float32, 1)
	DDIMStep(dst, []float32{2}, []float32{0.3}, 0.9, 1, 1, nil)
	if dst[0] != 0.3 {
		t.Errorf("DDIMStep to gamma 1 = %v, want 0.3", dst[0])
	}
}

func TestDDIMEtaOneIsDDPM(t *testing.T) {
	// sqrt(1 - gamma_s - sigma^2)/sqrt(1 - gamma_t) with sigma^2 = beta-tilde is exactly DDPM's coef2,
	// so both steps agree for any x_t, x0 and z.
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 64
	xt, x0, z := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range n {
		xt[i], x0[i], z[i] = float32(rng.NormFloat64()), float32(rng.Float64()*2-1), float32(rng.NormFloat64())
	}
	for _, p := range [][2]float64{{0.504, 0.72}, {4e-5, 0.3}, {0.9, 0.99}} {
		a, b := make([]float32, n), make([]float32, n)
		DDIMStep(a, xt, x0, p[0], p[1], 1, z)
		DDPMStep(b, xt, x0, p[0], p[1], z)
		for i := range n {
			if math.Abs(float64(a[i]-b[i])) > 2e-6*(1+math.Abs(float64(b[i]))) {
				t.Fatalf("gammas %v: DDIM(eta 1)[%d] = %v, DDPM = %v", p, i, a[i], b[i])
			}
		}
	}
}

// BenchmarkDDIMStep measures the sampler's own work per step on a 1M-value batch (x0 estimate
// and DDIM update), to compare with the network's time.
func BenchmarkDDIMStep(b *testing.B) {
	n := 1 << 20
	x, x0, z := make([]float32, n), make([]float32, n), make([]float32, n)
	b.SetBytes(int64(4 * n))
	for b.Loop() {
		PredictStartFromNoise(x0, x, z, 0.3)
		DDIMStep(x, x, x0, 0.3, 0.5, 0.5, z)
	}
}
