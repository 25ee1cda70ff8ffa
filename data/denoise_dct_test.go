package data

import (
	"math"
	"runtime"
	"slices"
	"testing"
)

// TestDCTMatrix: the DCT is orthonormal, and its first rows are the
// hand-computed values 1/sqrt(8) and cos((2n+1)pi/16)/2.
func TestDCTMatrix(t *testing.T) {
	m := dctMatrix
	for n := range dctBlock {
		if d := float64(m[0][n]) - 1/math.Sqrt(8); math.Abs(d) > 1e-7 {
			t.Errorf("m[0][%d] = %g, want 1/sqrt8", n, m[0][n])
		}
		if d := float64(m[1][n]) - math.Cos(float64(2*n+1)*math.Pi/16)/2; math.Abs(d) > 1e-7 {
			t.Errorf("m[1][%d] = %g", n, m[1][n])
		}
	}
	for i := range dctBlock {
		for j := range dctBlock {
			var s float64
			for n := range dctBlock {
				s += float64(m[i][n]) * float64(m[j][n])
			}
			if want := float64(map[bool]int{true: 1}[i == j]); math.Abs(s-want) > 1e-6 {
				t.Errorf("row %d . row %d = %g, want %g", i, j, s, want)
			}
		}
	}
}

// TestDenoiseDCT: DenoiseDCT keeps the denoisers' contract
// (checkDenoiser), and grey noise on a grey image loses at least 3 dB.
func TestDenoiseDCT(t *testing.T) {
	checkDenoiser(t, DenoiseDCT, 9, 5, 1e-6)
	grey := RGBToGrey(shaded(40, 33))
	noisy := withNoise(grey, 5, 8)
	out, err := DenoiseDCT(noisy, 5)
	if err != nil {
		t.Fatal(err)
	}
	if out.C != 1 || PSNRRGB(grey, out, 0) < PSNRRGB(grey, noisy, 0)+3 {
		t.Errorf("grey: %d channels, PSNR %.2f -> %.2f", out.C, PSNRRGB(grey, noisy, 0), PSNRRGB(grey, out, 0))
	}
}

// checkDenoiser asserts what DenoiseDCT and DenoiseBM3D share: colour noise
// of sigma 2, 5 and 10 loses at least 3 dB on shading and on strong
// texture; a flat flatW x flatH image comes back within tol; sigma 0 gives
// an equal copy; bad sigmas and images are errors.
func checkDenoiser(t *testing.T, denoise func(*Image, float64) (*Image, error), flatW, flatH int, tol float64) {
	t.Helper()
	for name, clean := range map[string]*Image{"shaded": shaded(70, 53), "textured": textured(70, 53)} {
		for _, sigma := range []float64{2, 5, 10} {
			noisy := withColourNoise(clean, sigma, 7)
			out, err := denoise(noisy, sigma)
			if err != nil {
				t.Fatal(err)
			}
			if before, after := PSNRRGB(clean, noisy, 0), PSNRRGB(clean, out, 0); after < before+3 {
				t.Errorf("%s, sigma %g: PSNR %.2f -> %.2f dB, want a gain of 3 dB or more", name, sigma, before, after)
			}
		}
	}
	flat := NewImage(flatW, flatH, 3)
	for i := range flat.Pix {
		flat.Pix[i] = []float32{0.3, -0.2, 0.1}[i%3]
	}
	out, err := denoise(flat, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out.Pix {
		if math.Abs(float64(v-flat.Pix[i])) > tol {
			t.Fatalf("flat image: pixel value %d changed %g -> %g", i, flat.Pix[i], v)
		}
	}
	noisy := withColourNoise(shaded(12, 10), 5, 9)
	if out, err := denoise(noisy, 0); err != nil || !slices.Equal(out.Pix, noisy.Pix) || &out.Pix[0] == &noisy.Pix[0] {
		t.Errorf("sigma 0: want an equal copy (err %v)", err)
	}
	for _, sigma := range []float64{-1, math.NaN(), math.Inf(1), 256} {
		if _, err := denoise(noisy, sigma); err == nil {
			t.Errorf("sigma %g: want an error", sigma)
		}
	}
	for _, bad := range []*Image{nil, {W: 2, H: 2, C: 2, Pix: make([]float32, 8)}, {W: 2, H: 2, C: 3, Pix: make([]float32, 5)}} {
		if _, err := denoise(bad, 2); err == nil {
			t.Errorf("image %v: want an error", bad)
		}
	}
}

// squares returns a 48x40 RGB grid of sharp-edged 7x6 squares, flat
// patches meeting strong edges.
func squares() *Image {
	img := NewImage(48, 40, 3)
	for y := range img.H {
		for x := range img.W {
			v := float32(-0.6)
			if (x/7+y/6)%2 == 0 {
				v = 0.5
			}
			for c := range 3 {
				img.Pix[(y*img.W+x)*3+c] = v + 0.1*float32(c)
			}
		}
	}
	return img
}

// TestDenoiseDCTDeterministic: one CPU and many give the same bits, on an
// image tall enough for many chunks of patch rows, and a 1x1 image works.
func TestDenoiseDCTDeterministic(t *testing.T) {
	checkSameOnOneCPU(t, "DenoiseDCT", DenoiseDCT)
	tiny := &Image{W: 1, H: 1, C: 3, Pix: []float32{0.5, 0, -0.5}}
	if out, err := DenoiseDCT(tiny, 3); err != nil || math.Abs(float64(out.Pix[0]-0.5)) > 1e-6 {
		t.Errorf("1x1: %v, %v", out, err)
	}
}

// TestPrefilterSigma: the rule against hand values (none at or below the
// floor, at least DeblockedNoise after deblocking, at most 255); colour
// noise reads its sigma in both estimators and is filtered at it; clean shading, grey noise, a grey image and colour
// edges that are not noise are not filtered.
func TestPrefilterSigma(t *testing.T) {
	for _, c := range []struct {
		noise     float64
		deblocked bool
		want      float64
	}{{0, false, 0}, {1.3, false, 0}, {math.NaN(), false, 0}, {1.31, false, 1.31}, {7, false, 7}, {300, false, 255},
		{0, true, DeblockedNoise}, {2, true, DeblockedNoise}, {7, true, 7}} {
		if got := PrefilterSigma(c.noise, c.deblocked); got != c.want {
			t.Errorf("PrefilterSigma(%g, deblocked %v) = %g, want %g", c.noise, c.deblocked, got, c.want)
		}
	}
	for _, sigma := range []float64{2, 5, 10} {
		if s := PrefilterSigma(EstimateColourNoise(withColourNoise(shaded(96, 80), sigma, 11)), false); math.Abs(s-sigma) > 0.15*sigma {
			t.Errorf("PrefilterSigma(colour noise sigma %g) = %.2f", sigma, s)
		}
	}
	// An emoji: flat saturated colours with sharp edges, which
	// NoiseSigmaRGB reads as noise (its luma reads none).
	emoji, err := DecodeFile("../testdata/emoji/smileys-emotion_heart_eyes.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if r := NoiseSigmaRGB(emoji.Image); r < 2 {
		t.Errorf("the emoji reads %.2f in NoiseSigmaRGB; the test wants a false reading of 2 or more", r)
	}
	for name, img := range map[string]*Image{
		"clean shading": shaded(96, 80), "grey noise": withNoise(shaded(96, 80), 5, 12),
		"grey image with noise": RGBToGrey(withNoise(shaded(96, 80), 5, 13)), "an emoji": emoji.Image, "nil": nil,
	} {
		if s := PrefilterSigma(EstimateColourNoise(img), false); s != 0 {
			t.Errorf("PrefilterSigma(%s) = %.2f, want 0 (EstimateColourNoise %.2f)", name, s, EstimateColourNoise(img))
		}
	}
	if s := EstimateNoise(withColourNoise(shaded(96, 80), 5, 11)); math.Abs(s-5) > 0.5 {
		t.Errorf("EstimateNoise(colour noise sigma 5) = %.2f", s)
	}
}

// TestAutoPrefilterSigma: a grey image's grey noise is read at its sigma,
// whether it has one channel or three equal ones, and a deblocked grey
// JPEG gets DeblockedNoise/sqrt3, and no grey image is filtered above
// greyPrefilterMax; a colour image follows PrefilterSigma of its colour
// noise, and grey noise on a colour image is left alone.
func TestAutoPrefilterSigma(t *testing.T) {
	grey := RGBToGrey(shaded(96, 80))
	for _, sigma := range []float64{2, 5, 10} {
		noisy := withNoise(grey, sigma, 21)
		s := AutoPrefilterSigma(noisy, false)
		if math.Abs(s-sigma) > 0.15*sigma {
			t.Errorf("grey noise sigma %g: %.2f", sigma, s)
		}
		if s3 := AutoPrefilterSigma(GreyToRGB(noisy), false); s3 != s {
			t.Errorf("grey noise sigma %g: %.2f on one channel, %.2f on three equal ones", sigma, s, s3)
		}
	}
	for _, c := range []struct {
		name      string
		img       *Image
		deblocked bool
		want      float64
	}{
		{"clean grey", grey, false, 0},
		{"clean grey, deblocked", GreyToRGB(grey), true, DeblockedNoise / math.Sqrt(3)},
		{"clean colour, deblocked", shaded(96, 80), true, DeblockedNoise},
		{"grey noise on colour", withNoise(shaded(96, 80), 5, 12), false, 0},
		{"nil", nil, true, 0},
		{"grey noise of sigma 20, capped", withNoise(grey, 20, 22), false, greyPrefilterMax},
	} {
		if got := AutoPrefilterSigma(c.img, c.deblocked); got != c.want {
			t.Errorf("%s: %g, want %g", c.name, got, c.want)
		}
	}
	colour := withColourNoise(shaded(96, 80), 5, 11)
	if got, want := AutoPrefilterSigma(colour, false), PrefilterSigma(EstimateColourNoise(colour), false); got != want || want == 0 {
		t.Errorf("colour noise: %g, want PrefilterSigma(EstimateColourNoise) = %g (not 0)", got, want)
	}
}

// TestDenoiseDCTGreyRGB: an RGB image with three equal channels is
// denoised as its grey plane (grey noise at its own sigma), exactly.
func TestDenoiseDCTGreyRGB(t *testing.T) {
	grey := RGBToGrey(textured(40, 33))
	noisy := withNoise(grey, 5, 9)
	want, err := DenoiseDCT(noisy, 5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DenoiseDCT(GreyToRGB(noisy), 5)
	if err != nil {
		t.Fatal(err)
	}
	if got.C != 3 || !slices.Equal(got.Pix, GreyToRGB(want).Pix) {
		t.Error("DenoiseDCT of three equal channels differs from the grey plane's result")
	}
	if before, after := PSNRRGB(grey, noisy, 0), PSNRRGB(GreyToRGB(grey), got, 0); after < before+3 {
		t.Errorf("grey noise on three equal channels: PSNR %.2f -> %.2f dB, want a gain of 3 dB or more", before, after)
	}
}

// TestIsGrey: one channel, or three equal at every pixel.
func TestIsGrey(t *testing.T) {
	grey := RGBToGrey(shaded(9, 7))
	rgb := GreyToRGB(grey)
	if !IsGrey(grey) || !IsGrey(rgb) {
		t.Error("a grey image, or its RGB copy, is not grey")
	}
	rgb.Pix[len(rgb.Pix)-1] += 1e-6
	if IsGrey(rgb) || IsGrey(shaded(9, 7)) || IsGrey(NewImage(2, 2, 4)) {
		t.Error("a colour image (or four channels) reads as grey")
	}
}

// TestDenoiseDCTWeighted: BM3D's aggregation weights beat the plain mean
// where flat patches meet strong edges (a grid of sharp-edged squares under
// noise), and they change nothing on a flat image (the weights are
// normalised: the flat-image case of TestDenoiseDCT).
func TestDenoiseDCTWeighted(t *testing.T) {
	clean := squares()
	for _, sigma := range []float64{5, 10} {
		noisy := withColourNoise(clean, sigma, 11)
		weighted := PSNRRGB(clean, denoiseDCT(noisy, sigma, false), 0)
		uniform := PSNRRGB(clean, denoiseDCT(noisy, sigma, true), 0)
		if weighted < uniform+0.3 {
			t.Errorf("sigma %g: weighted %.2f dB, equal weights %.2f: want a gain of 0.3 dB or more", sigma, weighted, uniform)
		}
	}
}

// checkSameOnOneCPU checks that denoise gives the same bits on one CPU as
// on many, on a colour image tall enough to be split into many parts.
func checkSameOnOneCPU(t *testing.T, name string, denoise func(*Image, float64) (*Image, error)) {
	t.Helper()
	noisy := withColourNoise(textured(37, 90), 4, 10)
	many, err := denoise(noisy, 4)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	one, err := denoise(noisy, 4)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Pix, many.Pix) {
		t.Errorf("%s differs between 1 and many CPUs", name)
	}
}
