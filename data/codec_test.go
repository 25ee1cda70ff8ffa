package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// --- fixtures generated in code -------------------------------------------

// rng is a deterministic source for test patterns.
func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// fillBytes fills p with random bytes, forcing the extremes 0 and 255 into
// the first two bytes so every mapping end is exercised.
func fillBytes(p []byte, seed uint64) {
	r := rng(seed)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	if len(p) >= 2 {
		p[0], p[1] = 0, 255
	}
}

func newGray(w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	fillBytes(m.Pix, 1)
	return m
}

func newGray16(w, h int) *image.Gray16 {
	m := image.NewGray16(image.Rect(0, 0, w, h))
	fillBytes(m.Pix, 2)
	return m
}

// newNRGBA is a random straight-alpha image; opaque forces alpha to 255.
// Otherwise alpha takes the values 0, 255 and random levels.
func newNRGBA(w, h int, opaque bool) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	fillBytes(m.Pix, 3)
	for i := 3; i < len(m.Pix); i += 4 {
		switch {
		case opaque || i%12 == 3:
			m.Pix[i] = 255
		case i%12 == 7:
			m.Pix[i] = 0
		}
	}
	return m
}

func newNRGBA64(w, h int, opaque bool) *image.NRGBA64 {
	m := image.NewNRGBA64(image.Rect(0, 0, w, h))
	fillBytes(m.Pix, 4)
	for i := 6; i < len(m.Pix); i += 8 {
		switch {
		case opaque || i%24 == 6:
			m.Pix[i], m.Pix[i+1] = 255, 255
		case i%24 == 14:
			m.Pix[i], m.Pix[i+1] = 0, 0
		}
	}
	return m
}

// newRGBA is a valid premultiplied image (colour <= alpha).
func newRGBA(w, h int, opaque bool) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	fillBytes(m.Pix, 5)
	for i := 0; i < len(m.Pix); i += 4 {
		a := m.Pix[i+3]
		if opaque || i%16 == 0 {
			a = 255
		}
		m.Pix[i+3] = a
		for c := range 3 {
			m.Pix[i+c] = byte(int(m.Pix[i+c]) * int(a) / 255)
		}
	}
	return m
}

// newPaletted has 200 colours; with transparent, entry 0 is fully
// transparent and entry 1 half transparent.
func newPaletted(w, h int, transparent bool) *image.Paletted {
	r := rng(6)
	pal := make(color.Palette, 200)
	for i := range pal {
		pal[i] = color.RGBA{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), 255}
	}
	pal[0] = color.RGBA{0, 0, 0, 255}
	pal[1] = color.RGBA{255, 255, 255, 255}
	if transparent {
		pal[0] = color.NRGBA{10, 20, 30, 0}
		pal[1] = color.NRGBA{200, 100, 50, 128}
	}
	m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i := range m.Pix {
		m.Pix[i] = byte(r.IntN(len(pal)))
	}
	m.Pix[0], m.Pix[1] = 0, 1
	return m
}

// greyPaletted is a paletted image whose palette holds only greys.
func greyPaletted(w, h int) *image.Paletted {
	m := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Gray{0}, color.Gray{77}, color.Gray{255}})
	for i := range m.Pix {
		m.Pix[i] = uint8(i % 3)
	}
	return m
}

// encodeWith encodes m with one of the standard encoders.
func encodeWith(t testing.TB, format string, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, m)
	case "jpeg":
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 100})
	case "gif":
		err = gif.Encode(&buf, m, nil)
	case "bmp":
		err = bmp.Encode(&buf, m)
	case "tiff":
		err = tiff.Encode(&buf, m, &tiff.Options{Compression: tiff.Deflate, Predictor: true})
	default:
		t.Fatalf("no encoder for %s", format)
	}
	if err != nil {
		t.Fatalf("encode %s: %v", format, err)
	}
	return buf.Bytes()
}

func mustDecode(t testing.TB, b []byte) *Decoded {
	t.Helper()
	d, err := Decode(bytes.NewReader(b), Limits{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return d
}

func mustEncode(t testing.TB, d *Decoded, opts EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, d, opts); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

// --- an oracle independent of the decoder's fast paths --------------------

// straightAt returns the straight (non-premultiplied) samples of m at (x,y)
// at the image's own depth, read through the public image API.
func straightAt(m image.Image, x, y int) (rgba [4]uint32, depth int) {
	switch m := m.(type) {
	case *image.Gray:
		v := uint32(m.GrayAt(x, y).Y)
		return [4]uint32{v, v, v, 255}, 8
	case *image.Gray16:
		v := uint32(m.Gray16At(x, y).Y)
		return [4]uint32{v, v, v, 65535}, 16
	case *image.NRGBA:
		c := m.NRGBAAt(x, y)
		return [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)}, 8
	case *image.NRGBA64:
		c := m.NRGBA64At(x, y)
		return [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)}, 16
	case *image.Paletted:
		if c, ok := m.Palette[m.ColorIndexAt(x, y)].(color.NRGBA); ok {
			return [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)}, 8
		}
	}
	c := color.NRGBA64Model.Convert(m.At(x, y)).(color.NRGBA64)
	depth = 16
	switch m.ColorModel() {
	case color.RGBAModel, color.NRGBAModel, color.GrayModel, color.YCbCrModel, color.CMYKModel:
		depth = 8
	}
	if _, ok := m.(*image.Paletted); ok {
		depth = 8
	}
	if depth == 8 {
		return [4]uint32{uint32(c.R >> 8), uint32(c.G >> 8), uint32(c.B >> 8), uint32(c.A >> 8)}, 8
	}
	return [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)}, 16
}

// valueOf is the documented mapping of a sample to [-1,1].
func valueOf(v uint32, depth int) float32 {
	half := 127.5
	if depth == 16 {
		half = 32767.5
	}
	return float32(float64(v)/half - 1)
}

// compareToSource checks every decoded value against src's straight
// samples; tol is in levels of the source depth (0 = exact). Colour is
// compared only where alpha is not 0 when premultipliedSrc (it is lost there).
func compareToSource(t *testing.T, d *Decoded, src image.Image, tol float64, premultipliedSrc bool) {
	t.Helper()
	b := src.Bounds()
	if d.Image.W != b.Dx() || d.Image.H != b.Dy() {
		t.Fatalf("decoded %v, source %v", d.Image, b)
	}
	half := 127.5
	if d.Depth == 16 {
		half = 32767.5
	}
	bad := 0
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			want, depth := straightAt(src, b.Min.X+x, b.Min.Y+y)
			if depth != d.Depth {
				t.Fatalf("depth %d, want %d", d.Depth, depth)
			}
			a := float32(1)
			if d.Alpha != nil {
				a = d.Alpha.At(x, y, 0)
			}
			check := func(what string, got float32, wantSample uint32) {
				if diff := math.Abs(float64(got-valueOf(wantSample, depth))) * half; diff > tol+1e-3 {
					if bad++; bad <= 5 {
						t.Errorf("(%d,%d) %s = %v, want %v (sample %d, off by %.2f levels)",
							x, y, what, got, valueOf(wantSample, depth), wantSample, diff)
					}
				}
			}
			check("alpha", a, want[3])
			if premultipliedSrc && want[3] == 0 {
				continue
			}
			for c := 0; c < d.Image.C; c++ {
				check("channel "+string(rune('0'+c)), d.Image.At(x, y, c), want[c])
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d mismatches in all", bad)
	}
}

// --- the mapping ------------------------------------------------------------

func TestSampleMappingExhaustive(t *testing.T) {
	for v := 0; v < 256; v++ {
		f := sample8Value(uint8(v))
		if want := float32(float64(v)/127.5 - 1); f != want {
			t.Fatalf("8-bit %d -> %v, want %v", v, f, want)
		}
		if got := valueToSample8(f); int(got) != v {
			t.Fatalf("8-bit %d -> %v -> %d", v, f, got)
		}
		if got := sample16to8Value(uint16(v) * 257); got != f {
			t.Fatalf("16-bit %d*257 -> %v, want %v", v, got, f)
		}
	}
	for v := 0; v < 65536; v++ {
		f := sample16Value(uint16(v))
		if f < -1 || f > 1 {
			t.Fatalf("16-bit %d -> %v outside [-1,1]", v, f)
		}
		if got := valueToSample16(f); int(got) != v {
			t.Fatalf("16-bit %d -> %v -> %d", v, f, got)
		}
	}
	if sample8Value(0) != -1 || sample8Value(255) != 1 || sample16Value(0) != -1 || sample16Value(65535) != 1 {
		t.Error("ends do not map to exactly -1 and 1")
	}
}

func TestSampleMappingAgreesWithQuantize(t *testing.T) {
	// Decoded 8-bit values are fixed points of Quantize (the bicubic
	// protocol's uint8 rounding), so the two halves of the package agree.
	m := NewImage(256, 1, 1)
	for v := range 256 {
		m.Pix[v] = sample8Value(uint8(v))
	}
	q := Quantize(m)
	for v := range 256 {
		if q.Pix[v] != m.Pix[v] {
			t.Fatalf("Quantize moves level %d: %v -> %v", v, m.Pix[v], q.Pix[v])
		}
	}
}

func TestEncodeRoundsAndClamps(t *testing.T) {
	tests := []struct {
		v    float32
		want uint8
	}{
		{-1, 0}, {1, 255}, {-5, 0}, {5, 255}, {float32(math.Inf(1)), 255}, {float32(math.Inf(-1)), 0},
		{float32(math.NaN()), 0}, {0, 128}, // 127.5 rounds half up
		{float32(100.4/127.5 - 1), 100}, {float32(100.6/127.5 - 1), 101},
	}
	for _, tc := range tests {
		if got := valueToSample8(tc.v); got != tc.want {
			t.Errorf("valueToSample8(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
	if valueToSample16(5) != 65535 || valueToSample16(-5) != 0 || valueToSample16(float32(math.NaN())) != 0 {
		t.Error("valueToSample16 does not clamp")
	}
}

// --- round trips per colour model, depth and format -------------------------

func TestRoundTrip(t *testing.T) {
	const w, h = 23, 17 // odd sizes catch stride and subsampling mistakes
	tests := []struct {
		name      string
		format    string      // encoder that makes the file
		src       image.Image // what the file holds
		wantC     int
		wantDepth int
		wantAlpha bool
		premul    bool    // source colour is premultiplied: exact only where opaque
		tol       float64 // levels; 0 = exact
	}{
		{"png gray8", "png", newGray(w, h), 1, 8, false, false, 0},
		{"png gray16", "png", newGray16(w, h), 1, 16, false, false, 0},
		{"png rgb8", "png", newNRGBA(w, h, true), 3, 8, false, false, 0},
		{"png rgba8", "png", newNRGBA(w, h, false), 3, 8, true, false, 0},
		{"png rgb16", "png", newNRGBA64(w, h, true), 3, 16, false, false, 0},
		{"png rgba16", "png", newNRGBA64(w, h, false), 3, 16, true, false, 0},
		{"png paletted", "png", newPaletted(w, h, false), 3, 8, false, false, 0},
		{"png paletted tRNS", "png", newPaletted(w, h, true), 3, 8, true, false, 0},
		{"tiff gray8", "tiff", newGray(w, h), 1, 8, false, false, 0},
		{"tiff gray16", "tiff", newGray16(w, h), 1, 16, false, false, 0},
		{"tiff rgba8 straight", "tiff", newNRGBA(w, h, false), 3, 8, true, false, 0},
		{"tiff rgba16 straight", "tiff", newNRGBA64(w, h, false), 3, 16, true, false, 0},
		{"tiff rgba8 premultiplied", "tiff", newRGBA(w, h, false), 3, 8, true, true, 1},
		{"tiff rgb8", "tiff", newRGBA(w, h, true), 3, 8, false, false, 0},
		{"tiff paletted", "tiff", newPaletted(w, h, false), 3, 8, false, false, 0},
		{"bmp rgb24", "bmp", newRGBA(w, h, true), 3, 8, false, false, 0},
		{"bmp grey palette", "bmp", newGray(w, h), 1, 8, false, false, 0},
		{"bmp paletted", "bmp", newPaletted(w, h, false), 3, 8, false, false, 0},
		{"gif paletted", "gif", newPaletted(w, h, false), 3, 8, false, false, 0},
		{"gif grey palette", "gif", greyPaletted(w, h), 1, 8, false, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := encodeWith(t, tc.format, tc.src)
			d := mustDecode(t, file)
			if d.Format != tc.format || d.Image.C != tc.wantC || d.Depth != tc.wantDepth || (d.Alpha != nil) != tc.wantAlpha {
				t.Fatalf("decoded format=%s C=%d depth=%d alpha=%v, want %s C=%d depth=%d alpha=%v",
					d.Format, d.Image.C, d.Depth, d.Alpha != nil, tc.format, tc.wantC, tc.wantDepth, tc.wantAlpha)
			}
			compareToSource(t, d, tc.src, tc.tol, tc.premul)

			// Re-encoding as PNG at the source depth keeps every sample:
			// decode -> encode is exact, grey stays grey, 16 bits stay 16.
			out := mustEncode(t, d, EncodeOptions{Format: "png"})
			again := mustDecode(t, out)
			if again.Image.C != d.Image.C || again.Depth != d.Depth || (again.Alpha != nil) != (d.Alpha != nil) {
				t.Fatalf("re-decoded C=%d depth=%d alpha=%v, want C=%d depth=%d alpha=%v",
					again.Image.C, again.Depth, again.Alpha != nil, d.Image.C, d.Depth, d.Alpha != nil)
			}
			assertSameValues(t, "image", again.Image, d.Image)
			if d.Alpha != nil {
				assertSameValues(t, "alpha", again.Alpha, d.Alpha)
			}
			m, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantC == 1 && !tc.wantAlpha {
				if _, ok := m.(*image.Gray); !ok && tc.wantDepth == 8 {
					t.Errorf("grey source written as %T", m)
				}
				if _, ok := m.(*image.Gray16); !ok && tc.wantDepth == 16 {
					t.Errorf("16-bit grey source written as %T", m)
				}
			}
			if !tc.premul && tc.tol == 0 {
				// Straight sources: the PNG holds the source's samples.
				compareToSource(t, mustDecode(t, out), tc.src, 0, false)
			}
		})
	}
}

// assertSameValues requires bit-identical images.
func assertSameValues(t *testing.T, what string, got, want *Image) {
	t.Helper()
	if got.W != want.W || got.H != want.H || got.C != want.C {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			t.Fatalf("%s: value %d = %v, want %v", what, i, got.Pix[i], want.Pix[i])
		}
	}
}

// rawPNG builds a PNG by hand (so it can hold colour types and headers Go's
// encoder never writes): rows are unfiltered raw scanlines without the
// filter byte; rows == nil writes no IDAT at all.
func rawPNG(w, h uint32, depth, colourType byte, rows [][]byte, extra ...[]byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), depth, colourType, 0, 0, 0}
	writePNGChunk(&buf, "IHDR", ihdr)
	for _, e := range extra {
		writePNGChunk(&buf, string(e[:4]), e[4:])
	}
	if rows != nil {
		var raw bytes.Buffer
		for _, r := range rows {
			raw.WriteByte(0)
			raw.Write(r)
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(raw.Bytes())
		zw.Close()
		writePNGChunk(&buf, "IDAT", z.Bytes())
		writePNGChunk(&buf, "IEND", nil)
	}
	return buf.Bytes()
}

func TestGreyAlphaPNG(t *testing.T) {
	for _, depth := range []byte{8, 16} {
		t.Run(string(rune('0'+depth/8)), func(t *testing.T) {
			const w, h = 5, 3
			bps := int(depth) / 8
			rows := make([][]byte, h)
			r := rng(7)
			for y := range rows {
				rows[y] = make([]byte, w*2*bps)
				for i := range rows[y] {
					rows[y][i] = byte(r.Uint32())
				}
			}
			rows[0][bps] = 0 // make sure some alpha is not opaque
			file := rawPNG(w, h, depth, 4, rows)
			d := mustDecode(t, file)
			if d.Image.C != 1 || d.Alpha == nil || d.Depth != int(depth) {
				t.Fatalf("grey+alpha PNG decoded as C=%d alpha=%v depth=%d", d.Image.C, d.Alpha != nil, d.Depth)
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					sample := func(i int) uint32 {
						if bps == 1 {
							return uint32(rows[y][i])
						}
						return uint32(rows[y][i])<<8 | uint32(rows[y][i+1])
					}
					g, a := sample(x*2*bps), sample(x*2*bps+bps)
					if got := d.Image.At(x, y, 0); got != valueOf(g, int(depth)) {
						t.Fatalf("(%d,%d) grey %v, want %v", x, y, got, valueOf(g, int(depth)))
					}
					if got := d.Alpha.At(x, y, 0); got != valueOf(a, int(depth)) {
						t.Fatalf("(%d,%d) alpha %v, want %v", x, y, got, valueOf(a, int(depth)))
					}
				}
			}
			out := mustEncode(t, d, EncodeOptions{})
			if out[25] != 4 || out[24] != depth {
				t.Errorf("written as colour type %d depth %d, want grey+alpha (4) at %d", out[25], out[24], depth)
			}
			again := mustDecode(t, out)
			assertSameValues(t, "grey", again.Image, d.Image)
			assertSameValues(t, "alpha", again.Alpha, d.Alpha)
			// The standard library reads our grey+alpha PNG the same way.
			m, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("image/png rejects our grey+alpha PNG: %v", err)
			}
			compareToSource(t, d, m, 0, false)
		})
	}
}

func TestGreyAlphaPNGLarge(t *testing.T) {
	// Large enough for several IDAT chunks and every filter type to win somewhere.
	const w, h = 300, 200
	img, alpha := NewImage(w, h, 1), NewImage(w, h, 1)
	r := rng(8)
	for y := range h {
		for x := range w {
			v := float32(math.Sin(float64(x)/9) * math.Cos(float64(y)/7))
			if y > h/2 {
				v = float32(r.Float64()*2 - 1) // noise
			}
			img.Set(x, y, 0, v)
			alpha.Set(x, y, 0, float32(x)/w*2-1)
		}
	}
	for _, depth := range []int{8, 16} {
		d := &Decoded{Image: img, Alpha: alpha, Depth: depth}
		out := mustEncode(t, d, EncodeOptions{Format: "png"})
		m, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		again := mustDecode(t, out)
		assertSameValues(t, "alpha", again.Alpha, quantized(alpha, depth))
		assertSameValues(t, "grey", again.Image, quantized(img, depth))
		if m.Bounds().Dx() != w {
			t.Fatal("wrong size")
		}
	}
}

// quantized is what encoding img at depth and decoding it gives.
func quantized(img *Image, depth int) *Image {
	out := img.Clone()
	for i, v := range out.Pix {
		if depth == 16 {
			out.Pix[i] = sample16Value(valueToSample16(v))
		} else {
			out.Pix[i] = sample8Value(valueToSample8(v))
		}
	}
	return out
}

func TestPNGGreyVariants(t *testing.T) {
	// 1-bit grey, and 8-bit grey with a tRNS key colour (Go decodes that to
	// NRGBA; the header says grey, so it stays grey, with alpha).
	one := rawPNG(8, 1, 1, 0, [][]byte{{0b10110001}})
	d := mustDecode(t, one)
	if d.Image.C != 1 || d.Depth != 8 || d.Alpha != nil {
		t.Fatalf("1-bit grey: C=%d depth=%d alpha=%v", d.Image.C, d.Depth, d.Alpha != nil)
	}
	want := []float32{1, -1, 1, 1, -1, -1, -1, 1}
	for i, v := range want {
		if d.Image.Pix[i] != v {
			t.Fatalf("1-bit grey pixel %d = %v, want %v", i, d.Image.Pix[i], v)
		}
	}
	keyed := rawPNG(3, 1, 8, 0, [][]byte{{7, 200, 7}}, []byte("tRNS\x00\x07"))
	d = mustDecode(t, keyed)
	if d.Image.C != 1 || d.Alpha == nil {
		t.Fatalf("keyed grey: C=%d alpha=%v, want grey with alpha", d.Image.C, d.Alpha != nil)
	}
	if d.Alpha.Pix[0] != -1 || d.Alpha.Pix[1] != 1 || d.Image.Pix[1] != sample8Value(200) {
		t.Errorf("keyed grey: alpha %v image %v", d.Alpha.Pix, d.Image.Pix)
	}
}

func TestJPEGRoundTrip(t *testing.T) {
	const w, h = 64, 48
	smooth := image.NewNRGBA(image.Rect(0, 0, w, h))
	grey := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			smooth.SetNRGBA(x, y, color.NRGBA{uint8(4 * x), uint8(5 * y), uint8(2*x + 2*y), 255})
			grey.SetGray(x, y, color.Gray{uint8(3*x + 2*y)})
		}
	}
	for _, tc := range []struct {
		name  string
		src   image.Image
		wantC int
	}{{"colour", smooth, 3}, {"grey", grey, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDecode(t, encodeWith(t, "jpeg", tc.src))
			if d.Format != "jpeg" || d.Image.C != tc.wantC || d.Depth != 8 || d.Alpha != nil {
				t.Fatalf("decoded %s C=%d depth=%d alpha=%v", d.Format, d.Image.C, d.Depth, d.Alpha != nil)
			}
			compareToSource(t, d, tc.src, 6, false)  // quality 100 on a smooth ramp
			out := mustEncode(t, d, EncodeOptions{}) // format "" keeps JPEG
			if !bytes.HasPrefix(out, []byte{0xff, 0xd8}) {
				t.Fatal("Encode with no format did not keep the JPEG source format")
			}
			again := mustDecode(t, out)
			if again.Image.C != tc.wantC {
				t.Fatalf("re-encoded JPEG has C=%d", again.Image.C)
			}
			compareToSource(t, again, tc.src, 8, false)
		})
	}
}

func TestJPEGQualityAndAlphaOverWhite(t *testing.T) {
	img := NewImage(16, 16, 3)
	alpha := NewImage(16, 16, 1)
	for i := range img.Pix {
		img.Pix[i] = -1 // black
	}
	for y := range 16 {
		for x := range 16 {
			switch {
			case x < 8:
				alpha.Set(x, y, 0, -1) // transparent: white
			default:
				alpha.Set(x, y, 0, 0) // half: mid grey
			}
		}
	}
	d := &Decoded{Image: img, Alpha: alpha, Depth: 8, Format: "png"}
	out := mustEncode(t, d, EncodeOptions{Format: "jpg", Quality: 90})
	got := mustDecode(t, out)
	if got.Alpha != nil || got.Image.C != 3 {
		t.Fatalf("JPEG decoded with alpha=%v C=%d", got.Alpha != nil, got.Image.C)
	}
	if v := got.Image.At(3, 8, 0); v < 0.97 {
		t.Errorf("transparent black composited to %v, want white (1)", v)
	}
	if v := got.Image.At(12, 8, 1); math.Abs(float64(v)) > 0.03 {
		t.Errorf("half-transparent black composited to %v, want mid grey (0)", v)
	}
	low := mustEncode(t, d, EncodeOptions{Format: "jpeg", Quality: 10})
	noisy := &Decoded{Image: NewImage(64, 64, 3), Depth: 8}
	r := rng(9)
	for i := range noisy.Image.Pix {
		noisy.Image.Pix[i] = float32(r.Float64()*2 - 1)
	}
	q10 := mustEncode(t, noisy, EncodeOptions{Format: "jpeg", Quality: 10})
	q95 := mustEncode(t, noisy, EncodeOptions{Format: "jpeg"})
	if len(q10) >= len(q95) {
		t.Errorf("quality 10 gave %d bytes, default (95) %d: quality is ignored", len(q10), len(q95))
	}
	_ = low
}

// bmpV4 writes m as a 32-bit BMP with a BITMAPV4HEADER, the header size at
// which readers honour the alpha byte (Go's encoder writes the older header).
func bmpV4(m *image.NRGBA) []byte {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	const hdr = 14 + 108
	b := make([]byte, hdr, hdr+4*w*h)
	le := binary.LittleEndian
	copy(b, "BM")
	le.PutUint32(b[2:], uint32(hdr+4*w*h))
	le.PutUint32(b[10:], hdr)
	le.PutUint32(b[14:], 108)
	le.PutUint32(b[18:], uint32(w))
	le.PutUint32(b[22:], uint32(h)) // positive: bottom-up rows
	le.PutUint16(b[26:], 1)
	le.PutUint16(b[28:], 32)
	for y := h - 1; y >= 0; y-- {
		for x := range w {
			c := m.NRGBAAt(x, y)
			b = append(b, c.B, c.G, c.R, c.A)
		}
	}
	return b
}

func TestBMPAlpha(t *testing.T) {
	src := newNRGBA(13, 7, false)
	d := mustDecode(t, bmpV4(src))
	if d.Format != "bmp" || d.Alpha == nil || d.Image.C != 3 || d.Depth != 8 {
		t.Fatalf("decoded %s alpha=%v C=%d depth=%d", d.Format, d.Alpha != nil, d.Image.C, d.Depth)
	}
	compareToSource(t, d, src, 0, false)
}

func TestGIFFirstFrame(t *testing.T) {
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 0, 0, 0}}
	frame := func(r image.Rectangle, idx uint8) *image.Paletted {
		m := image.NewPaletted(r, pal)
		for i := range m.Pix {
			m.Pix[i] = idx
		}
		return m
	}
	t.Run("full frames", func(t *testing.T) {
		var buf bytes.Buffer
		g := &gif.GIF{Image: []*image.Paletted{frame(image.Rect(0, 0, 6, 4), 0), frame(image.Rect(0, 0, 6, 4), 1)}, Delay: []int{10, 10}}
		if err := gif.EncodeAll(&buf, g); err != nil {
			t.Fatal(err)
		}
		d := mustDecode(t, buf.Bytes())
		if d.Image.W != 6 || d.Image.H != 4 || d.Alpha != nil {
			t.Fatalf("decoded %v alpha=%v", d.Image, d.Alpha != nil)
		}
		if r, b := d.Image.At(2, 2, 0), d.Image.At(2, 2, 2); r != 1 || b != -1 {
			t.Errorf("pixel is r=%v b=%v: not the first (red) frame", r, b)
		}
	})
	t.Run("frame smaller than screen", func(t *testing.T) {
		var buf bytes.Buffer
		g := &gif.GIF{
			Image:  []*image.Paletted{frame(image.Rect(2, 1, 4, 3), 1)},
			Delay:  []int{0},
			Config: image.Config{ColorModel: pal, Width: 6, Height: 4},
		}
		if err := gif.EncodeAll(&buf, g); err != nil {
			t.Fatal(err)
		}
		d := mustDecode(t, buf.Bytes())
		if d.Image.W != 6 || d.Image.H != 4 || d.Alpha == nil {
			t.Fatalf("decoded %v alpha=%v, want the 6x4 screen with transparency", d.Image, d.Alpha != nil)
		}
		if a := d.Alpha.At(0, 0, 0); a != -1 {
			t.Errorf("outside the frame alpha = %v, want transparent", a)
		}
		if a, b := d.Alpha.At(3, 2, 0), d.Image.At(3, 2, 2); a != 1 || b != 1 {
			t.Errorf("inside the frame alpha=%v blue=%v, want opaque blue", a, b)
		}
	})
}

func TestConvertSyntheticModels(t *testing.T) {
	// Types no test file here produces directly: checked against the
	// standard library's own colour conversions.
	r := image.Rect(0, 0, 9, 7)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	fillBytes(ycc.Y, 10)
	fillBytes(ycc.Cb, 11)
	fillBytes(ycc.Cr, 12)
	nycca := image.NewNYCbCrA(r, image.YCbCrSubsampleRatio422)
	fillBytes(nycca.Y, 13)
	fillBytes(nycca.Cb, 14)
	fillBytes(nycca.Cr, 15)
	fillBytes(nycca.A, 16)
	cmyk := image.NewCMYK(r)
	fillBytes(cmyk.Pix, 17)
	rgba64 := image.NewRGBA64(r)
	for i := 0; i < len(rgba64.Pix); i += 8 {
		a := uint16(i * 997)
		if i%32 == 0 {
			a = 0xffff
		}
		for c := range 3 {
			v := uint16(uint32(i*c*331) % (uint32(a) + 1))
			rgba64.Pix[i+2*c], rgba64.Pix[i+2*c+1] = byte(v>>8), byte(v)
		}
		rgba64.Pix[i+6], rgba64.Pix[i+7] = byte(a>>8), byte(a)
	}
	sub := newNRGBA(20, 20, false).SubImage(image.Rect(3, 4, 12, 11)) // non-zero origin
	tests := []struct {
		name   string
		m      image.Image
		alpha  bool
		depth  int
		premul bool
		tol    float64
	}{
		{"ycbcr", ycc, false, 8, false, 0},
		{"nycbcra", nycca, true, 8, false, 0},
		{"cmyk", cmyk, false, 8, false, 0},
		{"rgba64 premultiplied", rgba64, true, 16, true, 1},
		{"sub-image", sub, true, 8, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := fromGoImage(tc.m, false)
			if (d.Alpha != nil) != tc.alpha || d.Depth != tc.depth || d.Image.C != 3 {
				t.Fatalf("alpha=%v depth=%d C=%d", d.Alpha != nil, d.Depth, d.Image.C)
			}
			if tc.name == "nycbcra" {
				// Straight alpha: colour is the YCbCr colour, not premultiplied.
				for y := 0; y < 7; y++ {
					for x := 0; x < 9; x++ {
						c := nycca.NYCbCrAAt(x, y)
						rr, gg, bb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
						if d.Image.At(x, y, 0) != sample8Value(rr) || d.Image.At(x, y, 1) != sample8Value(gg) ||
							d.Image.At(x, y, 2) != sample8Value(bb) || d.Alpha.At(x, y, 0) != sample8Value(c.A) {
							t.Fatalf("(%d,%d) differs from color.YCbCrToRGB", x, y)
						}
					}
				}
				return
			}
			compareToSource(t, d, tc.m, tc.tol, tc.premul)
		})
	}
}

func TestPalettedSixteenBit(t *testing.T) {
	// TIFF palettes are 16-bit: a palette that is not exactly 8-bit keeps 16 bits.
	pal := color.Palette{color.RGBA64{0x1234, 0x5678, 0x9abc, 0xffff}, color.RGBA64{0, 0, 0, 0xffff}}
	m := image.NewPaletted(image.Rect(0, 0, 2, 1), pal)
	m.Pix[1] = 1
	d := fromGoImage(m, false)
	if d.Depth != 16 || d.Alpha != nil {
		t.Fatalf("depth %d alpha=%v", d.Depth, d.Alpha != nil)
	}
	if d.Image.Pix[0] != sample16Value(0x1234) || d.Image.Pix[3] != -1 {
		t.Errorf("values %v", d.Image.Pix)
	}
	// Out-of-range indices read as opaque black rather than panicking.
	m.Pix[1] = 9
	d = fromGoImage(m, false)
	if d.Image.Pix[3] != -1 || d.Alpha != nil {
		t.Errorf("out-of-range index gave %v alpha=%v", d.Image.Pix[3:], d.Alpha != nil)
	}
}

// --- encode options and files ------------------------------------------------

func TestEncodeDepthOption(t *testing.T) {
	d := mustDecode(t, encodeWith(t, "png", newNRGBA64(5, 4, true)))
	if d.Depth != 16 {
		t.Fatalf("depth %d", d.Depth)
	}
	for _, tc := range []struct {
		depth, wantBits int
	}{{0, 16}, {16, 16}, {8, 8}} {
		out := mustEncode(t, d, EncodeOptions{Format: "png", Depth: tc.depth})
		if int(out[24]) != tc.wantBits {
			t.Errorf("Depth %d wrote %d-bit PNG, want %d", tc.depth, out[24], tc.wantBits)
		}
	}
	// Zero Decoded.Depth (an image made in code) means 8.
	out := mustEncode(t, &Decoded{Image: NewImage(2, 2, 3)}, EncodeOptions{})
	if out[24] != 8 || out[25] != 2 {
		t.Errorf("default encode: depth %d colour type %d, want 8-bit RGB", out[24], out[25])
	}
}

func TestEncodeErrors(t *testing.T) {
	ok := NewImage(4, 3, 3)
	tests := []struct {
		name string
		d    *Decoded
		opts EncodeOptions
		want string
	}{
		{"nil", nil, EncodeOptions{}, "no image"},
		{"no image", &Decoded{}, EncodeOptions{}, "no image"},
		{"two channels", &Decoded{Image: NewImage(2, 2, 2)}, EncodeOptions{}, "2 channels"},
		{"short pix", &Decoded{Image: &Image{W: 4, H: 4, C: 3, Pix: make([]float32, 5)}}, EncodeOptions{}, "has 5 values"},
		{"empty", &Decoded{Image: &Image{C: 3}}, EncodeOptions{}, "invalid image size"},
		{"alpha size", &Decoded{Image: ok, Alpha: NewImage(3, 3, 1)}, EncodeOptions{}, "alpha is 3x3x1"},
		{"alpha channels", &Decoded{Image: ok, Alpha: NewImage(4, 3, 3)}, EncodeOptions{}, "alpha is 4x3x3"},
		{"format", &Decoded{Image: ok}, EncodeOptions{Format: "webp"}, "unsupported image format for writing"},
		{"quality", &Decoded{Image: ok}, EncodeOptions{Format: "jpeg", Quality: 101}, "quality 101"},
		{"png depth", &Decoded{Image: ok}, EncodeOptions{Format: "png", Depth: 12}, "depth 12"},
		{"jpeg depth", &Decoded{Image: ok}, EncodeOptions{Format: "jpeg", Depth: 16}, "JPEG is 8-bit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(io.Discard, tc.d, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEncodeFile(t *testing.T) {
	dir := t.TempDir()
	d := mustDecode(t, encodeWith(t, "png", newNRGBA(7, 5, false)))
	for _, name := range []string{"a.png", "b.JPG", "c.jpeg"} {
		path := filepath.Join(dir, name)
		if err := EncodeFile(path, d, EncodeOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := DecodeFile(path, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		wantFormat, _ := FormatFromPath(name)
		if got.Format != wantFormat {
			t.Errorf("%s holds %s", name, got.Format)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v", name, fi.Mode().Perm())
		}
	}
	// Explicit format wins over the extension.
	if err := EncodeFile(filepath.Join(dir, "x.png"), d, EncodeOptions{Format: "jpeg"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := DecodeFile(filepath.Join(dir, "x.png"), Limits{}); got == nil || got.Format != "jpeg" {
		t.Error("explicit Format ignored")
	}

	// Failures leave no file, no temp file, and an existing file intact.
	keep := filepath.Join(dir, "a.png")
	before, _ := os.ReadFile(keep)
	if err := EncodeFile(keep, &Decoded{Image: NewImage(2, 2, 2)}, EncodeOptions{}); err == nil ||
		!strings.Contains(err.Error(), keep) {
		t.Fatalf("err = %v, want an error naming %s", err, keep)
	}
	if after, _ := os.ReadFile(keep); !bytes.Equal(before, after) {
		t.Error("failed encode changed the existing file")
	}
	if err := EncodeFile(filepath.Join(dir, "out.bmp"), d, EncodeOptions{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("writing .bmp: err = %v, want ErrUnsupported", err)
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 4 {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %q, want a.png b.JPG c.jpeg x.png", names)
	}
}

func TestFormatFromPathAndIsImagePath(t *testing.T) {
	tests := []struct {
		path    string
		format  string // "" = error
		isImage bool
	}{
		{"a.png", "png", true}, {"A.PNG", "png", true}, {"dir.d/x.jpg", "jpeg", true},
		{"x.JPEG", "jpeg", true}, {"x.jpe", "", true}, {"x.gif", "", true}, {"x.bmp", "", true},
		{"x.tif", "", true}, {"x.TIFF", "", true}, {"x.webp", "", true}, {"x.txt", "", false},
		{"noext", "", false}, {"png", "", false}, {".x.png.123.tmp", "", false}, {"a.png/", "", false},
	}
	for _, tc := range tests {
		f, err := FormatFromPath(tc.path)
		if tc.format == "" {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("FormatFromPath(%q) = %q, %v; want ErrUnsupported", tc.path, f, err)
			}
		} else if f != tc.format || err != nil {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", tc.path, f, err, tc.format)
		}
		if got := IsImagePath(tc.path); got != tc.isImage {
			t.Errorf("IsImagePath(%q) = %v, want %v", tc.path, got, tc.isImage)
		}
	}
}
