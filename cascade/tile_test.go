package cascade

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkAxis asserts the invariants of one axis of a plan of n pixels.
func checkAxis(t *testing.T, n, size int, starts []int, g TileGeometry) {
	t.Helper()
	maxSize := max(g.Unit, g.MaxSize/g.Unit*g.Unit)
	overlap := max(0, min(g.Overlap, maxSize-g.Align)) / g.Align * g.Align
	if len(starts) == 0 || starts[0] != 0 {
		t.Fatalf("n=%d %+v: starts %v must begin at 0", n, g, starts)
	}
	if len(starts) == 1 {
		if size != roundUp(n, g.Pad) {
			t.Fatalf("n=%d %+v: single tile of %d, want the image rounded up to %d: %d", n, g, size, g.Pad, roundUp(n, g.Pad))
		}
		if n > maxSize {
			t.Fatalf("n=%d %+v: one tile for an axis longer than the largest tile %d", n, g, maxSize)
		}
		return
	}
	if size > maxSize || size%g.Unit != 0 {
		t.Fatalf("n=%d %+v: tile size %d, want a multiple of %d at most %d", n, g, size, g.Unit, maxSize)
	}
	if want := ceilDiv(n-overlap, maxSize-overlap); len(starts) != want {
		t.Fatalf("n=%d %+v: %d tiles, the fewest that cover is %d", n, g, len(starts), want)
	}
	for i, s := range starts {
		if s%g.Align != 0 {
			t.Fatalf("n=%d %+v: origin %d not aligned to %d", n, g, s, g.Align)
		}
		if i > 0 {
			if s <= starts[i-1] {
				t.Fatalf("n=%d %+v: origins %v not increasing", n, g, starts)
			}
			if ov := starts[i-1] + size - s; ov < overlap {
				t.Fatalf("n=%d %+v: tiles %d and %d overlap by %d < %d (origins %v, size %d)", n, g, i-1, i, ov, overlap, starts, size)
			}
		}
	}
	// The last tile is shifted inward to end on the edge, not shrunk
	// (or, when n is off the Align grid, reaches less than Align past it).
	last := starts[len(starts)-1] + size
	if last < n || last >= n+g.Align {
		t.Fatalf("n=%d %+v: last tile ends at %d, want the edge %d", n, g, last, n)
	}
}

func TestPlanTilesInvariants(t *testing.T) {
	geoms := []TileGeometry{
		{MaxSize: 512, Overlap: 64, Unit: 16, Align: 4, Pad: 16}, // x4, space-to-depth, 3 levels
		{MaxSize: 64, Overlap: 8, Unit: 8, Align: 2, Pad: 8},
		{MaxSize: 33, Overlap: 5, Unit: 4, Align: 2, Pad: 4},  // rounded down to 32 and 4
		{MaxSize: 12, Overlap: 0, Unit: 12, Align: 3, Pad: 4}, // x3 without space-to-depth
		{MaxSize: 4, Overlap: 8, Unit: 4, Align: 4, Pad: 4},   // overlap as large as a tile
		{MaxSize: 1, Overlap: 0, Unit: 1, Align: 1, Pad: 1},
	}
	for _, g := range geoms {
		for n := 1; n <= 700; n++ {
			if n%g.Align != 0 && n%7 != 0 {
				continue // HR sides are multiples of the scale; try some that are not
			}
			p, err := PlanTiles(n, n/2+1, g)
			if err != nil {
				t.Fatal(err)
			}
			checkAxis(t, n, p.TileW, p.Xs, g)
			checkAxis(t, n/2+1, p.TileH, p.Ys, g)
			// Every pixel is covered.
			cover := make([]int, n)
			for _, r := range p.Tiles() {
				if r.W != p.TileW || r.H != p.TileH {
					t.Fatalf("tile %+v has a different shape", r)
				}
				if r.Y == 0 {
					for x := r.X; x < min(n, r.X+r.W); x++ {
						cover[x]++
					}
				}
			}
			if i := slices.Index(cover, 0); i >= 0 {
				t.Fatalf("n=%d %+v: column %d not covered", n, g, i)
			}
		}
	}
}

func TestPlanTilesExamples(t *testing.T) {
	// Default x4 geometry in HR pixels (128 LR px tiles, 16 px overlap).
	g := TileGeometry{MaxSize: 512, Overlap: 64, Unit: 16, Align: 4, Pad: 16}
	cases := []struct {
		w, h         int
		tileW, tileH int
		xs, ys       []int
	}{
		// 256x256 LR: three tiles of 96 LR px per axis rather than 128s.
		{1024, 1024, 384, 384, []int{0, 320, 640}, []int{0, 320, 640}},
		// Smaller than a tile: one padded tile (40x30 LR -> 160x120 HR -> 160x128).
		{160, 120, 160, 128, []int{0}, []int{0}},
		// Exactly one tile.
		{512, 8, 512, 16, []int{0}, []int{0}},
		// One pixel too many: two tiles, overlapping by much more than asked.
		{516, 4, 304, 16, []int{0, 212}, []int{0}},
	}
	for _, c := range cases {
		p, err := PlanTiles(c.w, c.h, g)
		if err != nil {
			t.Fatal(err)
		}
		if p.TileW != c.tileW || p.TileH != c.tileH || !slices.Equal(p.Xs, c.xs) || !slices.Equal(p.Ys, c.ys) {
			t.Errorf("%dx%d: got %dx%d tiles at %v x %v, want %dx%d at %v x %v",
				c.w, c.h, p.TileW, p.TileH, p.Xs, p.Ys, c.tileW, c.tileH, c.xs, c.ys)
		}
		if p.Len() != len(p.Tiles()) || p.Len() != len(c.xs)*len(c.ys) {
			t.Errorf("%dx%d: Len %d, %d tiles", c.w, c.h, p.Len(), len(p.Tiles()))
		}
	}
}

func TestPlanTilesErrors(t *testing.T) {
	bad := []struct {
		w, h int
		g    TileGeometry
	}{
		{0, 5, TileGeometry{MaxSize: 8, Unit: 4, Align: 2, Pad: 4}},
		{5, 5, TileGeometry{MaxSize: 8, Unit: 6, Align: 4, Pad: 2}}, // Unit not a multiple of Align
		{5, 5, TileGeometry{MaxSize: 8, Unit: 4, Align: 2, Pad: 8}}, // Pad does not divide Unit
		{5, 5, TileGeometry{MaxSize: 8}},
	}
	for _, c := range bad {
		if _, err := PlanTiles(c.w, c.h, c.g); err == nil {
			t.Errorf("PlanTiles(%d, %d, %+v) accepted", c.w, c.h, c.g)
		}
	}
}

func TestFeatherWeightsPartitionOfUnity(t *testing.T) {
	g := TileGeometry{MaxSize: 48, Overlap: 12, Unit: 4, Align: 2, Pad: 4}
	for n := 49; n < 400; n += 3 {
		size, starts := planAxis(n, 48, 12, g)
		w := FeatherWeights(starts, size)
		sum := make([]float64, n)
		cover := make([]int, n)
		for i, s := range starts {
			for j, v := range w[i] {
				if !(v > 0 && v <= 1) {
					t.Fatalf("n=%d: weight[%d][%d] = %v, want in (0, 1]", n, i, j, v)
				}
				if s+j < n {
					sum[s+j] += float64(v)
					cover[s+j]++
				}
			}
			// Away from the overlaps the weight is 1.
			lo, hi := 0, size
			if i > 0 {
				lo = starts[i-1] + size - s
			}
			if i < len(starts)-1 {
				hi = starts[i+1] - s
			}
			for j := lo; j < hi; j++ {
				if w[i][j] != 1 {
					t.Fatalf("n=%d: tile %d pixel %d outside the overlaps has weight %v", n, i, j, w[i][j])
				}
			}
		}
		for x, s := range sum {
			if cover[x] <= 2 && math.Abs(s-1) > 1e-6 {
				t.Fatalf("n=%d: weights at %d (under %d tiles) sum to %v", n, x, cover[x], s)
			}
		}
	}
	// A single tile has weight 1 everywhere.
	for _, v := range FeatherWeights([]int{0}, 7)[0] {
		if v != 1 {
			t.Fatalf("single tile weight %v", v)
		}
	}
}

// fillTiles returns each tile of the plan filled from f(x, y, c).
func fillTiles(p TilePlan, c int, f func(x, y, k int) float32) [][]float32 {
	var out [][]float32
	for _, r := range p.Tiles() {
		pix := make([]float32, r.W*r.H*c)
		for y := range r.H {
			for x := range r.W {
				for k := range c {
					pix[(y*r.W+x)*c+k] = f(r.X+x, r.Y+y, k)
				}
			}
		}
		out = append(out, pix)
	}
	return out
}

func TestBlendReproducesAgreeingTiles(t *testing.T) {
	g := TileGeometry{MaxSize: 24, Overlap: 8, Unit: 4, Align: 2, Pad: 4}
	fns := map[string]func(x, y, k int) float32{
		"constant": func(_, _, k int) float32 { return []float32{0.25, -0.5, 0.75}[k] },
		"smooth": func(x, y, k int) float32 {
			return float32(math.Sin(float64(x)*0.3+float64(k)) * math.Cos(float64(y)*0.2))
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, f := range fns {
		for range 20 {
			w, h := 1+rng.IntN(90), 1+rng.IntN(90)
			p, err := PlanTiles(w, h, g)
			if err != nil {
				t.Fatal(err)
			}
			b := newBlender(p, 3)
			cols := len(p.Xs)
			for i, pix := range fillTiles(p, 3, f) {
				b.add(i/cols, i%cols, pix)
			}
			img := b.image()
			if img.W != w || img.H != h || img.C != 3 {
				t.Fatalf("blended %s for %dx%d", img, w, h)
			}
			for y := range h {
				for x := range w {
					for k := range 3 {
						if d := math.Abs(float64(img.At(x, y, k) - f(x, y, k))); d > 2e-6 {
							t.Fatalf("%s %dx%d (%d tiles): pixel (%d,%d,%d) = %v, want %v",
								name, w, h, p.Len(), x, y, k, img.At(x, y, k), f(x, y, k))
						}
					}
				}
			}
		}
	}
}
