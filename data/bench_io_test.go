package data

import (
	"bytes"
	"image"
	"image/color"
	"io"
	"math"
	"testing"
)

// photoLike is a smooth colour field with mild noise, which compresses like
// a photograph rather than like flat colour or pure noise.
func photoLike(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rng(42)
	for y := range h {
		for x := range w {
			n := r.IntN(9) - 4
			c := func(v float64) uint8 { return uint8(min(max(v+float64(n), 0), 255)) }
			m.SetNRGBA(x, y, color.NRGBA{
				c(128 + 100*math.Sin(float64(x)/37)),
				c(128 + 100*math.Cos(float64(y)/23)),
				c(128 + 60*math.Sin(float64(x+y)/51)),
				255,
			})
		}
	}
	return m
}

// benchDecode reports megapixels per second in the "MB/s" column (SetBytes
// counts pixels).
func benchDecode(b *testing.B, file []byte, pixels int) {
	b.SetBytes(int64(pixels))
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(file), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePNG(b *testing.B) {
	benchDecode(b, encodeWith(b, "png", photoLike(1024, 768)), 1024*768)
}

func BenchmarkDecodePNG16(b *testing.B) {
	d := mustDecode(b, encodeWith(b, "png", photoLike(1024, 768)))
	benchDecode(b, mustEncode(b, d, EncodeOptions{Format: "png", Depth: 16}), 1024*768)
}

func BenchmarkDecodeJPEG(b *testing.B) {
	benchDecode(b, encodeWith(b, "jpeg", photoLike(1024, 768)), 1024*768)
}

func BenchmarkEncodePNG(b *testing.B) {
	d := mustDecode(b, encodeWith(b, "png", photoLike(1024, 768)))
	b.SetBytes(1024 * 768)
	for b.Loop() {
		if err := Encode(io.Discard, d, EncodeOptions{Format: "png"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeJPEG(b *testing.B) {
	d := mustDecode(b, encodeWith(b, "png", photoLike(1024, 768)))
	b.SetBytes(1024 * 768)
	for b.Loop() {
		if err := Encode(io.Discard, d, EncodeOptions{Format: "jpeg"}); err != nil {
			b.Fatal(err)
		}
	}
}
