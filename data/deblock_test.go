package data

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// noisyPhoto is gradientPhoto with Gaussian noise of sigma levels, rounded.
func noisyPhoto(w, h int, sigma float64, seed uint64) *Image {
	img := gradientPhoto(w, h)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range img.Pix {
		img.Pix[i] += float32(sigma / 127.5 * rng.NormFloat64())
	}
	return Quantize(img)
}

// TestEstimateJPEGQuality: the quality of a JPEG decode is found exactly,
// colour and grey, small and larger than the probe; an uncompressed,
// noisy or shifted-off-grid image has none.
func TestEstimateJPEGQuality(t *testing.T) {
	photo := noisyPhoto(120, 96, 3, 1)
	for _, q := range []int{20, 50, 73, 90} {
		for _, img := range []*Image{photo, RGBToGrey(photo), noisyPhoto(300, 280, 3, 2)} {
			got, ok, err := EstimateJPEGQuality(mustJPEG(t, img, q))
			if err != nil {
				t.Fatal(err)
			}
			if !ok || got != q {
				t.Errorf("JPEG quality %d of a %s image: estimated %d (found %v)", q, img, got, ok)
			}
		}
	}
	shifted, err := Crop(mustJPEG(t, photo, 50), 3, 5, 100, 80)
	if err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]*Image{
		"clean":                     gradientPhoto(120, 96),
		"noisy":                     photo,
		"JPEG q97":                  mustJPEG(t, photo, 97),
		"JPEG q50 cropped off grid": shifted,
		"JPEG q50 resized":          Quantize(Resize(mustJPEG(t, photo, 50), 90, 72)),
	} {
		if q, ok, err := EstimateJPEGQuality(img); err != nil || ok {
			t.Errorf("%s: estimated quality %d (found %v, %v), want none", name, q, ok, err)
		}
	}
	if _, ok, err := EstimateJPEGQuality(NewImage(8, 8, 3)); ok || err != nil {
		t.Errorf("an 8x8 image: found %v, %v; want none, no error", ok, err)
	}
	if _, _, err := EstimateJPEGQuality(NewImage(32, 32, 4)); err == nil {
		t.Error("4 channels: no error")
	}
}

// TestDeblockJPEG: on a JPEG decode at its quality, the blocks go (grid
// strength down to near 1), the image comes closer to the uncompressed one,
// and the result is the same on one CPU as on many.
func TestDeblockJPEG(t *testing.T) {
	clean := gradientPhoto(96, 80)
	for _, q := range []int{20, 50} {
		jpg := mustJPEG(t, clean, q)
		out, err := DeblockJPEG(jpg, q)
		if err != nil {
			t.Fatal(err)
		}
		if out.W != jpg.W || out.H != jpg.H || out.C != 3 {
			t.Fatalf("q%d: %s from %s", q, out, jpg)
		}
		gBefore, gAfter := BlockGridStrength(jpg, 1), BlockGridStrength(out, 1)
		pBefore, pAfter := PSNRRGB(clean, jpg, 0), PSNRRGB(clean, out, 0)
		t.Logf("q%d: grid %.3f -> %.3f, PSNR %.2f -> %.2f dB", q, gBefore, gAfter, pBefore, pAfter)
		if !(gAfter < 1.1 && gAfter < gBefore) {
			t.Errorf("q%d: grid strength %.3f -> %.3f, want below 1.1", q, gBefore, gAfter)
		}
		if !(pAfter > pBefore+0.2) {
			t.Errorf("q%d: PSNR %.2f -> %.2f dB, want a gain of 0.2 dB or more", q, pBefore, pAfter)
		}
	}
	jpg := mustJPEG(t, clean, 30)
	many, err := DeblockJPEG(jpg, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one, err := DeblockJPEG(jpg, 30)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Pix, many.Pix) {
		t.Error("one CPU and many give different pixels")
	}
	if _, err := DeblockJPEG(jpg, 0); err == nil {
		t.Error("quality 0: no error")
	}
}

// mustJPEG is JPEGRoundTrip, failing t on an error.
func mustJPEG(t *testing.T, img *Image, quality int) *Image {
	t.Helper()
	out, err := JPEGRoundTrip(img, quality)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
