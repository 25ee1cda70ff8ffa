package pretrained

import (
	"context"
	"math"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// levels converts a difference in [-1,1] units to 8-bit grey levels.
func levels(d float64) float64 { return d * 127.5 }

// maxNeighbourStep is the largest difference between horizontally or
// vertically adjacent pixels of img, any channel.
func maxNeighbourStep(img *data.Image) float64 {
	m := 0.0
	for y := range img.H {
		for x := range img.W {
			for k := range img.C {
				v := img.At(x, y, k)
				if x > 0 {
					m = max(m, math.Abs(float64(v-img.At(x-1, y, k))))
				}
				if y > 0 {
					m = max(m, math.Abs(float64(v-img.At(x, y-1, k))))
				}
			}
		}
	}
	return m
}

// lineSteps returns, for each column x > 0 (cols) and row y > 0 (rows),
// the root mean square over the line (and channels) of the step across it
// of the difference tiled - whole. Where tiles are butted together without
// blending, that difference jumps along the whole line where one tile's
// pixels give way to the next's; elsewhere it varies only as smoothly as
// the two results' small disagreements (a tile's self-attention sees only
// the tile).
func lineSteps(tiled, whole *data.Image) (cols, rows []float64) {
	cols, rows = make([]float64, tiled.W), make([]float64, tiled.H)
	d := func(x, y, k int) float64 { return float64(tiled.At(x, y, k) - whole.At(x, y, k)) }
	for y := range tiled.H {
		for x := range tiled.W {
			for k := range tiled.C {
				if x > 0 {
					s := d(x, y, k) - d(x-1, y, k)
					cols[x] += s * s / float64(tiled.H*tiled.C)
				}
				if y > 0 {
					s := d(x, y, k) - d(x, y-1, k)
					rows[y] += s * s / float64(tiled.W*tiled.C)
				}
			}
		}
	}
	for i := range cols {
		cols[i] = math.Sqrt(cols[i])
	}
	for i := range rows {
		rows[i] = math.Sqrt(rows[i])
	}
	return cols, rows
}

// tileEdges lists the positions inside an image of n pixels where a tile
// (origins starts, side size) starts or ends.
func tileEdges(starts []int, size, n int) map[int]bool {
	e := map[int]bool{}
	for _, s := range starts {
		if s > 0 {
			e[s] = true
		}
		if s+size < n {
			e[s+size] = true
		}
	}
	return e
}

// worstLines returns the largest line value at tile edges and elsewhere.
func worstLines(lines []float64, edges map[int]bool) (atEdges, elsewhere float64) {
	for i, v := range lines[1:] {
		if edges[i+1] {
			atEdges = max(atEdges, v)
		} else {
			elsewhere = max(elsewhere, v)
		}
	}
	return atEdges, elsewhere
}

// TestShippedModelTilesWithoutSeams upscales a flat colour and a photo with
// the shipped x4 model and its default sampling, once whole (one tile) and
// once cut into 3x3 tiles. A seam line is a column or row, where a tile
// starts or ends, along which the tiled result steps more than the whole
// one (see lineSteps): tile edges must be no such line, and the flat colour
// must stay flat.
func TestShippedModelTilesWithoutSeams(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the shipped x4 model")
	}
	up, err := Open("sr3-x4", "go")
	if err != nil {
		t.Fatal(err)
	}
	stage := up.(*cascade.SR3Stage)
	d, err := data.DecodeFile("../testdata/sample.png", data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	photo := data.Quantize(data.Resize(data.ModCrop(d.Image, 4), 48, 48))
	flat := data.NewImage(48, 48, 3)
	for i := range flat.Pix {
		flat.Pix[i] = []float32{0.2, -0.1, 0.45}[i%3]
	}
	const tile = 20 // LR pixels: 3x3 tiles of a 48x48 input
	plan, err := stage.Plan(48, 48, tile)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Xs) != 3 || len(plan.Ys) != 3 {
		t.Fatalf("tile %d plans %dx%d tiles, want 3x3", tile, len(plan.Xs), len(plan.Ys))
	}
	for _, c := range []struct {
		name    string
		img     *data.Image
		maxSeam float64 // grey levels
	}{
		// With DDPM sampling the tiles draw their own texture (a tile's
		// self-attention sees only the tile), so on a photo tiled and
		// whole differ by a few grey levels across every line; what
		// must not happen is that tile edges stand out.
		{"flat", flat, 0.25},
		{"photo", photo, 6},
	} {
		run := func(tile int) *data.Image {
			out, err := up.Upscale(context.Background(), c.img, cascade.Options{Scale: 4, Seed: 7, Tile: tile}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		whole, tiled := run(64), run(tile)
		cols, rows := lineSteps(tiled, whole)
		ce, co := worstLines(cols, tileEdges(plan.Xs, plan.TileW, plan.W))
		re, ro := worstLines(rows, tileEdges(plan.Ys, plan.TileH, plan.H))
		seam := levels(max(ce, re))
		t.Logf("%s: rms step of tiled - whole across a line, tile edges %.3f grey levels (columns %.3f, rows %.3f), other lines %.3f (tiles at %v, size %d; image's largest step %.1f)",
			c.name, seam, levels(ce), levels(re), levels(max(co, ro)), plan.Xs, plan.TileW, levels(maxNeighbourStep(whole)))
		if seam > c.maxSeam || seam > levels(max(co, ro)) {
			t.Errorf("%s: across tile edges the tiled result departs from the whole one by %.2f grey levels (rms step), "+
				"more than %.2f or than across any other line (%.2f): a seam", c.name, seam, c.maxSeam, levels(max(co, ro)))
		}
		// The measure sees a seam of one grey level: the whole result
		// with its right part brightened by one level.
		seamed := &data.Image{W: whole.W, H: whole.H, C: whole.C, Pix: append([]float32(nil), whole.Pix...)}
		for y := range seamed.H {
			for x := 100; x < seamed.W; x++ {
				for k := range seamed.C {
					seamed.Set(x, y, k, seamed.At(x, y, k)+1/127.5)
				}
			}
		}
		if sc, _ := lineSteps(seamed, whole); levels(sc[100]) < 0.99 {
			t.Errorf("%s: a one-level seam at x=100 measures only %.2f levels", c.name, levels(sc[100]))
		}
		if c.name == "flat" {
			dev := 0.0
			for i, v := range tiled.Pix {
				dev = max(dev, math.Abs(float64(v-flat.Pix[i%3])))
			}
			t.Logf("flat: largest deviation from the colour %.2f grey levels", levels(dev))
			if levels(dev) > 4 {
				t.Errorf("flat colour comes back with %.2f grey levels of texture", levels(dev))
			}
		}
	}
}
