package data

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"slices"
)

// JPEG block deblocking by re-application of JPEG (Nosratinia, "Enhancement
// of JPEG-compressed images by re-application of JPEG", 2001): an image
// decoded from a JPEG of quality q is compressed again at q on each of the
// 64 shifts of the 8x8 block grid, decompressed, shifted back, and the 64
// results averaged. Re-compression on the original grid changes a JPEG
// decode almost nothing; on the shifted grids it removes what the image
// holds at the block boundaries and nowhere else, so the average keeps the
// content and loses the blocks. The quality is found blindly by the same
// property (EstimateJPEGQuality): the image changes least when compressed
// again at its own quality.

// Bounds of EstimateJPEGQuality's search and sample.
const (
	// jpegBlock is the side of a JPEG block, the period of its grid.
	jpegBlock = 8
	// jpegQualityMin and jpegQualityMax bound the qualities searched. Above
	// 95 re-compression changes any image by little more than rounding, so
	// no quality there is told apart from an uncompressed image.
	jpegQualityMin = 10
	jpegQualityMax = 95
	// jpegProbeSide is the side of the centred crop (on the block grid)
	// the quality is estimated on, which bounds the cost for large images.
	jpegProbeSide = 128
	// jpegDipRatio: a quality is taken when re-compression at it changes
	// the image at most this fraction of the median change at the six
	// qualities around it. Measured: held-out photos compressed at 50-90
	// change by 0.00-0.28 levels at their own quality against 0.4-4.5
	// around it, a smooth synthetic image with noise by 0.20-0.30 against
	// 0.45-0.9 (ratios up to 0.5); uncompressed, noisy or blurred images
	// change smoothly less as the quality rises (ratios near 1).
	jpegDipRatio = 0.6
	// jpegDipMax is the most, in 8-bit levels (RMS), a JPEG decode changes
	// when compressed again at its own quality (measured on the held-out
	// photos' LR: median 0.00-0.18, at most 0.63 at quality 30, 0.47 at 50,
	// 0.32 at 90); a dip above it is content, not a signature.
	jpegDipMax = 0.7
	// jpegDipUnique: no coarser quality may change the image by less than
	// this factor times the dip's change.
	jpegDipUnique = 1.5
)

// EstimateJPEGQuality returns the quality (IJG scale, jpegQualityMin to
// jpegQualityMax) an RGB or grey image was last JPEG-compressed at, with
// the standard tables scaled by quality (libjpeg, Go's image/jpeg and the
// tools built on them) and its block grid at the image's top-left corner;
// ok is false when there is none: uncompressed, compressed above quality
// 95, resized or cropped off the grid after compression, or with other
// quantization tables. It compresses a centred crop of at most 128x128
// pixels again at each quality and looks for a sharp, small and unique dip
// in the change (jpegDipRatio, jpegDipMax, jpegDipUnique). Measured on 8
// held-out photos' LR (x4, 32 crops): found at its exact quality for 157
// of 160 JPEG decodes at qualities 30-90 and of the combined blur, noise
// and JPEG damage, and for none of 32 clean, 64 noisy, Set5 and Set14; on
// 95 JPEG photo files it finds a quality for 49 (the others have camera
// tables or quality above 95).
func EstimateJPEGQuality(img *Image) (quality int, ok bool, err error) {
	if img.C != 1 && img.C != 3 {
		return 0, false, fmt.Errorf("estimate JPEG quality: %d channels, want 1 or 3", img.C)
	}
	if img.W < 16 || img.H < 16 {
		return 0, false, nil
	}
	probe := img
	if img.W > jpegProbeSide || img.H > jpegProbeSide {
		w, h := min(img.W, jpegProbeSide), min(img.H, jpegProbeSide)
		// On the chroma grid (16 pixels for 4:2:0), so blocks stay aligned.
		x, y := (img.W-w)/2/16*16, (img.H-h)/2/16*16
		if probe, err = Crop(img, x, y, w, h); err != nil {
			return 0, false, fmt.Errorf("estimate JPEG quality: %w", err)
		}
	}
	change := make([]float64, jpegQualityMax+4)
	errs := make([]error, len(change))
	first := jpegQualityMin - 8
	parallelFor(len(change)-first, 1, func(lo, hi int) {
		for q := first + lo; q < first+hi; q++ {
			again, err := JPEGRoundTrip(probe, q)
			if err != nil {
				errs[q] = err
				continue
			}
			change[q] = RMSDistance(probe, again)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return 0, false, fmt.Errorf("estimate JPEG quality: %w", err)
	}
	// The dip with the least change; qualities whose tables are the same
	// (49, 50 and 51 round to the same steps) change the image the same,
	// and the middle of such a run is taken.
	best := 0
	for q := jpegQualityMin; q <= jpegQualityMax; q++ {
		around := []float64{change[q-3], change[q-2], change[q-1], change[q+1], change[q+2], change[q+3]}
		if med := median(around); med <= 0 || change[q] > jpegDipRatio*med {
			continue
		}
		if best == 0 || change[q] < change[best] {
			best = q
		}
	}
	if best == 0 || change[best]*127.5 > jpegDipMax {
		return 0, false, nil
	}
	lo, hi := best, best
	for lo > jpegQualityMin && change[lo-1] == change[best] {
		lo--
	}
	for hi < jpegQualityMax && change[hi+1] == change[best] {
		hi++
	}
	// A coarser quality (beyond the neighbours the dip is measured against)
	// that changes the image about as little is no JPEG signature but flat
	// content that a family of tables leaves alike (finer ones may: a
	// quality whose steps divide the image's).
	for q := first; q < lo-3; q++ {
		if change[q] <= jpegDipUnique*change[best] {
			return 0, false, nil
		}
	}
	return (lo + hi) / 2, true, nil
}

// DeblockJPEG removes the block artefacts of an image decoded from a JPEG
// of the given quality (see EstimateJPEGQuality) by re-application of JPEG
// on the 64 shifts of the block grid, averaged. The result is not rounded
// to 8 bits. It is deterministic: the same on any number of CPUs.
func DeblockJPEG(img *Image, quality int) (*Image, error) {
	if img.C != 1 && img.C != 3 {
		return nil, fmt.Errorf("deblock JPEG: %d channels, want 1 or 3", img.C)
	}
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("deblock JPEG: quality %d out of range 1..100", quality)
	}
	const b = jpegBlock
	padded := reflectPad(img, b) // by a block on every side
	// One partial sum per row of shifts, each summed in a fixed order, then
	// the rows in order: the result does not depend on the scheduling.
	rows := make([]*Image, b)
	errs := make([]error, b)
	parallelFor(b, 1, func(lo, hi int) {
		for sy := lo; sy < hi; sy++ {
			rows[sy], errs[sy] = shiftedRoundTrips(padded, img, sy, quality)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("deblock JPEG (quality %d): %w", quality, err)
	}
	out := rows[0]
	for _, r := range rows[1:] {
		for i, v := range r.Pix {
			out.Pix[i] += v
		}
	}
	for i := range out.Pix {
		out.Pix[i] /= b * b
	}
	return out, nil
}

// shiftedRoundTrips is the sum, over the 8 horizontal shifts sx of row sy,
// of img's pixels re-compressed at quality on the grid shifted by (sx, sy):
// the window of padded (img padded by 8) at (sx, sy) round-tripped, pixel
// (x, y) of img being at (x+8-sx, y+8-sy) of it.
func shiftedRoundTrips(padded, img *Image, sy, quality int) (*Image, error) {
	const b = jpegBlock
	w, h := img.W+b, img.H+b
	sum := NewImage(img.W, img.H, img.C)
	for sx := range b {
		window, err := Crop(padded, sx, sy, w, h)
		if err == nil {
			window, err = JPEGRoundTrip(window, quality)
		}
		if err != nil {
			return nil, err
		}
		for y := range img.H {
			src := window.Pix[((y+b-sy)*w+b-sx)*img.C:]
			dst := sum.Pix[y*img.W*img.C : (y+1)*img.W*img.C]
			for i := range dst {
				dst[i] += src[i]
			}
		}
	}
	return sum, nil
}

// JPEGRoundTrip compresses an RGB or grey image as a JPEG of the given
// quality with Go's image/jpeg (4:2:0 chroma for colour), as Encode writes
// it, and decodes it again: what saving and reopening the file gives.
func JPEGRoundTrip(img *Image, quality int) (*Image, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, toJPEGImage(img, nil), &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("JPEG at quality %d: %w", quality, err)
	}
	m, err := jpeg.Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("JPEG at quality %d: decoding: %w", quality, err)
	}
	out := fromGoImage(m, img.C == 1).Image
	if img.C == 3 && out.C == 1 {
		out = GreyToRGB(out)
	}
	return out, nil
}

// reflectPad pads img by p pixels on every side, mirrored about the edge
// pixels' outer borders (the edge pixel repeated: MirrorIndex).
func reflectPad(img *Image, p int) *Image {
	w, h := img.W+2*p, img.H+2*p
	out := NewImage(w, h, img.C)
	for y := range h {
		sy := MirrorIndex(y-p, img.H)
		for x := range w {
			sx := MirrorIndex(x-p, img.W)
			copy(out.Pix[(y*w+x)*img.C:(y*w+x+1)*img.C], img.Pix[(sy*img.W+sx)*img.C:(sy*img.W+sx+1)*img.C])
		}
	}
	return out
}

// median returns the median of v (the mean of the middle two for an even
// count); v is reordered.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
