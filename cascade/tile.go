package cascade

import (
	"fmt"
)

// Rect is a rectangle of pixels: origin (X, Y), size W x H.
type Rect struct{ X, Y, W, H int }

// TileGeometry says how PlanTiles may cut an image; all lengths are in
// pixels of the image being tiled.
type TileGeometry struct {
	// MaxSize bounds the side of a tile (memory grows with the tile's
	// area). It is rounded down to a multiple of Unit, and is at least Unit.
	MaxSize int
	// Overlap is the least overlap between neighbouring tiles, rounded
	// down to a multiple of Align and kept below the tile size.
	Overlap int
	// Unit divides the side of every tile of an image larger than a tile.
	// It must be a multiple of Align.
	Unit int
	// Align divides every tile origin (e.g. the scale factor in HR pixels,
	// so that tiles start on the LR pixel grid).
	Align int
	// Pad divides the side of the single tile along an axis the image
	// fits in: the tile is the image rounded up to a multiple of Pad, the
	// rest being mirrored image. It must divide Unit.
	Pad int
}

// TilePlan is a grid of overlapping tiles of one shape covering an image.
// Tile (row r, column c) is Rect{Xs[c], Ys[r], TileW, TileH}. Along an
// axis where the image is larger than the tile, tiles are spread evenly
// from the first edge to the last (the last tile ends on the image's edge,
// shifted inward rather than shrunk); along an axis the image fits in there
// is one tile at 0, larger than the image when the image is not a
// multiple of TileGeometry.Pad.
type TilePlan struct {
	W, H         int   // image size
	TileW, TileH int   // tile size, the same for every tile
	Xs, Ys       []int // tile origins of the columns and of the rows
}

// Len returns the number of tiles.
func (p TilePlan) Len() int { return len(p.Xs) * len(p.Ys) }

// Tiles returns the tiles in row-major order.
func (p TilePlan) Tiles() []Rect {
	out := make([]Rect, 0, p.Len())
	for _, y := range p.Ys {
		for _, x := range p.Xs {
			out = append(out, Rect{X: x, Y: y, W: p.TileW, H: p.TileH})
		}
	}
	return out
}

// PlanTiles cuts a w x h image into a grid of tiles of one shape: each
// side at most g.MaxSize, neighbours overlapping by at least g.Overlap.
// Along each axis it uses the fewest tiles of at most MaxSize that cover
// the image with that overlap, then the smallest multiple of g.Unit that
// still covers it with as many tiles, so no more is computed than needed;
// the tiles are spread evenly (overlaps differ by at most g.Align).
func PlanTiles(w, h int, g TileGeometry) (TilePlan, error) {
	if w < 1 || h < 1 {
		return TilePlan{}, fmt.Errorf("cascade: cannot tile a %dx%d image", w, h)
	}
	if g.Align < 1 || g.Unit < 1 || g.Pad < 1 || g.Unit%g.Align != 0 || g.Unit%g.Pad != 0 {
		return TilePlan{}, fmt.Errorf("cascade: bad tile geometry %+v (Unit must be a multiple of Align and of Pad)", g)
	}
	maxSize := max(g.Unit, g.MaxSize/g.Unit*g.Unit)
	overlap := max(0, min(g.Overlap, maxSize-g.Align)) / g.Align * g.Align
	p := TilePlan{W: w, H: h}
	p.TileW, p.Xs = planAxis(w, maxSize, overlap, g)
	p.TileH, p.Ys = planAxis(h, maxSize, overlap, g)
	return p, nil
}

// planAxis plans one axis of n pixels (see PlanTiles); maxSize is a
// multiple of g.Unit and overlap a multiple of g.Align below it.
func planAxis(n, maxSize, overlap int, g TileGeometry) (size int, starts []int) {
	if n <= maxSize {
		return roundUp(n, g.Pad), []int{0}
	}
	// Fewest tiles: k*maxSize - (k-1)*overlap >= n.
	k := ceilDiv(n-overlap, maxSize-overlap)
	// Smallest size for k tiles; it is at most maxSize by the choice of k.
	size = min(maxSize, roundUp(ceilDiv(n+(k-1)*overlap, k), g.Unit))
	// Spread the origins evenly between 0 and n-size on the Align grid.
	// n-size is a multiple of Align when n is; otherwise the last origin
	// is rounded up and the last tile reaches past the image (mirrored).
	span := (n - size) / g.Align
	if (n-size)%g.Align != 0 {
		span++
	}
	starts = make([]int, k)
	for i := range starts {
		starts[i] = i * span / (k - 1) * g.Align
	}
	return size, starts
}

func roundUp(v, m int) int { return ceilDiv(v, m) * m }
func ceilDiv(a, b int) int { return (a + b - 1) / b }
func lcm(a, b int) int     { return a / gcd(a, b) * b }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
