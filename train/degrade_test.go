package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// imageOf converts an 8-bit RGB image to float.
func imageOf(m *rgb8) *data.Image { return m.toImage() }

// variance is the variance of all values of pix.
func variance(pix []float32) float64 {
	var s, ss float64
	for _, v := range pix {
		s += float64(v)
		ss += float64(v) * float64(v)
	}
	n := float64(len(pix))
	return ss/n - (s/n)*(s/n)
}

// channel returns the values of channel c.
func channel(m *data.Image, c int) []float32 {
	out := make([]float32, 0, m.W*m.H)
	for i := c; i < len(m.Pix); i += m.C {
		out = append(out, m.Pix[i])
	}
	return out
}

// hfEnergy is the mean squared 4-neighbour Laplacian: the energy of the
// highest frequencies.
func hfEnergy(m *data.Image) float64 {
	var e float64
	var n int
	for y := 1; y < m.H-1; y++ {
		for x := 1; x < m.W-1; x++ {
			for c := 0; c < m.C; c++ {
				l := 4*m.At(x, y, c) - m.At(x-1, y, c) - m.At(x+1, y, c) - m.At(x, y-1, c) - m.At(x, y+1, c)
				e += float64(l * l)
				n++
			}
		}
	}
	return e / float64(n)
}

func psnr(a, b *data.Image) float64 {
	var ss float64
	for i := range a.Pix {
		d := float64(a.Pix[i]-b.Pix[i]) / 2 // [0,1] units
		ss += d * d
	}
	return 10 * math.Log10(1/(ss/float64(len(a.Pix))))
}

// TestDegradationsDirection checks each degradation moves the LR the way
// it should, against the clean protocol LR of the same HR.
func TestDegradationsDirection(t *testing.T) {
	const P, L = 128, 32
	flat := &rgb8{W: P, H: P, Pix: slices.Repeat([]uint8{120, 130, 140}, P*P)}
	texture := randomRGB8(P, P, 3)
	photo := rgb8Of(smoothRGBA(P, P, 5))
	always := func(r Range) Degradation { return Degradation{Prob: 1, Range: r} }
	tests := []struct {
		name  string
		hr    *rgb8
		opt   DegradeOptions
		check func(clean, got *data.Image) string
	}{
		{"noise raises variance", flat, DegradeOptions{Noise: always(Range{10, 10})},
			func(clean, got *data.Image) string {
				// Per channel, the flat LR has variance 0; noise of sigma 10
				// levels gives (10/127.5)^2 in [-1,1] units.
				want := math.Pow(10/127.5, 2)
				for c := 0; c < 3; c++ {
					v0, v := variance(channel(clean, c)), variance(channel(got, c))
					if v0 > 1e-12 || math.Abs(v-want) > 0.15*want {
						return fmt.Sprintf("channel %d variance %.4g -> %.4g, want 0 -> %.4g", c, v0, v, want)
					}
				}
				return ""
			}},
		{"blur lowers high frequencies", texture, DegradeOptions{Blur: always(Range{2, 2})},
			func(clean, got *data.Image) string {
				if e0, e := hfEnergy(clean), hfEnergy(got); !(e < 0.5*e0) {
					return "HF energy " + fmtF(e0) + " -> " + fmtF(e)
				}
				return ""
			}},
		{"JPEG differs but stays close", photo, DegradeOptions{JPEG: always(Range{50, 50})},
			func(clean, got *data.Image) string {
				if p := psnr(clean, got); p < 25 || p > 55 {
					return "PSNR to the clean LR " + fmtF(p) + " dB, want 25..55"
				}
				return ""
			}},
		{"probability 0 is the exact protocol", texture, DegradeOptions{Noise: Degradation{Prob: 0, Range: Range{10, 20}}},
			func(clean, got *data.Image) string {
				if !slices.Equal(clean.Pix, got.Pix) {
					return "LR differs from Quantize(Resize(HR))"
				}
				return ""
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hr := imageOf(tc.hr)
			clean := data.Quantize(data.Resize(hr, L, L))
			got, err := tc.opt.makeLR(hr, L, L, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if got.W != L || got.H != L || got.C != 3 {
				t.Fatalf("LR is %s", got)
			}
			if !slices.Equal(got.Pix, data.Quantize(got).Pix) {
				t.Errorf("LR is not on 8-bit levels")
			}
			if msg := tc.check(clean, got); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestDegradeProbability checks a degradation with probability 0.3 is
// applied to about 30% of LR inputs.
func TestDegradeProbability(t *testing.T) {
	hr := imageOf(randomRGB8(16, 16, 1))
	clean := data.Quantize(data.Resize(hr, 8, 8))
	o := DegradeOptions{Noise: Degradation{Prob: 0.3, Range: Range{5, 20}}}
	rng := rand.New(rand.NewPCG(3, 4))
	n, hit := 2000, 0
	for range n {
		got, err := o.makeLR(hr, 8, 8, rng)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Pix, clean.Pix) {
			hit++
		}
	}
	if f := float64(hit) / float64(n); f < 0.26 || f > 0.34 {
		t.Errorf("noise applied to %.3f of inputs, want 0.3", f)
	}
}

func TestGaussianBlurKeepsFlatAndMean(t *testing.T) {
	img := data.NewImage(9, 7, 3)
	for i := range img.Pix {
		img.Pix[i] = 0.25
	}
	for _, v := range gaussianBlur(img, 1.5).Pix {
		if math.Abs(float64(v)-0.25) > 1e-6 {
			t.Fatalf("flat image blurred to %g", v)
		}
	}
	k := gaussianKernel(1.3)
	var s float64
	for _, v := range k {
		s += float64(v)
	}
	if len(k) != 2*4+1 || math.Abs(s-1) > 1e-6 || k[0] >= k[4] {
		t.Fatalf("kernel %v (sum %g)", k, s)
	}
}

func TestReflect(t *testing.T) {
	got := []int{}
	for i := -4; i < 9; i++ {
		got = append(got, data.MirrorIndex(i, 4))
	}
	// MATLAB 'symmetric' on 0 1 2 3: ... 3 2 1 0 | 0 1 2 3 | 3 2 1 0 ...
	want := []int{3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestParseDegrade(t *testing.T) {
	tests := []struct {
		spec   string
		want   DegradeOptions
		errHas string
	}{
		{"", DegradeOptions{}, ""},
		{"none", DegradeOptions{}, ""},
		{"realworld", RealWorldDegrade(), ""},
		{" realesrgan ", DegradeOptions{RealESRGAN: true}, ""},
		{"realesrgan,noise=1@1-2", DegradeOptions{}, "stands alone"},
		{"jpeg=1@40-50,realworld", DegradeOptions{}, "stands alone"},
		{"noise=0.5@1-15", DegradeOptions{Noise: Degradation{0.5, Range{1, 15}}}, ""},
		{"blur=1@0.2-2, jpeg=0.3@40-95", DegradeOptions{Blur: Degradation{1, Range{0.2, 2}}, JPEG: Degradation{0.3, Range{40, 95}}}, ""},
		{"noise=0.5", DegradeOptions{}, "KIND=PROB@MIN-MAX"},
		{"sharpen=0.5@1-2", DegradeOptions{}, "unknown kind"},
		{"noise=1.5@1-2", DegradeOptions{}, "probability 1.5"},
		{"jpeg=1@0-50", DegradeOptions{}, "range 0-50"},
		{"noise=1@9-3", DegradeOptions{}, "range 9-3"},
		{"noise=x@1-2", DegradeOptions{}, "probability"},
		{"jpeg=0.7@40-95,deblock", DegradeOptions{JPEG: Degradation{0.7, Range{40, 95}}, Deblock: true}, ""},
		{"deblock,noise=1@1-2", DegradeOptions{}, "deblock needs jpeg"},
		{"noise=0.5@1-15,prefilter", DegradeOptions{Noise: Degradation{0.5, Range{1, 15}}, Prefilter: true}, ""},
		{"prefilter,jpeg=0.7@40-95,deblock", DegradeOptions{JPEG: Degradation{0.7, Range{40, 95}}, Deblock: true, Prefilter: true}, ""},
		{"jpeg=0.7@40-95,prefilter", DegradeOptions{}, "prefilter needs noise or deblock"},
		{"noise=0.5@1-15,overstate=0.3@0-0.2", DegradeOptions{Noise: Degradation{0.5, Range{1, 15}}, Overstate: Degradation{0.3, Range{0, 0.2}}}, ""},
		{"overstate=0.3@0-0.2", DegradeOptions{}, "overstate needs another degradation"},
		{"noise=1@1-2,overstate=1@0-1.5", DegradeOptions{}, "range 0-1.5"},
	}
	for _, tc := range tests {
		got, err := ParseDegrade(tc.spec)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%q: error %v, want %q", tc.spec, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %+v, %v; want %+v", tc.spec, got, err, tc.want)
			continue
		}
		if back, err := ParseDegrade(got.String()); err != nil || back != got {
			t.Errorf("%q: String %q does not parse back: %+v, %v", tc.spec, got.String(), back, err)
		}
	}
}

func fmtF(v float64) string { return fmt.Sprintf("%.4g", v) }

// lrWithAndWithout makes the 24x24 LR of hr under spec from the same
// random draws twice: as spec says, and with the options set changes.
func lrWithAndWithout(t *testing.T, hr *data.Image, spec string, set func(*DegradeOptions)) (without, with *data.Image) {
	t.Helper()
	plain, err := ParseDegrade(spec)
	if err != nil {
		t.Fatal(err)
	}
	changed := plain
	set(&changed)
	if without, err = plain.MakeLR(hr, 24, 24, DegradeRNG(1, "a")); err != nil {
		t.Fatal(err)
	}
	if with, err = changed.MakeLR(hr, 24, 24, DegradeRNG(1, "a")); err != nil {
		t.Fatal(err)
	}
	return without, with
}

// TestDeblockedLR: with deblock, a JPEG-compressed LR is the JPEG decode
// deblocked at its quality (data.DeblockJPEG), from the same random draws
// as without it; its strength is measured on what the network is given.
func TestDeblockedLR(t *testing.T) {
	hr := imageOf(rgb8Of(smoothRGBA(96, 96, 5)))
	jpg, got := lrWithAndWithout(t, hr, "jpeg=1@40-40", func(o *DegradeOptions) { o.Deblock = true })
	want, err := data.DeblockJPEG(jpg, 40)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Pix, want.Pix) {
		t.Error("deblock: the LR is not the JPEG decode deblocked at quality 40")
	}
	clean := data.Quantize(data.Resize(hr, 24, 24))
	if a, b := DegradationStrength(got, clean), DegradationStrength(jpg, clean); !(a < b) {
		t.Errorf("strength of the deblocked LR %.4f, of the JPEG %.4f: deblocking should bring it closer to clean", a, b)
	}
}

// TestPrefilteredLR: with prefilter, a noisy LR is the same draw filtered
// at the drawn sigma (data.DenoiseDCT), a deblocked one at least at
// data.DeblockedNoise, and noise at or below data.PrefilterFloor is left
// as it is.
func TestPrefilteredLR(t *testing.T) {
	hr := imageOf(rgb8Of(smoothRGBA(96, 96, 5)))
	for _, c := range []struct {
		spec  string
		sigma float64 // 0: unfiltered
	}{{"noise=1@5-5", 5}, {"noise=1@1.2-1.2", 0}, {"jpeg=1@40-40,deblock", data.DeblockedNoise}, {"noise=1@7-7,jpeg=1@60-60,deblock", 7}} {
		lr, got := lrWithAndWithout(t, hr, c.spec, func(o *DegradeOptions) { o.Prefilter = true })
		want := lr
		if c.sigma > 0 {
			var err error
			if want, err = data.DenoiseDCT(lr, c.sigma); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(got.Pix, want.Pix) {
			t.Errorf("%s,prefilter: the LR is not the unfiltered one filtered at sigma %g", c.spec, c.sigma)
		}
	}
}
