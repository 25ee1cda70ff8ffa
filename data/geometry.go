package data

import "fmt"

// GreyToRGB repeats the single channel of a grey image three times; an
// image that is not grey is returned as is.
func GreyToRGB(img *Image) *Image {
	if img.C != 1 {
		return img
	}
	out := NewImage(img.W, img.H, 3)
	for i, v := range img.Pix {
		out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, v, v
	}
	return out
}

// RGBToGrey is the mean of the three channels, computed in float64 so that
// three equal channels give back exactly that value (GreyToRGB's inverse);
// a grey image is returned as is.
func RGBToGrey(img *Image) *Image {
	if img.C == 1 {
		return img
	}
	out := NewImage(img.W, img.H, 1)
	for i := range out.Pix {
		p := img.Pix[i*img.C:]
		out.Pix[i] = float32((float64(p[0]) + float64(p[1]) + float64(p[2])) / 3)
	}
	return out
}

// IsGrey reports whether img is grey: one channel, or three channels
// equal at every pixel (a grey photo decoded or converted to RGB).
func IsGrey(img *Image) bool {
	if img.C == 1 {
		return true
	}
	if img.C != 3 {
		return false
	}
	for i := 0; i+2 < len(img.Pix); i += 3 {
		if img.Pix[i] != img.Pix[i+1] || img.Pix[i] != img.Pix[i+2] {
			return false
		}
	}
	return true
}

// Crop returns the w x h part of img whose top-left corner is (x, y). It
// returns img itself when the rectangle is the whole image, and an error
// when the rectangle is not inside it.
func Crop(img *Image, x, y, w, h int) (*Image, error) {
	if x < 0 || y < 0 || w < 1 || h < 1 || x+w > img.W || y+h > img.H {
		return nil, fmt.Errorf("crop %dx%d at (%d,%d) is outside the %s image", w, h, x, y, img)
	}
	if x == 0 && y == 0 && w == img.W && h == img.H {
		return img, nil
	}
	out := NewImage(w, h, img.C)
	row := w * img.C
	for r := range h {
		src := ((y+r)*img.W + x) * img.C
		copy(out.Pix[r*row:(r+1)*row], img.Pix[src:src+row])
	}
	return out, nil
}

// CenterCrop returns the central part of img of at most maxSide pixels on
// each side, the crop's sides being multiples of multiple (>= 1); an image
// that already fits (after cutting to the multiple) is only cut.
func CenterCrop(img *Image, maxSide, multiple int) (*Image, error) {
	if multiple < 1 || maxSide < multiple {
		return nil, fmt.Errorf("center crop: side %d, multiple %d: want 1 <= multiple <= side", maxSide, multiple)
	}
	w := min(img.W, maxSide) / multiple * multiple
	h := min(img.H, maxSide) / multiple * multiple
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("center crop: the %s image is smaller than %d", img, multiple)
	}
	return Crop(img, (img.W-w)/2, (img.H-h)/2, w, h)
}

// MirrorPad extends img to w x h (at least its size) by mirroring its right
// and bottom edges symmetrically, the edge pixel repeated (...c b a | a b
// c...), as MATLAB's symmetric padding. It returns img itself when no
// padding is needed.
func MirrorPad(img *Image, w, h int) *Image {
	if w == img.W && h == img.H {
		return img
	}
	out := NewImage(w, h, img.C)
	for y := range h {
		sy := MirrorIndex(y, img.H)
		for x := range w {
			sx := MirrorIndex(x, img.W)
			copy(out.Pix[(y*w+x)*img.C:(y*w+x+1)*img.C], img.Pix[(sy*img.W+sx)*img.C:(sy*img.W+sx+1)*img.C])
		}
	}
	return out
}

// MirrorIndex maps any i into [0, n) by symmetric reflection (edge pixel
// repeated: -1 is 0, n is n-1, as MATLAB's 'symmetric' padding), the index
// form of MirrorPad.
func MirrorIndex(i, n int) int {
	if i < 0 {
		i = -i - 1
	}
	period := 2 * n
	i %= period
	if i >= n {
		i = period - 1 - i
	}
	return i
}
