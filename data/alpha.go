package data

import "math"

// BleedTransparent returns img with the colour of its fully transparent
// pixels (alpha -1, i.e. 0 in [0,1]) replaced by the alpha-weighted colour
// of their surroundings, so that a filter or a network enlarging the colour
// sees no edge where the visible shape ends: files store transparent
// pixels as black (or anything), and that colour would otherwise bleed into
// the visible edge as a dark fringe once alpha is enlarged separately.
// Pixels with any opacity keep their colour, so what the image shows is
// unchanged. img is not modified; when no pixel is fully transparent, or
// every pixel is, img itself is returned. alpha must be img's size, C=1.
//
// The fill is push-pull: alpha-weighted colour sums are averaged down a
// pyramid of halvings, and each level's holes are filled from the coarser
// level bilinearly on the way back up, so large holes get a smooth blend of
// the nearest visible colours.
func BleedTransparent(img, alpha *Image) *Image {
	if alpha == nil || alpha.W != img.W || alpha.H != img.H || alpha.C != 1 {
		return img
	}
	holes, visible := 0, false
	for _, a := range alpha.Pix {
		if a <= -1 {
			holes++
		} else {
			visible = true
		}
	}
	if holes == 0 || !visible {
		return img
	}
	c := img.C
	// Level 0: premultiplied colour and weight.
	sum := make([]float32, len(img.Pix))
	wt := make([]float32, len(alpha.Pix))
	for i, a := range alpha.Pix {
		w := min(max(ToUnit(a), 0), 1)
		if math.IsNaN(float64(w)) {
			w = 0
		}
		wt[i] = w
		for k := range c {
			sum[i*c+k] = w * img.Pix[i*c+k]
		}
	}
	type level struct {
		w, h    int
		sum, wt []float32
		colour  []float32 // filled colour, set on the way up
	}
	levels := []level{{w: img.W, h: img.H, sum: sum, wt: wt}}
	for l := levels[0]; l.w > 1 || l.h > 1; l = levels[len(levels)-1] {
		nw, nh := (l.w+1)/2, (l.h+1)/2
		n := level{w: nw, h: nh, sum: make([]float32, nw*nh*c), wt: make([]float32, nw*nh)}
		for y := range l.h {
			for x := range l.w {
				i, j := y*l.w+x, (y/2)*nw+x/2
				n.wt[j] += l.wt[i]
				for k := range c {
					n.sum[j*c+k] += l.sum[i*c+k]
				}
			}
		}
		levels = append(levels, n)
	}
	// The coarsest level (1x1) holds the mean visible colour.
	top := &levels[len(levels)-1]
	top.colour = make([]float32, c)
	for k := range c {
		top.colour[k] = top.sum[k] / top.wt[0]
	}
	for li := len(levels) - 2; li >= 0; li-- {
		l, p := &levels[li], &levels[li+1]
		l.colour = make([]float32, l.w*l.h*c)
		parent := make([]float32, c)
		for y := range l.h {
			for x := range l.w {
				i := y*l.w + x
				bilinear(parent, p.colour, p.w, p.h, c, (float64(x)+0.5)/2-0.5, (float64(y)+0.5)/2-0.5)
				// Own average where the level has full coverage, the
				// parent's where it has none, a blend in between.
				k := max(0, 1-l.wt[i])
				for ch := range c {
					l.colour[i*c+ch] = (l.sum[i*c+ch] + k*parent[ch]) / (l.wt[i] + k)
				}
			}
		}
		if li > 0 {
			p.colour, p.sum, p.wt = nil, nil, nil // free the level above
		}
	}
	out := img.Clone()
	fill := levels[0].colour
	for i, a := range alpha.Pix {
		if a <= -1 {
			copy(out.Pix[i*c:(i+1)*c], fill[i*c:(i+1)*c])
		}
	}
	return out
}

// bilinear writes into dst the c channels of the w x h image pix sampled
// at (x, y), with edge clamping.
func bilinear(dst, pix []float32, w, h, c int, x, y float64) {
	x = min(max(x, 0), float64(w-1))
	y = min(max(y, 0), float64(h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	for k := range c {
		a := pix[(y0*w+x0)*c+k]*(1-fx) + pix[(y0*w+x1)*c+k]*fx
		b := pix[(y1*w+x0)*c+k]*(1-fx) + pix[(y1*w+x1)*c+k]*fx
		dst[k] = a*(1-fy) + b*fy
	}
}

// ResizeAlpha enlarges an alpha channel (C=1, values in [-1,1]) to w x h
// with Resize's bicubic, then clamps each output value to the range of the
// two-by-two input pixels around its position: bicubic rings at a hard
// edge (alpha 0.85 beside an input of 0.8, or below 0), and a coverage
// above what any nearby input pixel had shows as a halo. The result stays
// within [-1,1] and within the input's own range.
func ResizeAlpha(alpha *Image, w, h int) *Image {
	out := Resize(alpha, w, h)
	sx, sy := float64(w)/float64(alpha.W), float64(h)/float64(alpha.H)
	xs := make([][2]int, w)
	for x := range w {
		xs[x] = neighbours((float64(x)+0.5)/sx-0.5, alpha.W)
	}
	for y := range h {
		ys := neighbours((float64(y)+0.5)/sy-0.5, alpha.H)
		for x := range w {
			lo, hi := float32(1), float32(-1)
			for _, iy := range ys {
				for _, ix := range xs[x] {
					v := alpha.Pix[iy*alpha.W+ix]
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			i := y*w + x
			out.Pix[i] = min(max(out.Pix[i], lo), hi)
		}
	}
	return out
}

// neighbours returns the two input indices around source position u on an
// axis of n pixels, clamped to the axis.
func neighbours(u float64, n int) [2]int {
	i := int(math.Floor(u))
	return [2]int{min(max(i, 0), n-1), min(max(i+1, 0), n-1)}
}
