package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// kernelSum is the sum of a kernel's weights.
func kernelSum(k kernel2D) float64 {
	s := 0.0
	for _, v := range k.W {
		s += v
	}
	return s
}

// kernelMoments returns the second moments of k along x and y.
func kernelMoments(k kernel2D) (mxx, myy float64) {
	r := k.Size / 2
	for j := range k.Size {
		for i := range k.Size {
			w := k.W[j*k.Size+i]
			mxx += w * float64((i-r)*(i-r))
			myy += w * float64((j-r)*(j-r))
		}
	}
	return mxx, myy
}

// TestBlurKernels checks every kernel family: normalised to 1, point
// symmetric, peaked at the centre; isotropic ones symmetric in x and y;
// an anisotropic Gaussian with sigma_x > sigma_y wider along x (and along
// y once rotated by 90 degrees); a larger beta of the generalised Gaussian
// flatter on top; the sinc kernel with negative lobes (it rings); and
// random kernels drawn with Real-ESRGAN's settings all normalised, of an
// odd size 7-21.
func TestBlurKernels(t *testing.T) {
	kernels := map[string]kernel2D{
		"iso gaussian":     gaussianKernel2D(21, 2, 2, 0),
		"aniso gaussian":   gaussianKernel2D(21, 3, 1, 0),
		"rotated gaussian": gaussianKernel2D(21, 3, 1, math.Pi/2),
		"generalized 0.5":  generalizedKernel2D(21, 2, 2, 0, 0.5),
		"generalized 4":    generalizedKernel2D(21, 2, 2, 0, 4),
		"plateau":          plateauKernel2D(15, 2, 1.5, 0.7, 1.5),
		"sinc":             sincKernel2D(21, math.Pi/4),
	}
	for name, k := range kernels {
		if s := kernelSum(k); math.Abs(s-1) > 1e-12 {
			t.Errorf("%s: sum %v", name, s)
		}
		n, c := len(k.W), len(k.W)/2
		for i, v := range k.W {
			if math.Abs(v-k.W[n-1-i]) > 1e-15 {
				t.Fatalf("%s: not point symmetric at %d", name, i)
			}
			if v > k.W[c] {
				t.Fatalf("%s: weight %d (%g) above the centre's %g", name, i, v, k.W[c])
			}
		}
	}
	iso := kernels["iso gaussian"]
	for j := range iso.Size {
		for i := range iso.Size {
			if math.Abs(iso.W[j*iso.Size+i]-iso.W[i*iso.Size+j]) > 1e-15 {
				t.Fatalf("isotropic kernel not symmetric in x and y at (%d,%d)", i, j)
			}
		}
	}
	if mxx, myy := kernelMoments(kernels["aniso gaussian"]); !(mxx > 4*myy) {
		t.Errorf("sigma 3 x 1 kernel: moments %g along x, %g along y", mxx, myy)
	}
	if mxx, myy := kernelMoments(kernels["rotated gaussian"]); !(myy > 4*mxx) {
		t.Errorf("rotated sigma 3 x 1 kernel: moments %g along x, %g along y", mxx, myy)
	}
	// Flatter top: the value one pixel from the centre relative to it.
	g05, g4 := kernels["generalized 0.5"], kernels["generalized 4"]
	if r05, r4 := g05.W[10*21+11]/g05.W[10*21+10], g4.W[10*21+11]/g4.W[10*21+10]; !(r4 > r05) {
		t.Errorf("generalised beta 4 not flatter on top than beta 0.5: %g vs %g", r4, r05)
	}
	if slices.Min(kernels["sinc"].W) >= 0 {
		t.Error("sinc kernel has no negative lobe")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 300 {
		for _, s := range []blurSettings{realESRGANSettings.First.Blur, realESRGANSettings.Second.Blur} {
			k := randomKernel(s, rng)
			if k.Size%2 != 1 || k.Size < 7 || k.Size > 21 || math.Abs(kernelSum(k)-1) > 1e-9 || slices.ContainsFunc(k.W, math.IsNaN) {
				t.Fatalf("random kernel of size %d sums to %v", k.Size, kernelSum(k))
			}
		}
	}
}

// TestFilter2D checks the blur: a centred delta kernel is the identity, a
// flat image stays flat, a Gaussian lowers the high frequencies of
// texture, and the padding reflects about the edge pixel.
func TestFilter2D(t *testing.T) {
	img := imageOf(randomRGB8(23, 17, 2))
	delta := kernel2D{Size: 7, W: make([]float64, 49)}
	delta.W[24] = 1
	if got := filter2D(img, delta); !slices.Equal(got.Pix, img.Pix) {
		t.Error("delta kernel changed the image")
	}
	flat := data.NewImage(12, 9, 3)
	for i := range flat.Pix {
		flat.Pix[i] = 0.3
	}
	for _, v := range filter2D(flat, gaussianKernel2D(21, 3, 1, 0.4)).Pix {
		if math.Abs(float64(v)-0.3) > 1e-6 {
			t.Fatalf("flat image blurred to %v", v)
		}
	}
	if e0, e := hfEnergy(img), hfEnergy(filter2D(img, gaussianKernel2D(9, 1.5, 1.5, 0))); !(e < 0.2*e0) {
		t.Errorf("Gaussian blur: HF energy %g -> %g", e0, e)
	}
	var got []int
	for i := -3; i < 8; i++ {
		got = append(got, reflect101(i, 4))
	}
	if want := []int{3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("reflect101 = %v, want %v", got, want)
	}
}

// TestInterpResize checks the three resize modes against hand-computed
// values of F.interpolate (align_corners=False, no antialiasing): area
// halving averages 2x2 blocks, bilinear doubling of [0, 1] gives
// [0, 0.25, 0.75, 1], bicubic (a = -0.75) gives Keys' weights on a ramp,
// and every mode keeps a flat image flat.
func TestInterpResize(t *testing.T) {
	ramp := data.NewImage(4, 1, 1)
	for x := range 4 {
		ramp.Pix[x] = float32(x)
	}
	if got := interpResize(ramp, 2, 1, resizeArea).Pix; !slices.Equal(got, []float32{0.5, 2.5}) {
		t.Errorf("area 4 -> 2: %v", got)
	}
	two := &data.Image{W: 2, H: 1, C: 1, Pix: []float32{0, 1}}
	if got := interpResize(two, 4, 1, resizeBilinear).Pix; !slices.Equal(got, []float32{0, 0.25, 0.75, 1}) {
		t.Errorf("bilinear 2 -> 4: %v", got)
	}
	long := data.NewImage(16, 1, 1)
	for x := range 16 {
		long.Pix[x] = float32(x)
	}
	// Keys a = -0.75 does not reproduce a ramp (only a = -0.5 does): at
	// src 1.75 the taps 0..3 weigh -0.03516, 0.26172, 0.87891, -0.10547,
	// giving 109/64; at src 2.25 (mirrored weights on 1..4) 147/64.
	up := interpResize(long, 32, 1, resizeBicubic)
	if up.Pix[4] != 109.0/64 || up.Pix[5] != 147.0/64 {
		t.Errorf("bicubic ramp at 4, 5: %v %v, want %v %v", up.Pix[4], up.Pix[5], 109.0/64, 147.0/64)
	}
	flat := data.NewImage(13, 11, 3)
	for i := range flat.Pix {
		flat.Pix[i] = -0.4
	}
	for mode, name := range resizeModes {
		for _, size := range [][2]int{{5, 4}, {20, 17}, {13, 3}} {
			for _, v := range interpResize(flat, size[0], size[1], mode).Pix {
				if math.Abs(float64(v)+0.4) > 1e-6 {
					t.Fatalf("%s to %v: flat became %v", name, size, v)
				}
			}
		}
	}
}

// TestNoiseModels checks the noise: Gaussian of sigma 10 levels has that
// variance per channel, independent in colour and equal across channels in
// grey; Poisson noise grows with brightness as v/L (times scale²) and is
// grey when asked; the Poisson sampler has mean and variance lambda on both
// sides of its switch at 30.
func TestNoiseModels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	mid := func(v float32) *data.Image {
		m := data.NewImage(64, 64, 3)
		for i := range m.Pix {
			m.Pix[i] = v
		}
		return m
	}
	m := mid(0)
	addGaussianNoise(m, 10, false, rng)
	want := math.Pow(10/127.5, 2)
	for c := range 3 {
		if v := variance(channel(m, c)); math.Abs(v-want) > 0.1*want {
			t.Errorf("colour Gaussian: channel %d variance %g, want %g", c, v, want)
		}
	}
	if slices.Equal(channel(m, 0), channel(m, 1)) {
		t.Error("colour noise equal across channels")
	}
	g := mid(0)
	addGaussianNoise(g, 10, true, rng)
	if !slices.Equal(channel(g, 0), channel(g, 2)) || variance(channel(g, 0)) < 0.9*want {
		t.Error("grey Gaussian noise differs across channels or is missing")
	}
	// Poisson of scale 1 at value v in [0,1]: variance v/L in [0,1] units,
	// 4 v/L in [-1,1] units.
	for _, v01 := range []float64{0.2, 0.8} {
		p := mid(float32(2*v01 - 1))
		addPoissonNoise(p, 1, false, rng)
		want := 4 * math.Round(v01*255) / 255 / poissonLevels
		if got := variance(channel(p, 1)); math.Abs(got-want) > 0.12*want {
			t.Errorf("Poisson at %g: variance %g, want %g", v01, got, want)
		}
	}
	pg := mid(0.2)
	addPoissonNoise(pg, 2, true, rng)
	if !slices.Equal(channel(pg, 0), channel(pg, 1)) || variance(channel(pg, 0)) == 0 {
		t.Error("grey Poisson noise differs across channels or is missing")
	}
	for _, lambda := range []float64{3, 29, 31, 200} {
		var s, ss float64
		const n = 20000
		for range n {
			k := poisson(lambda, rng)
			s += k
			ss += k * k
		}
		mean := s / n
		v := ss/n - mean*mean
		if math.Abs(mean-lambda) > 0.03*lambda+0.05 || math.Abs(v-lambda) > 0.08*lambda {
			t.Errorf("poisson(%g): mean %g, variance %g", lambda, mean, v)
		}
	}
}

// TestRealESRGANLR checks the second-order model end to end: the LR has
// the asked size and 8-bit levels, is a deterministic function of the
// random stream (the same stream, the same LR; another, another), differs
// from the clean protocol LR, and its degradation strength spreads over
// (0, 1], with a median well inside.
func TestRealESRGANLR(t *testing.T) {
	hr := imageOf(rgb8Of(smoothRGBA(96, 96, 4)))
	o := DegradeOptions{RealESRGAN: true}
	clean := data.Quantize(data.Resize(hr, 24, 24))
	var strengths []float64
	for seed := range uint64(24) {
		a, err := o.makeLR(hr, 24, 24, rand.New(rand.NewPCG(seed, 9)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := o.makeLR(hr, 24, 24, rand.New(rand.NewPCG(seed, 9)))
		if err != nil {
			t.Fatal(err)
		}
		if a.W != 24 || a.H != 24 || a.C != 3 || !slices.Equal(a.Pix, b.Pix) {
			t.Fatalf("seed %d: LR %v, or two runs of one stream differ", seed, a)
		}
		if !slices.Equal(a.Pix, data.Quantize(a).Pix) {
			t.Fatalf("seed %d: LR not on 8-bit levels", seed)
		}
		strengths = append(strengths, DegradationStrength(a, clean))
	}
	slices.Sort(strengths)
	t.Logf("strengths: %.2f", strengths)
	if strengths[0] <= 0 || strengths[len(strengths)-1] > 1 || strengths[len(strengths)/2] < 0.05 || strengths[len(strengths)/2] > 0.9 {
		t.Errorf("strengths %v: want all in (0,1], the median well inside", strengths)
	}
	// Odd, non-square LR sizes work too.
	lr, err := o.makeLR(hr, 19, 13, rand.New(rand.NewPCG(1, 2)))
	if err != nil || lr.W != 19 || lr.H != 13 {
		t.Fatalf("19x13 LR: %v, %v", lr, err)
	}
}

// TestBatchDegradationStrength checks batches carry the degradation
// strength: nil without degradations; in [0, 1] per item with them, 0
// exactly for items no degradation was drawn for (the simple model at
// probability 0.5), and the same for the same (seed, step).
func TestBatchDegradationStrength(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", smoothRGBA(90, 70, 1))
	writePNG(t, dir, "b.png", randomRGBA(64, 80, 2))
	base := DataOptions{HRDir: dir, Scale: 4, Patch: 32, Batch: 8, Seed: 5}
	if b := batchT(t, loadT(t, base, nil), 0); b.Degradation != nil {
		t.Errorf("clean batch has strengths %v", b.Degradation)
	}
	for _, deg := range []DegradeOptions{{RealESRGAN: true}, {Noise: Degradation{Prob: 0.5, Range: Range{5, 5}}}} {
		opt := base
		opt.Degrade = deg
		ds := loadT(t, opt, nil)
		b, again := batchT(t, ds, 3), batchT(t, ds, 3)
		if len(b.Degradation) != b.N || !slices.Equal(b.Degradation, again.Degradation) || !slices.Equal(b.LR, again.LR) {
			t.Fatalf("%s: strengths %v then %v", deg, b.Degradation, again.Degradation)
		}
		zero := 0
		for k, s := range b.Degradation {
			if !(s >= 0 && s <= 1) {
				t.Fatalf("%s: strength %v", deg, s)
			}
			hr := &data.Image{W: 32, H: 32, C: 3, Pix: hrItem(b, k)}
			clean := data.Quantize(data.Resize(hr, 8, 8))
			if isClean := slices.Equal(clean.Pix, lrItem(b, k)); isClean != (s == 0) {
				t.Errorf("%s item %d: strength %v, LR clean %v", deg, k, s, isClean)
			}
			if s == 0 {
				zero++
			}
		}
		t.Logf("%s: strengths %.3f", deg, b.Degradation)
		if deg.RealESRGAN && zero > 0 {
			t.Errorf("realesrgan left %d of %d items clean", zero, b.N)
		}
	}
}

// TestBatchOverstate: with overstate at probability 1 and a fixed amount,
// every item's level is its degradation strength (computed from the
// batch's own LR and HR) plus that amount, capped at 1; at probability 0.5
// some items keep their strength exactly and the rest are raised.
func TestBatchOverstate(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", smoothRGBA(90, 70, 1))
	writePNG(t, dir, "b.png", randomRGBA(64, 80, 2))
	opt := DataOptions{HRDir: dir, Scale: 4, Patch: 32, Batch: 16, Seed: 5}
	strength := func(b *Batch, k int) float64 {
		hr := &data.Image{W: 32, H: 32, C: 3, Pix: hrItem(b, k)}
		return DegradationStrength(&data.Image{W: 8, H: 8, C: 3, Pix: lrItem(b, k)}, data.Quantize(data.Resize(hr, 8, 8)))
	}
	for _, c := range []struct {
		spec   string
		always bool
	}{{"noise=0.5@3-8,overstate=1@0.2-0.2", true}, {"noise=0.5@3-8,overstate=0.5@0.1-0.3", false}} {
		var err error
		if opt.Degrade, err = ParseDegrade(c.spec); err != nil {
			t.Fatal(err)
		}
		b := batchT(t, loadT(t, opt, nil), 2)
		raised, kept := 0, 0
		for k, l := range b.Degradation {
			s := strength(b, k)
			switch d := float64(l) - s; {
			case math.Abs(d) < 1e-6:
				kept++
			case d >= 0.1-1e-6 && d <= 0.3+1e-6 && l <= 1:
				raised++
				if c.always && math.Abs(d-min(0.2, 1-s)) > 1e-6 {
					t.Errorf("%s item %d: level %v, strength %v, want strength + 0.2", c.spec, k, l, s)
				}
			default:
				t.Errorf("%s item %d: level %v, strength %v", c.spec, k, l, s)
			}
		}
		if c.always && kept > 0 || !c.always && (kept == 0 || raised == 0) {
			t.Errorf("%s: %d items raised, %d kept", c.spec, raised, kept)
		}
	}
}

// BenchmarkRealESRGANLR times the second-order model on a 128x128 HR crop
// (x4): the cost per training item that --degrade realesrgan adds.
func BenchmarkRealESRGANLR(b *testing.B) {
	hr := imageOf(rgb8Of(smoothRGBA(128, 128, 4)))
	o := DegradeOptions{RealESRGAN: true}
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		if _, err := o.makeLR(hr, 32, 32, rng); err != nil {
			b.Fatal(err)
		}
	}
}
