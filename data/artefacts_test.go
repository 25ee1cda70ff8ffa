package data

import (
	"math"
	"testing"
)

// gradientPhoto is a smooth image with texture at several scales, which
// JPEG at low quality turns into blocks.
func gradientPhoto(w, h int) *Image {
	img := NewImage(w, h, 3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				v := 0.5*math.Sin(0.11*float64(x)+float64(c)) + 0.3*math.Cos(0.07*float64(y)-0.3*float64(c)) + 0.15*math.Sin(0.5*float64(x+y))
				img.Set(x, y, c, float32(v))
			}
		}
	}
	return Quantize(img)
}

// TestBlockGridStrength checks the grid measure: near 1 for a clean image
// and its bicubic upscale, well above 1 for a quality-20 JPEG and for its
// upscale by 4 (the grid mapped through the scale), higher at quality 20
// than at 90, and exactly the hand-computed ratio of a synthetic grid.
func TestBlockGridStrength(t *testing.T) {
	clean := gradientPhoto(96, 80)
	q20, q90 := mustJPEG(t, clean, 20), mustJPEG(t, clean, 90)
	up := func(m *Image) *Image { return Resize(m, m.W*4, m.H*4) }
	for _, tc := range []struct {
		name     string
		img      *Image
		scale    int
		min, max float64
	}{
		{"clean", clean, 1, 0.9, 1.1},
		{"clean x4", up(clean), 4, 0.9, 1.1},
		{"JPEG q20", q20, 1, 1.3, 10},
		{"JPEG q20 x4", up(q20), 4, 1.3, 10},
	} {
		g := BlockGridStrength(tc.img, tc.scale)
		t.Logf("%s: %.3f", tc.name, g)
		if !(g >= tc.min && g <= tc.max) {
			t.Errorf("%s: grid strength %.3f, want %.2f..%.2f", tc.name, g, tc.min, tc.max)
		}
	}
	if g20, g90 := BlockGridStrength(q20, 1), BlockGridStrength(q90, 1); !(g20 > g90) {
		t.Errorf("quality 20 grid %.3f not above quality 90's %.3f", g20, g90)
	}
	// A grey ramp stepping by 1 at every pixel boundary and by 3 at every
	// 8th, along both axes: strength 3 exactly.
	ramp := make([]float64, 33)
	for x := 1; x < len(ramp); x++ {
		ramp[x] = ramp[x-1] + 1
		if x%8 == 0 {
			ramp[x] += 2
		}
	}
	g := NewImage(33, 33, 1)
	for y := range g.H {
		for x := range g.W {
			g.Set(x, y, 0, float32((ramp[x]+ramp[y])/127.5-1))
		}
	}
	if s := BlockGridStrength(g, 1); math.Abs(s-3) > 1e-4 {
		t.Errorf("synthetic grid: %.6f, want 3", s)
	}
	if s := BlockGridStrength(NewImage(4, 4, 3), 1); !math.IsNaN(s) {
		t.Errorf("image without block boundaries: %v, want NaN", s)
	}
}

// TestRMSLumaChange checks the noise amplification unit: a change of one
// 8-bit level in every channel changes the luma by 219/255 grey levels
// (Y's weights sum to 219/255), and a change of blue alone by its weight.
func TestRMSLumaChange(t *testing.T) {
	a := NewImage(5, 4, 3)
	b, blue := a.Clone(), a.Clone()
	for i := range b.Pix {
		b.Pix[i] += 2.0 / 255
		if i%3 == 2 {
			blue.Pix[i] += 2.0 / 255
		}
	}
	if d := RMSLumaChange(a, b); math.Abs(d-219.0/255) > 1e-5 {
		t.Errorf("RMSLumaChange = %v, want %v", d, 219.0/255)
	}
	if d := RMSLumaChange(a, blue); math.Abs(d-24.966/255) > 1e-5 {
		t.Errorf("RMSLumaChange of blue = %v, want %v", d, 24.966/255)
	}
}
