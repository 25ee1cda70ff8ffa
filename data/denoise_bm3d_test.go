package data

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// repeated returns a w x h RGB image tiling one random 11x9 tile: texture
// that recurs across the image, which block matching finds and a single
// patch's transform cannot tell from noise.
func repeated(w, h int) *Image {
	r := rand.New(rand.NewPCG(3, 4))
	const tw, th = 11, 9
	tile := make([]float32, tw*th*3)
	for i := range tile {
		tile[i] = float32(r.Float64()*1.2 - 0.6)
	}
	img := NewImage(w, h, 3)
	for y := range h {
		for x := range w {
			copy(img.Pix[(y*w+x)*3:][:3], tile[((y%th)*tw+x%tw)*3:])
		}
	}
	return img
}

// TestDenoiseBM3D: BM3D keeps the denoisers' contract (checkDenoiser) and
// beats DenoiseDCT by at least 2 dB on texture that recurs.
func TestDenoiseBM3D(t *testing.T) {
	checkDenoiser(t, DenoiseBM3D, 19, 12, 1e-5)
	for _, sigma := range []float64{5, 10} {
		clean := repeated(66, 54)
		noisy := withColourNoise(clean, sigma, 8)
		bm, err := DenoiseBM3D(noisy, sigma)
		if err != nil {
			t.Fatal(err)
		}
		dct, _ := DenoiseDCT(noisy, sigma)
		if b, d := PSNRRGB(clean, bm, 0), PSNRRGB(clean, dct, 0); b < d+2 {
			t.Errorf("recurring texture, sigma %g: BM3D %.2f dB, DCT %.2f: want 2 dB more", sigma, b, d)
		}
	}
}

// TestDenoiseBM3DEdges: BM3D keeps the sharp-edged squares of
// TestDenoiseDCTWeighted better than DenoiseDCT does.
func TestDenoiseBM3DEdges(t *testing.T) {
	clean := squares()
	for _, sigma := range []float64{5, 10} {
		noisy := withColourNoise(clean, sigma, 11)
		bm, _ := DenoiseBM3D(noisy, sigma)
		dct, _ := DenoiseDCT(noisy, sigma)
		if b, d := PSNRRGB(clean, bm, 0), PSNRRGB(clean, dct, 0); b < d+0.3 {
			t.Errorf("sigma %g: BM3D %.2f dB, DCT %.2f: want 0.3 dB more", sigma, b, d)
		}
	}
}

// TestDenoiseBM3DShapes: one CPU and many give the same bits on an image
// tall enough for many bands; three equal channels are denoised as the grey
// plane; an image under 8 pixels on a side is DenoiseDCT's result.
func TestDenoiseBM3DShapes(t *testing.T) {
	checkSameOnOneCPU(t, "DenoiseBM3D", DenoiseBM3D)
	grey := withNoise(RGBToGrey(textured(40, 33)), 5, 9)
	want, _ := DenoiseBM3D(grey, 5)
	got, _ := DenoiseBM3D(GreyToRGB(grey), 5)
	if want.C != 1 || got.C != 3 || !slices.Equal(got.Pix, GreyToRGB(want).Pix) {
		t.Error("DenoiseBM3D of three equal channels differs from the grey plane's result")
	}
	small := withColourNoise(shaded(7, 30), 5, 12)
	want, _ = DenoiseDCT(small, 5)
	if got, err := DenoiseBM3D(small, 5); err != nil || !slices.Equal(got.Pix, want.Pix) {
		t.Errorf("7x30: want DenoiseDCT's result (err %v)", err)
	}
}

// TestHaar: the Haar transform along a group is orthonormal (it keeps the
// energy), its first coefficient is the group's sum over sqrt(n), and the
// inverse restores the group.
func TestHaar(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 4, 16, 32} {
		s := make([][bmPatch * bmPatch]float32, n)
		var energy, sum float64
		for i := range s {
			for j := range s[i] {
				s[i][j] = float32(r.NormFloat64())
			}
			energy += sq(s[i][5])
			sum += float64(s[i][5])
		}
		orig := slices.Clone(s)
		tmp := make([][bmPatch * bmPatch]float32, n)
		haarForward(s, tmp)
		var e float64
		for i := range s {
			e += sq(s[i][5])
		}
		if math.Abs(e-energy) > 1e-4*energy || math.Abs(float64(s[0][5])-sum/math.Sqrt(float64(n))) > 1e-4 {
			t.Errorf("n %d: energy %g -> %g, first %g want %g", n, energy, e, s[0][5], sum/math.Sqrt(float64(n)))
		}
		haarInverse(s, tmp)
		for i := range s {
			for j := range s[i] {
				if math.Abs(float64(s[i][j]-orig[i][j])) > 1e-5 {
					t.Fatalf("n %d: patch %d coefficient %d: %g, want %g", n, i, j, s[i][j], orig[i][j])
				}
			}
		}
	}
}

func sq(v float32) float64 { return float64(v) * float64(v) }

// TestFastDCT: fdct8x8 is the 2-D DCT of dctMatrix (computed by its
// definition) and idct8x8 inverts it.
func TestFastDCT(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var p [64]float32
	for i := range p {
		p[i] = float32(r.NormFloat64())
	}
	orig := p
	fdct8x8(&p)
	for k := range 8 {
		for l := range 8 {
			var want float64
			for n := range 8 {
				for x := range 8 {
					want += float64(dctMatrix[k][n]) * float64(dctMatrix[l][x]) * float64(orig[n*8+x])
				}
			}
			if math.Abs(float64(p[k*8+l])-want) > 1e-5 {
				t.Fatalf("coefficient (%d,%d): %g, want %g", k, l, p[k*8+l], want)
			}
		}
	}
	idct8x8(&p)
	for i := range p {
		if math.Abs(float64(p[i]-orig[i])) > 1e-5 {
			t.Fatalf("pixel %d: %g, want %g", i, p[i], orig[i])
		}
	}
}

// TestPatchDistance: the distance is the sum of squared differences, and
// the SIMD kernel, where built in, gives the scalar code's bits for each of
// its 8 candidates.
func TestPatchDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const w = 17
	a, b := make([]float32, 8*w), make([]float32, 8*w)
	for i := range a {
		a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	var want float64
	for i := range 8 {
		for j := range 8 {
			want += sq(a[i*w+j] - b[i*w+3+j])
		}
	}
	if got := patchDistance(a, b[3:], w); math.Abs(float64(got)-want) > 1e-4*want {
		t.Errorf("distance %g, want %g", got, want)
	}
	var d [8]float32
	if simdPatchDistances8(a, b, w, &d) {
		for j, v := range d {
			if s := patchDistance(a, b[j:], w); v != s {
				t.Errorf("candidate %d: SIMD distance %g, scalar %g", j, v, s)
			}
		}
	}
}

// TestDenoiseBM3DContext: a done context stops the filter with its error,
// and a live one gives DenoiseBM3D's result.
func TestDenoiseBM3DContext(t *testing.T) {
	noisy := withColourNoise(textured(40, 33), 5, 13)
	ctx, cancel := context.WithCancel(context.Background())
	want, _ := DenoiseBM3D(noisy, 5)
	if got, err := DenoiseBM3DContext(ctx, noisy, 5); err != nil || !slices.Equal(got.Pix, want.Pix) {
		t.Errorf("live context: %v, or a result unlike DenoiseBM3D's", err)
	}
	cancel()
	if _, err := DenoiseBM3DContext(ctx, noisy, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
	if _, err := denoiseBM3D(ctx, noisy, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during the filter: error %v, want context.Canceled", err)
	}
}
