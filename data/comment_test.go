package data

import (
	"bytes"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestEncodeComment writes a comment into PNGs and a JPEG, checks that Go's
// own decoders still read them (chunk CRC, segment lengths) and that
// ReadComment gives the comment back.
func TestEncodeComment(t *testing.T) {
	dir := t.TempDir()
	const c = "srcascade upscale x4; model sr3-x4; seed 1"
	img := NewImage(5, 3, 3)
	grey := NewImage(5, 3, 1)
	alpha := NewImage(5, 3, 1)
	for _, tt := range []struct {
		name string
		d    *Decoded
		opts EncodeOptions
	}{
		{"rgb.png", &Decoded{Image: img, Depth: 8}, EncodeOptions{Comment: c}},
		{"grey16.png", &Decoded{Image: grey, Depth: 16}, EncodeOptions{Comment: c}},
		{"alpha.png", &Decoded{Image: img, Alpha: alpha, Depth: 8}, EncodeOptions{Comment: c}},
		{"photo.jpg", &Decoded{Image: img, Depth: 8}, EncodeOptions{Comment: c}},
		{"none.png", &Decoded{Image: img, Depth: 8}, EncodeOptions{}},
		{"none.jpg", &Decoded{Image: img, Depth: 8}, EncodeOptions{}},
	} {
		path := filepath.Join(dir, tt.name)
		if err := EncodeFile(path, tt.d, tt.opts); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		b, _ := os.ReadFile(path)
		if m, _, err := image.Decode(bytes.NewReader(b)); err != nil || m.Bounds().Dx() != 5 {
			t.Errorf("%s does not decode: %v", tt.name, err)
		}
		got, ok, err := ReadComment(path)
		if err != nil || ok != (tt.opts.Comment != "") || got != tt.opts.Comment {
			t.Errorf("ReadComment(%s) = %q, %v, %v; want %q", tt.name, got, ok, err, tt.opts.Comment)
		}
	}
	if err := EncodeFile(filepath.Join(dir, "bad.png"), &Decoded{Image: img}, EncodeOptions{Comment: "a\nb"}); err == nil {
		t.Error("a comment with a newline was written")
	}
	os.WriteFile(filepath.Join(dir, "short.png"), []byte("\x89PNG"), 0o644)
	if _, ok, err := ReadComment(filepath.Join(dir, "short.png")); ok || err != nil {
		t.Errorf("ReadComment of a truncated file: %v, %v", ok, err)
	}
}
