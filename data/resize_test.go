package data

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// smoothImage is a band-limited test pattern in [-0.8, 0.8].
func smoothImage(w, h, c int) *Image {
	m := NewImage(w, h, c)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for ch := 0; ch < c; ch++ {
				fx, fy := float64(x)/float64(w), float64(y)/float64(h)
				v := 0.5 * math.Sin(2*math.Pi*(fx+0.3*float64(ch))) * math.Cos(2*math.Pi*fy)
				v += 0.3 * math.Sin(math.Pi*(fx+2*fy))
				m.Set(x, y, ch, float32(v))
			}
		}
	}
	return m
}

// randomImage is uniform noise in [-1,1].
func randomImage(w, h, c int, seed uint64) *Image {
	r := rand.New(rand.NewPCG(seed, 1))
	m := NewImage(w, h, c)
	for i := range m.Pix {
		m.Pix[i] = float32(r.Float64()*2 - 1)
	}
	return m
}

func TestCubicKernelValues(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {1, 0}, {-1, 0}, {2, 0}, {-2, 0}, {2.5, 0},
		{0.5, 0.5625}, {-0.5, 0.5625}, {1.5, -0.0625}, {-1.5, -0.0625},
		{0.25, 0.8671875}, {0.75, 0.2265625}, {1.25, -0.0703125}, {1.75, -0.0234375},
	} {
		if got := cubic(c.x); got != c.want {
			t.Errorf("cubic(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestContributionsByHand checks weight tables worked out by hand from
// MATLAB's contributions() (see the comments for the arithmetic).
func TestContributionsByHand(t *testing.T) {
	type row struct {
		idx []int32
		w   []float32
	}
	cases := []struct {
		name          string
		in, out       int
		scale         float64
		rows          []row
		expectedTotal int
	}{
		{
			// Upscale 2 -> 4, scale 2: u = x/2 + 0.25 = 0.75, 1.25, 1.75, 2.25;
			// left = floor(u-2) = -2, -1, -1, 0; the six taps u-ind of x=1 are
			// 2.75, 1.75, 0.75, -0.25, -1.25, -2.25 -> cubic = 0, -3/128,
			// 29/128, 111/128, -9/128, 0. 1-based indices -1, 0, 1, 2 mirror
			// through aux = [1 2 2 1] to 2, 1, 1, 2.
			name: "up 2->4", in: 2, out: 4, scale: 2,
			rows: []row{
				{[]int32{1, 0, 0, 1}, []float32{-0.0234375, 0.2265625, 0.8671875, -0.0703125}},
				{[]int32{0, 0, 1, 1}, []float32{-0.0703125, 0.8671875, 0.2265625, -0.0234375}},
				{[]int32{0, 0, 1, 1}, []float32{-0.0234375, 0.2265625, 0.8671875, -0.0703125}},
				{[]int32{0, 1, 1, 0}, []float32{-0.0703125, 0.8671875, 0.2265625, -0.0234375}},
			},
		},
		{
			// Downscale 4 -> 2, scale 0.5: h(x) = cubic(x/2)/2, width 8, P = 10;
			// u = 2x - 0.5 = 1.5, 3.5; left = floor(u-4) = -3, -1. Taps at
			// distances ±0.5, ±1.5, ±2.5, ±3.5 weigh 111/256, 29/256, -9/256,
			// -3/256 (±4.5 weigh 0), summing to 1. Indices -2..5 mirror
			// through aux = [1 2 3 4 4 3 2 1] to 3 2 1 1 2 3 4 4.
			name: "down 4->2", in: 4, out: 2, scale: 0.5,
			rows: []row{
				{[]int32{2, 1, 0, 0, 1, 2, 3, 3}, []float32{-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875}},
				{[]int32{0, 0, 1, 2, 3, 3, 2, 1}, []float32{-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875}},
			},
		},
		{
			// Scale 1 is the identity: the only non-zero tap is cubic(0) = 1.
			name: "identity 3->3", in: 3, out: 3, scale: 1,
			rows: []row{{[]int32{0}, []float32{1}}, {[]int32{1}, []float32{1}}, {[]int32{2}, []float32{1}}},
		},
		{
			// A single input sample: every tap mirrors onto it.
			name: "1->3", in: 1, out: 3, scale: 3,
			rows: nil,
		},
	}
	for _, c := range cases {
		a := contributions(c.in, c.out, c.scale)
		if a.out != c.out || len(a.off) != c.out+1 {
			t.Fatalf("%s: table for %d outputs, want %d", c.name, a.out, c.out)
		}
		for i := 0; i < c.out; i++ {
			idx, w := a.taps(i)
			sum := float32(0)
			for k := range idx {
				if idx[k] < 0 || int(idx[k]) >= c.in {
					t.Errorf("%s: output %d tap %d reads index %d outside [0,%d)", c.name, i, k, idx[k], c.in)
				}
				sum += w[k]
			}
			if math.Abs(float64(sum)-1) > 1e-6 {
				t.Errorf("%s: output %d weights sum to %v", c.name, i, sum)
			}
			if c.rows == nil {
				continue
			}
			want := c.rows[i]
			if len(idx) != len(want.idx) {
				t.Errorf("%s: output %d has taps %v %v, want %v %v", c.name, i, idx, w, want.idx, want.w)
				continue
			}
			for k := range idx {
				if idx[k] != want.idx[k] || w[k] != want.w[k] {
					t.Errorf("%s: output %d has taps %v %v, want %v %v", c.name, i, idx, w, want.idx, want.w)
					break
				}
			}
		}
	}
}

// referenceResize is a direct float64 transcription of MATLAB's imresize
// (contributions() with all P taps, no trimming, then the two passes in
// MATLAB's order) used to check the optimised passes.
func referenceResize(img *Image, w, h int, sx, sy float64) []float64 {
	table := func(in, out int, scale float64) (idx [][]int, wt [][]float64) {
		kw, kern := 4.0, cubic
		if scale < 1 {
			kw, kern = 4/scale, func(x float64) float64 { return scale * cubic(scale*x) }
		}
		p := int(math.Ceil(kw)) + 2
		aux := make([]int, 0, 2*in)
		for i := 1; i <= in; i++ {
			aux = append(aux, i)
		}
		for i := in; i >= 1; i-- {
			aux = append(aux, i)
		}
		for x := 1; x <= out; x++ {
			u := float64(x)/scale + 0.5*(1-1/scale)
			left := math.Floor(u - kw/2)
			ri, rw, sum := make([]int, p), make([]float64, p), 0.0
			for j := 0; j < p; j++ {
				ind := int(left) + j
				rw[j] = kern(u - float64(ind))
				sum += rw[j]
				m := (ind - 1) % len(aux)
				if m < 0 {
					m += len(aux)
				}
				ri[j] = aux[m] - 1
			}
			for j := range rw {
				rw[j] /= sum
			}
			idx, wt = append(idx, ri), append(wt, rw)
		}
		return idx, wt
	}
	c := img.C
	cur, cw, ch := make([]float64, len(img.Pix)), img.W, img.H
	for i, v := range img.Pix {
		cur[i] = float64(v)
	}
	vertical := func() {
		idx, wt := table(ch, h, sy)
		next := make([]float64, cw*h*c)
		for y := 0; y < h; y++ {
			for k, src := range idx[y] {
				for i := 0; i < cw*c; i++ {
					next[y*cw*c+i] += wt[y][k] * cur[src*cw*c+i]
				}
			}
		}
		cur, ch = next, h
	}
	horizontal := func() {
		idx, wt := table(cw, w, sx)
		next := make([]float64, w*ch*c)
		for y := 0; y < ch; y++ {
			for x := 0; x < w; x++ {
				for k, src := range idx[x] {
					for ch2 := 0; ch2 < c; ch2++ {
						next[(y*w+x)*c+ch2] += wt[x][k] * cur[(y*cw+src)*c+ch2]
					}
				}
			}
		}
		cur, cw = next, w
	}
	if sy <= sx {
		vertical()
		horizontal()
	} else {
		horizontal()
		vertical()
	}
	return cur
}

func TestResizeMatchesReference(t *testing.T) {
	cases := []struct{ w, h, c, ow, oh int }{
		{8, 6, 3, 32, 24},   // x4 up
		{32, 24, 3, 8, 6},   // x4 down
		{40, 30, 1, 20, 15}, // x2 down, grey
		{37, 23, 3, 91, 11}, // up on one axis, down on the other
		{1, 9, 3, 4, 5},     // 1 pixel wide
		{9, 1, 1, 3, 7},     // 1 pixel high
		{1, 1, 3, 3, 2},     // single pixel
		{300, 7, 3, 133, 7}, // non-integer shrink, height kept
		{5, 5, 3, 5, 5},     // identity
		{64, 48, 3, 1, 1},   // down to one pixel
		{1, 9, 3, 4, 16},    // 1 pixel wide, full 8-row strips
		{2, 30, 1, 1, 24},   // down to 1 pixel wide
		{1, 16, 1, 1, 8},    // width kept at 1: vertical pass only
		{11, 1, 3, 40, 1},   // height kept at 1: horizontal pass only
	}
	for _, c := range cases {
		img := randomImage(c.w, c.h, c.c, uint64(c.w*1000+c.h))
		got := Resize(img, c.ow, c.oh)
		if got.W != c.ow || got.H != c.oh || got.C != c.c || len(got.Pix) != c.ow*c.oh*c.c {
			t.Fatalf("Resize %s to %dx%d gave %s", img, c.ow, c.oh, got)
		}
		want := referenceResize(img, c.ow, c.oh, float64(c.ow)/float64(c.w), float64(c.oh)/float64(c.h))
		worst := 0.0
		for i, v := range got.Pix {
			worst = math.Max(worst, math.Abs(float64(v)-want[i]))
		}
		if worst > 2e-6 {
			t.Errorf("Resize %s to %dx%d differs from the float64 reference by %g", img, c.ow, c.oh, worst)
		}
	}
}

// TestResizeMatchesReferenceLarge covers the parallel paths (many rows per
// goroutine) and the non-integer 3000 -> 1337 shrink.
func TestResizeMatchesReferenceLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	img := randomImage(3000, 40, 3, 7)
	for _, size := range [][2]int{{1337, 40}, {1337, 97}} {
		got := Resize(img, size[0], size[1])
		want := referenceResize(img, size[0], size[1], float64(size[0])/3000, float64(size[1])/40)
		worst := 0.0
		for i, v := range got.Pix {
			worst = math.Max(worst, math.Abs(float64(v)-want[i]))
		}
		if worst > 2e-6 {
			t.Errorf("Resize 3000x40 to %v differs from the reference by %g", size, worst)
		}
	}
}

func TestResizeConstantStaysConstant(t *testing.T) {
	for _, c := range []struct{ w, h, c, ow, oh int }{
		{17, 13, 3, 68, 52}, {68, 52, 3, 17, 13}, {3000, 2, 1, 1337, 5}, {1, 1, 3, 7, 9},
		{50, 40, 3, 3, 2}, {10, 10, 1, 10, 31},
	} {
		img := NewImage(c.w, c.h, c.c)
		for i := range img.Pix {
			img.Pix[i] = 0.3 - 0.5*float32(i%c.c)
		}
		got := Resize(img, c.ow, c.oh)
		for i, v := range got.Pix {
			if want := 0.3 - 0.5*float32(i%c.c); math.Abs(float64(v-want)) > 1e-6 {
				t.Fatalf("constant %s resized to %dx%d: value %d is %v, want %v", img, c.ow, c.oh, i, v, want)
			}
		}
	}
}

// TestResizeUpDownSmooth: x2 bicubic up then antialiased 1/2 down returns a
// smooth image almost unchanged.
func TestResizeUpDownSmooth(t *testing.T) {
	img := smoothImage(64, 48, 3)
	back := Resize(Resize(img, 128, 96), 64, 48)
	worst, sum := 0.0, 0.0
	for i, v := range back.Pix {
		d := math.Abs(float64(v - img.Pix[i]))
		worst = math.Max(worst, d)
		sum += d * d
	}
	rms := math.Sqrt(sum / float64(len(back.Pix)))
	t.Logf("x2 up then down of a smooth 64x48 image: max |diff| %.2g, rms %.2g (values span 1.6)", worst, rms)
	if worst > 5e-3 || rms > 1e-3 {
		t.Errorf("x2 up then down changed a smooth image: max |diff| %g, rms %g", worst, rms)
	}
}

func TestResizeScaleSizes(t *testing.T) {
	img := smoothImage(300, 512, 1)
	for _, c := range []struct {
		scale  float64
		ow, oh int
	}{
		{0.25, 75, 128}, {4, 1200, 2048}, {0.5, 150, 256},
		{1.0 / 3, 100, 171}, {1.5, 450, 768}, {0.001, 1, 1},
	} {
		got := ResizeScale(img, c.scale)
		if got.W != c.ow || got.H != c.oh {
			t.Errorf("ResizeScale(300x512, %v) = %dx%d, want %dx%d", c.scale, got.W, got.H, c.ow, c.oh)
		}
	}
	// MATLAB's ceil(scale*size) of the float64 product: 1.1*100 is
	// 110.00000000000001, so 111 pixels.
	if got := ResizeScale(NewImage(100, 1, 3), 1.1); got.W != 111 || got.H != 2 {
		t.Errorf("ResizeScale(100x1, 1.1) = %dx%d, want 111x2 as MATLAB", got.W, got.H)
	}
	// With an exact scale, ResizeScale and Resize to the same size agree.
	a, b := ResizeScale(img, 0.25), Resize(img, 75, 128)
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			t.Fatalf("ResizeScale(0.25) and Resize(75x128) differ at %d: %v vs %v", i, a.Pix[i], b.Pix[i])
		}
	}
}

func TestResizeIdentityIsACopy(t *testing.T) {
	img := randomImage(7, 5, 3, 3)
	got := Resize(img, 7, 5)
	for i := range img.Pix {
		if got.Pix[i] != img.Pix[i] {
			t.Fatalf("identity resize changed value %d", i)
		}
	}
	got.Pix[0] = 5
	if img.Pix[0] == 5 {
		t.Fatal("identity resize returned the input's pixels")
	}
}

func TestResizeBadArgumentsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"zero width":     func() { Resize(NewImage(4, 4, 3), 0, 4) },
		"negative h":     func() { Resize(NewImage(4, 4, 3), 4, -1) },
		"empty input":    func() { Resize(NewImage(0, 4, 3), 4, 4) },
		"nil":            func() { Resize(nil, 4, 4) },
		"short Pix":      func() { Resize(&Image{W: 4, H: 4, C: 3, Pix: make([]float32, 5)}, 2, 2) },
		"zero scale":     func() { ResizeScale(NewImage(4, 4, 3), 0) },
		"NaN scale":      func() { ResizeScale(NewImage(4, 4, 3), math.NaN()) },
		"infinite scale": func() { ResizeScale(NewImage(4, 4, 3), math.Inf(1)) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", name)
				} else if s, ok := r.(string); !ok || !strings.HasPrefix(s, "data.Resize") {
					t.Errorf("%s: panic %v does not name the function", name, r)
				}
			}()
			f()
		}()
	}
}

func TestVerticalFirstOrder(t *testing.T) {
	for _, c := range []struct {
		sx, sy float64
		want   bool
	}{
		{4, 4, true}, {0.25, 0.25, true}, // ties: rows (MATLAB dim 1) first
		{2, 0.5, true}, {0.5, 2, false}, {1, 0.9, true}, {0.9, 1, false},
	} {
		if got := verticalFirst(c.sx, c.sy); got != c.want {
			t.Errorf("verticalFirst(sx=%v, sy=%v) = %v, want %v", c.sx, c.sy, got, c.want)
		}
	}
}

func TestModCrop(t *testing.T) {
	img := randomImage(10, 7, 3, 9)
	got := ModCrop(img, 4)
	if got.W != 8 || got.H != 4 {
		t.Fatalf("ModCrop(10x7, 4) = %s, want 8x4", got)
	}
	for y := 0; y < 4; y++ {
		for x := 0; x < 8; x++ {
			for c := 0; c < 3; c++ {
				if got.At(x, y, c) != img.At(x, y, c) {
					t.Fatalf("ModCrop moved pixel (%d,%d)", x, y)
				}
			}
		}
	}
	if same := ModCrop(img, 1); same.W != 10 || same.H != 7 || &same.Pix[0] == &img.Pix[0] {
		t.Errorf("ModCrop(img, 1) should be a copy, got %s", same)
	}
	if tiny := ModCrop(NewImage(3, 9, 1), 4); tiny.W != 0 || tiny.H != 8 {
		t.Errorf("ModCrop(3x9, 4) = %s, want 0x8", tiny)
	}
}

func TestQuantize(t *testing.T) {
	level := func(k float64) float32 { return float32(k/127.5 - 1) }
	img := &Image{W: 12, H: 1, C: 1, Pix: []float32{
		level(0), level(255), level(100), // exact levels stay put
		0,              // level 127.5 exactly: half away from zero, 128
		level(100.499), // 100
		level(100.501), // 101
		level(0.501),   // 1
		level(-0.4),    // 0
		-1.5, 3,        // clamped to 0 and 255
		float32(math.NaN()), // MATLAB uint8(NaN) = 0
		level(254.7),        // 255
	}}
	want := []float32{level(0), level(255), level(100), level(128), level(100), level(101), level(1),
		level(0), level(0), level(255), level(0), level(255)}
	got := Quantize(img)
	for i := range want {
		if got.Pix[i] != want[i] {
			t.Errorf("Quantize value %d (%v): got level %.4f, want %.4f", i, img.Pix[i],
				(float64(got.Pix[i])+1)*127.5, (float64(want[i])+1)*127.5)
		}
	}
	// Every level survives a round trip, and Quantize is idempotent.
	all := NewImage(256, 1, 1)
	for k := range all.Pix {
		all.Pix[k] = level(float64(k))
	}
	q := Quantize(all)
	for k := range q.Pix {
		if q.Pix[k] != all.Pix[k] {
			t.Errorf("level %d moved to %v", k, (q.Pix[k]+1)*127.5)
		}
	}
}

// TestResizeSIMDMatchesScalar: the SIMD kernels (strips of 8 rows, 8-wide
// row sums) add the same products in the same order as the scalar ones, so
// the two paths agree bit for bit, including the ragged ends (row lengths
// and row counts that are not multiples of 8).
func TestResizeSIMDMatchesScalar(t *testing.T) {
	defer func() { forceScalar = false }()
	for _, c := range []struct{ w, h, c, ow, oh int }{
		{16, 16, 3, 64, 64}, {13, 21, 3, 52, 84}, {64, 40, 3, 16, 10}, {67, 45, 1, 17, 12},
		{9, 17, 1, 35, 70}, {100, 9, 3, 33, 9}, {5, 16, 3, 7, 16}, {3, 24, 1, 2, 24},
	} {
		img := randomImage(c.w, c.h, c.c, uint64(c.w+c.h))
		forceScalar = true
		want := Resize(img, c.ow, c.oh)
		forceScalar = false
		got := Resize(img, c.ow, c.oh)
		for i := range want.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Errorf("Resize %s to %dx%d: SIMD and scalar differ at %d: %v vs %v",
					img, c.ow, c.oh, i, got.Pix[i], want.Pix[i])
				break
			}
		}
	}
}

// TestFusedPassesMatchTwoPasses: the strip-fused vertical-then-horizontal
// path gives exactly the result of the two separate passes.
func TestFusedPassesMatchTwoPasses(t *testing.T) {
	defer func() { forceScalar = false }()
	for _, scalar := range []bool{false, true} {
		forceScalar = scalar
		for _, c := range []struct{ w, h, c, ow, oh int }{
			{16, 16, 3, 64, 64}, {13, 21, 3, 52, 84}, {64, 40, 3, 16, 10}, {67, 45, 1, 17, 12}, {9, 3, 3, 20, 13},
		} {
			img := randomImage(c.w, c.h, c.c, uint64(c.w*c.h))
			av := contributions(c.h, c.oh, float64(c.oh)/float64(c.h))
			ah := contributions(c.w, c.ow, float64(c.ow)/float64(c.w))
			want := resizeHorizontal(resizeVertical(img, av), ah)
			got := resizeVerticalThenHorizontal(img, av, ah)
			for i := range want.Pix {
				if got.Pix[i] != want.Pix[i] {
					t.Errorf("scalar=%v %s to %dx%d: fused and two-pass differ at %d", scalar, img, c.ow, c.oh, i)
					break
				}
			}
		}
	}
}
