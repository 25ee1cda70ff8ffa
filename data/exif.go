package data

import "encoding/binary"

// tagOrientation is the EXIF/TIFF Orientation tag.
const tagOrientation = 0x0112

// jpegEXIFOrientation scans the JPEG marker segments in b (the file's first
// bytes; they need not be the whole file) up to the start of scan and
// returns the orientation (1..8) from the first Exif APP1 segment, or 1 when
// there is none or the bytes are malformed. It never panics.
func jpegEXIFOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	for i := 2; i+2 <= len(b); {
		if b[i] != 0xff {
			return 1 // not at a marker: corrupt, give up
		}
		marker := b[i+1]
		switch {
		case marker == 0xff: // fill byte before a marker
			i++
			continue
		case marker == 0x01 || marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7):
			i += 2 // markers without a payload
			continue
		case marker == 0xd9 || marker == 0xda: // end of image, start of scan
			return 1
		}
		if i+4 > len(b) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:])) // includes the 2 length bytes
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads the Orientation tag from the first IFD of a TIFF
// structure (the payload of an Exif APP1 segment after "Exif\0\0", or a
// TIFF file). It returns 1..8, or 1 when the tag is absent or invalid. All
// offsets are bounds-checked; it never panics.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := uint64(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > uint64(len(t)) {
		return 1
	}
	n := uint64(bo.Uint16(t[ifd:]))
	for k := uint64(0); k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 1
		}
		entry := t[e : e+12]
		if bo.Uint16(entry) != tagOrientation {
			continue
		}
		typ, count := bo.Uint16(entry[2:]), bo.Uint32(entry[4:])
		var v uint32
		switch {
		case typ == 3 && count >= 1: // SHORT, stored in the first 2 bytes of the value field
			v = uint32(bo.Uint16(entry[8:]))
		case typ == 4 && count >= 1: // LONG, written by a few tools
			v = bo.Uint32(entry[8:])
		default:
			return 1
		}
		if v >= 1 && v <= 8 {
			return int(v)
		}
		return 1
	}
	return 1
}
