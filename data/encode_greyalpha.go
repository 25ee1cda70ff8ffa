package data

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// encodeGreyAlphaPNG writes a grey image with alpha as a PNG of colour type
// 4 (grey+alpha), which Go's image/png cannot write, so that grey input with
// transparency stays grey. depth is 8 or 16. Rows are filtered adaptively
// (the filter with the smallest sum of absolute residuals, as libpng and
// image/png do) and deflated at the default level.
func encodeGreyAlphaPNG(w io.Writer, img, alpha *Image, depth int) error {
	width, height := img.W, img.H
	bpp := 2 * depth / 8 // bytes per pixel: grey + alpha
	cw := &pngChunkWriter{w: w, kind: "IDAT"}
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = byte(depth), 4 // bit depth, colour type grey+alpha
	if err := writePNGChunk(w, "IHDR", ihdr[:]); err != nil {
		return err
	}

	bw := bufio.NewWriterSize(cw, 64<<10) // one IDAT chunk per 64 KiB
	zw, err := zlib.NewWriterLevel(bw, zlib.DefaultCompression)
	if err != nil {
		return err
	}
	n := width * bpp
	prev := make([]byte, n) // the row above the first is zeros
	cur := make([]byte, n)
	var filtered [5][]byte
	for f := range filtered {
		filtered[f] = make([]byte, 1+n)
		filtered[f][0] = byte(f)
	}
	for y := 0; y < height; y++ {
		g, a := img.Pix[y*width:][:width], alpha.Pix[y*width:][:width]
		for x := range width {
			if depth == 8 {
				cur[2*x], cur[2*x+1] = valueToSample8(g[x]), valueToSample8(a[x])
			} else {
				binary.BigEndian.PutUint16(cur[4*x:], valueToSample16(g[x]))
				binary.BigEndian.PutUint16(cur[4*x+2:], valueToSample16(a[x]))
			}
		}
		if _, err := zw.Write(bestFilter(&filtered, cur, prev, bpp)); err != nil {
			return err
		}
		prev, cur = cur, prev
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if cw.err != nil {
		return cw.err
	}
	return writePNGChunk(w, "IEND", nil)
}

// bestFilter fills the five PNG filter rows for cur (above it: prev) and
// returns the one with the smallest sum of absolute residuals.
func bestFilter(out *[5][]byte, cur, prev []byte, bpp int) []byte {
	best, bestSum := 0, -1
	for f := range out {
		row := out[f][1:]
		sum := 0
		for i, c := range cur {
			var left, up, upLeft byte
			if i >= bpp {
				left, upLeft = cur[i-bpp], prev[i-bpp]
			}
			up = prev[i]
			var p byte
			switch f {
			case 1:
				p = left
			case 2:
				p = up
			case 3:
				p = byte((int(left) + int(up)) / 2)
			case 4:
				p = paeth(left, up, upLeft)
			}
			r := c - p
			row[i] = r
			sum += absInt8(r)
		}
		if bestSum < 0 || sum < bestSum {
			best, bestSum = f, sum
		}
	}
	return out[best]
}

// paeth is the PNG Paeth predictor.
func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := absInt(p-int(a)), absInt(p-int(b)), absInt(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func absInt8(b byte) int { return absInt(int(int8(b))) }

// writePNGChunk writes one PNG chunk: length, type, data, CRC of type+data.
func writePNGChunk(w io.Writer, kind string, data []byte) error {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], kind)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, b := range [][]byte{hdr[:], data, tail[:]} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// pngChunkWriter turns each Write into one chunk of its kind.
type pngChunkWriter struct {
	w    io.Writer
	kind string
	err  error
}

func (c *pngChunkWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.err = writePNGChunk(c.w, c.kind, p); c.err != nil {
		return 0, c.err
	}
	return len(p), nil
}
