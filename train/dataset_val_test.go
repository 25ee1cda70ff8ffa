package train

import (
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

func TestLoadValidation(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "b.png", randomRGBA(51, 38, 1))
	grey := image.NewGray(image.Rect(0, 0, 40, 33))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 7)
	}
	writePNG(t, dir, "a/grey.png", grey)
	writePNG(t, dir, "c.png", randomRGBA(20, 20, 2))
	writeFile(t, dir, "readme.txt", []byte("ignored"))

	vals, err := LoadValidation(dir, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 2 || vals[0].Name != "a/grey.png" || vals[1].Name != "b.png" {
		t.Fatalf("got %d pairs %v", len(vals), names(vals))
	}
	tests := []struct {
		v        ValPair
		hrW, hrH int
	}{
		{vals[0], 40, 32},
		{vals[1], 48, 36},
	}
	for _, tc := range tests {
		v := tc.v
		if v.HR.W != tc.hrW || v.HR.H != tc.hrH || v.HR.C != 3 {
			t.Errorf("%s: HR %s, want %dx%dx3 (modcropped)", v.Name, v.HR, tc.hrW, tc.hrH)
		}
		want := data.Quantize(data.Resize(v.HR, v.HR.W/4, v.HR.H/4))
		if v.LR.W != tc.hrW/4 || v.LR.H != tc.hrH/4 || !slices.Equal(v.LR.Pix, want.Pix) {
			t.Errorf("%s: LR %s is not Quantize(Resize(HR))", v.Name, v.LR)
		}
	}
	// Grey is replicated: R = G = B, equal to the source level.
	g := vals[0].HR
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			want := unitLUT[grey.GrayAt(x, y).Y]
			if g.At(x, y, 0) != want || g.At(x, y, 1) != want || g.At(x, y, 2) != want {
				t.Fatalf("grey pixel (%d,%d) = %g %g %g, want %g", x, y, g.At(x, y, 0), g.At(x, y, 1), g.At(x, y, 2), want)
			}
		}
	}
	all, err := LoadValidation(dir, 4, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("maxImages 0: %d pairs, %v", len(all), err)
	}
}

func TestLoadValidationErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		scale  int
		errHas string
	}{
		{"corrupt file is named", func(t *testing.T, dir string) {
			writePNG(t, dir, "a.png", randomRGBA(16, 16, 1))
			writeFile(t, dir, "broken.png", []byte("\x89PNG\r\n\x1a\nnope"))
		}, 4, "broken.png"},
		{"too small", func(t *testing.T, dir string) {
			writePNG(t, dir, "tiny.png", image.NewNRGBA(image.Rect(0, 0, 3, 9)))
		}, 4, "tiny.png is 3x9, smaller than the scale 4"},
		{"empty folder", func(t *testing.T, dir string) {}, 4, "no image files"},
		{"bad scale", func(t *testing.T, dir string) {
			writePNG(t, dir, "a.png", randomRGBA(16, 16, 1))
		}, 0, "scale 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			_, err := LoadValidation(dir, tc.scale, 0)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
		})
	}
}

func names(vs []ValPair) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

// TestLoadValidationCropsLargeImages checks that validation images above
// ValMaxSide are center-cropped to it, on the scale grid.
func TestLoadValidationCropsLargeImages(t *testing.T) {
	dir := t.TempDir()
	src := randomRGBA(300, 270, 3)
	writePNG(t, dir, "big.png", src)
	vals, err := LoadValidation(dir, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	hr := vals[0].HR
	if hr.W != 255 || hr.H != 255 {
		t.Fatalf("HR %s, want 255x255 (at most %d, a multiple of 3)", hr, ValMaxSide)
	}
	// The crop is centred: HR (0,0) is source ((300-255)/2, (270-255)/2) = (22, 7).
	if got, want := hr.At(0, 0, 0), unitLUT[src.RGBAAt(22, 7).R]; got != want {
		t.Errorf("HR(0,0) red = %g, want the source's (22,7) = %g", got, want)
	}
}
