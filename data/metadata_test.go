package data

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// fakeICC is an n-byte profile with a valid header for colour space cs.
func fakeICC(n int, cs string) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 13)
	}
	binary.BigEndian.PutUint32(p, uint32(n))
	copy(p[16:], cs)
	copy(p[36:], "acsp")
	return p
}

// iccSegments splits a profile into APP2 segments of at most part bytes.
func iccSegments(icc []byte, part int) [][]byte {
	count := (len(icc) + part - 1) / part
	var segs [][]byte
	for i := range count {
		p := append([]byte("ICC_PROFILE\x00"), byte(i+1), byte(count))
		p = append(p, icc[i*part:min(len(icc), (i+1)*part)]...)
		seg := []byte{0xff, 0xe2, 0, 0}
		binary.BigEndian.PutUint16(seg[2:], uint16(2+len(p)))
		segs = append(segs, append(seg, p...))
	}
	return segs
}

// TestMetadataRoundTrip decodes a JPEG with a multi-segment ICC profile and
// EXIF, writes it as PNG and as JPEG, and reads both back: the profile is
// identical, the EXIF orientation is 1 after Decode applied it.
func TestMetadataRoundTrip(t *testing.T) {
	icc := fakeICC(100_000, "RGB ")
	src := encodeWith(t, "jpeg", newRGBA(8, 6, true))
	src = withSegments(src, append([][]byte{app1(append([]byte("Exif\x00\x00"), exifTIFF(binary.LittleEndian, 8, 3)...))},
		iccSegments(icc, 40_000)...)...)
	d := mustDecode(t, src)
	if !bytes.Equal(d.ICC, icc) {
		t.Fatalf("decoded ICC: %d bytes, want the %d-byte profile", len(d.ICC), len(icc))
	}
	if d.Image.W != 6 || exifOrientation(d.EXIF) != 1 {
		t.Fatalf("orientation 8: image %v, EXIF orientation %d; want 6 wide, 1", d.Image, exifOrientation(d.EXIF))
	}
	for _, format := range []string{"png", "jpeg"} {
		var buf bytes.Buffer
		if err := Encode(&buf, d, EncodeOptions{Format: format}); err != nil {
			t.Fatal(err)
		}
		again := mustDecode(t, buf.Bytes())
		if !bytes.Equal(again.ICC, icc) {
			t.Errorf("%s: ICC lost or changed (%d bytes)", format, len(again.ICC))
		}
		if again.EXIF == nil || exifOrientation(again.EXIF) != 1 || again.Image.W != 6 {
			t.Errorf("%s: EXIF %v orientation %d, image %v", format, again.EXIF != nil, exifOrientation(again.EXIF), again.Image)
		}
	}
}

// TestMetadataDroppedWhenItNoLongerHolds: a profile for another colour
// space than the pixels written, an incomplete set of ICC segments and a
// malformed profile are not written or kept.
func TestMetadataDroppedWhenItNoLongerHolds(t *testing.T) {
	rgb := mustDecode(t, encodeWith(t, "png", newNRGBA(4, 4, false)))
	rgb.ICC = fakeICC(200, "CMYK")
	var buf bytes.Buffer
	if err := Encode(&buf, rgb, EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("iCCP")) {
		t.Error("a CMYK profile was written with RGB pixels")
	}
	grey := &Decoded{Image: NewImage(4, 4, 1), Depth: 8, ICC: fakeICC(200, "GRAY")}
	buf.Reset()
	if err := Encode(&buf, grey, EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	if d := mustDecode(t, buf.Bytes()); !bytes.Equal(d.ICC, grey.ICC) {
		t.Error("a grey profile with grey pixels was not kept")
	}
	icc := fakeICC(100, "RGB ")
	src := encodeWith(t, "jpeg", newRGBA(8, 8, true))
	segs := iccSegments(icc, 40)
	if d := mustDecode(t, withSegments(src, segs[0], segs[2])); d.ICC != nil {
		t.Error("a profile with a missing segment was kept")
	}
	bad := fakeICC(100, "RGB ")
	copy(bad[36:], "nope")
	if d := mustDecode(t, withSegments(src, iccSegments(bad, 1000)...)); d.ICC != nil {
		t.Error("bytes without the acsp signature were kept as a profile")
	}
}

// TestPNGEXIFOrientationKept: Decode does not rotate a PNG by its eXIf
// orientation, so the tag is written back as it was: the output shows as
// the input does in every viewer.
func TestPNGEXIFOrientationKept(t *testing.T) {
	d := &Decoded{Image: NewImage(5, 3, 3), Depth: 8, EXIF: exifTIFF(binary.BigEndian, 6, 3)}
	var buf bytes.Buffer
	if err := Encode(&buf, d, EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	again := mustDecode(t, buf.Bytes())
	if again.Image.W != 5 || exifOrientation(again.EXIF) != 6 {
		t.Errorf("PNG eXIf: image %v, orientation %d; want 5 wide, 6", again.Image, exifOrientation(again.EXIF))
	}
}
