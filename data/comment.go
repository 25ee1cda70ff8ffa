package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// MaxComment bounds EncodeOptions.Comment, in bytes.
const MaxComment = 4096

// pngCommentKeyword is the tEXt keyword of EncodeOptions.Comment.
const pngCommentKeyword = "Comment"

// checkComment refuses a comment that a PNG tEXt chunk or JPEG COM segment
// cannot carry as it is: printable ASCII only, at most MaxComment bytes.
func checkComment(c string) error {
	if len(c) > MaxComment {
		return fmt.Errorf("comment of %d bytes: at most %d", len(c), MaxComment)
	}
	for i := 0; i < len(c); i++ {
		if c[i] < 0x20 || c[i] > 0x7e {
			return fmt.Errorf("comment byte %d is %#x: printable ASCII only", i, c[i])
		}
	}
	return nil
}

// pngCommentChunk is the tEXt chunk "Comment\x00<c>" with its CRC.
func pngCommentChunk(c string) []byte {
	body := append([]byte("tEXt"+pngCommentKeyword+"\x00"), c...)
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(body)-4))
	b.Write(body)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	return b.Bytes()
}

// jpegCommentSegment is the COM segment holding c.
func jpegCommentSegment(c string) []byte {
	b := []byte{0xff, 0xfe, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(c)+2))
	return append(b, c...)
}

// insertWriter passes bytes through to w, inserting extra once after the
// first at bytes: a chunk or segment placed right after a file's header.
type insertWriter struct {
	w     io.Writer
	at    int
	extra []byte
	n     int // bytes passed so far
}

func (iw *insertWriter) Write(p []byte) (int, error) {
	written := 0
	if iw.extra != nil && iw.n+len(p) >= iw.at {
		head := iw.at - iw.n
		if _, err := iw.w.Write(p[:head]); err != nil {
			return 0, err
		}
		if _, err := iw.w.Write(iw.extra); err != nil {
			return head, err
		}
		iw.extra = nil
		iw.n += head
		written, p = head, p[head:]
	}
	n, err := iw.w.Write(p)
	iw.n += n
	return written + n, err
}

// withComment wraps w so that the encoder's output gets the comment: after
// the PNG signature and IHDR chunk (pngIHDREnd bytes), or after the JPEG SOI
// marker (2 bytes). An empty comment leaves w as it is.
func withComment(w io.Writer, format, c string) (io.Writer, error) {
	if c == "" {
		return w, nil
	}
	if err := checkComment(c); err != nil {
		return nil, err
	}
	if format == "jpeg" {
		return &insertWriter{w: w, at: 2, extra: jpegCommentSegment(c)}, nil
	}
	return &insertWriter{w: w, at: pngIHDREnd, extra: pngCommentChunk(c)}, nil
}

// ReadComment returns the comment of the PNG or JPEG file at path as
// EncodeOptions.Comment writes it: a PNG tEXt "Comment" chunk before the
// image data, or a JPEG COM segment before the scan. ok is false when the
// file has none (or is neither a PNG nor a JPEG). Only the headers are
// read, each length checked against the file, never the pixels.
func ReadComment(path string) (comment string, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	sig, err := r.Peek(8)
	if err != nil {
		return "", false, nil // too short for either: no comment
	}
	switch {
	case bytes.Equal(sig, []byte("\x89PNG\r\n\x1a\n")):
		r.Discard(8)
		return pngComment(r, path)
	case sig[0] == 0xff && sig[1] == 0xd8:
		r.Discard(2)
		return jpegComment(r, path)
	}
	return "", false, nil
}

// pngComment scans PNG chunks up to the image data for tEXt "Comment".
func pngComment(r *bufio.Reader, path string) (string, bool, error) {
	var head [8]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return "", false, nil
		}
		n := binary.BigEndian.Uint32(head[:4])
		typ := string(head[4:])
		if typ == "IDAT" || typ == "IEND" || n > 1<<31 {
			return "", false, nil
		}
		if typ == "tEXt" && n <= uint32(len(pngCommentKeyword)+1+MaxComment) {
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				return "", false, fmt.Errorf("%s: truncated tEXt chunk: %w", path, err)
			}
			if k, v, found := bytes.Cut(body, []byte{0}); found && string(k) == pngCommentKeyword {
				return string(v), true, nil
			}
			r.Discard(4) // CRC
			continue
		}
		if _, err := r.Discard(int(n) + 4); err != nil {
			return "", false, nil
		}
	}
}

// jpegComment scans JPEG segments up to the first scan for a COM segment.
func jpegComment(r *bufio.Reader, path string) (string, bool, error) {
	var head [4]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil || head[0] != 0xff {
			return "", false, nil
		}
		marker := head[1]
		n := int(binary.BigEndian.Uint16(head[2:])) - 2
		if marker == 0xda || marker == 0xd9 || n < 0 {
			return "", false, nil
		}
		if marker == 0xfe {
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				return "", false, fmt.Errorf("%s: truncated COM segment: %w", path, err)
			}
			return string(body), true, nil
		}
		if _, err := r.Discard(n); err != nil {
			return "", false, nil
		}
	}
}
