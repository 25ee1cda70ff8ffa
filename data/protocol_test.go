package data

import (
	"math"
	"strings"
	"testing"
)

// TestBenchmarkPair: HR is modcropped, LR is its bicubic downscale rounded
// to 8 bits, and an image too small for SSIM after the shave is refused.
func TestBenchmarkPair(t *testing.T) {
	img := NewImage(37, 30, 3)
	for i := range img.Pix {
		img.Pix[i] = float32(math.Sin(float64(i)*0.37)) * 0.8
	}
	hr, lr, err := BenchmarkPair(img, 4)
	if err != nil {
		t.Fatal(err)
	}
	if hr.W != 36 || hr.H != 28 || lr.W != 9 || lr.H != 7 {
		t.Fatalf("hr %v lr %v, want 36x28 and 9x7", hr, lr)
	}
	want := Quantize(Resize(hr, 9, 7))
	for i, v := range lr.Pix {
		if v != want.Pix[i] {
			t.Fatalf("lr[%d] = %v, want %v (bicubic, rounded to 8 bits)", i, v, want.Pix[i])
		}
	}
	s := BenchmarkScores(hr, lr, hr, 4)
	if !math.IsInf(s.PSNR, 1) || math.Abs(s.SSIM-1) > 1e-9 {
		t.Errorf("HR against itself: %+v, want PSNR +Inf and SSIM 1", s)
	}
	if _, _, err := BenchmarkPair(NewImage(12, 12, 3), 4); err == nil || !strings.Contains(err.Error(), "too small") {
		t.Errorf("12x12 at x4: %v, want too small", err)
	}
}
