package train

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/gif" // header decoders for image.DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// header is what the scan pass learns of a file without decoding pixels.
type header struct {
	W, H   int    // stored size (before any EXIF rotation; the area is what matters)
	Format string // as image.DecodeConfig names it
	Lossy  bool   // JPEG, or WebP with a lossy (VP8) bitstream
}

// readHeader reads the size and format of an image file from its header.
func readHeader(path string) (header, error) {
	f, err := os.Open(path)
	if err != nil {
		return header{}, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(64 << 10)
	cfg, format, err := image.DecodeConfig(br)
	if err != nil {
		return header{}, fmt.Errorf("reading image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return header{}, fmt.Errorf("image header gives size %dx%d", cfg.Width, cfg.Height)
	}
	h := header{W: cfg.Width, H: cfg.Height, Format: format}
	switch format {
	case "jpeg":
		h.Lossy = true
	case "webp":
		h.Lossy = webpLossy(head)
	}
	return h, nil
}

// webpLossy reports whether a WebP file (its first bytes) holds a lossy VP8
// bitstream, looking through the chunks of an extended (VP8X) file.
func webpLossy(b []byte) bool {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return false
	}
	r := bytes.NewReader(b[12:])
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return false
		}
		switch string(hdr[:4]) {
		case "VP8 ":
			return true
		case "VP8L":
			return false
		}
		n := int64(binary.LittleEndian.Uint32(hdr[4:]))
		if _, err := r.Seek(n+n&1, io.SeekCurrent); err != nil {
			return false
		}
	}
}
