package data

import (
	"math"
	"testing"
)

// maxDiff is the largest absolute difference of two equal-length slices.
func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestProjectConsistentExact projects an unrelated HR image onto an LR image
// at every scale the product uses, odd sizes and grey included: afterwards
// the MATLAB downscale equals the LR image to float32 rounding, and SR3's
// consistency metric is far below 1e-6.
func TestProjectConsistentExact(t *testing.T) {
	for _, tc := range []struct{ w, h, c, scale int }{
		{13, 9, 3, 2}, {10, 7, 3, 3}, {12, 11, 3, 4}, {5, 6, 1, 8}, {17, 3, 3, 4},
	} {
		lr := Quantize(randomImage(tc.w, tc.h, tc.c, 1))
		hr := randomImage(tc.w*tc.scale, tc.h*tc.scale, tc.c, 2)
		if Consistency(hr, lr, tc.scale) < 1e-3 {
			t.Fatalf("%+v: the unprojected image is already consistent", tc)
		}
		p, err := NewConsistencyProjector(tc.w, tc.h, tc.scale, 0, 0, hr.W, hr.H)
		if err != nil {
			t.Fatal(err)
		}
		got := hr.Clone()
		p.Project(got.Pix, tc.c, lr)
		if d := maxDiff(Resize(got, tc.w, tc.h).Pix, lr.Pix); d > 2e-5 {
			t.Errorf("%+v: downscale differs from LR by up to %g", tc, d)
		}
		if m := Consistency(got, lr, tc.scale); m > 1e-10 {
			t.Errorf("%+v: consistency %g after projection", tc, m)
		}
		// A projection: projecting again changes nothing.
		again := got.Clone()
		p.Project(again.Pix, tc.c, lr)
		if d := maxDiff(again.Pix, got.Pix); d > 1e-5 {
			t.Errorf("%+v: second projection moved a value by %g", tc, d)
		}
	}
}

// TestProjectIsMinimal checks the correction is the least-squares one: it
// is orthogonal to every change that keeps the downscale (A x = 0), here
// checked as: the projection of hr is closer to hr than hr's bicubic-
// upsampled-residual correction, and an HR image already consistent stays.
func TestProjectIsMinimal(t *testing.T) {
	const w, h, s = 12, 10, 4
	truth := randomImage(w*s, h*s, 3, 3)
	lr := Resize(truth, w, h)
	p, err := NewConsistencyProjector(w, h, s, 0, 0, w*s, h*s)
	if err != nil {
		t.Fatal(err)
	}
	got := truth.Clone()
	p.Project(got.Pix, 3, lr)
	if d := maxDiff(got.Pix, truth.Pix); d > 1e-5 {
		t.Errorf("a consistent image moved by %g", d)
	}
	// Orthogonality: <P(x) - x, P(x) - truth> = 0 for any x, truth
	// consistent (truth - P(x) lies in A's null space).
	x := randomImage(w*s, h*s, 3, 4)
	px := x.Clone()
	p.Project(px.Pix, 3, lr)
	var dot, n1, n2 float64
	for i := range x.Pix {
		a := float64(px.Pix[i] - x.Pix[i])
		b := float64(px.Pix[i] - truth.Pix[i])
		dot += a * b
		n1 += a * a
		n2 += b * b
	}
	if c := dot / math.Sqrt(n1*n2); math.Abs(c) > 1e-4 {
		t.Errorf("correction not orthogonal to the null space: cosine %g", c)
	}
}

// TestProjectWindow projects windows of the HR image, tiles as the cascade
// cuts them (one at the origin, one inside, one reaching past the right and
// bottom edges): the LR pixels whose kernel lies inside the window match
// exactly afterwards, pixels outside the window's LR support are unchanged,
// and pixels of the window outside the image are never touched.
func TestProjectWindow(t *testing.T) {
	const w, h, s = 20, 16, 4
	lr := Quantize(randomImage(w, h, 3, 5))
	for _, win := range []struct{ x, y, w, h int }{{0, 0, 40, 32}, {16, 12, 40, 36}, {48, 32, 40, 40}} {
		p, err := NewConsistencyProjector(w, h, s, win.x, win.y, win.w, win.h)
		if err != nil {
			t.Fatal(err)
		}
		full := randomImage(w*s+16, h*s+16, 3, 6) // padded past the edges
		tile := make([]float32, win.w*win.h*3)
		for y := range win.h {
			copy(tile[y*win.w*3:(y+1)*win.w*3], full.Pix[((win.y+y)*full.W+win.x)*3:])
		}
		before := append([]float32(nil), tile...)
		p.Project(tile, 3, lr)
		for y := range win.h {
			copy(full.Pix[((win.y+y)*full.W+win.x)*3:], tile[y*win.w*3:(y+1)*win.w*3])
		}
		for y := range win.h {
			for x := range win.w {
				if win.x+x >= w*s || win.y+y >= h*s {
					for c := range 3 {
						if i := (y*win.w+x)*3 + c; tile[i] != before[i] {
							t.Fatalf("window %+v: pixel (%d,%d) outside the image changed", win, x, y)
						}
					}
				}
			}
		}
		img, err := Crop(full, 0, 0, w*s, h*s)
		if err != nil {
			t.Fatal(err)
		}
		down := Resize(img, w, h)
		cols, rows := p.Constrained()
		if cols == 0 || rows == 0 {
			t.Fatalf("window %+v constrains nothing", win)
		}
		for i, y := range p.v.lr {
			for j, x := range p.h.lr {
				for c := range 3 {
					if d := math.Abs(float64(down.At(x, y, c) - lr.At(x, y, c))); d > 2e-5 {
						t.Fatalf("window %+v: constrained LR pixel (%d,%d) [%d,%d] off by %g", win, x, y, j, i, d)
					}
				}
			}
		}
		if cols >= w || rows >= h {
			t.Errorf("window %+v constrains %dx%d of %dx%d LR pixels: it cannot know the outer ones", win, cols, rows, w, h)
		}
	}
}

// TestProjectConsistentClamps checks the whole-image projection returns
// values in [-1, 1] and stays consistent on an LR image of saturated
// blocks, where the plain projection overshoots the range (and clamping
// it leaves consistency 1e-2).
func TestProjectConsistentClamps(t *testing.T) {
	const w, h, s = 16, 16, 4
	lr := NewImage(w, h, 3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				if (x/4+y/4)%2 == 0 {
					lr.Set(x, y, c, 1)
				} else {
					lr.Set(x, y, c, -1)
				}
			}
		}
	}
	truth := Resize(lr, w*s, h*s)
	for i, v := range truth.Pix {
		truth.Pix[i] = min(max(v, -1), 1)
	}
	lr = Resize(truth, w, h) // an LR that some image within range has
	hr := randomImage(w*s, h*s, 3, 8)
	got, err := ProjectConsistent(hr, lr, s, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range got.Pix {
		if v < -1 || v > 1 {
			t.Fatalf("value %g out of range", v)
		}
	}
	p, err := NewConsistencyProjector(w, h, s, 0, 0, w*s, h*s)
	if err != nil {
		t.Fatal(err)
	}
	one := hr.Clone()
	p.Project(one.Pix, 3, lr)
	clampUnit(one.Pix, nil)
	c1, c50 := Consistency(one, lr, s), Consistency(got, lr, s)
	t.Logf("consistency after a projection and a clamp %.3g, after up to 3 rounds %.3g", c1, c50)
	// An adversarial case (uniform noise against saturated blocks, a
	// third of the values held at the bounds): 3 rounds leave 3.4e-6; the
	// realistic overshoot of bicubic upscales of Set5/Set14 goes to 6e-8
	// (ProjectConsistent's comment).
	if c50 > 1e-5 || c50 > c1/1000 {
		t.Errorf("consistency %g after the held-value correction (projection and clamp: %g)", c50, c1)
	}
	if _, err := ProjectConsistent(hr, lr, 2, 1); err == nil {
		t.Error("a size mismatch was accepted")
	}
}

// BenchmarkProjectConsistent times one whole-image projection of a 1024x1024
// RGB x4 output (one round), the final projection of a 256x256 input.
func BenchmarkProjectConsistent(b *testing.B) {
	lr := Quantize(randomImage(256, 256, 3, 1))
	hr := randomImage(1024, 1024, 3, 2)
	p, err := NewConsistencyProjector(256, 256, 4, 0, 0, 1024, 1024)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p.Project(hr.Pix, 3, lr)
	}
}

// BenchmarkProjectTile times the projection of one default x4 tile (128 LR
// pixels, 512x512 HR), which runs once per sampler step per tile.
func BenchmarkProjectTile(b *testing.B) {
	lr := Quantize(randomImage(300, 300, 3, 1))
	tile := randomImage(512, 512, 3, 2)
	p, err := NewConsistencyProjector(300, 300, 4, 256, 256, 512, 512)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p.Project(tile.Pix, 3, lr)
	}
}
