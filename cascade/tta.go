package cascade

import "github.com/srcascade/srcascade/data"

// ttaOrientations are the mirror images Options.TTA upscales and
// averages, as EXIF orientations (data.Orient): as is, left-right,
// top-bottom, and both (a half turn). Each is its own inverse, and none
// changes the image's size, so one tile plan serves all.
var ttaOrientations = [...]int{1, 2, 4, 3}

// ttaRuns is how many times a learned stage runs each pass under opts.
func ttaRuns(opts Options) int {
	if opts.TTA {
		return len(ttaOrientations)
	}
	return 1
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
