package train

import "math"

// planned is one image in the memory plan.
type planned struct {
	W, H int     // size from the header
	g0   float64 // pre-shrink scale (DownscaleHR), <= 1
	g    float64 // final scale after fitting the budget, <= g0
}

// planGeom is the geometry rule shared by the plan and the loader.
type planGeom struct {
	patch, scale int
	pairs        bool // crop (aligned to scale) instead of resizing
}

// dims is the stored HR size of a W x H image kept at scale g: resized to
// floor(W g) x floor(H g) (HR-only), or cropped to that, rounded down to a
// multiple of scale (pairs); never under patch on a side.
func (pg planGeom) dims(W, H int, g float64) (int, int) {
	if g >= 1 {
		return W, H
	}
	w := int(math.Floor(float64(W)*g + 1e-9))
	h := int(math.Floor(float64(H)*g + 1e-9))
	if pg.pairs {
		w -= w % pg.scale
		h -= h % pg.scale
	}
	return max(w, min(pg.patch, W)), max(h, min(pg.patch, H))
}

// cost is the bytes an image of stored HR size w x h takes.
func (pg planGeom) cost(w, h int) int64 {
	c := int64(w) * int64(h) * 3
	if pg.pairs {
		c += int64(w/pg.scale) * int64(h/pg.scale) * 3
	}
	return c
}

// capped is the scale of p under an area cap of M pixels, but not so small
// that the shorter side falls under patch (the aspect ratio is kept).
func (pg planGeom) capped(p planned, M float64) float64 {
	a := float64(p.W) * float64(p.H) * p.g0 * p.g0
	if a <= M {
		return p.g0
	}
	gMin := float64(pg.patch) / float64(min(p.W, p.H))
	return min(p.g0, max(gMin, p.g0*math.Sqrt(M/a)))
}

// fitBudget sets every plan's g so that the total cost fits budget, by
// capping the area of the largest images at one common value (water
// filling: small images are kept whole, only the big ones shrink). It
// returns how many plans, from the end, must be dropped because even at
// their smallest (patch on the short side) they do not fit.
func (pg planGeom) fitBudget(ps []planned, budget int64) (drop int) {
	total := func(n int, M float64) int64 {
		var t int64
		for _, p := range ps[:n] {
			t += pg.cost(pg.dims(p.W, p.H, pg.capped(p, M)))
		}
		return t
	}
	n := len(ps)
	for n > 0 && total(n, 0) > budget {
		n--
	}
	var hi float64
	for _, p := range ps[:n] {
		hi = max(hi, float64(p.W)*float64(p.H)*p.g0*p.g0)
	}
	M := hi
	if total(n, hi) > budget {
		lo := 0.0 // total(n, lo) <= budget < total(n, hi)
		for i := 0; i < 64 && hi-lo > 0.5; i++ {
			mid := (lo + hi) / 2
			if total(n, mid) <= budget {
				lo = mid
			} else {
				hi = mid
			}
		}
		M = lo
	}
	for i := range ps[:n] {
		ps[i].g = pg.capped(ps[i], M)
	}
	return len(ps) - n
}

// preShrink is the pre-shrink scale (1/factor) of a W x H source: lossy
// sources shrink by factor, but not below 2*patch on the shorter side.
func preShrink(W, H int, lossy bool, factor float64, patch int) float64 {
	if !lossy || factor <= 1 {
		return 1
	}
	f := min(factor, float64(min(W, H))/float64(2*patch))
	if f <= 1 {
		return 1
	}
	return 1 / f
}
