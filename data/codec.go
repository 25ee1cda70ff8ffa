package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/srcascade/srcascade/internal/atomicfile"
)

// DefaultMaxPixels bounds the decoded size of an input image (width*height)
// so a decompression bomb is refused before its pixels are allocated.
const DefaultMaxPixels = 64_000_000

// Limits bounds what a decoder accepts.
type Limits struct {
	MaxPixels int64 // 0 (or negative) means DefaultMaxPixels
}

// maxPixels is MaxPixels with the default applied.
func (l Limits) maxPixels() int64 {
	if l.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return l.MaxPixels
}

// Decoded is a decoded image file: colour, optional alpha and what the
// source was, so that encoding can keep grey as grey and 16 bits as 16 bits.
//
// Sample values map linearly onto [-1,1]: an 8-bit sample v becomes
// v/127.5-1 and a 16-bit sample v/32767.5-1, so decoding and re-encoding at
// the source depth reproduces every sample exactly. Alpha is straight (not
// premultiplied): colour where alpha is 0 is whatever the file stored.
type Decoded struct {
	Image  *Image // C=1 for grey sources, C=3 otherwise; values in [-1,1]
	Alpha  *Image // C=1 in [-1,1]; nil when the source has no (or a fully opaque) alpha
	Depth  int    // bits per channel of the source: 8 or 16
	Format string // "png", "jpeg", "gif", "bmp", "tiff", "webp"
	// ICC is the source's ICC colour profile (PNG iCCP, JPEG APP2), nil
	// when it has none. The pixels are not converted: Encode writes the
	// profile with them, so they keep their colour space.
	ICC []byte
	// EXIF is the source's EXIF as a TIFF structure ("II*\x00..." or
	// "MM\x00*...", from a JPEG APP1 or PNG eXIf), nil when it has none.
	// It describes Image: where Decode applies the orientation (JPEG) the
	// tag is reset to 1. Encode writes it with the pixel dimensions set to
	// the image's and the thumbnail (of the old pixels) dropped.
	EXIF []byte
}

// EncodeOptions says how to write an image.
type EncodeOptions struct {
	Format  string // "png" or "jpeg" ("jpg" accepted); "" = from the path's extension
	Quality int    // JPEG quality 1..100; 0 = 95
	Depth   int    // 8 or 16 (PNG only); 0 = Decoded.Depth
	// Comment, when not empty, is recorded in the file: a PNG tEXt chunk
	// "Comment" after IHDR, or a JPEG COM segment after SOI (ReadComment
	// reads it back). Printable ASCII, at most MaxComment bytes.
	Comment string
}

// DefaultJPEGQuality is the JPEG quality used when EncodeOptions.Quality is 0.
const DefaultJPEGQuality = 95

// ErrTooLarge is wrapped by decode errors for images above Limits.MaxPixels.
var ErrTooLarge = errors.New("image too large")

// ErrUnsupported is wrapped by decode errors for unknown formats.
var ErrUnsupported = errors.New("unsupported image format")

// readFormats are the extensions IsImagePath accepts, with their format.
var readFormats = map[string]string{
	".png":  "png",
	".jpg":  "jpeg",
	".jpeg": "jpeg",
	".jpe":  "jpeg",
	".jfif": "jpeg",
	".gif":  "gif",
	".bmp":  "bmp",
	".tif":  "tiff",
	".tiff": "tiff",
	".webp": "webp",
}

// FormatFromPath returns the output format for path's extension, matched
// case-insensitively: "png" for .png, "jpeg" for .jpg and .jpeg. Any other
// extension gives an error wrapping ErrUnsupported.
func FormatFromPath(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		return "png", nil
	case ".jpg", ".jpeg":
		return "jpeg", nil
	case "":
		return "", fmt.Errorf("%w for writing: %s has no extension (use .png, .jpg or .jpeg)", ErrUnsupported, path)
	default:
		return "", fmt.Errorf("%w for writing: %q (use .png, .jpg or .jpeg)", ErrUnsupported, ext)
	}
}

// IsImagePath reports whether path's extension (case-insensitive) is one of
// the formats Decode reads: .png, .jpg, .jpeg, .jpe, .jfif, .gif, .bmp,
// .tif, .tiff, .webp. It looks only at the name, never at the file.
func IsImagePath(path string) bool {
	_, ok := readFormats[strings.ToLower(filepath.Ext(path))]
	return ok
}

// Decode reads one image (the first frame of a GIF), applying JPEG EXIF orientation.
//
// The header is read first (image.DecodeConfig) and an image of more than
// lim's pixel budget is refused with an error wrapping ErrTooLarge before any
// pixel memory is allocated; the header bytes are kept and replayed, so r is
// read only once. Unknown formats give an error wrapping ErrUnsupported.
// A decoder that panics on hostile input is recovered and reported as an
// error. EXIF orientation is applied for JPEG (APP1 segments before the
// frame header) and for TIFF (the Orientation tag of the first IFD).
//
// The ICC profile (PNG iCCP, JPEG APP2 ICC_PROFILE segments, reassembled)
// and EXIF (JPEG APP1 Exif, PNG eXIf) of PNG and JPEG files are kept in
// Decoded.ICC and Decoded.EXIF, as the stream passes, never more than
// about 16 MB of profile and 1 MB of EXIF; malformed metadata is dropped,
// never an error.
func Decode(r io.Reader, lim Limits) (d *Decoded, err error) {
	if recoverPanics {
		defer func() {
			if p := recover(); p != nil {
				d, err = nil, fmt.Errorf("decode image: malformed input (panic: %v)", p)
			}
		}()
	}

	src := &countingReader{r: r}
	var head bytes.Buffer
	var cfg image.Config
	var format string
	err = guard("header", func() (err error) {
		cfg, format, err = image.DecodeConfig(io.TeeReader(src, &head))
		return err
	})
	if err != nil {
		switch {
		case src.err != nil:
			return nil, fmt.Errorf("read image: %w", src.err)
		case errors.Is(err, errDecoderPanic):
			return nil, fmt.Errorf("decode %s: %w", nonEmpty(format, "image"), err)
		case src.n == 0:
			return nil, errors.New("decode image: empty file")
		case errors.Is(err, image.ErrFormat):
			return nil, fmt.Errorf("%w%s (file starts with %s; PNG, JPEG, GIF, BMP, TIFF and WebP are read)",
				ErrUnsupported, knownUnsupported(head.Bytes()), describeMagic(head.Bytes()))
		}
		return nil, decodeError(nonEmpty(format, "image"), "header", err)
	}
	if err := checkSize(format, cfg.Width, cfg.Height, lim.maxPixels()); err != nil {
		return nil, err
	}

	var body io.Reader
	if format == "tiff" {
		// The TIFF reader needs random access and reads everything into
		// memory unless given an io.ReaderAt: hand it the bytes directly.
		if _, err := io.Copy(&head, src); err != nil {
			return nil, fmt.Errorf("read image: %w", err)
		}
		body = bytes.NewReader(head.Bytes())
	} else {
		body = io.MultiReader(bytes.NewReader(head.Bytes()), src)
	}
	meta := newMetaScanner(format)
	if meta != nil {
		body = io.TeeReader(body, meta)
	}
	var m image.Image
	err = guard("pixels", func() (err error) {
		m, err = decodeFormat(format, body)
		return err
	})
	if err != nil {
		if src.err != nil {
			return nil, fmt.Errorf("read image: %w", src.err)
		}
		if src.eof && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, errDecoderPanic) {
			// Decoders report a file that ends early in their own words
			// ("short Huffman data", "not enough pixel data").
			return nil, fmt.Errorf("decode %s: %w (file truncated or corrupt)", format, trimmedError{format + ": ", err})
		}
		return nil, decodeError(format, "pixels", err)
	}
	if format == "gif" {
		m = gifCanvas(m, cfg)
	}
	b := m.Bounds()
	if err := checkSize(format, b.Dx(), b.Dy(), lim.maxPixels()); err != nil {
		return nil, err
	}

	d = fromGoImage(m, isGreyPNG(format, head.Bytes()))
	d.Format = format
	orientation := 1
	switch format {
	case "jpeg":
		orientation = jpegEXIFOrientation(head.Bytes())
	case "tiff":
		orientation = exifOrientation(head.Bytes())
	}
	if meta != nil {
		d.ICC, d.EXIF = meta.ICC(), meta.EXIF()
	}
	if orientation != 1 {
		d.Image = Orient(d.Image, orientation)
		if d.Alpha != nil {
			d.Alpha = Orient(d.Alpha, orientation)
		}
		d.EXIF = exifOrientationApplied(d.EXIF)
	}
	return d, nil
}

// recoverPanics makes Decode turn a panic in its own conversion code into an
// error. Fuzz tests switch it off so that such bugs surface; panics inside
// the format decoders (third-party code) are always recovered by guard.
var recoverPanics = true

// errDecoderPanic is wrapped by errors from a format decoder that panicked.
var errDecoderPanic = errors.New("decoder panicked")

// guard runs a format decoder, turning a panic on hostile input into an error.
func guard(stage string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed image (%s): %w: %v", stage, errDecoderPanic, p)
		}
	}()
	return f()
}

// DecodeFile decodes the file at path; errors name the file.
func DecodeFile(path string, lim Limits) (*Decoded, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError already names the file
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	d, err := Decode(bufio.NewReaderSize(f, 64<<10), lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// DecodeConfigFile returns the stored width and height of the image file at
// path from its header alone, without decoding the pixels (EXIF
// orientation is not applied: a rotation swaps them). Errors name the file.
func DecodeConfigFile(path string) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var cfg image.Config
	err = guard("header", func() (err error) {
		cfg, _, err = image.DecodeConfig(bufio.NewReader(f))
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return cfg.Width, cfg.Height, nil
}

// Encode writes d to w as PNG or JPEG.
//
// opts.Format "" means d.Format when that is "png" or "jpeg", else "png".
// PNG keeps grey as grey and writes 16 bits per sample when the depth
// (opts.Depth, else d.Depth) is 16; alpha is re-attached as a straight alpha
// channel. JPEG has no alpha: an image with alpha is composited over white
// (out = a*colour + (1-a)*white, in the file's sRGB values), which is what
// viewers show for transparent areas on a page. Values are rounded to the
// nearest level and clamped to [-1,1]; NaN encodes as black.
//
// d.ICC is written (PNG iCCP, JPEG APP2 segments) when its colour space
// matches the channels written, and d.EXIF (PNG eXIf, JPEG APP1) with its
// pixel dimensions set to the image's and its thumbnail dropped; both
// before opts.Comment, which is written after them.
func Encode(w io.Writer, d *Decoded, opts EncodeOptions) error {
	if err := validateDecoded(d); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	format, err := encodeFormat(opts.Format, d.Format)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	// The metadata chunks or segments come first after the header (JPEG's
	// APP1 Exif right after SOI, as readers expect), the comment after them.
	if w, err = withMetadata(w, format, d); err != nil {
		return fmt.Errorf("encode %s: metadata: %w", format, err)
	}
	if w, err = withComment(w, format, opts.Comment); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	switch format {
	case "png":
		depth := opts.Depth
		if depth == 0 {
			depth = d.Depth
		}
		if depth == 0 {
			depth = 8
		}
		if depth != 8 && depth != 16 {
			return fmt.Errorf("encode png: depth %d not supported (use 8 or 16)", depth)
		}
		if err := encodePNG(w, d.Image, d.Alpha, depth); err != nil {
			return fmt.Errorf("encode png: %w", err)
		}
	case "jpeg":
		if opts.Depth != 0 && opts.Depth != 8 {
			return fmt.Errorf("encode jpeg: depth %d not supported (JPEG is 8-bit; use PNG for 16)", opts.Depth)
		}
		q := opts.Quality
		if q == 0 {
			q = DefaultJPEGQuality
		}
		if q < 1 || q > 100 {
			return fmt.Errorf("encode jpeg: quality %d out of range 1..100", q)
		}
		if err := jpeg.Encode(w, toJPEGImage(d.Image, d.Alpha), &jpeg.Options{Quality: q}); err != nil {
			return fmt.Errorf("encode jpeg: %w", err)
		}
	}
	return nil
}

// EncodeFile writes d to path atomically (temp file in the same folder, then rename).
// opts.Format "" takes the format from path's extension (see FormatFromPath).
// On any error the previous content of path, if any, is left untouched.
func EncodeFile(path string, d *Decoded, opts EncodeOptions) error {
	if opts.Format == "" {
		f, err := FormatFromPath(path)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		opts.Format = f
	}
	err := atomicfile.Write(path, func(w io.Writer) error { return Encode(w, d, opts) })
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// decodeFormat runs the pixel decoder of the format DecodeConfig sniffed.
func decodeFormat(format string, r io.Reader) (image.Image, error) {
	switch format {
	case "png":
		return png.Decode(r)
	case "jpeg":
		return jpeg.Decode(r)
	case "gif":
		return gif.Decode(r) // first frame only
	case "bmp":
		return bmp.Decode(r)
	case "tiff":
		return tiff.Decode(r)
	case "webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, format)
}

// encodeFormat resolves the requested output format.
func encodeFormat(requested, source string) (string, error) {
	switch strings.ToLower(requested) {
	case "png":
		return "png", nil
	case "jpeg", "jpg":
		return "jpeg", nil
	case "":
		if source == "jpeg" {
			return "jpeg", nil
		}
		return "png", nil
	}
	return "", fmt.Errorf("%w for writing: %q (use png or jpeg)", ErrUnsupported, requested)
}

// checkSize refuses images with no pixels or more than maxPixels.
func checkSize(format string, w, h int, maxPixels int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("decode %s: invalid size %dx%d", format, w, h)
	}
	if n := int64(w) * int64(h); n > maxPixels {
		return fmt.Errorf("decode %s: %w: %dx%d is %d pixels, above the limit of %d",
			format, ErrTooLarge, w, h, n, maxPixels)
	}
	return nil
}

// decodeError wraps a decoder error with the format and a hint for truncation.
func decodeError(format, stage string, err error) error {
	err = trimmedError{prefix: format + ": ", err: err}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("decode %s: file is truncated (%s): %w", format, stage, err)
	}
	if isUnsupportedVariant(err) {
		return fmt.Errorf("decode %s: %w (%w)", format, err, ErrUnsupported)
	}
	return fmt.Errorf("decode %s: %w", format, err)
}

// isUnsupportedVariant reports whether a decoder refused a valid file of its
// format because it does not implement that variant (16-bit BMP, RLE, ...).
func isUnsupportedVariant(err error) bool {
	var pngU png.UnsupportedError
	var jpegU jpeg.UnsupportedError
	var tiffU tiff.UnsupportedError
	return errors.Is(err, bmp.ErrUnsupported) || errors.As(err, &pngU) ||
		errors.As(err, &jpegU) || errors.As(err, &tiffU)
}

// trimmedError drops a decoder's own "png: " prefix from its message, which
// the wrapping context already says; errors.Is and As still see err.
type trimmedError struct {
	prefix string
	err    error
}

func (e trimmedError) Error() string { return strings.TrimPrefix(e.err.Error(), e.prefix) }
func (e trimmedError) Unwrap() error { return e.err }

// describeMagic renders the first bytes of an unrecognised file for an error.
func describeMagic(b []byte) string {
	if len(b) > 8 {
		b = b[:8]
	}
	return fmt.Sprintf("% x", b)
}

// knownUnsupported names a few common formats Decode does not read, from
// their signatures, as ": looks like X"; "" when none matches.
func knownUnsupported(b []byte) string {
	has := func(off int, sig string) bool {
		return len(b) >= off+len(sig) && string(b[off:off+len(sig)]) == sig
	}
	name := ""
	switch {
	case has(4, "ftypavif") || has(4, "ftypavis"):
		name = "AVIF"
	case has(4, "ftyphei") || has(4, "ftyphev") || has(4, "ftypmif1") || has(4, "ftypmsf1"):
		name = "HEIF/HEIC"
	case has(0, "\xff\x0a") || has(4, "JXL "):
		name = "JPEG XL"
	case has(0, "8BPS"):
		name = "Photoshop PSD"
	case has(0, "%PDF"):
		name = "PDF"
	case has(0, "qoif"):
		name = "QOI"
	case has(0, "\x00\x00\x01\x00"):
		name = "ICO"
	case has(0, "<svg") || has(0, "<?xml"):
		name = "SVG/XML"
	}
	if name == "" {
		return ""
	}
	return ": looks like " + name
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// countingReader counts bytes, notes the end of the input and remembers the
// first read error other than io.EOF, which image.DecodeConfig would
// otherwise hide behind image.ErrFormat.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool // the source reported io.EOF
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	switch {
	case err == io.EOF:
		c.eof = true
	case err != nil && c.err == nil:
		c.err = err
	}
	return n, err
}

// isGreyPNG reports whether a PNG header declares a grey colour type (0 or 4):
// Go decodes grey+alpha and grey with a transparent key to NRGBA, so the
// header, not the decoded type, says the source was grey.
func isGreyPNG(format string, head []byte) bool {
	// 8-byte signature, 4-byte length, "IHDR", width, height, depth, colour type.
	if format != "png" || len(head) < 26 || string(head[12:16]) != "IHDR" {
		return false
	}
	ct := head[25]
	return ct == 0 || ct == 4
}
