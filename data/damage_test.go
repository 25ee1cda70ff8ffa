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

// textured is a w x h RGB image of strong texture (sinusoids of several
// frequencies and directions, up to 0.4 cycles a pixel), the same pattern
// on every channel at different gains, as a photo's texture is.
func textured(w, h int) *Image {
	img := NewImage(w, h, 3)
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			v := 0.25*math.Sin(0.9*fx+0.3*fy) + 0.2*math.Sin(2.5*fy-0.4*fx) + 0.15*math.Sin(0.2*fx+0.17*fy)*math.Cos(1.7*fx)
			for c := range 3 {
				img.Pix[(y*w+x)*3+c] = float32([3]float64{1, 0.8, 0.6}[c] * v)
			}
		}
	}
	return img
}

// withColourNoise returns img plus Gaussian noise of sigma 8-bit levels,
// drawn independently on each channel.
func withColourNoise(img *Image, sigma float64, seed uint64) *Image {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := &Image{W: img.W, H: img.H, C: img.C, Pix: make([]float32, len(img.Pix))}
	for i, v := range img.Pix {
		out.Pix[i] = v + float32(sigma*rng.NormFloat64()*2/255)
	}
	return out
}

// TestNoiseSigmaRGB: colour noise of sigma s reads s within 10% on smooth
// shading and within 15% on strong texture, where the texture alone reads
// under a level; grey noise and grey images read ~0.
func TestNoiseSigmaRGB(t *testing.T) {
	for _, bg := range []struct {
		name string
		img  *Image
		tol  float64
	}{{"shading", shaded(96, 80), 0.1}, {"texture", textured(96, 80), 0.15}} {
		if s := NoiseSigmaRGB(bg.img); s > 1 {
			t.Errorf("%s: NoiseSigmaRGB without noise = %.3f levels, want below 1", bg.name, s)
		}
		for _, sigma := range []float64{2, 5, 10} {
			if got := NoiseSigmaRGB(withColourNoise(bg.img, sigma, uint64(sigma))); math.Abs(got-sigma) > bg.tol*sigma {
				t.Errorf("%s: NoiseSigmaRGB with colour noise sigma %g = %.3f", bg.name, sigma, got)
			}
		}
		if got := NoiseSigmaRGB(withNoise(bg.img, 5, 9)); got > 1 {
			t.Errorf("%s: NoiseSigmaRGB with grey noise sigma 5 = %.3f, want below 1 (not seen)", bg.name, got)
		}
	}
	// A big image is read on a coarser grid of patches (step 5 here).
	if got := NoiseSigmaRGB(withColourNoise(textured(600, 500), 5, 11)); math.Abs(got-5) > 0.5 {
		t.Errorf("600x500 texture: NoiseSigmaRGB with colour noise sigma 5 = %.3f", got)
	}
	if got := NoiseSigmaLuma(withNoise(textured(600, 500), 5, 11)); math.Abs(got-5) > 1 {
		t.Errorf("600x500 texture: NoiseSigmaLuma with grey noise sigma 5 = %.3f", got)
	}
	for _, img := range []*Image{NewImage(4, 40, 3), NewImage(40, 40, 1), {}} {
		if s := NoiseSigmaRGB(img); s != 0 {
			t.Errorf("NoiseSigmaRGB of a %dx%dx%d image = %g, want 0", img.W, img.H, img.C, s)
		}
	}
}

// TestNoiseSigmaLuma: grey noise of sigma s reads s within 10% on smooth
// shading and within 20% on strong texture; colour noise reads its luma
// share (0.668 s); an image smaller than a patch reads 0.
func TestNoiseSigmaLuma(t *testing.T) {
	for _, bg := range []struct {
		name string
		img  *Image
		tol  float64
	}{{"shading", shaded(96, 80), 0.1}, {"texture", textured(96, 80), 0.2}} {
		for _, sigma := range []float64{2, 5, 10} {
			if got := NoiseSigmaLuma(withNoise(bg.img, sigma, uint64(sigma))); math.Abs(got-sigma) > bg.tol*sigma {
				t.Errorf("%s: NoiseSigmaLuma with grey noise sigma %g = %.3f", bg.name, sigma, got)
			}
		}
	}
	share := math.Hypot(math.Hypot(lumaR, lumaG), lumaB) / (lumaR + lumaG + lumaB)
	if got := NoiseSigmaLuma(withColourNoise(shaded(96, 80), 10, 3)); math.Abs(got-10*share) > 0.1*10*share {
		t.Errorf("NoiseSigmaLuma with colour noise sigma 10 = %.3f, want about %.3f", got, 10*share)
	}
	if s := NoiseSigmaLuma(NewImage(4, 4, 3)); s != 0 {
		t.Errorf("NoiseSigmaLuma of a 4x4 image = %g, want 0", s)
	}
}

// TestNoiseDamage: 0 up to the first knot, the knots' levels at the knots,
// rising in between and beyond, capped at 1.
func TestNoiseDamage(t *testing.T) {
	if d := NoiseDamage(0); d != 0 {
		t.Errorf("NoiseDamage(0) = %g", d)
	}
	if d := NoiseDamage(math.NaN()); d != 0 {
		t.Errorf("NoiseDamage(NaN) = %g", d)
	}
	for _, k := range damageKnots {
		if d := NoiseDamage(k.sigma); math.Abs(d-k.level) > 1e-12 {
			t.Errorf("NoiseDamage(%g) = %g, want the knot's %g", k.sigma, d, k.level)
		}
	}
	prev := 0.0
	for s := damageKnots[0].sigma + 0.1; s < 60; s += 0.5 {
		d := NoiseDamage(s)
		if d <= prev && d < 1 {
			t.Fatalf("NoiseDamage(%g) = %g, not above %g", s, d, prev)
		}
		prev = d
	}
	if d := NoiseDamage(1000); d != 1 {
		t.Errorf("NoiseDamage(1000) = %g, want 1", d)
	}
}

// TestEstimateDamage: none on a clean smooth or textured image, the noise's
// level for colour noise (also on texture) and for grey noise, capped at 1,
// and 0 for an empty image rather than a panic.
func TestEstimateDamage(t *testing.T) {
	for _, img := range []*Image{shaded(96, 80), textured(96, 80)} {
		if d := EstimateDamage(img); d != 0 {
			t.Errorf("EstimateDamage(clean) = %.3f, want 0", d)
		}
		for _, sigma := range []float64{2, 5, 10} {
			d := EstimateDamage(withColourNoise(img, sigma, 3))
			if want := NoiseDamage(sigma); math.Abs(d-want) > 0.2*want {
				t.Errorf("EstimateDamage with colour noise sigma %g = %.3f, want about %.3f", sigma, d, want)
			}
		}
	}
	if d, want := EstimateDamage(withNoise(shaded(96, 80), 10, 4)), NoiseDamage(10-damageLumaTexture); math.Abs(d-want) > 0.2*want {
		t.Errorf("EstimateDamage with grey noise sigma 10 = %.3f, want about %.3f", d, want)
	}
	if d := EstimateDamage(withColourNoise(shaded(96, 80), 200, 4)); d != 1 {
		t.Errorf("EstimateDamage with noise sigma 200 = %.3f, want 1 (capped)", d)
	}
	if d := EstimateDamage(&Image{}); d != 0 {
		t.Errorf("EstimateDamage(empty) = %g", d)
	}
}

// TestEstimateDamageSeesBlocks: a smooth image whose 8x8 blocks are offset
// from one another, as JPEG's quantisation leaves them, gets the grid term.
func TestEstimateDamageSeesBlocks(t *testing.T) {
	img := withColourNoise(shaded(96, 80), 2, 5)
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
	want := NoiseDamage(max(NoiseSigmaRGB(img), NoiseSigmaLuma(img)-damageLumaTexture)) + grid
	if d := EstimateDamage(img); grid < 0.05 || math.Abs(d-want) > 1e-9 {
		t.Errorf("blocky image: grid %.3f (term %.4f), EstimateDamage %.4f, want %.4f", g, grid, d, want)
	}
}
