package data

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

// exifTIFF builds the TIFF structure of an Exif block holding one
// Orientation entry (after a dummy entry), in the given byte order and
// field type (3 SHORT, 4 LONG).
func exifTIFF(bo binary.ByteOrder, orientation uint32, typ uint16) []byte {
	b := make([]byte, 8+2+2*12+4)
	if bo == binary.ByteOrder(binary.LittleEndian) {
		copy(b, "II*\x00")
	} else {
		copy(b, "MM\x00*")
	}
	bo.PutUint32(b[4:], 8)
	bo.PutUint16(b[8:], 2)
	e := b[10:]
	bo.PutUint16(e[0:], 0x010f) // Make, ASCII, pointing nowhere in particular
	bo.PutUint16(e[2:], 2)
	bo.PutUint32(e[4:], 4)
	e = b[22:]
	bo.PutUint16(e[0:], tagOrientation)
	bo.PutUint16(e[2:], typ)
	bo.PutUint32(e[4:], 1)
	if typ == 4 {
		bo.PutUint32(e[8:], orientation)
	} else {
		bo.PutUint16(e[8:], uint16(orientation))
	}
	return b
}

// app1 wraps a payload in an APP1 marker segment.
func app1(payload []byte) []byte {
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(2+len(payload)))
	return append(seg, payload...)
}

// withSegments inserts marker segments right after a JPEG's SOI.
func withSegments(jpegFile []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpegFile[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpegFile[2:]...)
}

// exifJPEG returns jpegFile with an Exif APP1 segment for orientation.
func exifJPEG(jpegFile []byte, orientation uint32) []byte {
	return withSegments(jpegFile, app1(append([]byte("Exif\x00\x00"), exifTIFF(binary.BigEndian, orientation, 3)...)))
}

func TestExifOrientationParser(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	valid := exifTIFF(be, 6, 3)
	tests := []struct {
		name string
		tiff []byte
		want int
	}{
		{"big-endian short", exifTIFF(be, 6, 3), 6},
		{"little-endian short", exifTIFF(le, 8, 3), 8},
		{"long", exifTIFF(le, 3, 4), 3},
		{"value 0", exifTIFF(be, 0, 3), 1},
		{"value 9", exifTIFF(be, 9, 3), 1},
		{"huge long", exifTIFF(be, 1<<31+6, 4), 1},
		{"wrong type", exifTIFF(be, 6, 7), 1},
		{"empty", nil, 1},
		{"bad magic", append([]byte("XX"), valid[2:]...), 1},
		{"truncated entry", valid[:30], 1},
		{"truncated header", valid[:7], 1},
		{"ifd offset past end", func() []byte { b := bytes.Clone(valid); be.PutUint32(b[4:], 1<<31); return b }(), 1},
		{"ifd offset into header", func() []byte { b := bytes.Clone(valid); be.PutUint32(b[4:], 2); return b }(), 1},
		{"entry count overflows", func() []byte { b := bytes.Clone(valid); be.PutUint16(b[8:], 0xffff); return b }(), 6},
		{"no entries", func() []byte { b := bytes.Clone(valid); be.PutUint16(b[8:], 0); return b }(), 1},
		{"count 0", func() []byte { b := bytes.Clone(valid); be.PutUint32(b[26:], 0); return b }(), 1},
	}
	for _, tc := range tests {
		if got := exifOrientation(tc.tiff); got != tc.want {
			t.Errorf("%s: orientation %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestJPEGExifScan(t *testing.T) {
	exif := app1(append([]byte("Exif\x00\x00"), exifTIFF(binary.LittleEndian, 5, 3)...))
	soi := []byte{0xff, 0xd8}
	app0 := []byte{0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	xmp := app1([]byte("http://ns.adobe.com/xap/1.0/\x00<x/>"))
	sos := []byte{0xff, 0xda, 0, 2}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		b    []byte
		want int
	}{
		{"exif first", cat(soi, exif, sos), 5},
		{"after APP0 and XMP", cat(soi, app0, xmp, exif, sos), 5},
		{"fill bytes", cat(soi, []byte{0xff, 0xff}, exif), 5},
		{"after RST-like standalone marker", cat(soi, []byte{0xff, 0xd0}, exif), 5},
		{"after SOS ignored", cat(soi, sos, exif), 1},
		{"after EOI ignored", cat(soi, []byte{0xff, 0xd9}, exif), 1},
		{"not a JPEG", cat([]byte{0x89, 'P'}, exif), 1},
		{"garbage between segments", cat(soi, []byte{0x00}, exif), 1},
		{"segment length past end", cat(soi, []byte{0xff, 0xe1, 0xff, 0xff, 'E'}), 1},
		{"segment length 0", cat(soi, []byte{0xff, 0xe1, 0, 0}, exif), 1},
		{"exif header only", cat(soi, app1([]byte("Exif\x00\x00"))), 1},
		{"only SOI", soi, 1},
	}
	for _, tc := range tests {
		if got := jpegEXIFOrientation(tc.b); got != tc.want {
			t.Errorf("%s: orientation %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestOrient(t *testing.T) {
	// Stored:  a b c      values 1..6
	//          d e f
	src := &Image{W: 3, H: 2, C: 1, Pix: []float32{1, 2, 3, 4, 5, 6}}
	tests := []struct {
		o    int
		w, h int
		want []float32
	}{
		{1, 3, 2, []float32{1, 2, 3, 4, 5, 6}},
		{2, 3, 2, []float32{3, 2, 1, 6, 5, 4}}, // mirror left-right
		{3, 3, 2, []float32{6, 5, 4, 3, 2, 1}}, // rotate 180
		{4, 3, 2, []float32{4, 5, 6, 1, 2, 3}}, // mirror top-bottom
		{5, 2, 3, []float32{1, 4, 2, 5, 3, 6}}, // transpose
		{6, 2, 3, []float32{4, 1, 5, 2, 6, 3}}, // rotate 90 CW
		{7, 2, 3, []float32{6, 3, 5, 2, 4, 1}}, // transverse
		{8, 2, 3, []float32{3, 6, 2, 5, 1, 4}}, // rotate 90 CCW
		{0, 3, 2, []float32{1, 2, 3, 4, 5, 6}}, // invalid: unchanged
		{9, 3, 2, []float32{1, 2, 3, 4, 5, 6}},
	}
	for _, tc := range tests {
		got := Orient(src, tc.o)
		if got.W != tc.w || got.H != tc.h {
			t.Errorf("orientation %d: %v, want %dx%d", tc.o, got, tc.w, tc.h)
			continue
		}
		for i := range tc.want {
			if got.Pix[i] != tc.want[i] {
				t.Errorf("orientation %d: %v, want %v", tc.o, got.Pix, tc.want)
				break
			}
		}
	}
	// Channels travel together.
	rgb := &Image{W: 2, H: 1, C: 3, Pix: []float32{1, 2, 3, 4, 5, 6}}
	got := Orient(rgb, 6)
	if got.W != 1 || got.H != 2 || got.Pix[0] != 1 || got.Pix[2] != 3 || got.Pix[3] != 4 {
		t.Errorf("RGB rotate: %v %v", got, got.Pix)
	}
}

// blocksImage is a w x h image of 16x16 solid blocks, colours cycling
// through a table, so every orientation of it is distinguishable.
func blocksImage(w, h int) *image.RGBA {
	colours := []color.RGBA{
		{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255},
		{255, 255, 255, 255}, {0, 0, 0, 255}, {255, 255, 0, 255},
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, colours[(y/16*(w/16)+x/16)%len(colours)])
		}
	}
	return m
}

func TestDecodeAppliesJPEGOrientation(t *testing.T) {
	plain := encodeWith(t, "jpeg", blocksImage(48, 32))
	base := mustDecode(t, plain)
	for o := uint32(1); o <= 8; o++ {
		d := mustDecode(t, exifJPEG(plain, o))
		assertSameValues(t, "orientation "+string(rune('0'+o)), d.Image, Orient(base.Image, int(o)))
		if o >= 5 && (d.Image.W != 32 || d.Image.H != 48) {
			t.Errorf("orientation %d: %v, want 32x48", o, d.Image)
		}
	}
	// An invalid Exif block is ignored, never an error.
	d := mustDecode(t, withSegments(plain, app1([]byte("Exif\x00\x00MM\x00*\xff\xff\xff\xff"))))
	assertSameValues(t, "bad exif", d.Image, base.Image)
}

// rawTIFF builds an uncompressed 8-bit grey TIFF with an Orientation tag.
func rawTIFF(w, h int, pix []byte, orientation uint16) []byte {
	type entry struct {
		tag, typ uint16
		val      uint32
	}
	entries := []entry{
		{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 0}, // strip offset, patched below
		{274, 3, uint32(orientation)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(len(pix))},
	}
	bo := binary.LittleEndian
	ifdLen := 2 + 12*len(entries) + 4
	b := make([]byte, 8+ifdLen, 8+ifdLen+len(pix))
	copy(b, "II*\x00")
	bo.PutUint32(b[4:], 8)
	bo.PutUint16(b[8:], uint16(len(entries)))
	for i, e := range entries {
		if e.tag == 273 {
			e.val = uint32(8 + ifdLen)
		}
		p := b[10+12*i:]
		bo.PutUint16(p, e.tag)
		bo.PutUint16(p[2:], e.typ)
		bo.PutUint32(p[4:], 1)
		if e.typ == 3 {
			bo.PutUint16(p[8:], uint16(e.val))
		} else {
			bo.PutUint32(p[8:], e.val)
		}
	}
	return append(b, pix...)
}

func TestDecodeAppliesTIFFOrientation(t *testing.T) {
	pix := []byte{10, 20, 30, 40, 50, 60}
	base := mustDecode(t, rawTIFF(3, 2, pix, 1))
	if base.Image.C != 1 || base.Image.At(2, 1, 0) != sample8Value(60) {
		t.Fatalf("hand-made TIFF decoded wrong: %v %v", base.Image, base.Image.Pix)
	}
	for o := uint16(2); o <= 8; o++ {
		d := mustDecode(t, rawTIFF(3, 2, pix, o))
		assertSameValues(t, "tiff orientation", d.Image, Orient(base.Image, int(o)))
	}
}
