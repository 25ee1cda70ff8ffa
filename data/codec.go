package data

import (
	"errors"
	"io"
)

// DefaultMaxPixels bounds the decoded size of an input image (width*height)
// so a decompression bomb is refused before its pixels are allocated.
const DefaultMaxPixels = 64_000_000

// Limits bounds what a decoder accepts.
type Limits struct {
	MaxPixels int64 // 0 means DefaultMaxPixels
}

// Decoded is a decoded image file: colour, optional alpha and what the
// source was, so that encoding can keep grey as grey and 16 bits as 16 bits.
type Decoded struct {
	Image  *Image // C=1 for grey sources, C=3 otherwise; values in [-1,1]
	Alpha  *Image // C=1 in [-1,1]; nil when the source has no (or a fully opaque) alpha
	Depth  int    // bits per channel of the source: 8 or 16
	Format string // "png", "jpeg", "gif", "bmp", "tiff", "webp"
}

// EncodeOptions says how to write an image.
type EncodeOptions struct {
	Format  string // "png" or "jpeg" ("jpg" accepted); "" = from the path's extension
	Quality int    // JPEG quality 1..100; 0 = 95
	Depth   int    // 8 or 16 (PNG only); 0 = Decoded.Depth
}

// ErrTooLarge is wrapped by decode errors for images above Limits.MaxPixels.
var ErrTooLarge = errors.New("image too large")

// ErrUnsupported is wrapped by decode errors for unknown formats.
var ErrUnsupported = errors.New("unsupported image format")

// Decode reads one image (the first frame of a GIF), applying JPEG EXIF orientation.
func Decode(r io.Reader, lim Limits) (*Decoded, error) { panic("TODO data.Decode") }

// DecodeFile decodes the file at path; errors name the file.
func DecodeFile(path string, lim Limits) (*Decoded, error) { panic("TODO data.DecodeFile") }

// Encode writes d to w.
func Encode(w io.Writer, d *Decoded, opts EncodeOptions) error { panic("TODO data.Encode") }

// EncodeFile writes d to path atomically (temp file in the same folder, then rename).
func EncodeFile(path string, d *Decoded, opts EncodeOptions) error { panic("TODO data.EncodeFile") }
