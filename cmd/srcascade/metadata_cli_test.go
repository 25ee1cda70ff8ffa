package main

import (
	"bytes"
	"compress/zlib"
	bin "encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// testICCProfile is a fake RGB ICC profile of n bytes: a valid header
// (size, "RGB " colour space, "acsp" signature) and patterned bytes.
func testICCProfile(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	bin.BigEndian.PutUint32(p, uint32(n))
	copy(p[12:], "mntr")
	copy(p[16:], "RGB ")
	copy(p[20:], "XYZ ")
	copy(p[36:], "acsp")
	return p
}

// testEXIF is a big-endian EXIF TIFF structure with Make "Canon",
// Orientation, an Exif IFD holding PixelX/YDimension (w x h) and an IFD1
// (thumbnail) link.
func testEXIF(orientation uint16, w, h uint32) []byte {
	bo := bin.BigEndian
	b := make([]byte, 200)
	copy(b, "MM\x00*")
	bo.PutUint32(b[4:], 8)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		bo.PutUint16(b[at:], tag)
		bo.PutUint16(b[at+2:], typ)
		bo.PutUint32(b[at+4:], count)
		if typ == 3 {
			bo.PutUint16(b[at+8:], uint16(value))
		} else {
			bo.PutUint32(b[at+8:], value)
		}
	}
	// IFD0 at 8: 3 entries, next IFD (IFD1) at 120.
	bo.PutUint16(b[8:], 3)
	entry(10, 0x010f, 2, 6, 100) // Make -> "Canon\0" at 100
	entry(22, 0x0112, 3, 1, uint32(orientation))
	entry(34, 0x8769, 4, 1, 60) // Exif IFD at 60
	bo.PutUint32(b[46:], 120)
	// Exif IFD at 60: 2 entries, no next.
	bo.PutUint16(b[60:], 2)
	entry(62, 0xa002, 3, 1, w)
	entry(74, 0xa003, 3, 1, h)
	copy(b[100:], "Canon\x00")
	// IFD1 at 120: one entry (Compression), no next.
	bo.PutUint16(b[120:], 1)
	entry(122, 0x0103, 3, 1, 6)
	return b
}

// exifTag reads a single SHORT/LONG tag from IFD0 (sub = false) or the Exif
// IFD (sub = true) of a big- or little-endian TIFF structure.
func exifTag(t *testing.T, tiff []byte, sub bool, tag uint16) (uint32, bool) {
	t.Helper()
	var bo bin.ByteOrder = bin.BigEndian
	if tiff[0] == 'I' {
		bo = bin.LittleEndian
	}
	ifd := bo.Uint32(tiff[4:])
	if sub {
		v, ok := exifTag(t, tiff, false, 0x8769)
		if !ok {
			t.Fatal("no Exif IFD")
		}
		ifd = v
	}
	n := uint32(bo.Uint16(tiff[ifd:]))
	for k := range n {
		e := tiff[ifd+2+12*k:]
		if bo.Uint16(e) != tag {
			continue
		}
		if bo.Uint16(e[2:]) == 3 {
			return uint32(bo.Uint16(e[8:])), true
		}
		return bo.Uint32(e[8:]), true
	}
	return 0, false
}

// ifd1Link is the offset of IFD1 (the thumbnail) in a TIFF structure; 0 = none.
func ifd1Link(tiff []byte) uint32 {
	var bo bin.ByteOrder = bin.BigEndian
	if tiff[0] == 'I' {
		bo = bin.LittleEndian
	}
	ifd := bo.Uint32(tiff[4:])
	n := uint32(bo.Uint16(tiff[ifd:]))
	return bo.Uint32(tiff[ifd+2+12*n:])
}

// jpegSegments lists a JPEG's marker segments before the scan: marker and payload.
func jpegSegments(t *testing.T, b []byte) (markers []byte, payloads [][]byte) {
	t.Helper()
	for i := 2; i+4 <= len(b) && b[i] == 0xff && b[i+1] != 0xda; {
		n := int(bin.BigEndian.Uint16(b[i+2:]))
		markers = append(markers, b[i+1])
		payloads = append(payloads, b[i+4:i+2+n])
		i += 2 + n
	}
	return markers, payloads
}

// pngChunk returns the payload of the first chunk of kind in a PNG file.
func pngChunk(b []byte, kind string) []byte {
	for i := 8; i+8 <= len(b); {
		n := int(bin.BigEndian.Uint32(b[i:]))
		if string(b[i+4:i+8]) == kind {
			return b[i+8 : i+8+n]
		}
		i += 12 + n
	}
	return nil
}

// writeJPEGWithMetadata writes a w x h JPEG carrying exif in APP1 and icc
// split over APP2 segments of at most 60,000 bytes, as cameras and
// Photoshop do.
func writeJPEGWithMetadata(t *testing.T, path string, w, h int, icc, exif []byte) {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(10 * x), uint8(10 * y), 128, 255})
		}
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	seg := func(marker byte, payload []byte) []byte {
		n := len(payload) + 2
		return append([]byte{0xff, marker, byte(n >> 8), byte(n)}, payload...)
	}
	out := append([]byte{}, enc.Bytes()[:2]...)
	out = append(out, seg(0xe1, append([]byte("Exif\x00\x00"), exif...))...)
	const part = 60000
	count := (len(icc) + part - 1) / part
	for i := range count {
		p := append([]byte("ICC_PROFILE\x00"), byte(i+1), byte(count))
		out = append(out, seg(0xe2, append(p, icc[i*part:min(len(icc), (i+1)*part)]...))...)
	}
	out = append(out, enc.Bytes()[2:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUpscaleKeepsICCAndEXIF is issue 12's item 8: a JPEG with a
// three-segment ICC profile and EXIF (orientation 6) upscaled to PNG and to
// JPEG keeps the profile byte for byte and the EXIF, with orientation 1
// (it is applied to the pixels), the pixel dimensions of the output and no
// thumbnail.
func TestUpscaleKeepsICCAndEXIF(t *testing.T) {
	dir := t.TempDir()
	icc := testICCProfile(150_000)
	writeJPEGWithMetadata(t, filepath.Join(dir, "photo.jpg"), 24, 16, icc, testEXIF(6, 24, 16))
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "2", "photo.jpg").expectCode(t, 0)
	runCLI(t, dir, "upscale", "-q", "-m", "bicubic", "-s", "2", "-o", "out.jpg", "photo.jpg").expectCode(t, 0)

	checkEXIF := func(name string, exif []byte) {
		t.Helper()
		if exif == nil {
			t.Fatalf("%s: no EXIF", name)
		}
		if o, _ := exifTag(t, exif, false, 0x0112); o != 1 {
			t.Errorf("%s: orientation %d, want 1", name, o)
		}
		// Rotated by 90 degrees and doubled: 16x24 -> 32x48.
		if x, _ := exifTag(t, exif, true, 0xa002); x != 32 {
			t.Errorf("%s: PixelXDimension %d, want 32", name, x)
		}
		if y, _ := exifTag(t, exif, true, 0xa003); y != 48 {
			t.Errorf("%s: PixelYDimension %d, want 48", name, y)
		}
		if l := ifd1Link(exif); l != 0 {
			t.Errorf("%s: thumbnail IFD still linked at %d", name, l)
		}
		if !bytes.Contains(exif, []byte("Canon\x00")) {
			t.Errorf("%s: camera make lost", name)
		}
	}

	png, err := os.ReadFile(filepath.Join(dir, "photo_x2.png"))
	if err != nil {
		t.Fatal(err)
	}
	iccp := pngChunk(png, "iCCP")
	if iccp == nil {
		t.Fatal("photo_x2.png: no iCCP chunk")
	}
	name, rest, _ := bytes.Cut(iccp, []byte{0})
	if len(name) == 0 || len(rest) < 1 || rest[0] != 0 {
		t.Fatalf("photo_x2.png: malformed iCCP header %q", iccp[:min(len(iccp), 20)])
	}
	z, err := zlib.NewReader(bytes.NewReader(rest[1:]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(z)
	if err != nil || !bytes.Equal(got, icc) {
		t.Fatalf("photo_x2.png: ICC profile differs (%d bytes, want %d; %v)", len(got), len(icc), err)
	}
	checkEXIF("photo_x2.png", pngChunk(png, "eXIf"))
	if m, _ := readImage(t, filepath.Join(dir, "photo_x2.png")); m.Bounds().Dx() != 32 || m.Bounds().Dy() != 48 {
		t.Errorf("photo_x2.png is %v, want 32x48", m.Bounds())
	}

	jpg, err := os.ReadFile(filepath.Join(dir, "out.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	markers, payloads := jpegSegments(t, jpg)
	var profile, exif []byte
	parts := 0
	for i, m := range markers {
		p := payloads[i]
		switch {
		case m == 0xe2 && bytes.HasPrefix(p, []byte("ICC_PROFILE\x00")):
			parts++
			if int(p[12]) != parts {
				t.Fatalf("out.jpg: ICC segment %d numbered %d", parts, p[12])
			}
			profile = append(profile, p[14:]...)
		case m == 0xe1 && bytes.HasPrefix(p, []byte("Exif\x00\x00")):
			exif = p[6:]
		}
	}
	if parts < 3 || !bytes.Equal(profile, icc) {
		t.Fatalf("out.jpg: ICC profile in %d segments differs (%d bytes, want %d)", parts, len(profile), len(icc))
	}
	checkEXIF("out.jpg", exif)
}
