package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
)

// Bounds on the metadata a file can make Decode hold.
const (
	// maxICCBytes is the largest ICC profile kept: what a JPEG can carry
	// (255 APP2 segments of 65,519 bytes), about 16 MB.
	maxICCBytes = 255 * iccSegmentBytes
	// maxEXIFBytes is the largest EXIF kept from a PNG eXIf chunk (a JPEG
	// APP1 segment holds at most 65,527 bytes anyway).
	maxEXIFBytes = 1 << 20
	// iccSegmentBytes is the profile payload of one JPEG APP2 segment:
	// 65,535 less the length field, "ICC_PROFILE\0" and the two counters.
	iccSegmentBytes = 65535 - 2 - 14
)

// metaScanner is an io.Writer that Decode tees a PNG or JPEG stream
// through: it follows the chunk (PNG) or marker-segment (JPEG) structure as
// the bytes pass, keeping the ICC profile and EXIF payloads and skipping
// everything else without buffering it. Malformed structure just stops the
// scan; the pixel decoder reports the error.
type metaScanner struct {
	format string
	done   bool
	phase  int    // what hdr holds when complete; see the phase constants
	hdr    []byte // fixed-size header bytes being gathered
	want   int    // size of the header being gathered
	skip   int64  // payload bytes to drop
	body   []byte // payload being kept
	bodyN  int    // size of that payload
	kind   string // what the payload is: "iCCP", "eXIf", "app1", "app2"

	iccz     []byte         // PNG: the iCCP chunk (name, method, zlib data)
	exif     []byte         // TIFF structure
	iccParts map[int][]byte // JPEG: APP2 ICC segments by sequence number
	iccCount int            // JPEG: number of segments they declare
}

const (
	phaseSignature = iota // PNG signature or JPEG SOI
	phaseChunk            // PNG chunk length and type
	phaseMarker           // JPEG 0xff and marker
	phaseLength           // JPEG segment length
)

// newMetaScanner returns a scanner for format "png" or "jpeg", or nil for
// the formats whose metadata Decode does not keep.
func newMetaScanner(format string) *metaScanner {
	switch format {
	case "png":
		return &metaScanner{format: format, want: 8}
	case "jpeg":
		return &metaScanner{format: format, want: 2}
	}
	return nil
}

func (s *metaScanner) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !s.done {
		switch {
		case s.skip > 0:
			k := int(min(s.skip, int64(len(p))))
			s.skip -= int64(k)
			p = p[k:]
		case s.body != nil:
			k := min(s.bodyN-len(s.body), len(p))
			s.body = append(s.body, p[:k]...)
			p = p[k:]
			if len(s.body) == s.bodyN {
				s.keep(s.kind, s.body)
				s.body = nil
				if s.format == "png" {
					s.skip = 4 // CRC
				}
			}
		default:
			k := min(s.want-len(s.hdr), len(p))
			s.hdr = append(s.hdr, p[:k]...)
			p = p[k:]
			if len(s.hdr) == s.want {
				var h [8]byte
				copy(h[:], s.hdr)
				s.hdr = s.hdr[:0]
				s.header(h[:s.want])
			}
		}
	}
	return n, nil // never fails: the decoder's read must not be disturbed
}

// header acts on a complete fixed-size header.
func (s *metaScanner) header(h []byte) {
	switch s.phase {
	case phaseSignature:
		if s.format == "png" {
			s.phase, s.want = phaseChunk, 8
		} else if h[0] == 0xff && h[1] == 0xd8 {
			s.phase, s.want = phaseMarker, 2
		} else {
			s.done = true
		}
	case phaseChunk:
		n := int64(binary.BigEndian.Uint32(h))
		kind := string(h[4:8])
		switch {
		case kind == "IEND" || n > 1<<31-1:
			s.done = true
		case kind == "iCCP" && s.iccz == nil && n <= maxICCBytes,
			kind == "eXIf" && s.exif == nil && n <= maxEXIFBytes:
			s.startBody(kind, int(n))
		default:
			s.skip = n + 4
		}
	case phaseMarker:
		switch m := h[1]; {
		case h[0] != 0xff:
			s.done = true
		case m == 0xff: // fill byte: the second is the next marker's 0xff
			s.hdr = append(s.hdr, 0xff)
		case m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7):
			// no payload
		case m == 0xda || m == 0xd9: // start of scan, end of image
			s.done = true
		default:
			s.kind = map[byte]string{0xe1: "app1", 0xe2: "app2"}[m]
			s.phase = phaseLength
		}
	case phaseLength:
		n := int(binary.BigEndian.Uint16(h)) - 2
		s.phase = phaseMarker
		switch {
		case n < 0:
			s.done = true
		case s.kind != "" && n > 0:
			s.startBody(s.kind, n)
		default:
			s.skip = int64(n)
		}
	}
}

// startBody starts keeping a payload of n bytes.
func (s *metaScanner) startBody(kind string, n int) {
	if n == 0 {
		s.keep(kind, nil)
		if s.format == "png" {
			s.skip = 4
		}
		return
	}
	// Grown as the bytes arrive: a header claiming megabytes costs nothing
	// until they come.
	s.kind, s.bodyN, s.body = kind, n, make([]byte, 0, min(n, 64<<10))
}

// keep stores a complete payload.
func (s *metaScanner) keep(kind string, b []byte) {
	switch kind {
	case "iCCP":
		s.iccz = bytes.Clone(b)
	case "eXIf":
		if isTIFFHeader(b) {
			s.exif = b
		}
	case "app1":
		if s.exif == nil && len(b) > 6 && string(b[:6]) == "Exif\x00\x00" && isTIFFHeader(b[6:]) {
			s.exif = b[6:]
		}
	case "app2":
		if len(b) < 14 || string(b[:12]) != "ICC_PROFILE\x00" {
			return
		}
		seq, count := int(b[12]), int(b[13])
		if s.iccParts == nil {
			s.iccParts, s.iccCount = map[int][]byte{}, count
		}
		if seq >= 1 && seq <= count && count == s.iccCount {
			s.iccParts[seq] = b[14:]
		}
	}
	s.kind = ""
}

// ICC returns the ICC profile found, or nil when there is none or it is
// malformed: an iCCP chunk that does not inflate within maxICCBytes, JPEG
// segments missing or disagreeing, or bytes without an ICC header.
func (s *metaScanner) ICC() []byte {
	var p []byte
	switch {
	case s.iccz != nil:
		p = inflateICCP(s.iccz)
	case s.iccParts != nil && len(s.iccParts) == s.iccCount:
		for i := 1; i <= s.iccCount; i++ {
			p = append(p, s.iccParts[i]...)
		}
	}
	if !isICCProfile(p) {
		return nil
	}
	return p
}

// EXIF returns the EXIF TIFF structure found, or nil.
func (s *metaScanner) EXIF() []byte { return s.exif }

// inflateICCP decompresses an iCCP chunk's payload: a 1-79 byte name, a
// NUL, compression method 0, zlib data. It returns nil when malformed or
// larger than maxICCBytes.
func inflateICCP(b []byte) []byte {
	i := bytes.IndexByte(b, 0)
	if i < 1 || i > 79 || i+2 > len(b) || b[i+1] != 0 {
		return nil
	}
	z, err := zlib.NewReader(bytes.NewReader(b[i+2:]))
	if err != nil {
		return nil
	}
	defer z.Close()
	p, err := io.ReadAll(io.LimitReader(z, maxICCBytes+1))
	if err != nil || len(p) > maxICCBytes {
		return nil
	}
	return p
}

// isICCProfile reports whether p starts like an ICC profile: a 128-byte
// header whose size field matches and whose signature is "acsp".
func isICCProfile(p []byte) bool {
	return len(p) >= 132 && string(p[36:40]) == "acsp" && int(binary.BigEndian.Uint32(p)) == len(p)
}

// iccColourSpace is the profile's data colour space: "RGB ", "GRAY", "CMYK", ...
func iccColourSpace(p []byte) string { return string(p[16:20]) }

// isTIFFHeader reports whether b starts with a TIFF byte-order mark.
func isTIFFHeader(b []byte) bool {
	return len(b) >= 8 && (string(b[:4]) == "II*\x00" || string(b[:4]) == "MM\x00*")
}
