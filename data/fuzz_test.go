package data

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode. It must never panic (the
// package's own recover is switched off so bugs in our conversion code
// surface; panics inside the format decoders are still turned into errors),
// and whatever it accepts must be a well-formed Decoded that survives an
// exact PNG round trip at its own depth. Seeds: the committed fixtures,
// small files of every format, bombs, and truncated files.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".md" {
			f.Add(b)
		}
	}
	small := [][]byte{
		encodeWith(f, "png", newGray16(5, 3)),
		encodeWith(f, "png", newNRGBA(5, 3, false)),
		encodeWith(f, "png", newPaletted(5, 3, true)),
		encodeWith(f, "jpeg", newGray(9, 9)),
		encodeWith(f, "jpeg", newRGBA(9, 9, true)),
		encodeWith(f, "gif", newPaletted(6, 4, false)),
		encodeWith(f, "bmp", newRGBA(5, 3, true)),
		encodeWith(f, "tiff", newNRGBA64(5, 3, false)),
		encodeWith(f, "tiff", newRGBA(5, 3, false)),
		rawPNG(3, 2, 16, 4, [][]byte{make([]byte, 12), make([]byte, 12)}),
		rawTIFF(3, 2, []byte{1, 2, 3, 4, 5, 6}, 7),
		bmpV4(newNRGBA(3, 2, false)),
		exifJPEG(encodeWith(f, "jpeg", newRGBA(8, 8, true)), 8),
		rawPNG(100000, 100000, 8, 6, nil),
		withSegments(encodeWith(f, "jpeg", newRGBA(8, 8, true)), iccSegments(fakeICC(300, "RGB "), 128)...),
		withMetadataPNG(f, fakeICC(300, "RGB "), exifTIFF(binary.LittleEndian, 3, 3)),
	}
	for _, b := range small {
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)*9/10])
	}
	f.Add([]byte{})
	f.Add([]byte("GIF89a"))

	old := recoverPanics
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = old })

	const maxPixels = 1 << 16 // small, so each execution (and minimisation) stays fast
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(bytes.NewReader(b), Limits{MaxPixels: maxPixels})
		if err != nil {
			if d != nil {
				t.Fatal("Decode returned both a result and an error")
			}
			return
		}
		m := d.Image
		if m == nil || m.W <= 0 || m.H <= 0 || int64(m.W)*int64(m.H) > maxPixels ||
			(m.C != 1 && m.C != 3) || len(m.Pix) != m.W*m.H*m.C {
			t.Fatalf("malformed image %v (len %d)", m, len(m.Pix))
		}
		if d.ICC != nil && !isICCProfile(d.ICC) {
			t.Fatalf("kept ICC bytes that are not a profile")
		}
		if d.Depth != 8 && d.Depth != 16 {
			t.Fatalf("depth %d", d.Depth)
		}
		if a := d.Alpha; a != nil && (a.C != 1 || a.W != m.W || a.H != m.H || len(a.Pix) != m.W*m.H) {
			t.Fatalf("alpha %v does not match image %v", a, m)
		}
		for _, v := range m.Pix {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("value %v outside [-1,1]", v)
			}
		}
		var buf bytes.Buffer
		if err := Encode(&buf, d, EncodeOptions{Format: "png"}); err != nil {
			t.Fatalf("encode a decoded image: %v", err)
		}
		again, err := Decode(&buf, Limits{MaxPixels: maxPixels})
		if err != nil {
			t.Fatalf("decode our own PNG: %v", err)
		}
		if again.Depth != d.Depth || again.Image.C != m.C || (again.Alpha != nil) != (d.Alpha != nil) {
			t.Fatalf("PNG round trip changed depth/C/alpha: %d/%d/%v -> %d/%d/%v",
				d.Depth, m.C, d.Alpha != nil, again.Depth, again.Image.C, again.Alpha != nil)
		}
		assertSameValues(t, "png round trip", again.Image, m)
		if d.Alpha != nil {
			assertSameValues(t, "png round trip alpha", again.Alpha, d.Alpha)
		}
	})
}

// FuzzEXIF feeds arbitrary bytes to the EXIF parsers: no panics, results in
// 1..8, and the JPEG segment scanner agrees with the TIFF parser on the
// same bytes wrapped in an APP1 segment.
func FuzzEXIF(f *testing.F) {
	le, be := binary.LittleEndian, binary.BigEndian
	for o := uint32(0); o <= 9; o++ {
		f.Add(exifTIFF(be, o, 3))
		f.Add(exifTIFF(le, o, 4))
	}
	f.Add(exifTIFF(be, 6, 3)[:20])
	f.Add([]byte("MM\x00*\xff\xff\xff\xff"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\xff\xff"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0})
	f.Add(rawTIFF(2, 1, []byte{1, 2}, 3))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		o := exifOrientation(b)
		if o < 1 || o > 8 {
			t.Fatalf("exifOrientation = %d", o)
		}
		if j := jpegEXIFOrientation(b); j < 1 || j > 8 {
			t.Fatalf("jpegEXIFOrientation = %d", j)
		}
		if len(b) > 0xffff-8 {
			return
		}
		wrapped := append([]byte{0xff, 0xd8}, app1(append([]byte("Exif\x00\x00"), b...))...)
		if j := jpegEXIFOrientation(wrapped); j != o {
			t.Fatalf("in a JPEG: %d, bare: %d", j, o)
		}
	})
}

// withMetadataPNG is a small PNG written by Encode with an iCCP and an eXIf chunk.
func withMetadataPNG(t testing.TB, icc, exif []byte) []byte {
	var buf bytes.Buffer
	d := &Decoded{Image: NewImage(3, 2, 3), Depth: 8, ICC: icc, EXIF: exif}
	if err := Encode(&buf, d, EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
