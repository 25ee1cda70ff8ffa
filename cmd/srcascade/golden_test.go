package main

import (
	"flag"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/ from the current implementation")

// TestGoldenBicubic compares `upscale -m bicubic -s 2` of a committed
// photo crop pixel by pixel with a committed golden PNG. The golden was
// made by this implementation (go test -run TestGoldenBicubic -update) after
// checking it against the independent float64 reference below, which this
// test keeps checking: any change to the resize, the codec or the CLI's
// colour path shows up here.
func TestGoldenBicubic(t *testing.T) {
	in, err := filepath.Abs("testdata/bee_32x24.png")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(filepath.Dir(in), "bee_32x24_bicubic_x2.png")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	runCLI(t, dir, "upscale", "-m", "bicubic", "-s", "2", "-o", out, in).expectCode(t, 0)
	got := assertSize(t, out, 64, 48)

	src, _ := readImage(t, in)
	ref := referenceBicubic(src, 2)
	exact, worst := 0, 0
	for y := range 48 {
		for x := range 64 {
			r, g, b, _ := got.At(x, y).RGBA()
			for c, v := range []uint32{r >> 8, g >> 8, b >> 8} {
				d := int(v) - int(ref[c][y*64+x])
				if d == 0 {
					exact++
				}
				worst = max(worst, d, -d)
			}
		}
	}
	// float32 against float64 arithmetic may round a half-way value apart.
	if worst > 1 || exact < 64*48*3*99/100 {
		t.Fatalf("bicubic x2 differs from the reference: %d of %d values exact, worst %d levels", exact, 64*48*3, worst)
	}
	t.Logf("bicubic x2 vs float64 reference: %d of %d values exact, worst %d", exact, 64*48*3, worst)

	if *update {
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", golden)
	}
	want := assertSize(t, golden, 64, 48)
	for y := range 48 {
		for x := range 64 {
			if g, w := color.NRGBAModel.Convert(got.At(x, y)), color.NRGBAModel.Convert(want.At(x, y)); g != w {
				t.Fatalf("pixel (%d,%d) = %v, golden %v", x, y, g, w)
			}
		}
	}
}

// referenceBicubic is an independent, straightforward float64 rendering of
// MATLAB's imresize(img, s, 'bicubic') for an integer upscale s: cubic
// kernel a = -0.5, output pixel i (1-based) centred at u = i/s + (1-1/s)/2
// in input coordinates, symmetric boundary, columns then rows, rounded to
// 8 bits. It returns one plane per channel.
func referenceBicubic(img image.Image, s int) [3][]uint8 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	in := [3][]float64{}
	for c := range 3 {
		in[c] = make([]float64, w*h)
	}
	for y := range h {
		for x := range w {
			r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			in[0][y*w+x], in[1][y*w+x], in[2][y*w+x] = float64(r>>8), float64(g>>8), float64(bb>>8)
		}
	}
	cubic := func(x float64) float64 {
		x = math.Abs(x)
		switch {
		case x <= 1:
			return 1.5*x*x*x - 2.5*x*x + 1
		case x <= 2:
			return -0.5*x*x*x + 2.5*x*x - 4*x + 2
		}
		return 0
	}
	symmetric := func(j, n int) int { // 1-based MATLAB index into [1,n], mirrored
		period := 2 * n
		m := ((j-1)%period + period) % period
		if m < n {
			return m
		}
		return period - 1 - m
	}
	// weights[i] for output i: input indices (0-based) and normalised weights.
	type tap struct {
		idx []int
		wt  []float64
	}
	plan := func(n int) []tap {
		taps := make([]tap, n*s)
		for i := range taps {
			u := float64(i+1)/float64(s) + 0.5*(1-1/float64(s))
			left := int(math.Floor(u - 2))
			var t tap
			sum := 0.0
			for k := 1; k <= 4; k++ {
				j := left + k
				wt := cubic(u - float64(j))
				t.idx = append(t.idx, symmetric(j, n))
				t.wt = append(t.wt, wt)
				sum += wt
			}
			for k := range t.wt {
				t.wt[k] /= sum
			}
			taps[i] = t
		}
		return taps
	}
	px, py := plan(w), plan(h)
	W, H := w*s, h*s
	var out [3][]uint8
	for c := range 3 {
		tmp := make([]float64, W*h) // columns resized first
		for y := range h {
			for X := range W {
				v := 0.0
				for k, j := range px[X].idx {
					v += px[X].wt[k] * in[c][y*w+j]
				}
				tmp[y*W+X] = v
			}
		}
		out[c] = make([]uint8, W*H)
		for Y := range H {
			for X := range W {
				v := 0.0
				for k, j := range py[Y].idx {
					v += py[Y].wt[k] * tmp[j*W+X]
				}
				out[c][Y*W+X] = uint8(math.Round(min(max(v, 0), 255)))
			}
		}
	}
	return out
}

// TestCLIConstantStaysConstant upscales flat colours (8-bit, grey and
// 16-bit) with bicubic at every scale: its weights sum to 1, so every
// output pixel must equal the input colour exactly.
func TestCLIConstantStaysConstant(t *testing.T) {
	dir := t.TempDir()
	rgb := image.NewRGBA(image.Rect(0, 0, 9, 7))
	grey16 := image.NewGray16(image.Rect(0, 0, 9, 7))
	for y := range 7 {
		for x := range 9 {
			rgb.Set(x, y, color.RGBA{201, 3, 77, 255})
			grey16.SetGray16(x, y, color.Gray16{Y: 40001})
		}
	}
	writePNG(t, filepath.Join(dir, "rgb.png"), rgb)
	writePNG(t, filepath.Join(dir, "grey16.png"), grey16)
	for _, s := range []string{"2", "4", "8"} {
		runCLI(t, dir, "upscale", "-m", "bicubic", "-q", "-s", s, "rgb.png", "grey16.png").expectCode(t, 0)
		for name, want := range map[string]color.Color{"rgb_x" + s + ".png": rgb.At(0, 0), "grey16_x" + s + ".png": grey16.At(0, 0)} {
			m, _ := readImage(t, filepath.Join(dir, name))
			wr, wg, wb, wa := want.RGBA()
			for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
				for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
					if r, g, b, a := m.At(x, y).RGBA(); r != wr || g != wg || b != wb || a != wa {
						t.Fatalf("%s pixel (%d,%d) = %v, want %v", name, x, y, m.At(x, y), want)
					}
				}
			}
		}
	}
}
