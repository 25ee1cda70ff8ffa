package data

import (
	"math"
	"math/rand/v2"
	"testing"
)

// shaded is a smooth w x h RGB gradient in [-1,1].
func shaded(w, h int) *Image {
	img := NewImage(w, h, 3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				img.Pix[(y*w+x)*3+c] = float32(-0.6 + 1.2*float64(x+y+c)/float64(w+h))
			}
		}
	}
	return img
}

// withNoise returns img plus grey Gaussian noise of sigma 8-bit levels.
func withNoise(img *Image, sigma float64, seed uint64) *Image {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := &Image{W: img.W, H: img.H, C: img.C, Pix: make([]float32, len(img.Pix))}
	for i := 0; i < len(img.Pix); i += img.C {
		n := float32(sigma * rng.NormFloat64() * 2 / 255)
		for c := range img.C {
			out.Pix[i+c] = img.Pix[i+c] + n
		}
	}
	return out
}

// TestNoiseSigma: smooth shading has no noise; grey noise of sigma s (RGB
// levels) on it measures noiseGain * s within 10%.
func TestNoiseSigma(t *testing.T) {
	img := shaded(96, 80)
	if s := NoiseSigma(img); s > 0.05 {
		t.Errorf("NoiseSigma of smooth shading = %.3f levels, want ~0", s)
	}
	for _, sigma := range []float64{2, 5, 10} {
		got := NoiseSigma(withNoise(img, sigma, uint64(sigma)))
		if math.Abs(got-noiseGain*sigma) > 0.1*noiseGain*sigma {
			t.Errorf("NoiseSigma with noise sigma %g = %.3f", sigma, got)
		}
	}
	if s := NoiseSigma(NewImage(9, 9, 3)); s != 0 {
		t.Errorf("NoiseSigma of a 9x9 image = %g, want 0 (no whole block)", s)
	}
}

// TestEstimateDamage: none on a clean smooth image, more with more noise,
// capped at 1, and 0 for an empty image rather than a panic.
func TestEstimateDamage(t *testing.T) {
	img := shaded(96, 80)
	if d := EstimateDamage(img); d > 0.01 {
		t.Errorf("EstimateDamage(clean) = %.3f, want ~0", d)
	}
	prev := 0.0
	for _, sigma := range []float64{2, 5, 10} {
		d := EstimateDamage(withNoise(img, sigma, 3))
		want := damagePerRootNoise * math.Sqrt(max(0, noiseGain*sigma-damageNoiseFloor))
		if d <= prev || math.Abs(d-want) > 0.2*want {
			t.Errorf("EstimateDamage with noise sigma %g = %.3f, want about %.3f and more than %.3f", sigma, d, want, prev)
		}
		prev = d
	}
	if d := EstimateDamage(withNoise(img, 600, 4)); d != 1 {
		t.Errorf("EstimateDamage with noise sigma 600 = %.3f, want 1 (capped)", d)
	}
	if d := EstimateDamage(&Image{}); d != 0 {
		t.Errorf("EstimateDamage(empty) = %g", d)
	}
}

// TestEstimateDamageSeesBlocks: a smooth image whose 8x8 blocks are offset
// from one another, as JPEG's quantisation leaves them, gets the grid term.
func TestEstimateDamageSeesBlocks(t *testing.T) {
	img := withNoise(shaded(96, 80), 2, 5)
	for y := range img.H {
		for x := range img.W {
			off := float32(((x/JPEGBlock)*7+(y/JPEGBlock)*3)%5-2) * 2 / 255
			for c := range 3 {
				img.Pix[(y*img.W+x)*3+c] += off
			}
		}
	}
	g := BlockGridStrength(img, 1)
	grid := min(damageGridMax, damagePerGrid*(g-damageGridFloor))
	want := damagePerRootNoise*math.Sqrt(max(0, NoiseSigma(img)-damageNoiseFloor)) + grid
	if d := EstimateDamage(img); grid < 0.05 || math.Abs(d-want) > 1e-9 {
		t.Errorf("blocky image: grid %.3f (term %.4f), EstimateDamage %.4f, want %.4f", g, grid, d, want)
	}
}
