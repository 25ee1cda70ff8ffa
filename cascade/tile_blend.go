package cascade

import (
	"math"

	"github.com/srcascade/srcascade/data"
)

// FeatherWeights returns the blending weights along one axis of the tiles
// of size at the given origins (increasing, as in a TilePlan): weights[i][j]
// is the weight of pixel j of tile i. Where a tile overlaps its left
// neighbour the weight rises along a raised cosine (Hann) ramp,
// 0.5 - 0.5 cos(pi (j+0.5)/ov), from near 0 at the tile's edge to near 1
// at the neighbour's edge, ov being the overlap's width; where it overlaps
// its right neighbour it falls along the mirrored ramp; elsewhere it is 1.
// The two ramps over an overlap sum to exactly 1, so for tiles that overlap
// only pairwise the weights are a partition of unity; blending normalises
// by the sum anyway, which covers pixels under three tiles.
func FeatherWeights(starts []int, size int) [][]float32 {
	out := make([][]float32, len(starts))
	for i, s := range starts {
		w := make([]float64, size)
		for j := range w {
			w[j] = 1
		}
		if i > 0 {
			ov := starts[i-1] + size - s
			for j := 0; j < min(ov, size); j++ {
				w[j] *= 0.5 - 0.5*math.Cos(math.Pi*(float64(j)+0.5)/float64(ov))
			}
		}
		if i < len(starts)-1 {
			ov := s + size - starts[i+1]
			for j := max(0, size-ov); j < size; j++ {
				k := j - (size - ov)
				w[j] *= 0.5 + 0.5*math.Cos(math.Pi*(float64(k)+0.5)/float64(ov))
			}
		}
		out[i] = make([]float32, size)
		for j, v := range w {
			out[i][j] = float32(v)
		}
	}
	return out
}

// blender accumulates weighted tiles into an image and normalises by the
// sum of the weights. Tile weights are separable, wx[col][x] * wy[row][y],
// and the tiles form a grid, so the sum of the weights at (x, y) is
// sx[x] * sy[y]: only the weighted sum is image-sized.
type blender struct {
	plan   TilePlan
	c      int
	wx, wy [][]float32
	acc    []float32 // plan.W x plan.H x c, weighted sum
	sx, sy []float64 // per-axis sums of the weights
}

// newBlender returns a blender of the plan's tiles with the cosine
// feather weights of FeatherWeights.
func newBlender(p TilePlan, c int) *blender {
	return newBlenderWeights(p, c, FeatherWeights(p.Xs, p.TileW), FeatherWeights(p.Ys, p.TileH))
}

// newBlenderWeights returns a blender with the given per-axis weights
// (wx[col] of length p.TileW, wy[row] of length p.TileH).
func newBlenderWeights(p TilePlan, c int, wx, wy [][]float32) *blender {
	b := &blender{plan: p, c: c, wx: wx, wy: wy, acc: make([]float32, p.W*p.H*c)}
	b.sx = axisSums(p.Xs, wx, p.W)
	b.sy = axisSums(p.Ys, wy, p.H)
	return b
}

func axisSums(starts []int, w [][]float32, n int) []float64 {
	s := make([]float64, n)
	for i, o := range starts {
		for j, v := range w[i] {
			if o+j < n {
				s[o+j] += float64(v)
			}
		}
	}
	return s
}

// add accumulates tile (row, col) of the plan: pix is TileH x TileW x c
// (HWC). Pixels outside the image (a tile's mirrored padding) are dropped.
func (b *blender) add(row, col int, pix []float32) {
	p, c := b.plan, b.c
	x0, y0 := p.Xs[col], p.Ys[row]
	wx, wy := b.wx[col], b.wy[row]
	cols := min(p.TileW, p.W-x0)
	for ty := 0; ty < p.TileH && y0+ty < p.H; ty++ {
		src := pix[ty*p.TileW*c : (ty*p.TileW+cols)*c]
		dst := b.acc[((y0+ty)*p.W+x0)*c : ((y0+ty)*p.W+x0+cols)*c]
		wyv := wy[ty]
		for tx := range cols {
			w := wx[tx] * wyv
			for k := range c {
				dst[tx*c+k] += w * src[tx*c+k]
			}
		}
	}
}

// image returns the blended image: the weighted sum divided by the sum of
// the weights. It reuses the accumulator; the blender is spent.
func (b *blender) image() *data.Image {
	p, c := b.plan, b.c
	for y := range p.H {
		row := b.acc[y*p.W*c : (y+1)*p.W*c]
		for x := range p.W {
			inv := float32(1 / (b.sx[x] * b.sy[y]))
			for k := range c {
				row[x*c+k] *= inv
			}
		}
	}
	return &data.Image{W: p.W, H: p.H, C: c, Pix: b.acc}
}
