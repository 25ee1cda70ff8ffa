package data

import (
	"bytes"
	"compress/zlib"
	"io"
)

// metadataFor returns the ICC profile and EXIF to write with d's pixels: the
// profile only when its colour space matches the channels written (an
// RGB profile for colour, a grey one for grey; a CMYK profile of a JPEG Go
// converted to RGB no longer applies), the EXIF made true of the image
// (exifForImage).
func metadataFor(d *Decoded) (icc, exif []byte) {
	if isICCProfile(d.ICC) {
		want := "RGB "
		if d.Image.C == 1 {
			want = "GRAY"
		}
		if iccColourSpace(d.ICC) == want {
			icc = d.ICC
		}
	}
	if d.EXIF != nil {
		exif = exifForImage(d.EXIF, d.Image.W, d.Image.H)
	}
	return icc, exif
}

// pngMetaChunks returns the iCCP and eXIf chunks for icc and exif.
func pngMetaChunks(icc, exif []byte) ([]byte, error) {
	var out bytes.Buffer
	if icc != nil {
		var z bytes.Buffer
		z.WriteString("ICC profile\x00\x00") // name, NUL, compression method 0
		zw := zlib.NewWriter(&z)
		if _, err := zw.Write(icc); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		if err := writePNGChunk(&out, "iCCP", z.Bytes()); err != nil {
			return nil, err
		}
	}
	if exif != nil {
		if err := writePNGChunk(&out, "eXIf", exif); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// jpegMetaSegments returns the APP1 Exif segment and the APP2 ICC_PROFILE
// segments (as many as the profile needs) for exif and icc. An EXIF too
// large for one segment is left out.
func jpegMetaSegments(icc, exif []byte) []byte {
	var out bytes.Buffer
	segment := func(marker byte, parts ...[]byte) {
		n := 2
		for _, p := range parts {
			n += len(p)
		}
		out.Write([]byte{0xff, marker, byte(n >> 8), byte(n)})
		for _, p := range parts {
			out.Write(p)
		}
	}
	if exif != nil && len(exif) <= 65535-2-6 {
		segment(0xe1, []byte("Exif\x00\x00"), exif)
	}
	if icc != nil {
		count := (len(icc) + iccSegmentBytes - 1) / iccSegmentBytes
		for i := range count {
			part := icc[i*iccSegmentBytes : min(len(icc), (i+1)*iccSegmentBytes)]
			segment(0xe2, []byte("ICC_PROFILE\x00"), []byte{byte(i + 1), byte(count)}, part)
		}
	}
	return out.Bytes()
}

// pngIHDREnd is the size of a PNG's signature and IHDR chunk.
const pngIHDREnd = 8 + 8 + 13 + 4

// withMetadata wraps w so that a PNG or JPEG encoder writing to it gets
// d's metadata (metadataFor) inserted in the right place; w itself when
// there is none.
func withMetadata(w io.Writer, format string, d *Decoded) (io.Writer, error) {
	icc, exif := metadataFor(d)
	if icc == nil && exif == nil {
		return w, nil
	}
	if format == "png" {
		extra, err := pngMetaChunks(icc, exif)
		if err != nil {
			return nil, err
		}
		return &insertWriter{w: w, at: pngIHDREnd, extra: extra}, nil
	}
	return &insertWriter{w: w, at: 2, extra: jpegMetaSegments(icc, exif)}, nil
}
