package data

import (
	"context"
	"fmt"
	"math"
	"runtime"
)

// BM3D (Dabov, Foi, Katkovnik and Egiazarian, "Image denoising by sparse
// 3-D transform-domain collaborative filtering", IEEE TIP 2007; colour as
// CBM3D): for every reference patch on a 3-pixel grid, the most similar
// 8x8 patches within a window around it are stacked into a group, the
// group goes through a 3-D transform (the 2-D DCT of each patch, then an
// orthonormal Haar transform along the stack), and its spectrum is hard
// thresholded at 2.7 sigma (first step) or shrunk by the empirical Wiener
// gains of the first step's group at the same positions (second step).
// Every patch of a group gets the group's estimate, weighted by the inverse
// noise variance the estimate keeps and by a Kaiser window. Patches that
// repeat across the image (a facade's windows, text, fabric) are averaged
// with each other, so the noise on texture goes where a single patch's
// transform (DenoiseDCT) would keep it with the texture. Colour is filtered
// in the orthonormal opponent space of DenoiseDCT, the groups matched on
// the luma plane and shared by the chroma planes.

const (
	bmPatch  = dctBlock // patch side
	bmStep   = 3        // reference patches every bmStep pixels
	bmSearch = 16       // candidates within bmSearch pixels of the reference
	// bmGroupHard and bmGroupWiener bound a group in the two steps.
	bmGroupHard   = 16
	bmGroupWiener = 32
	// bmThreshold is the first step's hard threshold in noise sigmas.
	bmThreshold = 2.7
	// bmMatchHard and bmMatchWiener are the largest mean squared
	// differences (8-bit levels squared per pixel) of a patch that joins a
	// group in the two steps (BM3D's tau_match).
	bmMatchHard   = 2500
	bmMatchWiener = 400
	// bmBandRefs is how many rows of reference patches one worker filters
	// into its own sums before the sums are added in order.
	bmBandRefs = 8
	// bmKaiserBeta shapes the aggregation window.
	bmKaiserBeta = 2
)

// bmKaiser is the 2-D Kaiser window (beta 2) over a patch.
var bmKaiser = func() (k [bmPatch * bmPatch]float32) {
	i0 := func(x float64) float64 { // modified Bessel function of order 0
		s, t := 1.0, 1.0
		for m := 1; m < 30; m++ {
			t *= x * x / (4 * float64(m*m))
			s += t
		}
		return s
	}
	var w [bmPatch]float64
	for n := range bmPatch {
		r := 2*float64(n)/(bmPatch-1) - 1
		w[n] = i0(bmKaiserBeta*math.Sqrt(1-r*r)) / i0(bmKaiserBeta)
	}
	for i := range bmPatch {
		for j := range bmPatch {
			k[i*bmPatch+j] = float32(w[i] * w[j])
		}
	}
	return k
}()

// DenoiseBM3D removes white noise of standard deviation sigma (in 8-bit
// levels, the scale NoiseSigmaRGB measures) from an RGB or grey image with
// BM3D's two steps (see above), in DenoiseDCT's opponent space; an RGB
// image with three equal channels is denoised as its grey plane. An image
// under 8 pixels on a side has no room for groups and is denoised by
// DenoiseDCT. sigma 0 returns a copy; a negative, NaN or above-255 sigma
// is an error. The result is not rounded to 8 bits; it is the same on any
// number of CPUs.
func DenoiseBM3D(img *Image, sigma float64) (*Image, error) {
	return DenoiseBM3DContext(context.Background(), img, sigma)
}

// DenoiseBM3DContext is DenoiseBM3D that stops with ctx's error, wrapped,
// when ctx is done: it looks before each wave of bands of the image (4 bands
// of 24 rows per CPU).
func DenoiseBM3DContext(ctx context.Context, img *Image, sigma float64) (*Image, error) {
	if img == nil || (img.C != 1 && img.C != 3) || len(img.Pix) != img.W*img.H*img.C || img.W < 1 || img.H < 1 {
		return nil, fmt.Errorf("BM3D denoising: want a grey or RGB image, have %v", img)
	}
	if !(sigma >= 0) || sigma > 255 {
		return nil, fmt.Errorf("BM3D denoising: sigma %g out of range 0..255", sigma)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("BM3D denoising: %w", err)
	}
	if sigma == 0 {
		return img.Clone(), nil
	}
	if img.W < bmPatch || img.H < bmPatch {
		return denoiseDCT(img, sigma, false), nil
	}
	out, err := denoiseBM3D(ctx, img, sigma)
	if err != nil {
		return nil, fmt.Errorf("BM3D denoising: %w", err)
	}
	return out, nil
}

// denoiseBM3D is DenoiseBM3DContext of a valid image of at least 8x8
// pixels and sigma above 0.
func denoiseBM3D(ctx context.Context, img *Image, sigma float64) (*Image, error) {
	if img.C == 3 && IsGrey(img) {
		g, err := denoiseBM3D(ctx, RGBToGrey(img), sigma)
		if err != nil {
			return nil, err
		}
		return GreyToRGB(g), nil
	}
	s := float32(sigma * 2 / 255) // [-1,1] units
	noisy := toOpponent(img)
	scale := float32(2.0/255) * float32(2.0/255) * bmPatch * bmPatch // 8-bit mean squares to [-1,1] patch sums
	basic, err := bm3dStep(ctx, noisy, nil, img.W, img.H, s, bmMatchHard*scale, bmGroupHard)
	if err != nil {
		return nil, err
	}
	final, err := bm3dStep(ctx, noisy, basic, img.W, img.H, s, bmMatchWiener*scale, bmGroupWiener)
	if err != nil {
		return nil, err
	}
	return fromOpponent(final, img.W, img.H), nil
}

// bm3dRefs returns the reference positions along a side of n pixels:
// every bmStep pixels from 0, and the last patch position.
func bm3dRefs(n int) []int {
	last := n - bmPatch
	var r []int
	for p := 0; p < last; p += bmStep {
		r = append(r, p)
	}
	return append(r, last)
}

// bm3dStep runs one BM3D step over the w x h planes: hard thresholding of
// the noisy groups when basic is nil, else Wiener shrinkage with basic as
// the pilot, the groups matched on plane 0 of the pilot (the noisy planes in
// the first step) with at most maxGroup patches whose squared distance to
// the reference (a sum over the patch, [-1,1] units) is at most tau; it
// returns ctx's error if ctx is done before a wave of bands.
func bm3dStep(ctx context.Context, noisy, basic [][]float32, w, h int, sigma, tau float32, maxGroup int) ([][]float32, error) {
	match := noisy[0]
	if basic != nil {
		match = basic[0]
	}
	xs, ys := bm3dRefs(w), bm3dRefs(h)
	nc := len(noisy)
	bands := (len(ys) + bmBandRefs - 1) / bmBandRefs
	type band struct {
		y0       int
		num, den [][]float32 // per plane, from plane row y0, w wide
	}
	num, den := make([][]float32, nc), make([][]float32, nc)
	for c := range nc {
		num[c], den[c] = make([]float32, w*h), make([]float32, w*h)
	}
	// Bands are filtered a wave at a time and added to the sums in band
	// order, which bounds the memory and keeps the bits independent of the
	// number of CPUs; a wave's slots keep their buffers for the next.
	wave := 4 * runtime.GOMAXPROCS(0)
	out := make([]band, wave)
	for i := range out {
		out[i].num, out[i].den = make([][]float32, nc), make([][]float32, nc)
	}
	for first := 0; first < bands; first += wave {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(wave, bands-first)
		parallelFor(n, 1, func(lo, hi int) {
			g := newBM3DGroup(maxGroup)
			for i := lo; i < hi; i++ {
				b := first + i
				refs := ys[b*bmBandRefs : min(len(ys), (b+1)*bmBandRefs)]
				y0 := max(0, refs[0]-bmSearch)
				y1 := min(h, refs[len(refs)-1]+bmSearch+bmPatch)
				bd := &out[i]
				bd.y0 = y0
				for c := range nc {
					bd.num[c] = zeroed(bd.num[c], (y1-y0)*w)
					bd.den[c] = zeroed(bd.den[c], (y1-y0)*w)
				}
				for _, ry := range refs {
					for _, rx := range xs {
						g.match(match, w, h, rx, ry, tau)
						for c := range nc {
							var pilot []float32
							if basic != nil {
								pilot = basic[c]
							}
							g.filter(noisy[c], pilot, w, sigma)
							g.aggregate(bd.num[c], bd.den[c], w, y0)
						}
					}
				}
			}
		})
		for _, bd := range out[:n] {
			off := bd.y0 * w
			for c := range nc {
				for i, v := range bd.num[c] {
					num[c][off+i] += v
				}
				for i, v := range bd.den[c] {
					den[c][off+i] += v
				}
			}
		}
	}
	for c := range nc {
		for i := range num[c] {
			num[c][i] /= den[c][i]
		}
	}
	return num, nil
}

// zeroed returns buf resliced to n zeros, reallocated only when too small.
func zeroed(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// bm3dGroup holds one group: its patches' positions and their 3-D spectra.
type bm3dGroup struct {
	n      int                          // patches in the group, a power of 2
	px, py []int                        // their positions, the reference first
	dist   []float32                    // their squared distances to the reference
	spec   [][bmPatch * bmPatch]float32 // the noisy group's spectrum, then its estimate
	pspec  [][bmPatch * bmPatch]float32 // the pilot group's spectrum
	weight float32                      // the estimate's aggregation weight
	haar   [][bmPatch * bmPatch]float32 // scratch for the Haar transform
}

// newBM3DGroup returns an empty group of at most maxGroup patches.
func newBM3DGroup(maxGroup int) *bm3dGroup {
	return &bm3dGroup{
		px: make([]int, 0, maxGroup), py: make([]int, 0, maxGroup), dist: make([]float32, 0, maxGroup),
		spec: make([][bmPatch * bmPatch]float32, maxGroup), pspec: make([][bmPatch * bmPatch]float32, maxGroup),
		haar: make([][bmPatch * bmPatch]float32, maxGroup),
	}
}

// match fills the group with the patches of plane (w x h) within bmSearch
// pixels of the reference (rx, ry) whose squared distance to it is at most
// tau, closest first (ties by scan order), cut to a power of 2 of at most
// cap(g.px) patches; the reference is always first.
func (g *bm3dGroup) match(plane []float32, w, h, rx, ry int, tau float32) {
	maxN := cap(g.px)
	g.px, g.py, g.dist = append(g.px[:0], rx), append(g.py[:0], ry), append(g.dist[:0], 0)
	ref := plane[ry*w+rx:]
	var d8 [8]float32
	x0, x1 := max(0, rx-bmSearch), min(w-bmPatch, rx+bmSearch) // candidate columns
	for cy := max(0, ry-bmSearch); cy <= min(h-bmPatch, ry+bmSearch); cy++ {
		row := plane[cy*w:]
		for cx := x0; cx <= x1; cx++ {
			j := (cx - x0) % 8
			if j == 0 {
				switch {
				case cx+7 <= x1:
					patchDistances8(ref, row[cx:], w, &d8)
				case x1-7 >= x0: // the last 8 candidates, shifted down
					var t [8]float32
					patchDistances8(ref, row[x1-7:], w, &t)
					copy(d8[:], t[cx-(x1-7):])
				default:
					for k := range x1 - cx + 1 {
						d8[k] = patchDistance(ref, row[cx+k:], w)
					}
				}
			}
			if cx == rx && cy == ry {
				continue
			}
			g.insert(cx, cy, d8[j], tau, maxN)
		}
	}
	n := 1
	for 2*n <= len(g.px) {
		n *= 2
	}
	g.n = n
}

// patchDistances8 sets d[j] to the squared distance between the 8x8 patch
// at the start of ref and the one j pixels into cand (rows w apart; cand
// holds 15 pixels of each row), the squares summed row by row, as the SIMD
// kernel sums them in its lanes; it uses the kernel when built in.
func patchDistances8(ref, cand []float32, w int, d *[8]float32) {
	if simdPatchDistances8(ref, cand, w, d) {
		return
	}
	for j := range d {
		d[j] = patchDistance(ref, cand[j:], w)
	}
}

// patchDistance returns the squared distance between the 8x8 patches at
// the starts of ref and cand (rows w apart), summed row by row.
func patchDistance(ref, cand []float32, w int) float32 {
	var d float32
	for i := range bmPatch {
		r, c := ref[i*w:i*w+bmPatch], cand[i*w:i*w+bmPatch]
		for k, v := range r {
			e := c[k] - v
			d += float32(e * e)
		}
	}
	return d
}

// insert adds the patch at (cx, cy), at squared distance d from the
// reference, in order after equal distances, when d is at most tau and the
// group has room or holds a farther patch, which it then drops.
func (g *bm3dGroup) insert(cx, cy int, d, tau float32, maxN int) {
	if d > tau || (len(g.dist) == maxN && d >= g.dist[maxN-1]) {
		return
	}
	k := len(g.dist)
	if k == maxN {
		k--
	} else {
		g.px, g.py, g.dist = append(g.px, 0), append(g.py, 0), append(g.dist, 0)
	}
	for k > 1 && g.dist[k-1] > d {
		g.px[k], g.py[k], g.dist[k] = g.px[k-1], g.py[k-1], g.dist[k-1]
		k--
	}
	g.px[k], g.py[k], g.dist[k] = cx, cy, d
}

// load sets dst[i] to the 2-D DCT of the group's patch i of plane (rows w
// apart).
func (g *bm3dGroup) load(dst [][bmPatch * bmPatch]float32, plane []float32, w int) {
	for i := range g.n {
		p := plane[g.py[i]*w+g.px[i]:]
		d := &dst[i]
		for n := range bmPatch {
			copy(d[n*bmPatch:(n+1)*bmPatch], p[n*w:n*w+bmPatch])
		}
		fdct8x8(d)
	}
	haarForward(dst[:g.n], g.haar)
}

// filter replaces the group's spectrum of the noisy plane by its estimate:
// hard thresholded at bmThreshold sigma without a pilot, else shrunk by the
// Wiener gains of the pilot plane's spectrum (the 3-D DC, the group's mean,
// kept in both); it sets the estimate's
// aggregation weight (one over the coefficients kept, or over the sum of the
// squared gains).
func (g *bm3dGroup) filter(noisy, pilot []float32, w int, sigma float32) {
	g.load(g.spec, noisy, w)
	var kept float32
	if pilot == nil {
		tau := bmThreshold * sigma
		for i := range g.n {
			s := &g.spec[i]
			for j, v := range s {
				if v < tau && v > -tau && (i|j) != 0 {
					s[j] = 0
				} else {
					kept++
				}
			}
		}
	} else {
		g.load(g.pspec, pilot, w)
		s2 := sigma * sigma
		for i := range g.n {
			s, p := &g.spec[i], &g.pspec[i]
			for j, v := range p {
				gain := float32(1) // the group's mean, kept as it is
				if i|j != 0 {
					gain = v * v / (v*v + s2)
				}
				s[j] *= gain
				kept += gain * gain
			}
		}
	}
	g.weight = 1 / max(kept, 1e-6)
}

// aggregate adds the group's estimate, inverse transformed, to num and its
// weight to den at each of its patches, times the Kaiser window (num and
// den are w wide and start at plane row y0).
func (g *bm3dGroup) aggregate(num, den []float32, w, y0 int) {
	haarInverse(g.spec[:g.n], g.haar)
	for i := range g.n {
		s := &g.spec[i]
		idct8x8(s)
		off := (g.py[i]-y0)*w + g.px[i]
		for n := range bmPatch {
			nr, dr := num[off+n*w:off+n*w+bmPatch], den[off+n*w:off+n*w+bmPatch]
			kw := bmKaiser[n*bmPatch : (n+1)*bmPatch]
			for x, v := range s[n*bmPatch : (n+1)*bmPatch] {
				wk := g.weight * kw[x]
				nr[x] += wk * v
				dr[x] += wk
			}
		}
	}
}

// haarForward applies the orthonormal Haar transform along the group (a
// power of 2 of spectra), coefficient by coefficient, in place: averages
// first, then details from coarse to fine; tmp holds len(s) spectra.
func haarForward(s, tmp [][bmPatch * bmPatch]float32) {
	const c = math.Sqrt2 / 2
	for l := len(s); l > 1; l /= 2 {
		h := l / 2
		for i := range h {
			a, b, lo, hi := &s[2*i], &s[2*i+1], &tmp[i], &tmp[h+i]
			for j := range a {
				lo[j], hi[j] = (a[j]+b[j])*c, (a[j]-b[j])*c
			}
		}
		copy(s[:l], tmp[:l])
	}
}

// haarInverse inverts haarForward.
func haarInverse(s, tmp [][bmPatch * bmPatch]float32) {
	const c = math.Sqrt2 / 2
	for l := 2; l <= len(s); l *= 2 {
		h := l / 2
		for i := range h {
			a, d, e, o := &s[i], &s[h+i], &tmp[2*i], &tmp[2*i+1]
			for j := range a {
				e[j], o[j] = (a[j]+d[j])*c, (a[j]-d[j])*c
			}
		}
		copy(s[:l], tmp[:l])
	}
}
