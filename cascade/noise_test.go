package cascade

import (
	"math"
	"testing"
)

func TestNoiseFieldTilesAgreeInOverlap(t *testing.T) {
	f := NewNoiseField(42)
	a := Rect{X: 8, Y: 4, W: 24, H: 16}
	b := Rect{X: 20, Y: 12, W: 24, H: 16} // overlaps a in x 20..31, y 12..19
	const c = 3
	per := a.W * a.H * c
	for call := range 3 {
		batch := make([]float32, 2*per)
		f.Tiles([]Rect{a, b}, c).Fill(call, batch)
		ta, tb := batch[:per], batch[per:]
		shared := 0
		for y := b.Y; y < a.Y+a.H; y++ {
			for x := b.X; x < a.X+a.W; x++ {
				for k := range c {
					va := ta[((y-a.Y)*a.W+x-a.X)*c+k]
					vb := tb[((y-b.Y)*b.W+x-b.X)*c+k]
					if va != vb || va != f.At(call, x, y, k) {
						t.Fatalf("call %d pixel (%d,%d,%d): tile a %v, tile b %v, field %v", call, x, y, k, va, vb, f.At(call, x, y, k))
					}
					shared++
				}
			}
		}
		if shared != 12*8*c {
			t.Fatalf("compared %d values", shared)
		}
		// Outside the overlap the tiles differ (independent noise).
		if ta[0] == tb[0] {
			t.Errorf("call %d: different pixels got the same noise %v", call, ta[0])
		}
	}
}

// corr returns the correlation coefficient of a and b.
func corr(a, b []float32) float64 {
	var sa, sb, saa, sbb, sab float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		sa, sb, saa, sbb, sab = sa+x, sb+y, saa+x*x, sbb+y*y, sab+x*y
	}
	n := float64(len(a))
	cov := sab/n - sa/n*sb/n
	return cov / math.Sqrt((saa/n-sa*sa/n/n)*(sbb/n-sb*sb/n/n))
}

func TestNoiseFieldStatistics(t *testing.T) {
	const w, h, c = 256, 128, 3
	r := Rect{W: w, H: h}
	f := NewNoiseField(7)
	z := make([]float32, w*h*c)
	f.FillRect(0, r, c, z)
	var s, ss, s4 float64
	for _, v := range z {
		x := float64(v)
		s, ss, s4 = s+x, ss+x*x, s4+x*x*x*x
	}
	n := float64(len(z))
	mean, variance := s/n, ss/n-(s/n)*(s/n)
	// Standard errors: 1/sqrt(n) = 0.0036 for the mean, sqrt(2/n) = 0.0051 for the variance.
	if math.Abs(mean) > 0.02 || math.Abs(variance-1) > 0.03 || math.Abs(s4/n-3) > 0.15 {
		t.Errorf("mean %.4f, variance %.4f, fourth moment %.3f: want 0, 1, 3", mean, variance, s4/n)
	}
	// Neighbours along x, y, channels, calls and seeds are uncorrelated.
	shifted := func(dx, dy, dc int, src []float32) ([]float32, []float32) {
		var a, b []float32
		for y := 0; y+dy < h; y++ {
			for x := 0; x+dx < w; x++ {
				for k := 0; k+dc < c; k++ {
					a = append(a, z[(y*w+x)*c+k])
					b = append(b, src[((y+dy)*w+x+dx)*c+k+dc])
				}
			}
		}
		return a, b
	}
	other := make([]float32, len(z))
	f.FillRect(1, r, c, other)
	seed := make([]float32, len(z))
	NewNoiseField(8).FillRect(0, r, c, seed)
	pass := make([]float32, len(z))
	f.derive(1).FillRect(0, r, c, pass)
	checks := map[string][2][]float32{}
	for name, d := range map[string][3]int{"x": {1, 0, 0}, "y": {0, 1, 0}, "channel": {0, 0, 1}} {
		a, b := shifted(d[0], d[1], d[2], z)
		checks[name] = [2][]float32{a, b}
	}
	checks["call"] = [2][]float32{z, other}
	checks["seed"] = [2][]float32{z, seed}
	checks["pass"] = [2][]float32{z, pass}
	for name, ab := range checks {
		if r := corr(ab[0], ab[1]); math.Abs(r) > 0.015 { // 5 standard errors
			t.Errorf("correlation between neighbouring %ss: %.4f", name, r)
		}
	}
	// Reproducible.
	again := make([]float32, len(z))
	NewNoiseField(7).FillRect(0, r, c, again)
	for i := range z {
		if z[i] != again[i] {
			t.Fatalf("value %d: %v then %v", i, z[i], again[i])
		}
	}
}

func BenchmarkNoiseFieldFill(b *testing.B) {
	r := Rect{W: 512, H: 512}
	z := make([]float32, r.W*r.H*3)
	f := NewNoiseField(1)
	b.SetBytes(int64(len(z) * 4))
	for i := 0; b.Loop(); i++ {
		f.FillRect(i, r, 3, z)
	}
}
