package data

import (
	"bytes"
	"encoding/binary"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// TestCommentAndMetadataCoexist writes an image holding an ICC profile and
// EXIF with a request comment, as PNG and as JPEG: Go's decoders read the
// file, ReadComment gives the comment back, Decode gives the profile and the
// EXIF back, and a JPEG's APP1 Exif segment directly follows SOI (where
// readers look for it), with the comment after the metadata.
func TestCommentAndMetadataCoexist(t *testing.T) {
	const c = "srcascade upscale x4; model sr3-x4; seed 1"
	icc := fakeICC(100_000, "RGB ")
	src := encodeWith(t, "jpeg", newRGBA(8, 6, true))
	src = withSegments(src, append([][]byte{app1(append([]byte("Exif\x00\x00"), exifTIFF(binary.LittleEndian, 1, 3)...))},
		iccSegments(icc, 40_000)...)...)
	d := mustDecode(t, src)
	if !bytes.Equal(d.ICC, icc) || d.EXIF == nil {
		t.Fatalf("source: ICC %d bytes, EXIF %v; want the profile and EXIF", len(d.ICC), d.EXIF != nil)
	}
	dir := t.TempDir()
	for _, name := range []string{"out.png", "out.jpg"} {
		path := filepath.Join(dir, name)
		if err := EncodeFile(path, d, EncodeOptions{Comment: c}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if m, _, err := image.Decode(bytes.NewReader(b)); err != nil || m.Bounds().Dx() != 8 {
			t.Fatalf("%s does not decode with Go's decoder: %v", name, err)
		}
		got, ok, err := ReadComment(path)
		if err != nil || !ok || got != c {
			t.Errorf("%s: ReadComment = %q, %v, %v; want %q", name, got, ok, err, c)
		}
		again := mustDecode(t, b)
		if !bytes.Equal(again.ICC, icc) {
			t.Errorf("%s: ICC lost or changed beside the comment (%d bytes)", name, len(again.ICC))
		}
		if again.EXIF == nil || exifOrientation(again.EXIF) != 1 {
			t.Errorf("%s: EXIF lost beside the comment", name)
		}
		exifAt, commentAt := bytes.Index(b, []byte("Exif\x00\x00")), bytes.Index(b, []byte(c))
		iccAt := bytes.Index(b, []byte("iCCP"))
		if name == "out.jpg" {
			iccAt = bytes.Index(b, []byte("ICC_PROFILE\x00"))
			if !bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff, 0xe1}) {
				t.Errorf("%s: APP1 does not follow SOI: % x", name, b[:4])
			}
		} else {
			exifAt = bytes.Index(b, []byte("eXIf"))
		}
		if exifAt < 0 || iccAt < 0 || commentAt < exifAt || commentAt < iccAt {
			t.Errorf("%s: EXIF at %d, ICC at %d, comment at %d; want the comment after both", name, exifAt, iccAt, commentAt)
		}
	}
}
