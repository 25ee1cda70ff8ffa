package sr3

import (
	"math"
	"testing"
)

func TestQSampleByHand(t *testing.T) {
	// gamma = 0.64: x_t = 0.8 x0 + 0.6 eps.
	x0 := []float32{1, -0.5, 0}
	eps := []float32{0.5, 2, -1}
	want := []float32{0.8 + 0.3, -0.4 + 1.2, -0.6}
	got := make([]float32, 3)
	QSample(got, x0, eps, 0.64)
	for i := range want {
		if !near(float64(got[i]), float64(want[i]), 1e-6) {
			t.Errorf("QSample[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	// Per-item gammas: item 0 at gamma 0.64, item 1 at gamma 1 (x_t = x0).
	batch := make([]float32, 4)
	QSampleBatch(batch, []float32{1, -0.5, 3, 4}, []float32{0.5, 2, 7, 7}, []float64{0.64, 1})
	for i, w := range []float32{1.1, 0.8, 3, 4} {
		if !near(float64(batch[i]), float64(w), 1e-6) {
			t.Errorf("QSampleBatch[%d] = %v, want %v", i, batch[i], w)
		}
	}
}

func TestPredictRoundTrip(t *testing.T) {
	x0 := []float32{0.9, -1, 0.25, 0, 0.5, -0.75}
	eps := []float32{-1.5, 0.3, 2.2, -0.1, 0, 1}
	for _, g := range []float64{0.999958, 0.72, 0.5, 0.01, 4e-5} {
		xt := make([]float32, len(x0))
		QSample(xt, x0, eps, g)
		gotX0, gotEps := make([]float32, len(x0)), make([]float32, len(x0))
		PredictStartFromNoise(gotX0, xt, eps, g)
		PredictNoiseFromStart(gotEps, xt, x0, g)
		// float32 rounding of x_t (~6e-8 |x_t|) is amplified by 1/sqrt(gamma) and 1/sqrt(1-gamma).
		tolX0 := 3e-7 / math.Sqrt(g)
		tolEps := 3e-7 / math.Sqrt(1-g)
		for i := range x0 {
			if !near(float64(gotX0[i]), float64(x0[i]), tolX0) {
				t.Errorf("gamma %g: x0[%d] = %v, want %v", g, i, gotX0[i], x0[i])
			}
			if !near(float64(gotEps[i]), float64(eps[i]), tolEps) {
				t.Errorf("gamma %g: eps[%d] = %v, want %v", g, i, gotEps[i], eps[i])
			}
		}
	}
	// dst may alias the input.
	x := []float32{1.1, 0.8}
	PredictStartFromNoise(x, x, []float32{0.5, 2}, 0.64)
	if !near(float64(x[0]), 1, 1e-6) || !near(float64(x[1]), -0.5, 1e-6) {
		t.Errorf("aliased PredictStartFromNoise = %v, want [1 -0.5]", x)
	}
}

func TestPosteriorByHand(t *testing.T) {
	// Schedule of TestLinearScheduleByHand: gamma = 0.9, 0.72, 0.504 (betas 0.1, 0.2, 0.3).
	// With a = gamma_t/gamma_s, b = 1-a, d = 1-gamma_t:
	//   coef1 = sqrt(gamma_s) b/d, coef2 = sqrt(a)(1-gamma_s)/d, variance = b(1-gamma_s)/d.
	// t=2 -> s=1: a = 0.7, b = 0.3, d = 0.496:
	//   coef1 = 0.848528137*0.3/0.496 = 0.513222664, coef2 = 0.836660027*0.28/0.496 = 0.472308079,
	//   variance = 0.084/0.496 = 0.169354839 (DDPM's beta_2 (1-gamma_1)/(1-gamma_2)).
	// t=1 -> s=0: a = 0.8, b = 0.2, d = 0.28:
	//   coef1 = 0.948683298*0.2/0.28 = 0.677630927, coef2 = 0.894427191*0.1/0.28 = 0.319438283,
	//   variance = 0.02/0.28 = 0.071428571.
	// t=2 -> s=0 (respaced, skipping step 1): a = 0.56, b = 0.44, d = 0.496:
	//   coef1 = 0.948683298*0.44/0.496 = 0.841573893, coef2 = 0.748331477*0.1/0.496 = 0.150873282,
	//   variance = 0.044/0.496 = 0.088709677.
	// t=0 -> clean (gamma_s = 1): coef1 = 1, coef2 = 0, variance = 0.
	s, _ := LinearSchedule(3, 0.1, 0.3)
	for _, tc := range []struct {
		t, s int
		want PosteriorCoefs
	}{
		{2, 1, PosteriorCoefs{0.513222664, 0.472308079, 0.169354839}},
		{1, 0, PosteriorCoefs{0.677630927, 0.319438283, 0.071428571}},
		{2, 0, PosteriorCoefs{0.841573893, 0.150873282, 0.088709677}},
		{0, -1, PosteriorCoefs{1, 0, 0}},
	} {
		got := Posterior(s.AlphaBar(tc.t), s.AlphaBar(tc.s))
		if !near(got.Coef1, tc.want.Coef1, 1e-9) || !near(got.Coef2, tc.want.Coef2, 1e-9) || !near(got.Variance, tc.want.Variance, 1e-9) {
			t.Errorf("Posterior(t=%d, s=%d) = %+v, want %+v", tc.t, tc.s, got, tc.want)
		}
	}
	// DDPMStep = mean + sqrt(variance) z: t=2 -> s=1 with x0 = 1, xt = 2, z = -1:
	// 0.513222664 + 2*0.472308079 - sqrt(0.169354839) = 1.457838822 - 0.411527446 = 1.046311376.
	dst := make([]float32, 1)
	DDPMStep(dst, []float32{2}, []float32{1}, 0.504, 0.72, []float32{-1})
	if !near(float64(dst[0]), 1.046311376, 1e-6) {
		t.Errorf("DDPMStep = %v, want 1.046311376", dst[0])
	}
	// Last step: no noise needed, returns x0.
	DDPMStep(dst, []float32{2}, []float32{0.3}, 0.9, 1, nil)
	if dst[0] != 0.3 {
		t.Errorf("DDPMStep to gamma 1 = %v, want x0 = 0.3", dst[0])
	}
}

func TestPosteriorIsBayes(t *testing.T) {
	// The posterior must agree with the forward process: if x_s ~ q(x_s|x0) and
	// x_t = sqrt(a) x_s + sqrt(1-a) n, then E[x_s | x_t, x0] and Var match Gaussian conditioning:
	// Cov(x_s, x_t | x0) = sqrt(a)(1-gamma_s), Var(x_t | x0) = 1-gamma_t.
	for _, p := range [][2]float64{{0.3, 0.8}, {0.01, 0.5}, {0.5, 0.51}, {4e-5, 0.999}} {
		gt, gs := p[0], p[1]
		a := gt / gs
		c := Posterior(gt, gs)
		// mean = sqrt(gamma_s) x0 + k (x_t - sqrt(gamma_t) x0) with k = sqrt(a)(1-gamma_s)/(1-gamma_t)
		k := math.Sqrt(a) * (1 - gs) / (1 - gt)
		wantVar := (1 - gs) - k*math.Sqrt(a)*(1-gs)
		if !near(c.Coef2, k, 1e-12) || !near(c.Coef1, math.Sqrt(gs)-k*math.Sqrt(gt), 1e-12) || !near(c.Variance, wantVar, 1e-12) {
			t.Errorf("Posterior(%g, %g) = %+v, want coef2 %g coef1 %g var %g", gt, gs, c, k, math.Sqrt(gs)-k*math.Sqrt(gt), wantVar)
		}
	}
}
