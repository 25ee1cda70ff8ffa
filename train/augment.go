package train

import (
	"math"

	"github.com/srcascade/srcascade/data"
)

// rgb8 is an 8-bit interleaved RGB image: the in-memory form of training
// images (3 bytes per pixel instead of float32's 12); crops are converted to
// float on the fly.
type rgb8 struct {
	W, H int
	Pix  []uint8 // len = W*H*3
}

// bytes is the memory the pixels take.
func (m *rgb8) bytes() int64 { return int64(len(m.Pix)) }

// unitLUT maps an 8-bit level k to its value in [-1,1], k/127.5-1, the
// same float32 values data's decoders and data.Quantize give.
var unitLUT = func() (t [256]float32) {
	for k := range t {
		t[k] = float32(float64(k)/127.5 - 1)
	}
	return t
}()

// to8 rounds a value in [-1,1] to its 8-bit level as data.Quantize does
// (halves away from zero; clamped; NaN to 0), so that
// unitLUT[to8(v)] == data.Quantize(v).
func to8(v float32) uint8 {
	x := (float64(v) + 1) * 127.5
	switch {
	case x >= 254.5:
		return 255
	case x >= 0:
		return uint8(math.Round(x))
	}
	return 0
}

// toRGB8 converts a decoded float image (C = 1 or 3) to 8-bit RGB, grey
// replicated to three channels. 16-bit sources lose their low bits here,
// which is below what an 8-bit training target resolves anyway.
func toRGB8(img *data.Image) *rgb8 {
	out := &rgb8{W: img.W, H: img.H, Pix: make([]uint8, img.W*img.H*3)}
	switch img.C {
	case 3:
		for i, v := range img.Pix {
			out.Pix[i] = to8(v)
		}
	case 1:
		for i, v := range img.Pix {
			q := to8(v)
			out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = q, q, q
		}
	default:
		// data.Image has C in {1,3}; anything else keeps the first channel.
		for i := 0; i < img.W*img.H; i++ {
			q := to8(img.Pix[i*img.C])
			out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = q, q, q
		}
	}
	return out
}

// toImage converts the whole image to float32 in [-1,1].
func (m *rgb8) toImage() *data.Image {
	out := data.NewImage(m.W, m.H, 3)
	for i, q := range m.Pix {
		out.Pix[i] = unitLUT[q]
	}
	return out
}

// Dihedral is one of the 8 symmetries of the square, used as a data
// augmentation: bit 0 flips horizontally (mirror x), bit 1 flips vertically
// (mirror y), bit 2 transposes (swap x and y). Transpose combined with one
// flip is a 90-degree rotation; all flips and transposes commute with
// downscaling by an integer factor on a grid aligned to it, so the same
// Dihedral applied to an HR crop and its LR crop keeps them a pair.
type Dihedral uint8

// Identity leaves a crop unchanged.
const Identity Dihedral = 0

// The three generators of Dihedral.
const (
	FlipX     Dihedral = 1 << iota // mirror left-right
	FlipY                          // mirror top-bottom
	Transpose                      // swap x and y (main-diagonal mirror)
)

// source maps output pixel (u,v) of a size x size crop to the pixel of the
// untransformed crop it is read from.
func (t Dihedral) source(u, v, size int) (x, y int) {
	x, y = u, v
	if t&Transpose != 0 {
		x, y = v, u
	}
	if t&FlipX != 0 {
		x = size - 1 - x
	}
	if t&FlipY != 0 {
		y = size - 1 - y
	}
	return x, y
}

// cropFloat writes the size x size crop of m at (x0,y0), transformed by t,
// into dst (size*size*3 float32, interleaved RGB in [-1,1]).
func (m *rgb8) cropFloat(dst []float32, x0, y0, size int, t Dihedral) {
	for v := 0; v < size; v++ {
		for u := 0; u < size; u++ {
			x, y := t.source(u, v, size)
			s := ((y0+y)*m.W + x0 + x) * 3
			d := (v*size + u) * 3
			dst[d] = unitLUT[m.Pix[s]]
			dst[d+1] = unitLUT[m.Pix[s+1]]
			dst[d+2] = unitLUT[m.Pix[s+2]]
		}
	}
}
