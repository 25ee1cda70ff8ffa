package data

import (
	"bytes"
	"encoding/binary"
)

// EXIF tags that describe the pixels, and so change with an upscale.
const (
	tagImageWidth      = 0x0100
	tagImageLength     = 0x0101
	tagExifIFD         = 0x8769
	tagPixelXDimension = 0xa002
	tagPixelYDimension = 0xa003
)

// exifForImage returns a copy of the EXIF TIFF structure t made true of a
// w x h image: ImageWidth/ImageLength (IFD0) and PixelX/YDimension (Exif IFD), where
// present, to w and h, and the link to IFD1 (the thumbnail, which shows the
// old pixels) is cut. Every other field (camera, lens, exposure, artist,
// dates, GPS) is kept byte for byte. It returns nil when t is malformed.
func exifForImage(t []byte, w, h int) []byte {
	if !isTIFFHeader(t) {
		return nil
	}
	t = bytes.Clone(t)
	bo := exifByteOrder(t)
	ifd0 := uint64(bo.Uint32(t[4:8]))
	entries, next, ok := exifIFD(t, bo, ifd0)
	if !ok {
		return nil
	}
	bo.PutUint32(t[next:], 0) // no IFD1: drop the thumbnail
	for _, e := range entries {
		switch bo.Uint16(t[e:]) {
		case tagImageWidth:
			setEXIFInt(t[e:e+12], bo, uint32(w))
		case tagImageLength:
			setEXIFInt(t[e:e+12], bo, uint32(h))
		case tagExifIFD:
			sub, _, ok := exifIFD(t, bo, uint64(bo.Uint32(t[e+8:])))
			if !ok {
				continue
			}
			for _, s := range sub {
				switch bo.Uint16(t[s:]) {
				case tagPixelXDimension:
					setEXIFInt(t[s:s+12], bo, uint32(w))
				case tagPixelYDimension:
					setEXIFInt(t[s:s+12], bo, uint32(h))
				}
			}
		}
	}
	return t
}

// exifOrientationApplied returns a copy of the EXIF TIFF structure t with
// its Orientation (IFD0) set to 1, for pixels the orientation has been
// applied to; nil when t is malformed.
func exifOrientationApplied(t []byte) []byte {
	if !isTIFFHeader(t) {
		return nil
	}
	t = bytes.Clone(t)
	bo := exifByteOrder(t)
	entries, _, ok := exifIFD(t, bo, uint64(bo.Uint32(t[4:8])))
	if !ok {
		return nil
	}
	for _, e := range entries {
		if bo.Uint16(t[e:]) == tagOrientation {
			setEXIFInt(t[e:e+12], bo, 1)
		}
	}
	return t
}

// exifByteOrder is the byte order a TIFF header declares.
func exifByteOrder(t []byte) binary.ByteOrder {
	if t[0] == 'I' {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// exifIFD returns the offsets of the 12-byte entries of the IFD at off and
// of its next-IFD link, all inside t; ok is false when they are not.
func exifIFD(t []byte, bo binary.ByteOrder, off uint64) (entries []uint64, next uint64, ok bool) {
	if off < 8 || off+2 > uint64(len(t)) {
		return nil, 0, false
	}
	n := uint64(bo.Uint16(t[off:]))
	next = off + 2 + 12*n
	if next+4 > uint64(len(t)) {
		return nil, 0, false
	}
	for k := range n {
		entries = append(entries, off+2+12*k)
	}
	return entries, next, true
}

// setEXIFInt sets a single-valued SHORT or LONG entry to v in place, as a
// LONG when v does not fit a SHORT (the value field holds four bytes
// either way). Entries of other types or counts are left alone.
func setEXIFInt(e []byte, bo binary.ByteOrder, v uint32) {
	typ, count := bo.Uint16(e[2:]), bo.Uint32(e[4:])
	if count != 1 || (typ != 3 && typ != 4) {
		return
	}
	clear(e[8:12])
	if typ == 3 && v <= 0xffff {
		bo.PutUint16(e[8:], uint16(v))
		return
	}
	bo.PutUint16(e[2:], 4)
	bo.PutUint32(e[8:], v)
}
