package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srcascade/srcascade/data"
)

// TestGeneratedLRIsExactProtocol checks crop alignment when LR is made from
// HR: every item's LR is exactly Quantize(Resize(HR item)), and every HR
// item is one of the 8 symmetries of a window of the source image.
func TestGeneratedLRIsExactProtocol(t *testing.T) {
	for _, scale := range []int{2, 3, 4} {
		t.Run("x"+string(rune('0'+scale)), func(t *testing.T) {
			dir := t.TempDir()
			src := randomRGB8(37, 29, uint64(scale))
			writePNG(t, dir, "a.png", src.rgba())
			P := 4 * scale
			ds := loadT(t, DataOptions{HRDir: dir, Scale: scale, Patch: P, Batch: 6, Workers: 1}, nil)
			for i := int64(0); i < 4; i++ {
				b := batchT(t, ds, i)
				if b.N != 6 || b.HRSize != P || b.LRSize != 4 || b.C != 3 || b.CondNoise != nil {
					t.Fatalf("batch geometry %d %d %d %d, cond noise %v", b.N, b.HRSize, b.LRSize, b.C, b.CondNoise)
				}
				for k := 0; k < b.N; k++ {
					hr := &data.Image{W: P, H: P, C: 3, Pix: hrItem(b, k)}
					want := data.Quantize(data.Resize(hr, P/scale, P/scale))
					if !slices.Equal(lrItem(b, k), want.Pix) {
						t.Fatalf("batch %d item %d: LR is not Quantize(Resize(HR))", i, k)
					}
					if !isWindowOf(src, hrItem(b, k), P) {
						t.Fatalf("batch %d item %d: HR crop is no transformed window of the source", i, k)
					}
				}
			}
		})
	}
}

// isWindowOf reports whether crop (P x P floats) is a symmetry of some
// P x P window of m.
func isWindowOf(m *rgb8, crop []float32, P int) bool {
	buf := make([]float32, len(crop))
	for y := 0; y+P <= m.H; y++ {
		for x := 0; x+P <= m.W; x++ {
			for d := Dihedral(0); d < 8; d++ {
				m.cropFloat(buf, x, y, P, d)
				if slices.Equal(buf, crop) {
					return true
				}
			}
		}
	}
	return false
}

// pairDir writes an HR/LR pair folder where HR is the nearest-neighbour
// upscale of a random LR, so any misalignment or mismatched transform
// between the HR and LR crops shows as an HR pixel outside its LR block.
func pairDir(t *testing.T, scale int, sizes [][2]int) (hrDir, lrDir string) {
	hrDir, lrDir = t.TempDir(), t.TempDir()
	for i, sz := range sizes {
		lr := randomRGB8(sz[0], sz[1], uint64(100+i))
		name := string(rune('a'+i)) + ".png"
		writePNG(t, lrDir, name, lr.rgba())
		writePNG(t, hrDir, name, nearestUp8(lr, scale).rgba())
	}
	return hrDir, lrDir
}

// checkBlocks fails unless every HR item pixel equals its LR block's pixel.
func checkBlocks(t *testing.T, b *Batch, scale int) {
	t.Helper()
	P, L := b.HRSize, b.LRSize
	for k := 0; k < b.N; k++ {
		hr, lr := hrItem(b, k), lrItem(b, k)
		for y := 0; y < P; y++ {
			for x := 0; x < P; x++ {
				for c := 0; c < 3; c++ {
					if hr[(y*P+x)*3+c] != lr[((y/scale)*L+x/scale)*3+c] {
						t.Fatalf("item %d: HR (%d,%d) is not in its LR block: crops misaligned or transformed differently", k, x, y)
					}
				}
			}
		}
	}
}

func TestPairCropsAligned(t *testing.T) {
	for _, scale := range []int{2, 4} {
		hr, lr := pairDir(t, scale, [][2]int{{23, 17}, {9, 31}})
		ds := loadT(t, DataOptions{HRDir: hr, LRDir: lr, Scale: scale, Patch: 8 * scale, Batch: 8, Workers: 1}, nil)
		for i := int64(0); i < 20; i++ {
			checkBlocks(t, batchT(t, ds, i), scale)
		}
	}
}

// whichSymmetry returns the transform d with crop == d(whole m), or -1.
func whichSymmetry(m *rgb8, crop []float32) int {
	buf := make([]float32, len(crop))
	for d := Dihedral(0); d < 8; d++ {
		m.cropFloat(buf, 0, 0, m.W, d)
		if slices.Equal(buf, crop) {
			return int(d)
		}
	}
	return -1
}

// TestSameTransformForHRAndLR uses a pair whose HR is exactly one patch, so
// every item is the whole image under some symmetry: the symmetry found in
// the HR item and in the LR item must be the same, and all allowed ones
// must turn up.
func TestSameTransformForHRAndLR(t *testing.T) {
	tests := []struct {
		noFlip, noRotate bool
		want             int
	}{{false, false, 8}, {true, false, 4}, {false, true, 4}, {true, true, 1}}
	const scale = 4
	hrDir, lrDir := t.TempDir(), t.TempDir()
	lr := randomRGB8(4, 4, 9)
	hr := nearestUp8(lr, scale)
	writePNG(t, lrDir, "a.png", lr.rgba())
	writePNG(t, hrDir, "a.png", hr.rgba())
	for _, tc := range tests {
		ds := loadT(t, DataOptions{HRDir: hrDir, LRDir: lrDir, Scale: scale, Patch: 16, Batch: 16,
			NoFlip: tc.noFlip, NoRotate: tc.noRotate, Workers: 1}, nil)
		seen := map[int]int{}
		for i := int64(0); i < 8; i++ {
			b := batchT(t, ds, i)
			for k := 0; k < b.N; k++ {
				dh, dl := whichSymmetry(hr, hrItem(b, k)), whichSymmetry(lr, lrItem(b, k))
				if dh < 0 || dh != dl {
					t.Fatalf("noFlip=%v noRotate=%v: HR transform %d, LR transform %d", tc.noFlip, tc.noRotate, dh, dl)
				}
				seen[dh]++
			}
		}
		if len(seen) != tc.want {
			t.Errorf("noFlip=%v noRotate=%v: saw transforms %v, want %d kinds", tc.noFlip, tc.noRotate, seen, tc.want)
		}
	}
}

func TestCorruptFilesSkipped(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "good.png", randomRGBA(40, 40, 1))
	writeFile(t, dir, "bad.png", []byte("this is not a PNG at all"))
	good, _ := os.ReadFile(filepath.Join(dir, "good.png"))
	writeFile(t, dir, "sub/truncated.png", good[:len(good)/2])
	writeFile(t, dir, "empty.jpg", nil)
	writeFile(t, dir, "notes.txt", []byte("not an image, not reported"))
	writePNG(t, dir, ".hidden/x.png", randomRGBA(40, 40, 2))
	var log logRecorder
	ds := loadT(t, DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 2, Workers: 2}, &log)
	t.Logf("log:\n%s", log.String())
	st := ds.Stats()
	if st.Files != 4 || st.Images != 1 || st.Skipped != 3 {
		t.Errorf("stats %+v, want 4 files, 1 image, 3 skipped", st)
	}
	for _, name := range []string{"bad.png", "sub/truncated.png", "empty.jpg"} {
		if len(log.grep("skipping", name)) != 1 {
			t.Errorf("no skip message naming %s in log:\n%s", name, log.String())
		}
	}
	if len(log.grep("notes.txt")) != 0 || len(log.grep("x.png")) != 0 {
		t.Errorf("non-image or hidden file reported:\n%s", log.String())
	}
	if _, err := ds.Batch(0); err != nil {
		t.Fatal(err)
	}
}

func TestNothingUsableIsAnError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.png", []byte("garbage"))
	writePNG(t, dir, "small.png", randomRGBA(10, 30, 1))
	_, err := LoadDataset(context.Background(), DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 2}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{"no usable image", "bad.png", "small.png: 10x30 is smaller than the 16x16 patch"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
	if _, err := LoadDataset(context.Background(), DataOptions{HRDir: t.TempDir(), Scale: 4, Patch: 16, Batch: 2}, nil); err == nil || !strings.Contains(err.Error(), "no image files") {
		t.Errorf("empty folder: %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "f.png", randomRGBA(20, 20, 1))
	tests := []struct {
		name   string
		opt    DataOptions
		errHas string
	}{
		{"no HR", DataOptions{Scale: 4, Patch: 16, Batch: 1}, "no HR folder"},
		{"scale", DataOptions{HRDir: dir, Patch: 16, Batch: 1}, "scale 0"},
		{"patch not multiple", DataOptions{HRDir: dir, Scale: 4, Patch: 18, Batch: 1}, "patch 18"},
		{"batch", DataOptions{HRDir: dir, Scale: 4, Patch: 16}, "batch 0"},
		{"budget", DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 1, MemoryBudget: -1}, "memory budget"},
		{"downscale", DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 1, DownscaleHR: 0.5}, "pre-downscale"},
		{"degrade with LR", DataOptions{HRDir: dir, LRDir: dir, Scale: 4, Patch: 16, Batch: 1, Degrade: RealWorldDegrade()}, "cannot be used with an LR folder"},
		{"bad degrade", DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 1, Degrade: DegradeOptions{Noise: Degradation{Prob: 2}}}, "probability 2"},
		{"cond noise", DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 1, CondNoiseMax: math.NaN()}, "conditioning noise"},
		{"missing folder", DataOptions{HRDir: filepath.Join(dir, "nope"), Scale: 4, Patch: 16, Batch: 1}, "nope"},
		{"file, not folder", DataOptions{HRDir: filepath.Join(dir, "f.png"), Scale: 4, Patch: 16, Batch: 1}, "f.png is not a folder"},
	}
	for _, tc := range tests {
		_, err := LoadDataset(context.Background(), tc.opt, nil)
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.errHas)
		}
	}
}

func TestMemoryBudget(t *testing.T) {
	sizes := [][2]int{{200, 150}, {400, 300}, {60, 40}, {120, 90}}
	var full int64
	for _, s := range sizes {
		full += int64(s[0] * s[1] * 3)
	}
	dir := t.TempDir()
	for i, s := range sizes {
		writePNG(t, dir, string(rune('a'+i))+".png", randomRGBA(s[0], s[1], uint64(i)))
	}
	tests := []struct {
		name          string
		budget        int64
		images, kept  int // images loaded; images kept at full size
		skipMsg, logs string
	}{
		{"fits", full, 4, 4, "", ""},
		// Half the bytes: only the 400x300 image needs to shrink.
		{"largest shrink", full / 2, 4, 3, "", "b.png"},
		// 6496 px: all four are capped at ~1624 px, none under the patch.
		{"tight", 3 * (60*40 + 4*32*32), 4, 0, "", "downscaled"},
		// 3424 px: even at 32 px on the short side all four take 5664 px,
		// so the last in path order (c, d) are skipped.
		{"some skipped", 3 * (60*40 + 32*32), 2, 0, "memory budget", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log logRecorder
			ds := loadT(t, DataOptions{HRDir: dir, Scale: 4, Patch: 32, Batch: 2, MemoryBudget: tc.budget, Workers: 2}, &log)
			st := ds.Stats()
			var counted int64
			kept := 0
			for _, it := range ds.items {
				counted += it.hr.bytes()
				if it.hr.W < 32 || it.hr.H < 32 {
					t.Errorf("%s stored at %dx%d, under the patch", it.name, it.hr.W, it.hr.H)
				}
				src := sizes[it.name[0]-'a']
				if it.hr.W == src[0] && it.hr.H == src[1] {
					kept++
				} else if r0, r1 := float64(it.hr.W)/float64(src[0]), float64(it.hr.H)/float64(src[1]); math.Abs(r0-r1) > 0.02 {
					t.Errorf("%s: aspect changed: %dx%d from %dx%d", it.name, it.hr.W, it.hr.H, src[0], src[1])
				}
			}
			if counted != st.Bytes || counted > tc.budget {
				t.Errorf("counted %d bytes, stats %d, budget %d", counted, st.Bytes, tc.budget)
			}
			if st.Images != tc.images || kept != tc.kept {
				t.Errorf("%d images, %d at full size; want %d and %d\n%s", st.Images, kept, tc.images, tc.kept, log.String())
			}
			if tc.budget < full && float64(counted) < 0.9*float64(tc.budget) && tc.skipMsg == "" {
				t.Errorf("only %d of %d budget bytes used", counted, tc.budget)
			}
			if tc.skipMsg != "" && len(log.grep("skipping", tc.skipMsg)) == 0 {
				t.Errorf("no %q skip in log:\n%s", tc.skipMsg, log.String())
			}
			if tc.logs != "" && len(log.grep(tc.logs, "memory budget")) == 0 {
				t.Errorf("no budget message with %q in log:\n%s", tc.logs, log.String())
			}
		})
	}
}

func TestMemoryBudgetPairsCrop(t *testing.T) {
	const scale = 4
	hr, lr := pairDir(t, scale, [][2]int{{50, 40}, {20, 12}})
	full := int64(3 * (200*160 + 50*40 + 80*48 + 20*12))
	var log logRecorder
	ds := loadT(t, DataOptions{HRDir: hr, LRDir: lr, Scale: scale, Patch: 32, Batch: 4, MemoryBudget: full / 3, Workers: 1}, &log)
	st := ds.Stats()
	if st.Bytes > full/3 || st.Images != 2 || st.Shrunk != 1 {
		t.Fatalf("stats %+v (budget %d)", st, full/3)
	}
	a := ds.items[0]
	if a.hr.W != scale*a.lr.W || a.hr.H != scale*a.lr.H || a.hr.W%scale != 0 {
		t.Fatalf("cropped pair HR %dx%d, LR %dx%d", a.hr.W, a.hr.H, a.lr.W, a.lr.H)
	}
	if len(log.grep("a.png", "cropped")) != 1 {
		t.Errorf("crop not logged:\n%s", log.String())
	}
	for i := int64(0); i < 10; i++ {
		checkBlocks(t, batchT(t, ds, i), scale)
	}
}

func TestDownscaleHR(t *testing.T) {
	dir := t.TempDir()
	writeJPEG(t, dir, "photo.jpg", smoothRGBA(256, 192, 1))
	writePNG(t, dir, "clean.png", smoothRGBA(256, 192, 2))
	writeJPEG(t, dir, "small.jpg", smoothRGBA(80, 70, 3))
	writeJPEG(t, dir, "tiny.jpg", smoothRGBA(60, 50, 4))
	tests := []struct {
		factor                    float64
		photo, clean, small, tiny [2]int
	}{
		// Default 2, lossy only; never under 2*patch = 64 on the short side.
		{0, [2]int{128, 96}, [2]int{256, 192}, [2]int{73, 64}, [2]int{60, 50}},
		{1, [2]int{256, 192}, [2]int{256, 192}, [2]int{80, 70}, [2]int{60, 50}},
		{4, [2]int{85, 64}, [2]int{256, 192}, [2]int{73, 64}, [2]int{60, 50}},
	}
	for _, tc := range tests {
		ds := loadT(t, DataOptions{HRDir: dir, Scale: 4, Patch: 32, Batch: 2, DownscaleHR: tc.factor, Workers: 1}, nil)
		got := map[string][2]int{}
		for _, it := range ds.items {
			got[it.name] = [2]int{it.hr.W, it.hr.H}
		}
		want := map[string][2]int{"photo.jpg": tc.photo, "clean.png": tc.clean, "small.jpg": tc.small, "tiny.jpg": tc.tiny}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("DownscaleHR %g: %s stored at %v, want %v", tc.factor, k, got[k], v)
			}
		}
	}
}

func TestWebPLossySniff(t *testing.T) {
	chunk := func(id string, n int) []byte {
		b := append([]byte(id), byte(n), 0, 0, 0)
		return append(b, make([]byte, n+n&1)...)
	}
	riff := func(chunks ...[]byte) []byte {
		b := []byte("RIFF\x00\x00\x00\x00WEBP")
		for _, c := range chunks {
			b = append(b, c...)
		}
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"simple lossy", riff(chunk("VP8 ", 10)), true},
		{"simple lossless", riff(chunk("VP8L", 10)), false},
		{"extended lossy with alpha", riff(chunk("VP8X", 10), chunk("ALPH", 5), chunk("VP8 ", 10)), true},
		{"extended lossless", riff(chunk("VP8X", 10), chunk("ICCP", 7), chunk("VP8L", 4)), false},
		{"not webp", []byte("\x89PNG\r\n\x1a\n"), false},
	}
	for _, tc := range tests {
		if got := webpLossy(tc.b); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

// TestAreaWeighting checks that images are drawn in proportion to their
// area: a 128x128 image (dark) and a 64x64 one (bright), 4:1.
func TestAreaWeighting(t *testing.T) {
	dir := t.TempDir()
	big, small := randomRGB8(128, 128, 1), randomRGB8(64, 64, 2)
	for i := range big.Pix {
		big.Pix[i] /= 2
	}
	for i := range small.Pix {
		small.Pix[i] = 128 + small.Pix[i]/2
	}
	writePNG(t, dir, "big.png", big.rgba())
	writePNG(t, dir, "small.png", small.rgba())
	ds := loadT(t, DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 50, Workers: 1}, nil)
	var nBig, n int
	for i := int64(0); i < 40; i++ {
		b := batchT(t, ds, i)
		for k := 0; k < b.N; k++ {
			n++
			if hrItem(b, k)[0] < 0 {
				nBig++
			}
		}
	}
	if f := float64(nBig) / float64(n); f < 0.76 || f > 0.84 { // 0.8 +- 4.5 sigma
		t.Errorf("big image drawn %.3f of the time, want 0.8", f)
	}
}

func TestCondNoise(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", smoothRGBA(64, 64, 1))
	const maxLevel = 0.3
	ds := loadT(t, DataOptions{HRDir: dir, Scale: 2, Patch: 32, Batch: 8, CondNoiseMax: maxLevel, Workers: 1}, nil)
	var levels []float32
	for i := int64(0); i < 4; i++ {
		b := batchT(t, ds, i)
		if len(b.CondNoise) != b.N {
			t.Fatalf("CondNoise has %d levels for %d items", len(b.CondNoise), b.N)
		}
		for k := 0; k < b.N; k++ {
			level := b.CondNoise[k]
			if level < 0 || level > maxLevel {
				t.Fatalf("level %g outside [0,%g]", level, maxLevel)
			}
			levels = append(levels, level)
			hr := &data.Image{W: 32, H: 32, C: 3, Pix: hrItem(b, k)}
			clean := data.Quantize(data.Resize(hr, 16, 16))
			var ss float64
			for j, v := range lrItem(b, k) {
				d := float64(v - clean.Pix[j])
				ss += d * d
			}
			std := math.Sqrt(ss / float64(len(clean.Pix)))
			if math.Abs(std-float64(level)) > 0.15*float64(level)+1e-6 {
				t.Errorf("item with level %.3f: LR deviates from the clean LR by std %.3f", level, std)
			}
		}
	}
	clean := 0
	for _, l := range levels {
		if l == 0 {
			clean++
		}
	}
	// Half the inputs stay clean (a binomial count of 32 draws: 16 +- 2.8).
	if clean < 8 || clean > 24 {
		t.Errorf("%d of %d inputs clean, want about half", clean, len(levels))
	}
	slices.Sort(levels)
	if levels[clean] > 0.1*maxLevel || levels[len(levels)-1] < 0.9*maxLevel {
		t.Errorf("noisy levels not spread over [0,%g]: %v", maxLevel, levels[clean:])
	}
}

func TestDeterminism(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", randomRGBA(90, 70, 1))
	writePNG(t, dir, "b/c.png", randomRGBA(50, 80, 2))
	stream := func(opt DataOptions, n int) []*Batch {
		opt.HRDir, opt.Scale, opt.Patch, opt.Batch = dir, 4, 16, 3
		opt.Degrade = RealWorldDegrade()
		opt.CondNoiseMax = 0.1
		src, err := NewSource(context.Background(), opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var out []*Batch
		for range n {
			b, err := src.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	same := func(a, b *Batch) bool {
		return slices.Equal(a.HR, b.HR) && slices.Equal(a.LR, b.LR) && slices.Equal(a.CondNoise, b.CondNoise)
	}
	ref := stream(DataOptions{Seed: 7, Workers: 1}, 8)
	tests := []struct {
		name string
		opt  DataOptions
		skip int  // ref batches the stream starts after
		want bool // equal to ref
	}{
		{"same seed, one worker", DataOptions{Seed: 7, Workers: 1}, 0, true},
		{"same seed, three workers", DataOptions{Seed: 7, Workers: 3, Prefetch: 5}, 0, true},
		{"resumed at batch 5", DataOptions{Seed: 7, Workers: 2, StartBatch: 5}, 5, true},
		{"other seed", DataOptions{Seed: 8, Workers: 1}, 0, false},
	}
	for _, tc := range tests {
		got := stream(tc.opt, len(ref)-tc.skip)
		for i, b := range got {
			if same(b, ref[i+tc.skip]) != tc.want {
				t.Errorf("%s: batch %d equal to the reference: %v, want %v", tc.name, i+tc.skip, !tc.want, tc.want)
			}
		}
	}
	for i := 1; i < len(ref); i++ {
		if same(ref[i], ref[0]) {
			t.Errorf("batches 0 and %d are identical", i)
		}
	}
}

// settledGoroutines waits until the goroutine count is at most n (the
// runtime takes a moment to reap exited goroutines) and returns the count.
func settledGoroutines(n int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", randomRGBA(64, 64, 1))
	before := runtime.NumGoroutine()
	for _, workers := range []int{1, 4} {
		src, err := NewSource(context.Background(), DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 4, Workers: workers}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Let the workers fill their buffers and block on the send.
		time.Sleep(50 * time.Millisecond)
		if runtime.NumGoroutine() < before+workers {
			t.Errorf("%d workers not running", workers)
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if err := src.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := src.Next(context.Background()); !errors.Is(err, ErrSourceClosed) {
			t.Errorf("Next after Close: %v", err)
		}
		if g := settledGoroutines(before); g > before {
			t.Errorf("%d workers: %d goroutines after Close, %d before", workers, g, before)
		}
	}
}

func TestCancelStopsWorkers(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", randomRGBA(64, 64, 1))
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	src, err := NewSource(ctx, DataOptions{HRDir: dir, Scale: 4, Patch: 16, Batch: 4, Workers: 2, Prefetch: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	// Drain what was prefetched; a cancelled Next ctx returns its error
	// once nothing is ready.
	for i := 0; i < 10; i++ {
		if _, err := src.Next(short); err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Next with cancelled ctx: %v", err)
			}
			break
		}
	}
	cancel()
	if g := settledGoroutines(before); g > before {
		t.Errorf("%d goroutines after the source's ctx was cancelled, %d before", g, before)
	}
}

func TestCorruptLRSkipped(t *testing.T) {
	hr, lr := pairDir(t, 2, [][2]int{{20, 20}, {20, 20}})
	writeFile(t, lr, "b.png", []byte("garbage"))
	var log logRecorder
	ds := loadT(t, DataOptions{HRDir: hr, LRDir: lr, Scale: 2, Patch: 16, Batch: 2, Workers: 1}, &log)
	if st := ds.Stats(); st.Images != 1 || st.Skipped != 1 {
		t.Fatalf("stats %+v", st)
	}
	if len(log.grep("skipping b.png: its LR file: ", filepath.Join(lr, "b.png"))) != 1 {
		t.Errorf("corrupt LR not reported:\n%s", log.String())
	}
}

func TestLoadCancelled(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "a.png", randomRGBA(20, 20, 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadDataset(ctx, DataOptions{HRDir: dir, Scale: 2, Patch: 16, Batch: 2}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
