package cascade

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

func TestSR3StageOneTileMatchesModelUpscale(t *testing.T) {
	residual := tinyConfig(2)
	plain := tinyConfig(2)
	plain.Residual = false
	ctx := context.Background()
	img := smoothImage(18, 13) // HR 36x26: padded to 36x28 by mirroring
	for _, c := range []struct {
		name string
		cfg  sr3.Config
		opts Options
	}{
		{"residual ddim", residual, Options{Scale: 2, Seed: 3, Steps: 2, Sampler: "ddim"}},
		{"residual ddpm partial", residual, Options{Scale: 2, Seed: 4, Steps: 3, Sampler: "ddpm", Strength: 0.6}},
		{"plain ddim eta", plain, Options{Scale: 2, Seed: 5, Steps: 2, Sampler: "ddim", Eta: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := tinyStage(t, c.cfg)
			p, err := s.Plan(img.W, img.H, 0)
			if err != nil {
				t.Fatal(err)
			}
			if p.Len() != 1 || p.TileW != 36 || p.TileH != 28 {
				t.Fatalf("plan %+v: want one 36x28 tile", p)
			}
			got, err := s.Upscale(ctx, img, c.opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := s.SamplerConfig(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			noise := NewNoiseField(c.opts.Seed).Tiles([]Rect{{W: 36, H: 28}}, 3)
			want, err := s.Model().Upscale(ctx, img, sc, noise, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.W != 36 || got.H != 26 || want.W != 36 || want.H != 26 {
				t.Fatalf("sizes: stage %s, model %s", got, want)
			}
			if d := maxDiff(got.Pix, want.Pix); d != 0 {
				t.Errorf("one-tile stage output differs from Model.Upscale by up to %g", d)
			}
			if d := maxDiff(got.Pix, data.Resize(img, 36, 26).Pix); d < 1e-3 {
				t.Errorf("output is bicubic (max difference %g): the test model does nothing", d)
			}
		})
	}
}

func TestSR3StageTilingExactForPointwiseNet(t *testing.T) {
	s := tinyStage(t, tinyConfig(2))
	s.eps = pointwiseEps
	img := smoothImage(40, 30)
	ctx := context.Background()
	for _, opts := range []Options{
		{Scale: 2, Seed: 9, Steps: 3, Sampler: "ddpm"},
		{Scale: 2, Seed: 9, Steps: 2, Sampler: "ddim", Eta: 0.5, Strength: 0.7},
	} {
		whole, err := s.Upscale(ctx, img, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		opts.Tile = 8
		p, _ := s.Plan(img.W, img.H, opts.Tile)
		if p.Len() < 20 {
			t.Fatalf("plan %+v: want many tiles", p)
		}
		tiled, err := s.Upscale(ctx, img, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(whole.Pix, tiled.Pix); d > 1e-5 {
			t.Errorf("%+v: %d tiles differ from one tile by up to %g", opts, p.Len(), d)
		}
		if d := maxDiff(whole.Pix, data.Resize(img, 80, 60).Pix); d < 1e-2 {
			t.Errorf("output is bicubic (max difference %g)", d)
		}
	}
}

// offsetOracle is a noise predictor that knows the answer: item j of the
// batch is denoised to exactly the flat residual offsets[j] (image space),
// as if each tile had its own idea of the image's brightness. It shows
// what blending does with tiles that disagree.
func offsetOracle(rs float64, offsets []float64) func(cond []float32, n, h, w int, condLevel float64) (sr3.EpsFunc, error) {
	return func(cond []float32, n, h, w int, _ float64) (sr3.EpsFunc, error) {
		out := make([]float32, len(cond))
		per := len(cond) / n
		return func(_ context.Context, x []float32, g float64) ([]float32, error) {
			for i := range x {
				t := offsets[i/per] * rs // the target in diffusion space
				out[i] = float32((float64(x[i]) - math.Sqrt(g)*t) / math.Sqrt(1-g))
			}
			return out, nil
		}, nil
	}
}

// maxStep returns the largest |img(x,y) - img(x-1,y)| (along x) or
// |img(x,y) - img(x,y-1)| (along y).
func maxStep(img *data.Image, alongY bool) float64 {
	m := 0.0
	for y := range img.H {
		for x := range img.W {
			px, py := x-1, y
			if alongY {
				px, py = x, y-1
			}
			if px < 0 || py < 0 {
				continue
			}
			for k := range img.C {
				m = max(m, math.Abs(float64(img.At(x, y, k)-img.At(px, py, k))))
			}
		}
	}
	return m
}

// TestSR3StageSeamlessWhenTilesDisagree runs tiles that each denoise a
// flat image to a different brightness (up to 0.4 apart): feathered, every
// step between neighbouring pixels stays within the cosine ramp's slope
// over the overlap, while butting the same tiles together (each pixel from
// the nearest tile) leaves steps of the full disagreement: seams.
func TestSR3StageSeamlessWhenTilesDisagree(t *testing.T) {
	cfg := tinyConfig(2)
	s := tinyStage(t, cfg)
	s.BatchPixels = 1 << 30 // one batch: the oracle tells tiles apart by their place in it
	rgb := [3]float32{0.3, -0.2, 0.5}
	img := flatImage(48, 40, rgb)
	opts := Options{Scale: 2, Seed: 1, Steps: 2, Sampler: "ddim", Strength: 0.8, Tile: 16}
	sc, err := s.SamplerConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	job, err := s.planJob(img.W, img.H, opts.Tile, sc)
	if err != nil {
		t.Fatal(err)
	}
	p := job.plan
	if len(job.batches) != 1 || len(p.Xs) < 3 || len(p.Ys) < 3 {
		t.Fatalf("plan %+v in %d batches: want a 3x3 grid or more in one batch", p, len(job.batches))
	}
	offsets := make([]float64, p.Len())
	for i := range offsets {
		offsets[i] = 0.1 * float64((3*i)%5-2)
	}
	s.eps = offsetOracle(cfg.ResidualScale, offsets)
	run := func(b *blender) *data.Image {
		out, err := s.run(context.Background(), job, img, 0, sc, NewNoiseField(opts.Seed), b, nil, func(int) {})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	feathered := run(newBlender(p, 3))
	hard := run(newBlenderWeights(p, 3, hardWeights(p.Xs, p.TileW), hardWeights(p.Ys, p.TileH)))

	// Where a single tile covers a pixel, the output is that tile's.
	cols := len(p.Xs)
	for i, r := range p.Tiles() {
		x, y := r.X+r.W/2, r.Y+r.H/2
		for k := range 3 {
			want := float64(rgb[k]) + offsets[i]
			if d := math.Abs(float64(feathered.At(x, y, k)) - want); d > 1e-4 {
				t.Fatalf("centre of tile %d (row %d col %d): %v, want %v", i, i/cols, i%cols, feathered.At(x, y, k), want)
			}
		}
	}
	minOverlap := math.MaxInt
	for i := 1; i < len(p.Xs); i++ {
		minOverlap = min(minOverlap, p.Xs[i-1]+p.TileW-p.Xs[i])
	}
	for i := 1; i < len(p.Ys); i++ {
		minOverlap = min(minOverlap, p.Ys[i-1]+p.TileH-p.Ys[i])
	}
	// The ramp 0.5-0.5cos(pi (j+0.5)/ov) rises by at most pi/(2 ov) per
	// pixel; tiles differ by at most 0.4.
	bound := 0.4*math.Pi/(2*float64(minOverlap)) + 1e-4
	for _, alongY := range []bool{false, true} {
		f, h := maxStep(feathered, alongY), maxStep(hard, alongY)
		t.Logf("along y %v: largest step feathered %.4f (bound %.4f), butted %.4f", alongY, f, bound, h)
		if f > bound {
			t.Errorf("along y %v: feathered output has a step of %.4f > %.4f: a seam", alongY, f, bound)
		}
		if h < 0.2 {
			t.Errorf("along y %v: butted tiles show no seam (largest step %.4f): the test cannot see seams", alongY, h)
		}
	}
}

// hardWeights gives each pixel wholly to the tile whose centre is nearest:
// tiles butt against each other with no cross-fade.
func hardWeights(starts []int, size int) [][]float32 {
	out := make([][]float32, len(starts))
	for i, s := range starts {
		out[i] = make([]float32, size)
		for j := range size {
			x := s + j
			best := 0
			for k, o := range starts {
				if abs(2*x-(2*o+size)) < abs(2*x-(2*starts[best]+size)) {
					best = k
				}
			}
			if best == i {
				out[i][j] = 1
			}
		}
	}
	return out
}

func abs(v int) int { return max(v, -v) }

func rms(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i] - b[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(a)))
}

// TestSR3StageTiledCloseToWhole runs a random-weights UNet on a flat and a
// smooth image in 16-pixel tiles and in one tile: with the shared noise
// field and the full image's bicubic conditioning, the tiles change the
// output by a small fraction of what the network changes (measured: 9% of
// the network's RMS effect with a 2-step DDIM from pure noise, 6% with
// 4-step DDPM, 2.5% for a one-step partial start; with independent noise
// per tile instead of the shared field it is 100 to 130%).
func TestSR3StageTiledCloseToWhole(t *testing.T) {
	s := tinyStage(t, tinyConfig(2))
	for name, img := range map[string]*data.Image{"flat": flatImage(48, 40, [3]float32{0.3, -0.2, 0.5}), "smooth": smoothImage(48, 40)} {
		for _, opts := range []Options{
			{Scale: 2, Seed: 1, Steps: 2, Sampler: "ddim", Tile: 16},
			{Scale: 2, Seed: 2, Steps: 1, Sampler: "ddim", Tile: 16, Strength: 0.3},
			{Scale: 2, Seed: 3, Steps: 4, Sampler: "ddpm", Tile: 16},
		} {
			tiled, err := s.Upscale(context.Background(), img, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			one := opts
			one.Tile = 0
			whole, err := s.Upscale(context.Background(), img, one, nil)
			if err != nil {
				t.Fatal(err)
			}
			bic := data.Resize(img, 96, 80)
			dt, dn := rms(tiled.Pix, whole.Pix), rms(whole.Pix, bic.Pix)
			t.Logf("%s %+v: RMS tiled - whole %.4f, whole - bicubic %.4f", name, opts, dt, dn)
			if dn < 0.05 || dt > 0.2*dn {
				t.Errorf("%s %+v: tiling changes the output by %.4f RMS, the network by %.4f", name, opts, dt, dn)
			}
		}
	}
}

func TestSR3StageCompilesOneShape(t *testing.T) {
	s := tinyStage(t, tinyConfig(2))
	img := smoothImage(40, 30)
	opts := Options{Scale: 2, Seed: 1, Steps: 1, Tile: 8}
	plan, err := s.Plan(img.W, img.H, opts.Tile)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := s.SamplerConfig(opts)
	if job, err := s.planJob(img.W, img.H, opts.Tile, sc); err != nil || len(job.batches[0]) != 1 {
		t.Fatalf("default batches on the Go backend: %v, %v; want one tile per call", job.batches, err)
	}
	per := (plan.TileW / 2) * (plan.TileH / 2) // UNet pixels of a tile (space-to-depth x2)
	most := (plan.Len() + 2) / 3
	s.BatchPixels = most * per // three batches, the last one padded
	job, err := s.planJob(img.W, img.H, opts.Tile, sc)
	if err != nil {
		t.Fatal(err)
	}
	realTiles := 0
	for i, b := range job.batches {
		if len(b) != len(job.batches[0]) || len(b) > most {
			t.Fatalf("batch %d holds %d tiles, batch 0 %d, budget %d", i, len(b), len(job.batches[0]), most)
		}
		realTiles += job.real[i]
	}
	if len(job.batches) != 3 || realTiles != plan.Len() || 3*len(job.batches[0]) == plan.Len() {
		t.Fatalf("%d tiles in %d batches of %d (%d real): want 3 batches, the last one padded", plan.Len(), len(job.batches), len(job.batches[0]), realTiles)
	}
	before := s.Model().Compilations()
	out, err := s.Upscale(context.Background(), img, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Model().Compilations() - before; n != 1 {
		t.Errorf("%d tiles in %d batches compiled the step %d times, want once", plan.Len(), len(job.batches), n)
	}
	if out.W != 80 || out.H != 60 {
		t.Errorf("output %s, want 80x60", out)
	}
	// A second image of another size with the same tile shape compiles nothing.
	if _, err := s.Upscale(context.Background(), smoothImage(44, 28), opts, nil); err != nil {
		t.Fatal(err)
	}
	if n := s.Model().Compilations() - before; n != 1 {
		t.Errorf("a second image recompiled the step (%d compilations)", n)
	}
}

func TestSR3StageProgressAndCancel(t *testing.T) {
	s := tinyStage(t, tinyConfig(2))
	s.eps = pointwiseEps
	s.BatchPixels = 1 // one tile per batch
	img := smoothImage(24, 20)
	opts := Options{Scale: 4, Seed: 1, Steps: 3, Tile: 8} // two x2 passes
	var got [][2]int
	out, err := s.Upscale(context.Background(), img, opts, func(done, total int) { got = append(got, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if out.W != 96 || out.H != 80 {
		t.Fatalf("x4 of 24x20 by a x2 model gave %s", out)
	}
	p1, _ := s.Plan(24, 20, 8)
	p2, _ := s.Plan(48, 40, 8)
	total := 3 * (p1.Len() + p2.Len())
	if len(got) != total {
		t.Fatalf("%d progress reports, want %d (tiles %d + %d, 3 steps)", len(got), total, p1.Len(), p2.Len())
	}
	for i, g := range got {
		if g != [2]int{i + 1, total} {
			t.Fatalf("report %d = %v, want %v", i, g, [2]int{i + 1, total})
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err = s.Upscale(ctx, img, opts, func(done, total int) {
		calls++
		if done == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upscale returned %v", err)
	}
	if calls != 2 {
		t.Errorf("%d steps ran after cancellation at step 2", calls-2)
	}
}

func TestSR3StageGreyDeterminismAndErrors(t *testing.T) {
	s := tinyStage(t, tinyConfig(2))
	ctx := context.Background()
	grey := data.NewImage(14, 10, 1)
	for i := range grey.Pix {
		grey.Pix[i] = float32(i%17)/10 - 0.8
	}
	opts := Options{Scale: 2, Seed: 5, Steps: 2, Sampler: "ddpm"}
	g, err := s.Upscale(ctx, grey, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	rgb, err := s.Upscale(ctx, data.GreyToRGB(grey), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.C != 1 || g.W != 28 || g.H != 20 || maxDiff(g.Pix, data.RGBToGrey(rgb).Pix) != 0 {
		t.Errorf("grey input gave %s, want the grey mean of the RGB run", g)
	}
	again, _ := s.Upscale(ctx, data.GreyToRGB(grey), opts, nil)
	if maxDiff(rgb.Pix, again.Pix) != 0 {
		t.Error("same seed, different output")
	}
	opts.Seed = 6
	other, _ := s.Upscale(ctx, data.GreyToRGB(grey), opts, nil)
	if maxDiff(rgb.Pix, other.Pix) < 1e-3 {
		t.Error("different seeds, same output")
	}

	if sc := s.Scales(); !slices.Equal(sc, []int{2, 4, 8}) {
		t.Errorf("x2 model scales %v, want [2 4 8]", sc)
	}
	if sc := tinyStage(t, tinyConfig(4)).Scales(); !slices.Equal(sc, []int{4}) {
		t.Errorf("x4 model scales %v, want [4]", sc)
	}
	img := smoothImage(8, 8)
	four := data.NewImage(8, 8, 2)
	for _, c := range []struct {
		img  *data.Image
		opts Options
		want string
	}{
		{img, Options{Scale: 3}, "x2 model"},
		{four, Options{Scale: 2}, "2 channels"},
		{nil, Options{Scale: 2}, "malformed"},
		{&data.Image{W: 3, H: 3, C: 3}, Options{Scale: 2}, "malformed"},
		{img, Options{Scale: 2, Sampler: "euler"}, "euler"},
		{img, Options{Scale: 2, Strength: 1.5}, "strength"},
	} {
		_, err := s.Upscale(ctx, c.img, c.opts, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "tiny") {
			t.Errorf("%v: error %v, want one naming the model and %q", c.opts, err, c.want)
		}
	}
	if _, err := NewSR3Stage("x", nil); err == nil {
		t.Error("NewSR3Stage(nil) accepted")
	}
}
