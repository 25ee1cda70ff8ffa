package data

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// benchDir finds shared/data/bench: $SRCASCADE_BENCH_DIR, else a
// shared/data/bench (or ../shared/data/bench) next to this package or any of
// its parents, which finds /work/shared/data/bench from /work/main/data and
// the same layout in CI clones.
func benchDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("SRCASCADE_BENCH_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "Set5")); err != nil {
			t.Fatalf("SRCASCADE_BENCH_DIR=%s has no Set5: %v", d, err)
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	var tried []string
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, cand := range []string{
			filepath.Join(dir, "shared", "data", "bench"),
			filepath.Join(dir, "..", "shared", "data", "bench"),
		} {
			tried = append(tried, cand)
			if _, err := os.Stat(filepath.Join(cand, "Set5")); err == nil {
				return cand
			}
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Skipf("SKIPPING the Set5/Set14 exactness check: no benchmark images found. "+
		"Set SRCASCADE_BENCH_DIR to the folder holding Set5/ and Set14/ (tried %s)",
		strings.Join(tried, ", "))
	return ""
}

// loadPNGForTest reads an 8-bit PNG with the standard library into an
// Image (v/127.5 - 1), grey as C=1, so these tests do not depend on Decode.
func loadPNGForTest(t testing.TB, path string) *Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	b := src.Bounds()
	if g, ok := src.(*image.Gray); ok {
		m := NewImage(b.Dx(), b.Dy(), 1)
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				m.Pix[y*m.W+x] = float32(float64(g.GrayAt(b.Min.X+x, b.Min.Y+y).Y)/127.5 - 1)
			}
		}
		return m
	}
	m := NewImage(b.Dx(), b.Dy(), 3)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			if a != 0xffff {
				t.Fatalf("%s: unexpected alpha at (%d,%d)", path, x, y)
			}
			for c, v := range []uint32{r, g, bl} {
				m.Pix[(y*m.W+x)*3+c] = float32(float64(v>>8)/127.5 - 1)
			}
		}
	}
	return m
}

// benchSet loads every PNG of one benchmark set, sorted by name.
func benchSet(t testing.TB, name string) (names []string, imgs []*Image) {
	t.Helper()
	dir := filepath.Join(benchDir(t), name)
	paths, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no PNG in %s (%v)", dir, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		names = append(names, filepath.Base(p))
		imgs = append(imgs, loadPNGForTest(t, p))
	}
	return names, imgs
}

// bicubicBaseline runs the published protocol on one HR image: modcrop, LR =
// 8-bit bicubic downscale, SR = 8-bit bicubic upscale, Y metrics with shave
// = scale. roundY selects MATLAB rgb2ycbcr's rounded luma instead of the
// fractional one the exported metrics use.
func bicubicBaseline(hr *Image, scale int, roundY bool) (psnr, ssim float64) {
	hr = ModCrop(hr, scale)
	lr := Quantize(Resize(hr, hr.W/scale, hr.H/scale))
	sr := Quantize(Resize(lr, hr.W, hr.H))
	a, w, h := lumaPlane(hr, scale, roundY)
	b, _, _ := lumaPlane(sr, scale, roundY)
	return psnr255(meanSquaredDiff(a, b)), ssimPlanes(a, b, w, h)
}

// TestBicubicBaselineBench reproduces the bicubic rows of the published
// tables on Set5 and Set14 at x2 and x4. It is the end-to-end check of
// Resize (MATLAB imresize), Quantize, the luma, PSNR and SSIM together.
func TestBicubicBaselineBench(t *testing.T) {
	cases := []struct {
		set        string
		scale      int
		psnr, ssim float64 // expected means
		tolP, tolS float64
	}{
		{"Set5", 4, 28.43, 0.811, 0.02, 0.001},
		{"Set5", 2, 33.68, 0.930, 0.02, 0.001},
		{"Set14", 4, 26.09, 0.705, 0.1, 0.002},
		{"Set14", 2, 30.33, 0.870, 0.1, 0.002},
	}
	sets := map[string][]*Image{}
	setNames := map[string][]string{}
	for _, c := range cases {
		if _, ok := sets[c.set]; !ok {
			setNames[c.set], sets[c.set] = benchSet(t, c.set)
		}
	}
	for _, c := range cases {
		var sumP, sumS, sumPR, sumSR float64
		for i, hr := range sets[c.set] {
			p, s := bicubicBaseline(hr, c.scale, false)
			pr, sr := bicubicBaseline(hr, c.scale, true)
			t.Logf("%s x%d %-14s C=%d %4dx%-4d Y-PSNR %.4f SSIM %.5f (rounded Y: %.4f / %.5f)",
				c.set, c.scale, setNames[c.set][i], hr.C, hr.W, hr.H, p, s, pr, sr)
			sumP, sumS, sumPR, sumSR = sumP+p, sumS+s, sumPR+pr, sumSR+sr
		}
		n := float64(len(sets[c.set]))
		p, s := sumP/n, sumS/n
		t.Logf("%s x%d bicubic mean: Y-PSNR %.4f dB, SSIM %.5f (rounded Y would give %.4f / %.5f)",
			c.set, c.scale, p, s, sumPR/n, sumSR/n)
		if math.Abs(p-c.psnr) > c.tolP || math.Abs(s-c.ssim) > c.tolS {
			t.Errorf("%s x%d bicubic = %.4f dB / %.5f, want %.2f±%.2f / %.3f±%.3f",
				c.set, c.scale, p, s, c.psnr, c.tolP, c.ssim, c.tolS)
		}
	}
}
