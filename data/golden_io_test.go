package data

import (
	"flag"
	"math"
	"os"
	"testing"
)

var updateFixtures = flag.Bool("update-codec-fixtures", false, "rewrite the generated fixtures in testdata")

// orient6Fixture is the committed JPEG: blocksImage(48,32) stored, with
// EXIF orientation 6 (display rotated 90 degrees clockwise).
const orient6Fixture = "testdata/orient6.jpg"

// checkRGB compares pixel (x,y) of m to 8-bit reference values within tol levels.
func checkRGB(t *testing.T, m *Image, x, y int, want [3]uint8, tol float64) {
	t.Helper()
	for c := range 3 {
		got := float64(m.At(x, y, c)+1) * 127.5
		if math.Abs(got-float64(want[c])) > tol+1e-3 {
			t.Errorf("(%d,%d) channel %d = %.1f levels, want %d (±%g)", x, y, c, got, want[c], tol)
		}
	}
}

func TestGoldenOrientationFixture(t *testing.T) {
	if *updateFixtures {
		file := exifJPEG(encodeWith(t, "jpeg", blocksImage(48, 32)), 6)
		if err := os.WriteFile(orient6Fixture, file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := DecodeFile(orient6Fixture, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Image.W != 32 || d.Image.H != 48 || d.Image.C != 3 || d.Format != "jpeg" {
		t.Fatalf("decoded %v %s, want 32x48x3 jpeg", d.Image, d.Format)
	}
	// Stored blocks (bx,by) of 16x16: red green blue / white black yellow.
	// Rotated 90 CW, stored (x,y) shows at (H-1-y, x): the stored top row
	// becomes the right column, read top to bottom.
	tests := []struct {
		x, y int
		rgb  [3]uint8
	}{
		{23, 8, [3]uint8{255, 0, 0}},
		{23, 24, [3]uint8{0, 255, 0}},
		{23, 40, [3]uint8{0, 0, 255}},
		{7, 8, [3]uint8{255, 255, 255}},
		{7, 24, [3]uint8{0, 0, 0}},
		{7, 40, [3]uint8{255, 255, 0}},
	}
	for _, tc := range tests {
		checkRGB(t, d.Image, tc.x, tc.y, tc.rgb, 3)
	}
}

func TestGoldenCMYKJPEG(t *testing.T) {
	// Adobe CMYK JPEG from the Go tree; reference values from its PNG
	// rendering (image/testdata/video-001.cmyk.png), 8 levels allowed as in
	// the standard library's own test.
	d, err := DecodeFile("testdata/video-001.cmyk.jpeg", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Image.W != 150 || d.Image.H != 103 || d.Image.C != 3 || d.Alpha != nil || d.Depth != 8 {
		t.Fatalf("decoded %v alpha=%v depth=%d", d.Image, d.Alpha != nil, d.Depth)
	}
	for _, tc := range []struct {
		x, y int
		rgb  [3]uint8
	}{
		{0, 0, [3]uint8{51, 1, 0}},
		{10, 10, [3]uint8{59, 2, 0}},
		{75, 50, [3]uint8{94, 19, 0}},
		{149, 0, [3]uint8{57, 0, 0}},
		{0, 99, [3]uint8{113, 42, 1}},
		{120, 80, [3]uint8{0, 1, 0}},
		{37, 61, [3]uint8{7, 6, 28}},
	} {
		checkRGB(t, d.Image, tc.x, tc.y, tc.rgb, 8)
	}
}

func TestGoldenWebPLossless(t *testing.T) {
	// Lossless WebP must equal its PNG reference exactly.
	got, err := DecodeFile("testdata/gopher-doc.1bpp.lossless.webp", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecodeFile("testdata/gopher-doc.1bpp.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != "webp" || got.Image.W != 75 || got.Image.H != 100 {
		t.Fatalf("decoded %s %v", got.Format, got.Image)
	}
	if got.Image.C != want.Image.C || (got.Alpha != nil) != (want.Alpha != nil) {
		t.Fatalf("webp C=%d alpha=%v, png C=%d alpha=%v", got.Image.C, got.Alpha != nil, want.Image.C, want.Alpha != nil)
	}
	assertSameValues(t, "webp vs png", got.Image, want.Image)
}

func TestGoldenWebPLossy(t *testing.T) {
	// x/image's VP8 decoder matches libwebp's YCbCr planes (its own test);
	// these RGB values pin our conversion of them.
	d, err := DecodeFile("testdata/blue-purple-pink.lossy.webp", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Image.W != 150 || d.Image.H != 100 || d.Image.C != 3 || d.Alpha != nil {
		t.Fatalf("decoded %v alpha=%v", d.Image, d.Alpha != nil)
	}
	for _, tc := range []struct {
		x, y int
		rgb  [3]uint8
	}{
		{0, 0, [3]uint8{29, 32, 29}},
		{75, 50, [3]uint8{168, 154, 164}},
		{120, 80, [3]uint8{101, 100, 98}},
		{37, 61, [3]uint8{142, 164, 187}},
	} {
		checkRGB(t, d.Image, tc.x, tc.y, tc.rgb, 0)
	}
}

func TestGoldenBMPv4(t *testing.T) {
	// A 32-bit BMP with a V4 header equals its PNG reference.
	got, err := DecodeFile("testdata/yellow_rose-small.bmp", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecodeFile("testdata/yellow_rose-small.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != "bmp" || got.Image.W != 16 || got.Image.H != 12 {
		t.Fatalf("decoded %s %v", got.Format, got.Image)
	}
	if (got.Alpha != nil) != (want.Alpha != nil) {
		t.Fatalf("alpha: bmp %v, png %v", got.Alpha != nil, want.Alpha != nil)
	}
	assertSameValues(t, "bmp vs png", got.Image, want.Image)
}
