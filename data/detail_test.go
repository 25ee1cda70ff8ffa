package data

import (
	"math"
	"testing"
)

func TestDetailRatioIdenticalIsOne(t *testing.T) {
	for _, c := range []int{1, 3} {
		img := randomImage(40, 30, c, 3)
		if got := DetailRatio(img.Clone(), img, 4); got != 1 {
			t.Errorf("DetailRatio of identical %d-channel images = %v, want 1", c, got)
		}
	}
}

// TestDetailRatioBlurred: bicubic down and up by 4 smooths an image, a box
// blur too; both keep less detail than the original, and sharpening (the
// difference amplified) gives more.
func TestDetailRatioBlurred(t *testing.T) {
	hr := randomImage(64, 48, 3, 7)
	bicubic := Resize(Resize(hr, 16, 12), 64, 48)
	if got := DetailRatio(bicubic, hr, 4); !(got > 0 && got < 0.5) {
		t.Errorf("DetailRatio of bicubic x4 noise = %v, want in (0, 0.5)", got)
	}
	box := NewImage(hr.W, hr.H, hr.C)
	for y := range hr.H {
		for x := range hr.W {
			for c := range hr.C {
				sum, n := float32(0), float32(0)
				for dx := -1; dx <= 1; dx++ {
					if xx := x + dx; xx >= 0 && xx < hr.W {
						sum += hr.At(xx, y, c)
						n++
					}
				}
				box.Set(x, y, c, sum/n)
			}
		}
	}
	if got := DetailRatio(box, hr, 4); !(got > 0 && got < 1) {
		t.Errorf("DetailRatio of a 3-pixel box blur = %v, want in (0, 1)", got)
	}
	// The ratio is the inverse when the roles swap.
	if a, b := DetailRatio(box, hr, 4), DetailRatio(hr, box, 4); math.Abs(a*b-1) > 1e-12 {
		t.Errorf("DetailRatio(box, hr) * DetailRatio(hr, box) = %v, want 1", a*b)
	}
}

// TestDetailRatioKnownGradient: a grey ramp whose level rises by 2 per
// column has |dY| = 2*219/255 on its 19*10 horizontal pairs and 0 on its
// 20*9 vertical ones; twice the slope doubles the ratio (up to the float32
// rounding of the levels).
func TestDetailRatioKnownGradient(t *testing.T) {
	ramp := func(slope float64) *Image {
		return greyLevels(20, 10, func(x, y int) float64 { return 20 + slope*float64(x) })
	}
	if got := DetailRatio(ramp(4), ramp(2), 2); math.Abs(got-2) > 1e-5 {
		t.Errorf("DetailRatio of a ramp twice as steep = %v, want 2", got)
	}
	if got := meanAbsGradient(lumaPlane(ramp(2), 0, false)); math.Abs(got-2*219.0/255*(19*10)/(19*10+20*9)) > 1e-5 {
		t.Errorf("mean |gradient| of the ramp = %v", got)
	}
}

// TestDetailRatioFlat: a flat ground truth has no gradient; the ratio is 1
// against a flat image (either level) and +Inf against one with detail,
// never NaN. A one-pixel region is flat.
func TestDetailRatioFlat(t *testing.T) {
	flat := greyLevels(16, 16, func(x, y int) float64 { return 100 })
	other := greyLevels(16, 16, func(x, y int) float64 { return 30 })
	noisy := randomImage(16, 16, 1, 2)
	if got := DetailRatio(other, flat, 0); got != 1 {
		t.Errorf("DetailRatio of two flat images = %v, want 1", got)
	}
	if got := DetailRatio(noisy, flat, 0); !math.IsInf(got, 1) {
		t.Errorf("DetailRatio of noise against a flat image = %v, want +Inf", got)
	}
	if got := DetailRatio(flat, noisy, 0); got != 0 {
		t.Errorf("DetailRatio of a flat image against noise = %v, want 0", got)
	}
	if got := DetailRatio(noisy, noisy.Clone(), 7); got != 1 { // 2x2 left
		t.Errorf("DetailRatio on a 2x2 region of identical images = %v, want 1", got)
	}
	one, err := Crop(noisy, 0, 0, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := DetailRatio(one, one.Clone(), 0); got != 1 {
		t.Errorf("DetailRatio of one pixel = %v, want 1", got)
	}
}

func TestDetailRatioPanicsOnMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("DetailRatio of different sizes did not panic")
		}
	}()
	DetailRatio(NewImage(8, 8, 3), NewImage(8, 9, 3), 0)
}

// halfNoise is a w x h RGB image, flat grey on the left half and noise on
// the right half.
func halfNoise(w, h int) *Image {
	img := randomImage(w, h, 3, 11)
	for y := range h {
		for x := range w / 2 {
			for c := range 3 {
				img.Set(x, y, c, 0.2)
			}
		}
	}
	return img
}

func TestDetailWindowFindsTexture(t *testing.T) {
	img := halfNoise(160, 96)
	for _, step := range []int{1, 4} {
		x, y, err := DetailWindow(img, 48, step)
		if err != nil {
			t.Fatal(err)
		}
		if x < 80 || x+48 > 160 || y < 0 || y+48 > 96 || x%step != 0 || y%step != 0 {
			t.Errorf("step %d: window at (%d,%d), want inside the noisy right half x >= 80, aligned to %d", step, x, y, step)
		}
		// Deterministic.
		if x2, y2, _ := DetailWindow(img, 48, step); x2 != x || y2 != y {
			t.Errorf("step %d: second call gave (%d,%d), first (%d,%d)", step, x2, y2, x, y)
		}
	}
	// Mirrored: noise on the left.
	mirror := NewImage(img.W, img.H, 3)
	for y := range img.H {
		for x := range img.W {
			for c := range 3 {
				mirror.Set(img.W-1-x, y, c, img.At(x, y, c))
			}
		}
	}
	if x, _, err := DetailWindow(mirror, 48, 4); err != nil || x+48 > 80 {
		t.Errorf("mirrored: window at x=%d (%v), want inside the left half", x, err)
	}
}

// TestDetailWindowEnergy checks the window sums against a direct count on
// a flat image with a bright lower-right corner region (x >= 25, y >= 12).
// Its edges are the horizontal pairs (24,25) in rows 12.. and the vertical
// pairs (11,12) in columns 25.., all with the same squared difference. An
// 8x8 window at (c, r) holds horizontal pairs starting in columns c..c+6
// and vertical ones starting in rows r..r+6: it can hold 8 pairs of one
// edge alone, or (r-4) + (c-17) of both for c in 18..24, r in 5..11, at
// most 14 at (24, 11), the only best window.
func TestDetailWindowEnergy(t *testing.T) {
	img := greyLevels(40, 30, func(x, y int) float64 {
		if x >= 25 && y >= 12 {
			return 200
		}
		return 50
	})
	x, y, err := DetailWindow(img, 8, 1)
	if err != nil || x != 24 || y != 11 {
		t.Errorf("DetailWindow = (%d,%d) %v, want (24,11)", x, y, err)
	}
	// With step 4 the corners are multiples of 4: (24, 8) holds 4 + 7.
	x, y, err = DetailWindow(img, 8, 4)
	if err != nil || x != 24 || y != 8 {
		t.Errorf("step 4: DetailWindow = (%d,%d) %v, want (24,8)", x, y, err)
	}
	// Flat: every window is equal, the first wins.
	flat := greyLevels(20, 20, func(x, y int) float64 { return 9 })
	if x, y, err := DetailWindow(flat, 5, 1); err != nil || x != 0 || y != 0 {
		t.Errorf("flat: DetailWindow = (%d,%d) %v, want (0,0)", x, y, err)
	}
	// The whole image.
	if x, y, err := DetailWindow(flat, 20, 3); err != nil || x != 0 || y != 0 {
		t.Errorf("whole image: DetailWindow = (%d,%d) %v, want (0,0)", x, y, err)
	}
	for _, c := range []struct{ size, step int }{{21, 1}, {0, 1}, {4, 0}} {
		if _, _, err := DetailWindow(flat, c.size, c.step); err == nil {
			t.Errorf("DetailWindow size %d step %d on 20x20: no error", c.size, c.step)
		}
	}
}
