package train

import (
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// randomRGBA is a w x h image of uniform random colours (asymmetric under
// every flip and rotation, with all frequencies present).
func randomRGBA(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		if i%4 == 3 {
			m.Pix[i] = 255
		} else {
			m.Pix[i] = uint8(rng.IntN(256))
		}
	}
	return m
}

// smoothRGBA is a w x h image of smooth gradients plus mild texture, like a
// photo: JPEG and resizing behave on it as on real images.
func smoothRGBA(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 2))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := rng.IntN(24)
			m.Set(x, y, color.RGBA{
				uint8(40 + 150*x/w + n), uint8(30 + 160*y/h + n), uint8(90 + 60*(x+y)/(w+h) + n), 255})
		}
	}
	return m
}

// nearestUp upsamples m by s with nearest neighbour: each pixel of m
// becomes an s x s block, so m is exactly the block-subsampling of the
// result and any alignment error between HR and LR crops shows.
func nearestUp(m *image.RGBA, s int) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()*s, b.Dy()*s))
	for y := 0; y < b.Dy()*s; y++ {
		for x := 0; x < b.Dx()*s; x++ {
			out.Set(x, y, m.At(x/s, y/s))
		}
	}
	return out
}

// writePNG writes m to dir/name, creating folders.
func writePNG(t testing.TB, dir, name string, m image.Image) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeJPEG writes m to dir/name at quality 90.
func writeJPEG(t testing.TB, dir, name string, m image.Image) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeFile writes raw bytes to dir/name.
func writeFile(t testing.TB, dir, name string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// logRecorder collects log lines.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) log(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

// grep returns the lines containing every one of subs.
func (l *logRecorder) grep(subs ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, line := range l.lines {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// loadT loads a dataset or fails the test.
func loadT(t testing.TB, opt DataOptions, log *logRecorder) *Dataset {
	t.Helper()
	var f func(string)
	if log != nil {
		f = log.log
	}
	ds, err := LoadDataset(context.Background(), opt, f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// batchT makes batch i or fails the test.
func batchT(t testing.TB, ds *Dataset, i int64) *Batch {
	t.Helper()
	b, err := ds.Batch(i)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hrItem and lrItem are item k of a batch as images.
func hrItem(b *Batch, k int) []float32 {
	n := b.HRSize * b.HRSize * b.C
	return b.HR[k*n : (k+1)*n]
}

func lrItem(b *Batch, k int) []float32 {
	n := b.LRSize * b.LRSize * b.C
	return b.LR[k*n : (k+1)*n]
}

// rgba converts m to an opaque image.RGBA, for writing test files.
func (m *rgb8) rgba() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i := 0; i < m.W*m.H; i++ {
		copy(out.Pix[4*i:4*i+3], m.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}

// rgb8Of drops the alpha of m.
func rgb8Of(m *image.RGBA) *rgb8 {
	b := m.Bounds()
	out := &rgb8{W: b.Dx(), H: b.Dy(), Pix: make([]uint8, 0, b.Dx()*b.Dy()*3)}
	for i := 0; i < out.W*out.H; i++ {
		out.Pix = append(out.Pix, m.Pix[4*i:4*i+3]...)
	}
	return out
}
