package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// bombs are files whose headers claim huge images; none holds pixel data.
func bombs(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{
		"png": rawPNG(100000, 100000, 8, 6, nil),
	}

	// JPEG: patch the SOF0 dimensions of a real 8x8 file to 60000x60000.
	j := encodeWith(t, "jpeg", newGray(8, 8))
	i := bytes.Index(j, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 in Go's JPEG")
	}
	binary.BigEndian.PutUint16(j[i+5:], 60000) // height
	binary.BigEndian.PutUint16(j[i+7:], 60000) // width
	out["jpeg"] = j

	// GIF: logical screen 65535x65535 (header bytes 6..9).
	var g bytes.Buffer
	if err := gif.Encode(&g, greyPaletted(2, 2), nil); err != nil {
		t.Fatal(err)
	}
	gb := g.Bytes()
	binary.LittleEndian.PutUint16(gb[6:], 65535)
	binary.LittleEndian.PutUint16(gb[8:], 65535)
	out["gif"] = gb

	// BMP: width and height at offsets 18 and 22.
	b := encodeWith(t, "bmp", newRGBA(2, 2, true))
	binary.LittleEndian.PutUint32(b[18:], 100000)
	binary.LittleEndian.PutUint32(b[22:], 100000)
	out["bmp"] = b

	// TIFF: a real file whose first IFD claims 100000x100000 (big-endian
	// header, ImageWidth 256 and ImageLength 257 as LONGs).
	tf := []byte("MM\x00*\x00\x00\x00\x08")
	tf = append(tf, 0, 2)
	tf = append(tf, 1, 0, 0, 4, 0, 0, 0, 1, 0, 1, 0x86, 0xa0)
	tf = append(tf, 1, 1, 0, 4, 0, 0, 0, 1, 0, 1, 0x86, 0xa0)
	tf = append(tf, 0, 0, 0, 0)
	out["tiff"] = tf

	// WebP lossless: VP8L header packs width-1 and height-1 in 14 bits each;
	// 16384x16384 is above the default budget of 64 MP.
	w, err := os.ReadFile("testdata/gopher-doc.1bpp.lossless.webp")
	if err != nil {
		t.Fatal(err)
	}
	k := bytes.Index(w, []byte("VP8L"))
	bits := uint32(16383) | uint32(16383)<<14 | uint32(w[k+9+3]>>4)<<28 // keep alpha hint and version
	binary.LittleEndian.PutUint32(w[k+9:], bits)
	out["webp"] = w
	return out
}

func TestDecodeRefusesBombs(t *testing.T) {
	for format, file := range bombs(t) {
		t.Run(format, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			d, err := Decode(bytes.NewReader(file), Limits{})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Decode = %v, %v; want ErrTooLarge", d, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "above the limit of 64000000") || !strings.Contains(msg, format) {
				t.Errorf("error %q does not state the format, size and limit", msg)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
				t.Errorf("refusing the bomb allocated %d bytes", alloc)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	file := encodeWith(t, "png", newGray(11, 10))
	if _, err := Decode(bytes.NewReader(file), Limits{MaxPixels: 109}); !errors.Is(err, ErrTooLarge) ||
		!strings.Contains(err.Error(), "11x10 is 110 pixels, above the limit of 109") {
		t.Errorf("11x10 with limit 109: err = %v", err)
	}
	if _, err := Decode(bytes.NewReader(file), Limits{MaxPixels: 110}); err != nil {
		t.Errorf("11x10 with limit 110: %v", err)
	}
	if _, err := Decode(bytes.NewReader(file), Limits{MaxPixels: -1}); err != nil {
		t.Errorf("negative limit means the default: %v", err)
	}
}

func TestDecodeBadInput(t *testing.T) {
	pngFile := encodeWith(t, "png", newNRGBA(40, 30, false))
	jpegFile := encodeWith(t, "jpeg", newRGBA(40, 30, true))
	gifFile := encodeWith(t, "gif", newPaletted(40, 30, false))
	bmpFile := encodeWith(t, "bmp", newRGBA(40, 30, true))
	tiffFile := encodeWith(t, "tiff", newNRGBA(40, 30, false))
	webpFile, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file []byte
		is   error  // errors.Is target, or nil
		want string // substring of the message
	}{
		{"empty", nil, nil, "empty file"},
		{"garbage", []byte("this is not an image at all"), ErrUnsupported, "74 68 69 73"},
		{"one byte", []byte{0x89}, ErrUnsupported, "89"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), ErrUnsupported, "looks like SVG"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), ErrUnsupported, "looks like HEIF/HEIC"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), ErrUnsupported, "looks like AVIF"},
		{"psd", []byte("8BPS\x00\x01"), ErrUnsupported, "looks like Photoshop PSD"},
		{"png signature only", pngFile[:8], nil, "decode png: file is truncated"},
		{"png half", pngFile[:len(pngFile)/2], nil, "(file truncated or corrupt)"},
		{"png no IEND", pngFile[:len(pngFile)-12], nil, "decode png"},
		{"png bad crc", flip(pngFile, 29), nil, "decode png"},
		{"jpeg header only", jpegFile[:20], nil, "decode jpeg"},
		{"jpeg half", jpegFile[:len(jpegFile)/2], nil, "(file truncated or corrupt)"},
		{"gif half", gifFile[:len(gifFile)/2], nil, "decode gif"},
		{"bmp half", bmpFile[:len(bmpFile)/2], nil, "decode bmp: file is truncated"},
		{"tiff half", tiffFile[:len(tiffFile)/2], nil, "decode tiff"},
		{"webp half", webpFile[:len(webpFile)/2], nil, "decode webp"},
		{"zero size png", rawPNG(0, 5, 8, 0, nil), nil, "decode png"},
		{"bmp 16-bit variant", func() []byte { b := bytes.Clone(bmpFile); b[28] = 16; return b }(), ErrUnsupported, "decode bmp: unsupported BMP image"},
		{"png bad colour type", rawPNG(2, 2, 8, 5, nil), nil, "decode png"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode(bytes.NewReader(tc.file), Limits{})
			if err == nil {
				t.Fatalf("Decode succeeded: %v", d.Image)
			}
			t.Log(err)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// flip returns a copy of b with byte i inverted.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// panickyReader panics on the first read, like a decoder hitting a bug.
type panickyReader struct{}

func (panickyReader) Read([]byte) (int, error) { panic("boom") }

func TestDecodeReaderErrors(t *testing.T) {
	errDisk := errors.New("disk on fire")
	file := encodeWith(t, "png", newGray(64, 64))
	for _, n := range []int{0, 4, 40, len(file) / 2} {
		_, err := Decode(&failingReader{data: file[:n], err: errDisk}, Limits{})
		if !errors.Is(err, errDisk) {
			t.Errorf("read error after %d bytes: err = %v, want the reader's error", n, err)
		}
	}
	_, err := Decode(panickyReader{}, Limits{})
	if err == nil || !errors.Is(err, errDecoderPanic) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking read: err = %v, want a recovered panic", err)
	}
}

func TestDecodeReadsOnce(t *testing.T) {
	// The header is read once and replayed, so a non-seekable stream works
	// and nothing is read twice from the source.
	file := encodeWith(t, "png", newNRGBA(300, 200, false))
	cr := &countingReader{r: struct{ io.Reader }{bytes.NewReader(file)}}
	d, err := Decode(cr, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if cr.n > int64(len(file)) {
		t.Errorf("read %d bytes of a %d-byte file", cr.n, len(file))
	}
	if d.Image.W != 300 {
		t.Fatal("wrong size")
	}
}

func TestDecodeFileErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "broken.png")
	if err := os.WriteFile(garbage, []byte("nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.jpg")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bomb := filepath.Join(dir, "bomb.png")
	if err := os.WriteFile(bomb, rawPNG(100000, 100000, 8, 2, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		is   error
		want string
	}{
		{garbage, ErrUnsupported, "broken.png: unsupported image format"},
		{empty, nil, "empty.jpg: decode image: empty file"},
		{bomb, ErrTooLarge, "bomb.png: decode png: image too large: 100000x100000"},
		{filepath.Join(dir, "missing.png"), os.ErrNotExist, "missing.png"},
		{dir, nil, "not a regular file"},
	}
	for _, tc := range tests {
		_, err := DecodeFile(tc.path, Limits{})
		if err == nil {
			t.Errorf("%s: no error", tc.path)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: err = %v, want it to wrap %v", tc.path, err, tc.is)
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("err = %q, want it to name the path and contain %q", err, tc.want)
		}
	}
}

func TestDecodeUnregisteredFormatIsUnsupported(t *testing.T) {
	// A format some other package registers with image.RegisterFormat is
	// not one Decode knows how to convert: it must be refused cleanly.
	image.RegisterFormat("srcascade-test", "SRCTEST", func(io.Reader) (image.Image, error) {
		return nil, errors.New("unused")
	}, func(io.Reader) (image.Config, error) {
		return image.Config{Width: 1, Height: 1}, nil
	})
	_, err := Decode(strings.NewReader("SRCTEST...."), Limits{})
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported", err)
	}
}
