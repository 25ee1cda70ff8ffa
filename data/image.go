// Package data moves pixels in and out of srcascade: decoding and encoding
// image files, a float32 image type in [-1,1], MATLAB-exact bicubic
// resizing, the benchmark metrics (Y-PSNR, SSIM, consistency) and the
// datasets that feed training.
package data

import "fmt"

// Image is a float32 image stored interleaved (HWC, row-major), with values
// nominally in [-1,1]: -1 is black, 1 is white. C is 1 (grey) or 3 (RGB).
// Alpha is never part of an Image; see Decoded.
type Image struct {
	W, H, C int
	Pix     []float32 // len = W*H*C; pixel (x,y) channel c at Pix[(y*W+x)*C+c]
}

// NewImage allocates a black-initialised (zero = mid-grey in [-1,1]) image.
func NewImage(w, h, c int) *Image {
	return &Image{W: w, H: h, C: c, Pix: make([]float32, w*h*c)}
}

// At returns channel c of pixel (x,y).
func (m *Image) At(x, y, c int) float32 { return m.Pix[(y*m.W+x)*m.C+c] }

// Set sets channel c of pixel (x,y).
func (m *Image) Set(x, y, c int, v float32) { m.Pix[(y*m.W+x)*m.C+c] = v }

// Clone returns a deep copy.
func (m *Image) Clone() *Image {
	out := &Image{W: m.W, H: m.H, C: m.C, Pix: make([]float32, len(m.Pix))}
	copy(out.Pix, m.Pix)
	return out
}

// String describes the image's geometry, for error messages.
func (m *Image) String() string { return fmt.Sprintf("%dx%dx%d", m.W, m.H, m.C) }

// ToUnit maps a value in [-1,1] to [0,1].
func ToUnit(v float32) float32 { return (v + 1) / 2 }

// FromUnit maps a value in [0,1] to [-1,1].
func FromUnit(v float32) float32 { return v*2 - 1 }
