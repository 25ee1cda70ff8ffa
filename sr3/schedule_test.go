package sr3

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestLinearScheduleByHand(t *testing.T) {
	// T=3, betas linspace(0.1, 0.3, 3) = 0.1, 0.2, 0.3
	// alpha_bar: 0.9, 0.9*0.8 = 0.72, 0.72*0.7 = 0.504
	s, err := LinearSchedule(3, 0.1, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	wantB, wantA := []float64{0.1, 0.2, 0.3}, []float64{0.9, 0.72, 0.504}
	for i := range 3 {
		if !near(s.Betas[i], wantB[i], 1e-15) || !near(s.AlphaBars[i], wantA[i], 1e-15) {
			t.Errorf("t=%d: beta %v alpha_bar %v, want %v %v", i, s.Betas[i], s.AlphaBars[i], wantB[i], wantA[i])
		}
	}
	if s.T() != 3 || s.AlphaBar(-1) != 1 || s.AlphaBar(2) != s.AlphaBars[2] {
		t.Errorf("T %d, AlphaBar(-1) %v, AlphaBar(2) %v", s.T(), s.AlphaBar(-1), s.AlphaBar(2))
	}
	// T=1 uses betaStart.
	s1, err := LinearSchedule(1, 0.25, 0.5)
	if err != nil || s1.Betas[0] != 0.25 || s1.AlphaBars[0] != 0.75 {
		t.Errorf("T=1: %+v, %v", s1, err)
	}
}

func TestCosineScheduleByHand(t *testing.T) {
	// s=0, T=2: f(t) = cos^2(t/2 * pi/2): f(0)=1, f(1)=1/2, f(2)=0.
	// beta_0 = 1 - 1/2 = 0.5, beta_1 = min(1 - 0, 0.999) = 0.999;
	// alpha_bar: 0.5, 0.5*0.001 = 0.0005.
	s, err := CosineSchedule(2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !near(s.Betas[0], 0.5, 1e-15) || s.Betas[1] != 0.999 || !near(s.AlphaBars[1], 0.0005, 1e-15) {
		t.Errorf("betas %v alpha_bars %v", s.Betas, s.AlphaBars)
	}
}

func TestCosineScheduleEndpoints(t *testing.T) {
	// Improved DDPM, T=1000, s=0.008: alpha_bar(t) = f(t+1)/f(0) until the clip at 0.999, which only
	// bites at the last step (f(1000) = 0). Computed in Python:
	// alpha_bar[0] = f(1)/f(0) = 0.999958715775178, alpha_bar[999] = 2.4287669070348567e-09.
	s, err := NewSchedule("cosine", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !near(s.AlphaBars[0], 0.999958715775178, 1e-14) {
		t.Errorf("alpha_bar[0] = %.17g", s.AlphaBars[0])
	}
	if got := s.AlphaBars[999]; math.Abs(got/2.4287669070348567e-09-1) > 1e-9 {
		t.Errorf("alpha_bar[999] = %.17g", got)
	}
	if s.Betas[999] != 0.999 || s.Betas[998] >= 0.999 {
		t.Errorf("clip: beta[998] %v beta[999] %v", s.Betas[998], s.Betas[999])
	}
	f := func(t float64) float64 { c := math.Cos((t/1000 + 0.008) / 1.008 * math.Pi / 2); return c * c }
	for _, i := range []int{0, 250, 500, 750, 998} {
		if want := f(float64(i+1)) / f(0); math.Abs(s.AlphaBars[i]/want-1) > 1e-9 {
			t.Errorf("alpha_bar[%d] = %g, want f(t+1)/f(0) = %g", i, s.AlphaBars[i], want)
		}
	}
}

func TestNewSchedule(t *testing.T) {
	// Final levels computed in Python by the same formulas (products of 1-beta).
	for _, tc := range []struct {
		name       string
		T          int
		beta0, end float64
		lastAB     float64
	}{
		{"linear", 1000, 1e-4, 2e-2, 4.0358297653756754e-05},
		{"linear", 500, 2e-4, 4e-2, math.NaN()},
		{"sr3", 2000, 1e-6, 1e-2, 4.3859782361332086e-05},
		{"sr3", 1000, 2e-6, 2e-2, math.NaN()},
	} {
		s, err := NewSchedule(tc.name, tc.T)
		if err != nil {
			t.Fatalf("%s/%d: %v", tc.name, tc.T, err)
		}
		if s.T() != tc.T || !near(s.Betas[0], tc.beta0, 1e-18) || !near(s.Betas[tc.T-1], tc.end, 1e-15) {
			t.Errorf("%s/%d: T %d betas %g..%g", tc.name, tc.T, s.T(), s.Betas[0], s.Betas[tc.T-1])
		}
		if !math.IsNaN(tc.lastAB) && math.Abs(s.AlphaBars[tc.T-1]/tc.lastAB-1) > 1e-9 {
			t.Errorf("%s/%d: alpha_bar[T-1] = %.17g, want %.17g", tc.name, tc.T, s.AlphaBars[tc.T-1], tc.lastAB)
		}
		if !slices.IsSortedFunc(s.AlphaBars, func(a, b float64) int { return -cmpF(a, b) }) {
			t.Errorf("%s/%d: alpha_bars not decreasing", tc.name, tc.T)
		}
	}
	for _, tc := range []struct {
		name string
		T    int
		want string
	}{
		{"quadratic", 1000, `unknown noise schedule "quadratic"`},
		{"linear", 0, "need at least 1"},
		{"linear", 10, "need 0 < start <= end < 1"}, // betaEnd scaled to 2
		{"cosine", -3, "need at least 1"},
	} {
		_, err := NewSchedule(tc.name, tc.T)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSchedule(%q, %d) = %v, want error containing %q", tc.name, tc.T, err, tc.want)
		}
	}
	for _, betas := range [][]float64{nil, {0.1, 0}, {1}, {math.NaN()}} {
		if _, err := FromBetas(betas); err == nil {
			t.Errorf("FromBetas(%v) accepted", betas)
		}
	}
	if _, err := LinearSchedule(5, 0.3, 0.1); err == nil {
		t.Error("LinearSchedule with start > end accepted")
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSampleGammaIntervals(t *testing.T) {
	// T=3 schedule: sqrt levels 1 > sqrt(0.9) > sqrt(0.72) > sqrt(0.504). Each draw must land in
	// [sqrt(0.504), 1]; the interval it lands in is its step, chosen with probability 1/3, and within
	// the interval sqrt(gamma) is uniform (mean at the midpoint, draws reaching both ends).
	s, _ := LinearSchedule(3, 0.1, 0.3)
	edges := []float64{1, math.Sqrt(0.9), math.Sqrt(0.72), math.Sqrt(0.504)}
	rng := rand.New(rand.NewPCG(1, 2))
	const N = 300000
	var count [3]int
	var sum [3]float64
	lo := [3]float64{2, 2, 2}
	hi := [3]float64{-1, -1, -1}
	for range N {
		g := s.SampleGamma(rng)
		r := math.Sqrt(g)
		if !(r >= edges[3] && r <= 1) {
			t.Fatalf("gamma %v outside [%v, 1]", g, 0.504)
		}
		k := 0
		for k < 2 && r < edges[k+1] {
			k++
		}
		count[k]++
		sum[k] += r
		lo[k], hi[k] = min(lo[k], r), max(hi[k], r)
	}
	for k := range 3 {
		if p := float64(count[k]) / N; math.Abs(p-1.0/3) > 0.005 { // sd ~ 0.00086
			t.Errorf("interval %d chosen with p = %.4f, want 1/3", k, p)
		}
		width := edges[k] - edges[k+1]
		if mid := (edges[k] + edges[k+1]) / 2; math.Abs(sum[k]/float64(count[k])-mid) > 0.01*width {
			t.Errorf("interval %d: mean sqrt(gamma) %.5f, want midpoint %.5f", k, sum[k]/float64(count[k]), mid)
		}
		if lo[k]-edges[k+1] > 1e-3*width || edges[k]-hi[k] > 1e-3*width {
			t.Errorf("interval %d: draws cover [%.5f, %.5f] of [%.5f, %.5f]", k, lo[k], hi[k], edges[k+1], edges[k])
		}
	}
}

func TestSampleGammaFrom(t *testing.T) {
	s, _ := NewSchedule("linear", 1000)
	// From 0 it is SampleGamma, draw for draw.
	a, b := rand.New(rand.NewPCG(3, 4)), rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		if g, h := s.SampleGamma(a), s.SampleGammaFrom(b, 0); g != h {
			t.Fatalf("SampleGammaFrom(0) = %v, SampleGamma = %v", h, g)
		}
	}
	// From 900 every level lies in [gamma_999, gamma_899], and the steps
	// spread over the whole range: a tenth of the draws below gamma_989.
	rng := rand.New(rand.NewPCG(5, 6))
	const N = 20000
	low := 0
	for range N {
		g := s.SampleGammaFrom(rng, 900)
		if !(g >= s.AlphaBar(999) && g <= s.AlphaBar(899)) {
			t.Fatalf("gamma %v outside [%v, %v]", g, s.AlphaBar(999), s.AlphaBar(899))
		}
		if g < s.AlphaBar(989) {
			low++
		}
	}
	if p := float64(low) / N; math.Abs(p-0.1) > 0.01 {
		t.Errorf("share below gamma_989 = %.3f, want 0.1", p)
	}
	// A start past the end is clamped to the last step.
	if g := s.SampleGammaFrom(rng, 5000); !(g >= s.AlphaBar(999) && g <= s.AlphaBar(998)) {
		t.Errorf("SampleGammaFrom(5000) = %v, want within step 999", g)
	}
}

func TestTimestepsAndGammas(t *testing.T) {
	s1000, _ := NewSchedule("linear", 1000)
	s10, _ := LinearSchedule(10, 0.01, 0.1)
	all := make([]int, 1000)
	for i := range all {
		all[i] = 999 - i
	}
	for _, tc := range []struct {
		s        *Schedule
		steps    int
		strength float64
		want     []int
	}{
		{s1000, 4, 1, []int{999, 749, 499, 249}},
		{s1000, 4, 0.5, []int{499, 374, 249, 124}},
		{s1000, 1, 1, []int{999}},
		{s1000, 1, 0.3, []int{299}},
		{s1000, 3, 1, []int{999, 666, 332}}, // round(1000*2/3)=667, round(1000/3)=333
		{s1000, 1000, 1, all},
		{s1000, 5000, 1, all},             // clamped to the 1000 indices
		{s10, 3, 0.3, []int{2, 1, 0}},     // n = 3
		{s10, 5, 0.2, []int{1, 0}},        // n = 2: clamped to 2 steps
		{s10, 2, 0.01, []int{0}},          // n rounds to 0: at least one index
		{s10, 4, 0.55, []int{5, 4, 2, 1}}, // n = round(5.5) = 6: round(6, 4.5, 3, 1.5) - 1 = 6-1, 5-1, 3-1, 2-1
	} {
		got := tc.s.Timesteps(tc.steps, tc.strength)
		if !slices.Equal(got, tc.want) {
			t.Errorf("T=%d Timesteps(%d, %g) = %v, want %v", tc.s.T(), tc.steps, tc.strength, got, tc.want)
		}
		gs := tc.s.Gammas(tc.steps, tc.strength)
		for i, ti := range got {
			if gs[i] != tc.s.AlphaBars[ti] {
				t.Errorf("Gammas[%d] = %v, want alpha_bar[%d] = %v", i, gs[i], ti, tc.s.AlphaBars[ti])
			}
			if i > 0 && !(gs[i] > gs[i-1]) {
				t.Errorf("Gammas not increasing (noise not decreasing) at %d: %v", i, gs)
			}
		}
	}
}

func TestSpacedTimesteps(t *testing.T) {
	s := mustSchedule(t, "linear", 1000)
	for _, tc := range []struct {
		steps    int
		strength float64
		spacing  string
		want     []int
	}{
		{4, 1, "", []int{999, 749, 499, 249}},
		{4, 1, Trailing, []int{999, 749, 499, 249}},
		// round(1000 (k-i)^2/k^2) - 1, Go's Round rounds halves away from 0: 562.5 -> 563.
		{4, 1, Quadratic, []int{999, 562, 249, 62}},
		{8, 1, Quadratic, []int{999, 765, 562, 390, 249, 140, 62, 15}},
		{4, 0.5, Quadratic, []int{499, 280, 124, 30}},
		// k = n = 5: 5*(u^2) = 5, 3.2, 1.8, 0.8, 0.2 -> 4, 2, 1, 0, -1, pushed apart to 4 3 2 1 0.
		{5, 0.005, Quadratic, []int{4, 3, 2, 1, 0}},
	} {
		got, err := s.SpacedTimesteps(tc.steps, tc.strength, tc.spacing)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("SpacedTimesteps(%d, %g, %q) = %v, %v, want %v", tc.steps, tc.strength, tc.spacing, got, err, tc.want)
		}
	}
	// Every step count and start: strictly decreasing, from n-1, ending at >= 0.
	for _, T := range []int{1, 2, 7, 100} {
		sT, _ := LinearSchedule(T, 1e-3, 2e-2)
		for _, sp := range Spacings {
			for _, strength := range []float64{1, 0.5, 0.13} {
				n := max(1, int(math.Round(strength*float64(T))))
				for k := 1; k <= T+2; k++ {
					ts, _ := sT.SpacedTimesteps(k, strength, sp)
					if len(ts) != min(k, n) || ts[0] != n-1 || ts[len(ts)-1] < 0 {
						t.Fatalf("T=%d %s k=%d strength %g: %v", T, sp, k, strength, ts)
					}
					for i := 1; i < len(ts); i++ {
						if ts[i] >= ts[i-1] {
							t.Fatalf("T=%d %s k=%d strength %g: not decreasing: %v", T, sp, k, strength, ts)
						}
					}
				}
			}
		}
	}
	if _, err := s.SpacedTimesteps(4, 1, "karras"); err == nil || !strings.Contains(err.Error(), `unknown timestep spacing "karras"`) {
		t.Errorf("unknown spacing: %v", err)
	}
}
