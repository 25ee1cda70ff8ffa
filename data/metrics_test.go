package data

import (
	"math"
	"strings"
	"testing"
)

// greyLevels is a grey image whose 0..255 value is given per pixel.
func greyLevels(w, h int, level func(x, y int) float64) *Image {
	m := NewImage(w, h, 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Pix[y*w+x] = float32(level(x, y)/127.5 - 1)
		}
	}
	return m
}

func TestPSNRIdenticalIsInf(t *testing.T) {
	img := randomImage(40, 30, 3, 1)
	for name, p := range map[string]float64{
		"PSNRY":   PSNRY(img, img.Clone(), 4),
		"PSNRRGB": PSNRRGB(img, img.Clone(), 0),
	} {
		if !math.IsInf(p, 1) {
			t.Errorf("%s of identical images = %v, want +Inf", name, p)
		}
	}
}

// TestPSNRKnownOffset: a luma differing by exactly 1 everywhere has MSE 1,
// PSNR = 10 log10(255²) = 48.1308 dB. For grey, Y = 16 + 219 v/255, so v
// differs by 255/219.
func TestPSNRKnownOffset(t *testing.T) {
	want := 20 * math.Log10(255)
	a := greyLevels(32, 32, func(x, y int) float64 { return float64(40 + (x*7+y*3)%150) })
	b := greyLevels(32, 32, func(x, y int) float64 { return float64(40+(x*7+y*3)%150) + 255.0/219 })
	if got := PSNRY(a, b, 2); math.Abs(got-want) > 1e-3 {
		t.Errorf("PSNRY with Y offset 1 = %.5f dB, want %.5f", got, want)
	}
	if got := PSNRY(b, a, 0); math.Abs(got-want) > 1e-3 {
		t.Errorf("PSNRY with Y offset -1 = %.5f dB, want %.5f", got, want)
	}
	// RGB: one 8-bit level on every channel is also MSE 1.
	c := randomImage(20, 20, 3, 5)
	c = Quantize(c)
	d := c.Clone()
	for i := range d.Pix {
		if d.Pix[i] > 0 {
			d.Pix[i] -= 1 / 127.5
		} else {
			d.Pix[i] += 1 / 127.5
		}
	}
	if got := PSNRRGB(c, d, 1); math.Abs(got-want) > 1e-3 {
		t.Errorf("PSNRRGB with every value 1 level off = %.5f dB, want %.5f", got, want)
	}
	// One level up on R, G and B together moves Y by 219/255.
	e := greyLevels(20, 20, func(x, y int) float64 { return float64((x*13 + y*7) % 250) })
	e3, f3 := NewImage(20, 20, 3), NewImage(20, 20, 3)
	for i, v := range e.Pix {
		for c := 0; c < 3; c++ {
			e3.Pix[3*i+c] = v
			f3.Pix[3*i+c] = v + 1/127.5
		}
	}
	wantY := want - 20*math.Log10(219.0/255)
	if got := PSNRY(e3, f3, 1); math.Abs(got-wantY) > 1e-3 {
		t.Errorf("PSNRY with R, G, B one level up = %.5f dB, want %.5f", got, wantY)
	}
}

func TestLumaOfGreyEqualsRGB(t *testing.T) {
	grey := Quantize(randomImage(24, 18, 1, 3))
	rgb := NewImage(24, 18, 3)
	for i, v := range grey.Pix {
		rgb.Pix[3*i], rgb.Pix[3*i+1], rgb.Pix[3*i+2] = v, v, v
	}
	if p := PSNRY(grey, rgb, 0); !math.IsInf(p, 1) {
		t.Errorf("PSNRY of grey vs the same grey as RGB = %v, want +Inf", p)
	}
	// Y of white is 235, of black 16.
	y, _, _ := lumaPlane(&Image{W: 2, H: 1, C: 3, Pix: []float32{1, 1, 1, -1, -1, -1}}, 0, false)
	if math.Abs(y[0]-235) > 1e-9 || math.Abs(y[1]-16) > 1e-9 {
		t.Errorf("luma of white, black = %v, want 235, 16", y)
	}
	// Pure red is 16 + 65.481.
	y, _, _ = lumaPlane(&Image{W: 1, H: 1, C: 3, Pix: []float32{1, -1, -1}}, 0, false)
	if math.Abs(y[0]-81.481) > 1e-9 {
		t.Errorf("luma of red = %v, want 81.481", y[0])
	}
}

func TestShaveIgnoresBorder(t *testing.T) {
	a := randomImage(30, 20, 3, 11)
	b := a.Clone()
	// Change only the 3-pixel border of b.
	for y := 0; y < b.H; y++ {
		for x := 0; x < b.W; x++ {
			if x < 3 || y < 3 || x >= b.W-3 || y >= b.H-3 {
				for c := 0; c < 3; c++ {
					b.Set(x, y, c, -b.At(x, y, c))
				}
			}
		}
	}
	if p := PSNRY(a, b, 3); !math.IsInf(p, 1) {
		t.Errorf("PSNRY with shave 3 sees the border: %v", p)
	}
	if p := PSNRRGB(a, b, 3); !math.IsInf(p, 1) {
		t.Errorf("PSNRRGB with shave 3 sees the border: %v", p)
	}
	if p := PSNRY(a, b, 2); math.IsInf(p, 1) {
		t.Error("PSNRY with shave 2 misses the changed ring at 2 px")
	}
	if s := SSIMY(a, b, 3); s != 1 {
		t.Errorf("SSIMY with shave 3 = %v, want 1", s)
	}
	if s := SSIMY(a, b, 2); s >= 1 {
		t.Errorf("SSIMY with shave 2 = %v, want < 1", s)
	}
}

// referenceSSIM is the direct 2-D form of MATLAB's ssim_index: filter2 with
// the 11x11 window, 'valid', on float64 planes.
func referenceSSIM(a, b []float64, w, h int) float64 {
	var win [11][11]float64
	for i := range win {
		for j := range win[i] {
			win[i][j] = ssimGaussian[i] * ssimGaussian[j]
		}
	}
	sum := 0.0
	for y := 0; y+11 <= h; y++ {
		for x := 0; x+11 <= w; x++ {
			var m1, m2, s11, s22, s12 float64
			for i := 0; i < 11; i++ {
				for j := 0; j < 11; j++ {
					va, vb, g := a[(y+i)*w+x+j], b[(y+i)*w+x+j], win[i][j]
					m1 += g * va
					m2 += g * vb
					s11 += g * va * va
					s22 += g * vb * vb
					s12 += g * va * vb
				}
			}
			s11, s22, s12 = s11-m1*m1, s22-m2*m2, s12-m1*m2
			sum += (2*m1*m2 + ssimC1) * (2*s12 + ssimC2) / ((m1*m1 + m2*m2 + ssimC1) * (s11 + s22 + ssimC2))
		}
	}
	return sum / float64((w-10)*(h-10))
}

func TestSSIM(t *testing.T) {
	// The Gaussian: symmetric, sums to 1, centre exp(0)/sum.
	sum := 0.0
	for i, g := range ssimGaussian {
		sum += g
		if g != ssimGaussian[10-i] {
			t.Errorf("gaussian not symmetric at %d", i)
		}
	}
	if math.Abs(sum-1) > 1e-15 || math.Abs(ssimGaussian[5]-0.266012) > 1e-6 {
		t.Errorf("gaussian sum %v, centre %v", sum, ssimGaussian[5])
	}

	a := randomImage(200, 190, 3, 21)
	b := Resize(Resize(a, 100, 95), 200, 190) // a blurred copy
	if s := SSIMY(a, a.Clone(), 4); s != 1 {
		t.Errorf("SSIMY of identical images = %v, want 1", s)
	}
	ab, ba := SSIMY(a, b, 4), SSIMY(b, a, 4)
	if math.Abs(ab-ba) > 1e-14 {
		t.Errorf("SSIMY not symmetric: %v vs %v", ab, ba)
	}
	pa, w, h := lumaPlane(a, 4, false)
	pb, _, _ := lumaPlane(b, 4, false)
	if ref := referenceSSIM(pa, pb, w, h); math.Abs(ab-ref) > 1e-12 {
		t.Errorf("SSIMY = %.15f, direct 2-D ssim_index = %.15f", ab, ref)
	}
	if ab <= 0 || ab >= 0.9 {
		t.Errorf("SSIMY of noise vs its blur = %v, expected well inside (0, 0.9)", ab)
	}

	// Constant planes: sigmas vanish, SSIM = (2 m1 m2 + C1) / (m1² + m2² + C1).
	c1 := greyLevels(16, 16, func(x, y int) float64 { return 255 * (100.0 - 16) / 219 })
	c2 := greyLevels(16, 16, func(x, y int) float64 { return 255 * (110.0 - 16) / 219 })
	want := (2*100*110 + ssimC1) / (100*100 + 110*110 + ssimC1)
	if got := SSIMY(c1, c2, 0); math.Abs(got-want) > 1e-6 {
		t.Errorf("SSIMY of flat Y=100 vs Y=110 = %.8f, want %.8f", got, want)
	}

	// Too small for the window after the shave: NaN, not a panic.
	if s := SSIMY(NewImage(14, 14, 3), NewImage(14, 14, 3), 2); !math.IsNaN(s) {
		t.Errorf("SSIMY of a 10x10 region = %v, want NaN", s)
	}
}

func TestCheckComparable(t *testing.T) {
	a, b := NewImage(10, 8, 3), NewImage(10, 8, 1)
	if err := CheckComparable(a, b, 2); err != nil {
		t.Errorf("grey vs RGB of the same size: %v", err)
	}
	for _, c := range []struct {
		ref, img *Image
		shave    int
		want     string
	}{
		{a, NewImage(10, 9, 3), 0, "sizes differ"},
		{a, a, -1, "negative shave"},
		{a, a, 4, "leaves nothing"},
		{a, nil, 0, "nil image"},
		{a, &Image{W: 10, H: 8, C: 3}, 0, "malformed"},
	} {
		err := CheckComparable(c.ref, c.img, c.shave)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckComparable(%v, %v, %d) = %v, want an error with %q", c.ref, c.img, c.shave, err, c.want)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "sizes differ") {
			t.Errorf("PSNRY of different sizes: panic %v", r)
		}
	}()
	PSNRY(a, NewImage(9, 8, 3), 0)
}

func TestConsistency(t *testing.T) {
	hr := smoothImage(96, 64, 3)
	for i := range hr.Pix { // add detail so the LR really loses information
		hr.Pix[i] += 0.1 * float32(math.Sin(float64(i)*0.7))
	}
	lr := Resize(hr, 24, 16)
	if c := Consistency(hr, lr, 4); c > 1e-12 {
		t.Errorf("consistency of HR with its exact bicubic LR = %g, want ~0", c)
	}
	// Rounding the LR to 8 bits costs the quantisation noise, step²/12 with
	// a step of 1/255 in [0,1] units: 1.28e-6.
	if c := Consistency(hr, Quantize(lr), 4); c < 0.6e-6 || c > 2e-6 {
		t.Errorf("consistency with an 8-bit LR = %g, want about 1.28e-6", c)
	}
	// A bicubic upscale is not consistent with its LR: up then down is not
	// the identity, most visibly on fine detail such as noise.
	noise := randomImage(24, 16, 3, 4)
	if c := Consistency(Resize(noise, 96, 64), noise, 4); c < 1e-3 {
		t.Errorf("consistency of bicubic up-then-down of noise = %g, expected clearly above 0", c)
	}
	if c := Consistency(lr, lr, 1); c != 0 {
		t.Errorf("consistency at scale 1 of identical images = %g", c)
	}
}

func TestRMSDistance(t *testing.T) {
	a := NewImage(4, 2, 3) // mid-grey (0)
	b := a.Clone()
	if d := RMSDistance(a, b); d != 0 {
		t.Errorf("identical: %g, want 0", d)
	}
	for i := range b.Pix {
		b.Pix[i] = 1 // white: 0.5 away from mid-grey in [0,1] units
	}
	if d := RMSDistance(a, b); math.Abs(d-0.5) > 1e-9 {
		t.Errorf("grey to white: %g, want 0.5", d)
	}
	// One sample of 24 off by 2 ([-1,1] units): sqrt(4/24)/2.
	c := a.Clone()
	c.Pix[5] = 2
	if d, want := RMSDistance(a, c), math.Sqrt(4.0/24)/2; math.Abs(d-want) > 1e-9 {
		t.Errorf("one sample off: %g, want %g", d, want)
	}
}

// TestCheckMeasurable checks the smallest image SSIMY measures: 11x11
// left after the shave, where a smaller one gives NaN.
func TestCheckMeasurable(t *testing.T) {
	for _, tt := range []struct {
		w, h, shave int
		ok          bool
	}{
		{19, 19, 4, true}, {18, 19, 4, false}, {11, 11, 0, true}, {10, 40, 0, false}, {8, 8, 4, false},
	} {
		err := CheckMeasurable(tt.w, tt.h, tt.shave)
		if (err == nil) != tt.ok {
			t.Errorf("CheckMeasurable(%d, %d, %d) = %v, want ok %v", tt.w, tt.h, tt.shave, err, tt.ok)
		}
		if tt.ok || tt.w-2*tt.shave < 1 || tt.h-2*tt.shave < 1 {
			continue
		}
		img := NewImage(tt.w, tt.h, 3)
		if s := SSIMY(img, img, tt.shave); !math.IsNaN(s) {
			t.Errorf("SSIMY of %dx%d shaved %d = %v: CheckMeasurable refuses a size SSIM measures", tt.w, tt.h, tt.shave, s)
		}
	}
}
