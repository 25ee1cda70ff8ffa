package data

import (
	"image"
	"image/color"
	"image/draw"
)

// sample8LUT maps an 8-bit sample to [-1,1]; see Decoded for the mapping.
var sample8LUT = func() (t [256]float32) {
	for i := range t {
		t[i] = sample8Value(uint8(i))
	}
	return t
}()

// sample8Value maps an 8-bit sample v to v/127.5-1, rounded once to float32
// (the same values as Quantize produces).
func sample8Value(v uint8) float32 { return float32(float64(v)/127.5 - 1) }

// sample16to8Value rounds a 16-bit sample to 8 bits and maps it like sample8Value.
func sample16to8Value(v uint16) float32 { return sample8LUT[(uint32(v)*0xff+0x7fff)/0xffff] }

// sample16Value maps a 16-bit sample v to v/32767.5-1.
func sample16Value(v uint16) float32 { return float32(float64(v)/32767.5 - 1) }

// fromGoImage converts a decoded image.Image into a Decoded (without
// Format). grey forces a single colour channel (taken from red) for sources
// that are grey but decode to an RGBA type, such as grey+alpha PNGs.
func fromGoImage(m image.Image, grey bool) *Decoded {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.Gray:
		img := NewImage(w, h, 1)
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			out := img.Pix[y*w:][:w]
			for x, v := range row {
				out[x] = sample8LUT[v]
			}
		}
		return &Decoded{Image: img, Depth: 8}
	case *image.Gray16:
		img := NewImage(w, h, 1)
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:2*w]
			out := img.Pix[y*w:][:w]
			for x := range out {
				out[x] = sample16Value(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
			}
		}
		return &Decoded{Image: img, Depth: 16}
	case *image.NRGBA:
		return fromRGBA8(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, grey, false)
	case *image.RGBA:
		return fromRGBA8(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, grey, true)
	case *image.NRGBA64:
		return fromRGBA16(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, grey, false)
	case *image.RGBA64:
		return fromRGBA16(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, grey, true)
	case *image.Paletted:
		return fromPaletted(m, grey)
	case *image.YCbCr:
		img := NewImage(w, h, 3)
		fromYCbCr(m, img)
		return &Decoded{Image: img, Depth: 8}
	case *image.NYCbCrA:
		img := NewImage(w, h, 3)
		fromYCbCr(&m.YCbCr, img)
		alpha := NewImage(w, h, 1)
		opaque := true
		for y := 0; y < h; y++ {
			row := m.A[m.AOffset(b.Min.X, b.Min.Y+y):][:w]
			out := alpha.Pix[y*w:][:w]
			for x, a := range row {
				out[x] = sample8LUT[a]
				opaque = opaque && a == 0xff
			}
		}
		if opaque {
			alpha = nil
		}
		return &Decoded{Image: img, Alpha: alpha, Depth: 8}
	case *image.CMYK:
		img := NewImage(w, h, 3)
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			out := img.Pix[3*y*w:][:3*w]
			for x := 0; x < w; x++ {
				r, g, bl := color.CMYKToRGB(row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
				out[3*x], out[3*x+1], out[3*x+2] = sample8LUT[r], sample8LUT[g], sample8LUT[bl]
			}
		}
		return &Decoded{Image: img, Depth: 8}
	}
	return fromGeneric(m, grey)
}

// fromRGBA8 converts 8-bit RGBA samples (straight or premultiplied) to
// straight colour and alpha.
func fromRGBA8(pix []uint8, stride, off, w, h int, grey, premultiplied bool) *Decoded {
	c := 3
	if grey {
		c = 1
	}
	img := NewImage(w, h, c)
	alpha := NewImage(w, h, 1)
	opaque := true
	for y := 0; y < h; y++ {
		row := pix[off+y*stride:][:4*w]
		out := img.Pix[c*y*w:][:c*w]
		aout := alpha.Pix[y*w:][:w]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4 : 4*x+4]
			r, g, b, a := p[0], p[1], p[2], p[3]
			if premultiplied && a != 0xff {
				r, g, b = unpremul8(r, a), unpremul8(g, a), unpremul8(b, a)
			}
			if grey {
				out[x] = sample8LUT[r]
			} else {
				out[3*x], out[3*x+1], out[3*x+2] = sample8LUT[r], sample8LUT[g], sample8LUT[b]
			}
			aout[x] = sample8LUT[a]
			opaque = opaque && a == 0xff
		}
	}
	if opaque {
		alpha = nil
	}
	return &Decoded{Image: img, Alpha: alpha, Depth: 8}
}

// fromRGBA16 is fromRGBA8 for big-endian 16-bit samples.
func fromRGBA16(pix []uint8, stride, off, w, h int, grey, premultiplied bool) *Decoded {
	c := 3
	if grey {
		c = 1
	}
	img := NewImage(w, h, c)
	alpha := NewImage(w, h, 1)
	opaque := true
	for y := 0; y < h; y++ {
		row := pix[off+y*stride:][:8*w]
		out := img.Pix[c*y*w:][:c*w]
		aout := alpha.Pix[y*w:][:w]
		for x := 0; x < w; x++ {
			p := row[8*x : 8*x+8 : 8*x+8]
			r := uint16(p[0])<<8 | uint16(p[1])
			g := uint16(p[2])<<8 | uint16(p[3])
			b := uint16(p[4])<<8 | uint16(p[5])
			a := uint16(p[6])<<8 | uint16(p[7])
			if premultiplied && a != 0xffff {
				r, g, b = unpremul16(r, a), unpremul16(g, a), unpremul16(b, a)
			}
			if grey {
				out[x] = sample16Value(r)
			} else {
				out[3*x], out[3*x+1], out[3*x+2] = sample16Value(r), sample16Value(g), sample16Value(b)
			}
			aout[x] = sample16Value(a)
			opaque = opaque && a == 0xffff
		}
	}
	if opaque {
		alpha = nil
	}
	return &Decoded{Image: img, Alpha: alpha, Depth: 16}
}

// unpremul8 recovers a straight 8-bit sample from a premultiplied one,
// rounding to nearest and clamping (a premultiplied sample above its alpha
// is invalid but possible in a file).
func unpremul8(c, a uint8) uint8 {
	if a == 0 {
		return 0
	}
	v := (uint32(c)*0xff + uint32(a)/2) / uint32(a)
	return uint8(min(v, 0xff))
}

// unpremul16 is unpremul8 for 16-bit samples.
func unpremul16(c, a uint16) uint16 {
	if a == 0 {
		return 0
	}
	v := (uint32(c)*0xffff + uint32(a)/2) / uint32(a)
	return uint16(min(v, 0xffff))
}

// fromPaletted converts a paletted image through a 256-entry table of
// straight colours. Indices beyond the palette read as opaque black. The
// depth is 16 only when some palette entry (TIFF palettes are 16-bit) is not
// exactly an 8-bit value. A palette of greys only (as BMP and GIF store grey
// images) gives a grey image.
func fromPaletted(m *image.Paletted, grey bool) *Decoded {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	var pal [256]color.NRGBA64
	for i := range pal {
		pal[i] = color.NRGBA64{A: 0xffff}
	}
	depth := 8
	greyPalette := len(m.Palette) > 0
	for i, c := range m.Palette {
		if i >= len(pal) {
			break
		}
		if c == nil {
			continue
		}
		n := straight64(c)
		pal[i] = n
		greyPalette = greyPalette && n.R == n.G && n.G == n.B
		if n.R%257 != 0 || n.G%257 != 0 || n.B%257 != 0 || n.A%257 != 0 {
			depth = 16
		}
	}
	level := sample16to8Value
	if depth == 16 {
		level = sample16Value
	}
	c := 3
	if grey || greyPalette {
		grey, c = true, 1
	}
	var lut [256][4]float32
	for i, p := range pal {
		lut[i] = [4]float32{level(p.R), level(p.G), level(p.B), level(p.A)}
	}
	img := NewImage(w, h, c)
	alpha := NewImage(w, h, 1)
	opaque := true
	for y := 0; y < h; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
		out := img.Pix[c*y*w:][:c*w]
		aout := alpha.Pix[y*w:][:w]
		for x, i := range row {
			v := &lut[i]
			if grey {
				out[x] = v[0]
			} else {
				out[3*x], out[3*x+1], out[3*x+2] = v[0], v[1], v[2]
			}
			aout[x] = v[3]
			opaque = opaque && pal[i].A == 0xffff
		}
	}
	if opaque {
		alpha = nil
	}
	return &Decoded{Image: img, Alpha: alpha, Depth: depth}
}

// straight64 returns c as straight 16-bit colour, exactly for the
// non-premultiplied types palettes hold (converting those through
// premultiplied RGBA would round semi-transparent colours).
func straight64(c color.Color) color.NRGBA64 {
	switch c := c.(type) {
	case color.NRGBA:
		return color.NRGBA64{R: uint16(c.R) * 257, G: uint16(c.G) * 257, B: uint16(c.B) * 257, A: uint16(c.A) * 257}
	case color.NRGBA64:
		return c
	}
	return color.NRGBA64Model.Convert(c).(color.NRGBA64)
}

// fromYCbCr converts with the standard library's JFIF YCbCr->RGB rounding.
func fromYCbCr(m *image.YCbCr, img *Image) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		out := img.Pix[3*y*w:][:3*w]
		for x := 0; x < w; x++ {
			yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
			ci := m.COffset(b.Min.X+x, b.Min.Y+y)
			r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			out[3*x], out[3*x+1], out[3*x+2] = sample8LUT[r], sample8LUT[g], sample8LUT[bl]
		}
	}
}

// fromGeneric converts any other image.Image through color.NRGBA64, at 16
// bits when its colour model is a 16-bit one.
func fromGeneric(m image.Image, grey bool) *Decoded {
	depth := 8
	switch m.ColorModel() {
	case color.Gray16Model, color.RGBA64Model, color.NRGBA64Model:
		depth = 16
	}
	switch m.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		grey = true
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	c := 3
	if grey {
		c = 1
	}
	level := sample16to8Value
	if depth == 16 {
		level = sample16Value
	}
	img := NewImage(w, h, c)
	alpha := NewImage(w, h, 1)
	opaque := true
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := color.NRGBA64Model.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			i := y*w + x
			if grey {
				img.Pix[i] = level(n.R)
			} else {
				img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = level(n.R), level(n.G), level(n.B)
			}
			alpha.Pix[i] = level(n.A)
			opaque = opaque && n.A == 0xffff
		}
	}
	if opaque {
		alpha = nil
	}
	return &Decoded{Image: img, Alpha: alpha, Depth: depth}
}

// gifCanvas places a GIF's first frame on the logical screen when the frame
// is smaller than the screen, leaving the rest transparent, as viewers show it.
func gifCanvas(m image.Image, cfg image.Config) image.Image {
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if m.Bounds() == screen || cfg.Width <= 0 || cfg.Height <= 0 {
		return m
	}
	c := image.NewNRGBA(screen)
	draw.Draw(c, m.Bounds().Intersect(screen), m, m.Bounds().Min, draw.Src)
	return c
}
