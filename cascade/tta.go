package cascade

import "github.com/srcascade/srcascade/data"

// ttaFlips are the mirror images Options.TTA upscales and averages: as
// is, left-right, top-bottom, and both (a half turn). Each is its own
// inverse, and none changes the image's size, so one tile plan serves all.
var ttaFlips = [...][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}

// ttaRuns is how many times a learned stage runs each pass under opts.
func ttaRuns(opts Options) int {
	if opts.TTA {
		return len(ttaFlips)
	}
	return 1
}

// mirror returns img mirrored left-right (x) and/or top-bottom (y), or img
// itself when neither.
func mirror(img *data.Image, x, y bool) *data.Image {
	if !x && !y {
		return img
	}
	w, h, c := img.W, img.H, img.C
	out := data.NewImage(w, h, c)
	for row := range h {
		sy := row
		if y {
			sy = h - 1 - row
		}
		src := img.Pix[sy*w*c : (sy+1)*w*c]
		dst := out.Pix[row*w*c : (row+1)*w*c]
		if !x {
			copy(dst, src)
			continue
		}
		for col := range w {
			copy(dst[col*c:(col+1)*c], src[(w-1-col)*c:(w-col)*c])
		}
	}
	return out
}

// meanImage returns the pixel-wise mean of images of one size (the image
// itself for one).
func meanImage(imgs []*data.Image) *data.Image {
	if len(imgs) == 1 {
		return imgs[0]
	}
	out := data.NewImage(imgs[0].W, imgs[0].H, imgs[0].C)
	for i := range out.Pix {
		var s float32
		for _, img := range imgs {
			s += img.Pix[i]
		}
		out.Pix[i] = s / float32(len(imgs))
	}
	return out
}
