package data

import "testing"

func ramp(w, h, c int) *Image {
	img := NewImage(w, h, c)
	for i := range img.Pix {
		img.Pix[i] = float32(i)
	}
	return img
}

func TestGreyRGBRoundTrip(t *testing.T) {
	g := ramp(3, 2, 1)
	rgb := GreyToRGB(g)
	if rgb.C != 3 || rgb.At(2, 1, 0) != 5 || rgb.At(2, 1, 2) != 5 {
		t.Fatalf("GreyToRGB: got %v", rgb.Pix)
	}
	back := RGBToGrey(rgb)
	for i := range g.Pix {
		if back.Pix[i] != g.Pix[i] {
			t.Fatalf("RGBToGrey(GreyToRGB(g))[%d] = %g, want %g", i, back.Pix[i], g.Pix[i])
		}
	}
	c := ramp(1, 1, 3) // 0, 1, 2
	if got := RGBToGrey(c).Pix[0]; got != 1 {
		t.Errorf("RGBToGrey mean = %g, want 1", got)
	}
	if GreyToRGB(c) != c || RGBToGrey(g) != g {
		t.Error("conversions to the image's own channel count must return it unchanged")
	}
}

func TestCrop(t *testing.T) {
	img := ramp(4, 3, 1) // value = y*4 + x
	c, err := Crop(img, 1, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{5, 6, 9, 10}; c.W != 2 || c.H != 2 || !equalPix(c.Pix, want) {
		t.Errorf("Crop = %v, want %v", c.Pix, want)
	}
	for _, r := range [][4]int{{-1, 0, 2, 2}, {3, 0, 2, 1}, {0, 0, 0, 1}, {0, 2, 4, 2}} {
		if _, err := Crop(img, r[0], r[1], r[2], r[3]); err == nil {
			t.Errorf("Crop(%v) of a 4x3 image: want an error", r)
		}
	}
}

func TestCenterCrop(t *testing.T) {
	img := ramp(10, 7, 1)
	c, err := CenterCrop(img, 6, 4) // 4x4 from (3,1)
	if err != nil {
		t.Fatal(err)
	}
	if c.W != 4 || c.H != 4 || c.Pix[0] != 13 {
		t.Errorf("CenterCrop: %s starting %g, want 4x4x1 starting 13", c, c.Pix[0])
	}
	if _, err := CenterCrop(ramp(3, 3, 1), 8, 4); err == nil {
		t.Error("CenterCrop of a 3x3 image to multiples of 4: want an error")
	}
}

func TestMirrorPad(t *testing.T) {
	img := ramp(3, 1, 1) // a b c
	p := MirrorPad(img, 8, 2)
	want := []float32{0, 1, 2, 2, 1, 0, 0, 1}
	if !equalPix(p.Pix[:8], want) || !equalPix(p.Pix[8:], want) {
		t.Errorf("MirrorPad row = %v, want %v on both rows", p.Pix, want)
	}
	if MirrorPad(img, 3, 1) != img {
		t.Error("MirrorPad to the same size must return the image")
	}
}

func equalPix(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
