package sr3

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// oracleEps knows the clean image x0 and returns the exact noise in x: (x - sqrt(g) x0)/sqrt(1-g).
func oracleEps(x0 []float32) EpsFunc {
	return func(_ context.Context, x []float32, g float64) ([]float32, error) {
		out := make([]float32, len(x))
		a, b := math.Sqrt(g), math.Sqrt(1-g)
		for i := range x {
			out[i] = float32((float64(x[i]) - a*float64(x0[i])) / b)
		}
		return out, nil
	}
}

// gaussEps is the exact noise predictor for data x0 ~ N(mu, v0) per value:
// E[x0 | x_t] = mu + k (x_t - sqrt(g) mu) with k = sqrt(g) v0 / (g v0 + 1 - g).
func gaussEps(mu, v0 float64) EpsFunc {
	return func(_ context.Context, x []float32, g float64) ([]float32, error) {
		sg := math.Sqrt(g)
		k := sg * v0 / (g*v0 + 1 - g)
		out := make([]float32, len(x))
		for i, v := range x {
			m := mu + k*(float64(v)-sg*mu)
			out[i] = float32((float64(v) - sg*m) / math.Sqrt(1-g))
		}
		return out, nil
	}
}

func testImage(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.7)) * 0.9
	}
	return x
}

func mustSchedule(t testing.TB, name string, T int) *Schedule {
	t.Helper()
	s, err := NewSchedule(name, T)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSamplerConfigValidate(t *testing.T) {
	ok := SamplerConfig{Kind: DDIM, Steps: 10, Strength: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for _, tc := range []struct {
		mod  func(*SamplerConfig)
		want string
	}{
		{func(c *SamplerConfig) { c.Kind = "euler" }, `unknown sampler "euler"`},
		{func(c *SamplerConfig) { c.Kind = "" }, `unknown sampler ""`},
		{func(c *SamplerConfig) { c.Steps = 0 }, "steps = 0"},
		{func(c *SamplerConfig) { c.Strength = 0 }, "strength = 0"},
		{func(c *SamplerConfig) { c.Strength = 1.5 }, "strength = 1.5"},
		{func(c *SamplerConfig) { c.Strength = math.NaN() }, "strength = NaN"},
		{func(c *SamplerConfig) { c.Eta = -0.1 }, "eta = -0.1"},
		{func(c *SamplerConfig) { c.ClipX0 = -1 }, "clip bound = -1"},
		{func(c *SamplerConfig) { c.Spacing = "leading" }, `unknown timestep spacing "leading"`},
		{func(c *SamplerConfig) { c.ClipX0 = math.Inf(1) }, "clip bound = +Inf"},
	} {
		c := ok
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", c, err, tc.want)
		}
		if _, err2 := Sample(context.Background(), mustSchedule(t, "linear", 1000), c, []float32{0}, NewGaussianNoise(1), oracleEps([]float32{0}), nil); err2 == nil {
			t.Errorf("Sample accepted %+v", c)
		}
	}
	s := mustSchedule(t, "linear", 1000)
	eps := oracleEps([]float32{0})
	for _, tc := range []struct {
		name  string
		s     *Schedule
		x     []float32
		noise NoiseSource
		eps   EpsFunc
	}{
		{"no noise schedule", nil, []float32{0}, NewGaussianNoise(1), eps},
		{"empty initial image", s, nil, NewGaussianNoise(1), eps},
		{"no noise source", s, []float32{0}, nil, eps},
		{"no noise predictor", s, []float32{0}, NewGaussianNoise(1), nil},
	} {
		_, err := Sample(context.Background(), tc.s, ok, tc.x, tc.noise, tc.eps, nil)
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: error %v", tc.name, err)
		}
	}
}

func TestOracleRecoversX0(t *testing.T) {
	// An eps that knows x0 makes every clean-image estimate x0 itself, so every sampler, with any
	// number of steps and any start, must return x0 (up to float32 rounding amplified by
	// 1/sqrt(gamma) at the first levels; later steps see less noise and correct it).
	x0 := testImage(257)
	for _, name := range []string{"linear", "cosine", "sr3"} {
		s := mustSchedule(t, name, 1000)
		for _, cfg := range []SamplerConfig{
			{Kind: DDIM, Steps: 1, Strength: 1},
			{Kind: DDIM, Steps: 2, Strength: 1},
			{Kind: DDIM, Steps: 7, Strength: 1},
			{Kind: DDIM, Steps: 50, Strength: 0.4},
			{Kind: DDIM, Steps: 20, Eta: 0.5, Strength: 1},
			{Kind: DDPM, Steps: 3, Strength: 1},
			{Kind: DDPM, Steps: 100, Strength: 1},
			{Kind: DDPM, Steps: 1000, Strength: 1},
		} {
			got, err := Sample(context.Background(), s, cfg, make([]float32, len(x0)), NewGaussianNoise(7), oracleEps(x0), nil)
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-4
			if cfg.Steps == 1 {
				// A single evaluation at gamma_{T-1}: rounding of x_t amplified by 1/sqrt(gamma).
				tol = 4e-7 / math.Sqrt(s.AlphaBars[999])
			}
			for i := range x0 {
				if !near(float64(got[i]), float64(x0[i]), tol) {
					t.Fatalf("%s %+v: x[%d] = %v, want %v", name, cfg, i, got[i], x0[i])
				}
			}
		}
	}
}

func TestOneStepIsPredictStartFromNoise(t *testing.T) {
	s := mustSchedule(t, "linear", 1000)
	n := 100
	init := testImage(n)
	eps := func(_ context.Context, x []float32, g float64) ([]float32, error) {
		out := make([]float32, len(x))
		for i := range out {
			out[i] = 0.3*x[i] + float32(i%5)*0.1 // an arbitrary, imperfect predictor
		}
		return out, nil
	}
	for _, kind := range SamplerKinds {
		for _, strength := range []float64{1, 0.35} {
			got, err := Sample(context.Background(), s, SamplerConfig{Kind: kind, Steps: 1, Strength: strength, Eta: 1}, init, NewGaussianNoise(3), eps, nil)
			if err != nil {
				t.Fatal(err)
			}
			g := s.Gammas(1, strength)[0]
			z := make([]float32, n)
			NewGaussianNoise(3).Fill(0, z)
			xt := make([]float32, n)
			QSample(xt, init, z, g)
			e, _ := eps(context.Background(), xt, g)
			want := make([]float32, n)
			PredictStartFromNoise(want, xt, e, g)
			if !slices.Equal(got, want) {
				t.Errorf("%s strength %g: one step differs from PredictStartFromNoise", kind, strength)
			}
		}
	}
}

func TestPartialStart(t *testing.T) {
	// Strength 0.3 on T=1000: the first call sees gamma_{299} and x = QSample(x0Init, noise call 0, that
	// gamma); later calls follow Gammas(5, 0.3) = indices 299, 239, 179, 119, 59.
	s := mustSchedule(t, "linear", 1000)
	init := testImage(50)
	var gammas []float64
	var first []float32
	eps := func(_ context.Context, x []float32, g float64) ([]float32, error) {
		if first == nil {
			first = slices.Clone(x)
		}
		gammas = append(gammas, g)
		return make([]float32, len(x)), nil
	}
	var prog [][2]int
	_, err := Sample(context.Background(), s, SamplerConfig{Kind: DDPM, Steps: 5, Strength: 0.3}, init, NewGaussianNoise(11), eps,
		func(step, total int) { prog = append(prog, [2]int{step, total}) })
	if err != nil {
		t.Fatal(err)
	}
	wantG := []float64{s.AlphaBars[299], s.AlphaBars[239], s.AlphaBars[179], s.AlphaBars[119], s.AlphaBars[59]}
	if !slices.Equal(gammas, wantG) {
		t.Errorf("eps saw gammas %v, want %v", gammas, wantG)
	}
	z := make([]float32, len(init))
	NewGaussianNoise(11).Fill(0, z)
	want := make([]float32, len(init))
	QSample(want, init, z, s.AlphaBars[299])
	if !slices.Equal(first, want) {
		t.Errorf("first eps input is not QSample(x0Init, noise, gamma_start)")
	}
	if !slices.Equal(prog, [][2]int{{1, 5}, {2, 5}, {3, 5}, {4, 5}, {5, 5}}) {
		t.Errorf("progress calls %v", prog)
	}
}

// fixedStartNoise agrees with base on call 0 and returns other noise for later calls.
type fixedStartNoise struct{ base, rest NoiseSource }

func (f fixedStartNoise) Fill(call int, dst []float32) {
	if call == 0 {
		f.base.Fill(call, dst)
		return
	}
	f.rest.Fill(call, dst)
}

func TestDDIMEtaZeroDeterministic(t *testing.T) {
	s := mustSchedule(t, "linear", 1000)
	eps := gaussEps(0.1, 0.2)
	cfg := SamplerConfig{Kind: DDIM, Steps: 12, Strength: 1}
	run := func(noise NoiseSource) []float32 {
		x, err := Sample(context.Background(), s, cfg, make([]float32, 300), noise, eps, nil)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a := run(NewGaussianNoise(5))
	b := run(NewGaussianNoise(5))
	c := run(fixedStartNoise{NewGaussianNoise(5), NewGaussianNoise(99)})
	if !slices.Equal(a, b) || !slices.Equal(a, c) {
		t.Error("DDIM eta=0 depends on more than the starting noise")
	}
	// DDPM and DDIM with eta > 0 do use the step noise.
	for _, cfg := range []SamplerConfig{{Kind: DDIM, Steps: 12, Strength: 1, Eta: 0.5}, {Kind: DDPM, Steps: 12, Strength: 1}} {
		x1, _ := Sample(context.Background(), s, cfg, make([]float32, 300), NewGaussianNoise(5), eps, nil)
		x2, _ := Sample(context.Background(), s, cfg, make([]float32, 300), NewGaussianNoise(5), eps, nil)
		x3, _ := Sample(context.Background(), s, cfg, make([]float32, 300), fixedStartNoise{NewGaussianNoise(5), NewGaussianNoise(99)}, eps, nil)
		if !slices.Equal(x1, x2) {
			t.Errorf("%+v not reproducible for a seed", cfg)
		}
		if slices.Equal(x1, x3) {
			t.Errorf("%+v ignores the step noise", cfg)
		}
	}
}

func TestDDIMEtaZeroGaussianExact(t *testing.T) {
	// For data x0 ~ N(mu, v0) with the exact eps, a DDIM (eta 0) step is linear in c = x - sqrt(g) mu:
	// c_s = r c_t with r = (sqrt(g_s g_t) v0 + sqrt((1-g_s)(1-g_t))) / (g_t v0 + 1 - g_t)
	// (to g_s = 1: r = sqrt(g_t) v0/(g_t v0 + 1 - g_t), the posterior-mean gain). Starting from
	// x0Init = mu, c_start = sqrt(1-g_start) z, so the output is exactly mu + R sqrt(1-g_start) z with
	// R the product of the r's: checks every DDIM coefficient along a respaced trajectory.
	const mu, v0 = 0.3, 0.25
	s := mustSchedule(t, "linear", 1000)
	for _, tc := range []struct {
		steps    int
		strength float64
	}{{1, 1}, {4, 1}, {10, 0.6}, {37, 1}} {
		gs := s.Gammas(tc.steps, tc.strength)
		R := 1.0
		for i, gt := range gs {
			gsn := 1.0
			if i+1 < len(gs) {
				gsn = gs[i+1]
			}
			R *= (math.Sqrt(gsn*gt)*v0 + math.Sqrt((1-gsn)*(1-gt))) / (gt*v0 + 1 - gt)
		}
		n := 1000
		init := make([]float32, n)
		for i := range init {
			init[i] = mu
		}
		got, err := Sample(context.Background(), s, SamplerConfig{Kind: DDIM, Steps: tc.steps, Strength: tc.strength}, init, NewGaussianNoise(2), gaussEps(mu, v0), nil)
		if err != nil {
			t.Fatal(err)
		}
		z := make([]float32, n)
		NewGaussianNoise(2).Fill(0, z)
		for i := range n {
			want := mu + R*math.Sqrt(1-gs[0])*float64(z[i])
			// float32 rounding of x_t is amplified by 1/sqrt(gamma) in the first x0 estimate.
			tol := 2e-5 + 3e-7*(1+math.Abs(float64(z[i])))/math.Sqrt(gs[0])
			if !near(float64(got[i]), want, tol) {
				t.Fatalf("steps %d strength %g: x[%d] = %v, want %v", tc.steps, tc.strength, i, got[i], want)
			}
		}
	}
}

func TestDDPMGaussianVariance(t *testing.T) {
	// For data x0 ~ N(mu, v0) with the exact eps, a DDPM step is c_s = (coef1 k_t + coef2) c_t + sigma z
	// with k_t = sqrt(g_t) v0/(g_t v0 + 1 - g_t) and c = x - sqrt(g) mu, so the output variance follows
	// V_s = (coef1 k_t + coef2)^2 V_t + beta-tilde from V_start = 1 - g_start (x0Init = mu). The
	// empirical variance over 200k values must match it (sd of the estimate ~0.3%), the mean must be
	// mu, and with the full 1000 steps the result is within 2% of the data variance v0.
	const mu, v0 = 0.3, 0.25
	s := mustSchedule(t, "linear", 1000)
	for _, tc := range []struct {
		kind  string
		steps int
		eta   float64
	}{{DDPM, 5, 0}, {DDPM, 30, 0}, {DDIM, 30, 1}, {DDIM, 30, 0.5}} {
		steps := tc.steps
		gs := s.Gammas(steps, 1)
		V := 1 - gs[0]
		for i, gt := range gs {
			gsn := 1.0
			if i+1 < len(gs) {
				gsn = gs[i+1]
			}
			k := math.Sqrt(gt) * v0 / (gt*v0 + 1 - gt)
			if tc.kind == DDPM || tc.eta == 1 {
				p := Posterior(gt, gsn)
				V = math.Pow(p.Coef1*k+p.Coef2, 2)*V + p.Variance
			} else {
				// DDIM: x_s = sqrt(g_s) m + d (x_t - sqrt(g_t) m) + sigma z, d = sqrt(1-g_s-sigma^2)/sqrt(1-g_t).
				sig := DDIMSigma(gt, gsn, tc.eta)
				d := math.Sqrt(1-gsn-sig*sig) / math.Sqrt(1-gt)
				V = math.Pow(math.Sqrt(gsn)*k+d*(1-math.Sqrt(gt)*k), 2)*V + sig*sig
			}
		}
		mean, variance := sampleMoments(t, s, SamplerConfig{Kind: tc.kind, Steps: steps, Strength: 1, Eta: tc.eta}, mu, v0, 200000)
		if !near(mean, mu, 0.005) || math.Abs(variance/V-1) > 0.015 {
			t.Errorf("%s eta %g steps %d: mean %.4f var %.4f, want %.4f and %.4f", tc.kind, tc.eta, steps, mean, variance, mu, V)
		}
	}
	if testing.Short() {
		return
	}
	mean, variance := sampleMoments(t, s, SamplerConfig{Kind: DDPM, Steps: 1000, Strength: 1}, mu, v0, 50000)
	if !near(mean, mu, 0.01) || math.Abs(variance/v0-1) > 0.02 {
		t.Errorf("DDPM 1000 steps: mean %.4f var %.4f, want %.4f %.4f", mean, variance, mu, v0)
	}
}

func sampleMoments(t *testing.T, s *Schedule, cfg SamplerConfig, mu, v0 float64, n int) (mean, variance float64) {
	t.Helper()
	init := make([]float32, n)
	for i := range init {
		init[i] = float32(mu)
	}
	x, err := Sample(context.Background(), s, cfg, init, NewGaussianNoise(9), gaussEps(mu, v0), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(n)
	for _, v := range x {
		variance += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, variance / float64(n)
}

func TestDDIMEtaOneSampleIsDDPM(t *testing.T) {
	// Whole trajectories, with an imperfect predictor and clipping, agree.
	s := mustSchedule(t, "cosine", 1000)
	eps := func(_ context.Context, x []float32, g float64) ([]float32, error) {
		out := make([]float32, len(x))
		for i := range out {
			out[i] = 0.9*x[i] + 0.05
		}
		return out, nil
	}
	run := func(kind string) []float32 {
		x, err := Sample(context.Background(), s, SamplerConfig{Kind: kind, Steps: 25, Eta: 1, Strength: 1, ClipX0: 1}, testImage(200), NewGaussianNoise(4), eps, nil)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, b := run(DDIM), run(DDPM)
	for i := range a {
		if !near(float64(a[i]), float64(b[i]), 1e-4) {
			t.Fatalf("x[%d]: DDIM(eta 1) %v, DDPM %v", i, a[i], b[i])
		}
	}
}

func TestClipAndProject(t *testing.T) {
	s := mustSchedule(t, "linear", 1000)
	x0 := []float32{3, -3, 0.5, -0.2}
	var seen []float64
	project := func(x []float32, g float64) {
		for _, v := range x {
			if v > 1.5 || v < -1.5 {
				t.Errorf("ProjectX0 saw %v beyond the clip bound 1.5", v)
			}
		}
		seen = append(seen, g)
		x[3] = 0.25
	}
	got, err := Sample(context.Background(), s, SamplerConfig{Kind: DDIM, Steps: 4, Strength: 1, ClipX0: 1.5, ProjectX0: project}, make([]float32, 4), NewGaussianNoise(1), oracleEps(x0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{1.5, -1.5, 0.5, 0.25}; !slices.EqualFunc(got, want, func(a, b float32) bool { return near(float64(a), float64(b), 1e-5) }) {
		t.Errorf("clipped and projected result %v, want %v", got, want)
	}
	if !slices.Equal(seen, s.Gammas(4, 1)) {
		t.Errorf("ProjectX0 saw gammas %v", seen)
	}
	// ClipX0 = 0: no clipping, the residual range passes through.
	got, _ = Sample(context.Background(), s, SamplerConfig{Kind: DDIM, Steps: 4, Strength: 1}, make([]float32, 4), NewGaussianNoise(1), oracleEps(x0), nil)
	if !near(float64(got[0]), 3, 1e-4) || !near(float64(got[1]), -3, 1e-4) {
		t.Errorf("unclipped result %v, want %v", got, x0)
	}
}

func TestSampleCancellation(t *testing.T) {
	s := mustSchedule(t, "linear", 1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	eps := func(_ context.Context, x []float32, g float64) ([]float32, error) {
		calls++
		if calls == 3 {
			cancel()
		}
		return make([]float32, len(x)), nil
	}
	_, err := Sample(ctx, s, SamplerConfig{Kind: DDPM, Steps: 10, Strength: 1}, make([]float32, 8), NewGaussianNoise(1), eps, nil)
	if !errors.Is(err, context.Canceled) || calls != 3 {
		t.Errorf("err %v after %d calls, want context.Canceled after 3", err, calls)
	}
	// Already cancelled: no network call at all.
	calls = 0
	_, err = Sample(ctx, s, SamplerConfig{Kind: DDIM, Steps: 10, Strength: 1}, make([]float32, 8), NewGaussianNoise(1), eps, nil)
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("err %v after %d calls", err, calls)
	}
}

func TestSampleEpsErrors(t *testing.T) {
	s := mustSchedule(t, "linear", 1000)
	cfg := SamplerConfig{Kind: DDIM, Steps: 3, Strength: 1}
	boom := errors.New("boom")
	for _, tc := range []struct {
		eps  EpsFunc
		want string
	}{
		{func(context.Context, []float32, float64) ([]float32, error) { return nil, boom }, "step 1 of 3"},
		{func(_ context.Context, x []float32, _ float64) ([]float32, error) {
			return make([]float32, len(x)+1), nil
		}, "9 values for 8 inputs"},
		{func(_ context.Context, x []float32, _ float64) ([]float32, error) {
			e := make([]float32, len(x))
			e[2] = float32(math.NaN())
			return e, nil
		}, "[2] = NaN"},
	} {
		_, err := Sample(context.Background(), s, cfg, make([]float32, 8), NewGaussianNoise(1), tc.eps, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	_, err := Sample(context.Background(), s, cfg, make([]float32, 8), NewGaussianNoise(1),
		func(context.Context, []float32, float64) ([]float32, error) { return nil, boom }, nil)
	if !errors.Is(err, boom) {
		t.Errorf("eps error not wrapped: %v", err)
	}
}

func TestSpacingKeepsVariance(t *testing.T) {
	// DDIM (eta 0) with few steps shrinks the samples towards the mean: for data N(mu, v0) with the
	// exact eps the output variance is v0 times (1 - g_start) R^2 / v0 with R as in
	// TestDDIMEtaZeroGaussianExact. With 8 steps on the default schedule and v0 = 0.25 the analytic
	// retention is 0.466 for trailing and 0.659 for quadratic spacing (computed in Python); the
	// empirical variance must match both, so the quadratic spacing keeps more of the data's spread.
	const mu, v0 = 0, 0.25
	s := mustSchedule(t, "linear", 1000)
	for _, tc := range []struct {
		spacing string
		keep    float64
	}{{Trailing, 0.466}, {Quadratic, 0.659}} {
		_, variance := sampleMoments(t, s, SamplerConfig{Kind: DDIM, Steps: 8, Strength: 1, Spacing: tc.spacing}, mu, v0, 100000)
		if math.Abs(variance/v0-tc.keep) > 0.015 {
			t.Errorf("%s: variance kept %.3f, want %.3f", tc.spacing, variance/v0, tc.keep)
		}
	}
}
