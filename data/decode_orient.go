package data

// Orient returns m transformed from stored to display order for an EXIF /
// TIFF orientation value (1..8); 1 and unknown values return m itself.
// Decoding applies it; 2, 3 and 4 (the mirror images and the half turn)
// are their own inverses.
//
//	1 as stored          5 transpose (mirror + rotate 270 CW)
//	2 mirror left-right  6 rotate 90 CW
//	3 rotate 180         7 transverse (mirror + rotate 90 CW)
//	4 mirror top-bottom  8 rotate 270 CW (90 CCW)
func Orient(m *Image, orientation int) *Image {
	if orientation < 2 || orientation > 8 {
		return m
	}
	w, h, c := m.W, m.H, m.C
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := NewImage(ow, oh, c)
	// For stored pixel (x,y) the display pixel is (x0+x*dxx+y*dxy, y0+x*dyx+y*dyy).
	var x0, dxx, dxy, y0, dyx, dyy int
	switch orientation {
	case 2:
		x0, dxx, y0, dyy = w-1, -1, 0, 1
	case 3:
		x0, dxx, y0, dyy = w-1, -1, h-1, -1
	case 4:
		x0, dxx, y0, dyy = 0, 1, h-1, -1
	case 5:
		x0, dxy, y0, dyx = 0, 1, 0, 1
	case 6:
		x0, dxy, y0, dyx = h-1, -1, 0, 1
	case 7:
		x0, dxy, y0, dyx = h-1, -1, w-1, -1
	case 8:
		x0, dxy, y0, dyx = 0, 1, w-1, -1
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ox := x0 + x*dxx + y*dxy
			oy := y0 + x*dyx + y*dyy
			copy(out.Pix[(oy*ow+ox)*c:][:c], m.Pix[(y*w+x)*c:][:c])
		}
	}
	return out
}
