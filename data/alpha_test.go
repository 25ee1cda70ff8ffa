package data

import "testing"

// TestBleedTransparent checks that fully transparent pixels take the
// colour of the visible ones near them, visible pixels keep theirs, and
// the input is not modified.
func TestBleedTransparent(t *testing.T) {
	const w, h = 9, 5
	img := NewImage(w, h, 3)
	alpha := NewImage(w, h, 1)
	for y := range h {
		for x := range w {
			i := y*w + x
			alpha.Pix[i] = -1 // transparent, stored black
			img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = -1, -1, -1
			switch {
			case x == 0: // red column, half opaque
				alpha.Pix[i] = 0
				img.Pix[3*i] = 1
			case x == w-1: // blue column, opaque
				alpha.Pix[i] = 1
				img.Pix[3*i+2] = 1
			}
		}
	}
	out := BleedTransparent(img, alpha)
	for y := range h {
		for x := range w {
			i := y*w + x
			r, g, b := out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2]
			if alpha.Pix[i] > -1 {
				if r != img.Pix[3*i] || g != img.Pix[3*i+1] || b != img.Pix[3*i+2] {
					t.Fatalf("visible pixel (%d,%d) changed to (%v,%v,%v)", x, y, r, g, b)
				}
				continue
			}
			// A mix of red (1,-1,-1) and blue (-1,-1,1): green stays -1,
			// red and blue sum to 0, red fading from left to right.
			if g > -0.999 || absF(r+b) > 1e-4 {
				t.Fatalf("filled pixel (%d,%d) = (%v,%v,%v), want a red-blue mix", x, y, r, g, b)
			}
			if x == 1 && r <= 0 || x == w-2 && b <= 0 {
				t.Fatalf("filled pixel (%d,%d) = (%v,%v,%v): not the nearer colour", x, y, r, g, b)
			}
		}
	}
	if img.Pix[3] != -1 {
		t.Error("BleedTransparent modified its input")
	}
	// Nothing to fill, or nothing visible to fill from: img itself.
	opaque := NewImage(w, h, 1)
	if BleedTransparent(img, opaque) != img {
		t.Error("an opaque image should come back as it is")
	}
	clear := NewImage(w, h, 1)
	for i := range clear.Pix {
		clear.Pix[i] = -1
	}
	if BleedTransparent(img, clear) != img {
		t.Error("a fully transparent image should come back as it is")
	}
}

// TestResizeAlphaStaysInRange checks ResizeAlpha against plain bicubic on a
// hard edge: no value outside the input's range, bicubic elsewhere.
func TestResizeAlphaStaysInRange(t *testing.T) {
	a := NewImage(8, 3, 1)
	for i := range a.Pix {
		if i%8 >= 4 {
			a.Pix[i] = FromUnit(0.8)
		} else {
			a.Pix[i] = -1
		}
	}
	plain := Resize(a, 32, 12)
	got := ResizeAlpha(a, 32, 12)
	over := false
	for i, v := range got.Pix {
		if v < -1 || v > FromUnit(0.8) {
			t.Fatalf("alpha[%d] = %v outside [-1, %v]", i, v, FromUnit(0.8))
		}
		p := plain.Pix[i]
		over = over || p > FromUnit(0.8)+1e-6 || p < -1-1e-6
		if p > -1+1e-5 && p < FromUnit(0.8)-1e-5 && absF(p-v) > 1e-6 {
			t.Fatalf("alpha[%d] = %v, want bicubic %v", i, v, p)
		}
	}
	if !over {
		t.Fatal("plain bicubic did not overshoot; the test exercises nothing")
	}
}

func absF(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
