package data

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
)

// valueToSample8 maps a value in [-1,1] to the nearest 8-bit level (halves
// up), clamping; NaN gives 0 (black).
func valueToSample8(v float32) uint8 {
	q := (float64(v) + 1) * 127.5
	if !(q > 0) { // also catches NaN
		return 0
	}
	if q >= 255 {
		return 255
	}
	return uint8(q + 0.5)
}

// valueToSample16 is valueToSample8 for 16-bit levels.
func valueToSample16(v float32) uint16 {
	q := (float64(v) + 1) * 32767.5
	if !(q > 0) {
		return 0
	}
	if q >= 65535 {
		return 65535
	}
	return uint16(q + 0.5)
}

// validateDecoded checks what Encode is given, so a programming mistake is
// an error rather than an index panic.
func validateDecoded(d *Decoded) error {
	if d == nil || d.Image == nil {
		return errors.New("no image")
	}
	m := d.Image
	if err := validateImage(m); err != nil {
		return err
	}
	if m.C != 1 && m.C != 3 {
		return fmt.Errorf("image has %d channels (want 1 or 3)", m.C)
	}
	if a := d.Alpha; a != nil {
		if err := validateImage(a); err != nil {
			return fmt.Errorf("alpha: %w", err)
		}
		if a.C != 1 || a.W != m.W || a.H != m.H {
			return fmt.Errorf("alpha is %v, want %dx%dx1 to match the image", a, m.W, m.H)
		}
	}
	return nil
}

// validateImage checks an Image's geometry against its pixel slice.
func validateImage(m *Image) error {
	if m.W <= 0 || m.H <= 0 || m.C <= 0 {
		return fmt.Errorf("invalid image size %v", m)
	}
	if len(m.Pix) != m.W*m.H*m.C {
		return fmt.Errorf("image %v has %d values, want %d", m, len(m.Pix), m.W*m.H*m.C)
	}
	return nil
}

// encodePNG writes img (+ optional alpha) as a PNG at depth 8 or 16, grey
// images as grey (colour type 0, or 4 with alpha), colour as RGB or RGBA.
func encodePNG(w io.Writer, img, alpha *Image, depth int) error {
	if img.C == 1 && alpha != nil {
		return encodeGreyAlphaPNG(w, img, alpha, depth)
	}
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	return enc.Encode(w, toPNGImage(img, alpha, depth))
}

// toPNGImage builds the image.Image whose colour model makes Go's PNG
// encoder pick the right colour type: grey without alpha, or colour with or
// without alpha (grey with alpha goes through encodeGreyAlphaPNG).
func toPNGImage(img, alpha *Image, depth int) image.Image {
	w, h, c := img.W, img.H, img.C
	r := image.Rect(0, 0, w, h)
	switch {
	case c == 1 && alpha == nil && depth == 8:
		m := image.NewGray(r)
		for i, v := range img.Pix {
			m.Pix[i] = valueToSample8(v)
		}
		return m
	case c == 1 && alpha == nil:
		m := image.NewGray16(r)
		for i, v := range img.Pix {
			q := valueToSample16(v)
			m.Pix[2*i], m.Pix[2*i+1] = uint8(q>>8), uint8(q)
		}
		return m
	case depth == 8:
		m := image.NewNRGBA(r)
		for i := 0; i < w*h; i++ {
			p := m.Pix[4*i : 4*i+4 : 4*i+4]
			p[0], p[1], p[2] = valueToSample8(img.Pix[3*i]), valueToSample8(img.Pix[3*i+1]), valueToSample8(img.Pix[3*i+2])
			p[3] = 0xff
			if alpha != nil {
				p[3] = valueToSample8(alpha.Pix[i])
			}
		}
		return m // an opaque NRGBA is written as RGB
	default:
		m := image.NewNRGBA64(r)
		for i := 0; i < w*h; i++ {
			rr, gg, bb := valueToSample16(img.Pix[3*i]), valueToSample16(img.Pix[3*i+1]), valueToSample16(img.Pix[3*i+2])
			a := uint16(0xffff)
			if alpha != nil {
				a = valueToSample16(alpha.Pix[i])
			}
			p := m.Pix[8*i : 8*i+8 : 8*i+8]
			p[0], p[1], p[2], p[3] = uint8(rr>>8), uint8(rr), uint8(gg>>8), uint8(gg)
			p[4], p[5], p[6], p[7] = uint8(bb>>8), uint8(bb), uint8(a>>8), uint8(a)
		}
		return m // an opaque NRGBA64 is written as 16-bit RGB
	}
}

// toJPEGImage builds an 8-bit grey or RGB image for the JPEG encoder,
// compositing over white where there is alpha.
func toJPEGImage(img, alpha *Image) image.Image {
	w, h, c := img.W, img.H, img.C
	r := image.Rect(0, 0, w, h)
	over := func(v float32, i int) float32 {
		if alpha == nil {
			return v
		}
		a := ToUnit(alpha.Pix[i])
		a = min(max(a, 0), 1)
		return a*v + (1 - a) // white is 1
	}
	if c == 1 {
		m := image.NewGray(r)
		for i, v := range img.Pix {
			m.Pix[i] = valueToSample8(over(v, i))
		}
		return m
	}
	m := image.NewRGBA(r)
	for i := 0; i < w*h; i++ {
		p := m.Pix[4*i : 4*i+4 : 4*i+4]
		p[0] = valueToSample8(over(img.Pix[3*i], i))
		p[1] = valueToSample8(over(img.Pix[3*i+1], i))
		p[2] = valueToSample8(over(img.Pix[3*i+2], i))
		p[3] = 0xff
	}
	return m
}
