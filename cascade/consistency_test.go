package cascade

import (
	"context"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestConsistencyEveryScale upscales with Options.Consistency through every
// kind of upscaler at every scale it serves: a tiled SR3 stage (random
// weights, so its raw output is far from consistent), a multi-pass stage
// (x4 from a x2 model), a pipeline (x2 model then bicubic), a Rescaled (x3
// from a x4 model) and bicubic itself. With it, SR3's consistency metric
// (unrounded output) is at float32 rounding; without, far from it.
func TestConsistencyEveryScale(t *testing.T) {
	x2, x4 := tinyStage(t, tinyConfig(2)), tinyStage(t, tinyConfig(4))
	x3, err := ForScale(x4, 3)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		up    Upscaler
		scale int
	}{
		{"x2 stage, tiled", x2, 2},
		{"x4 stage, tiled", x4, 4},
		{"x2 stage twice", x2, 4},
		{"x2 then bicubic x4", newPipeline(t, x2, Bicubic{}), 8},
		{"x4 model at x3", x3, 3},
		{"bicubic x2", Bicubic{}, 2},
		{"bicubic x3", Bicubic{}, 3},
		{"bicubic x8", Bicubic{}, 8},
	}
	img := data.Quantize(smoothImage(30, 22))
	for _, tc := range cases {
		opts := Options{Scale: tc.scale, Seed: 1, Steps: 2, Sampler: "ddim", Tile: 8}
		off, err := tc.up.Upscale(context.Background(), img, opts, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		opts.Consistency = true
		on, err := tc.up.Upscale(context.Background(), img, opts, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		cOff, cOn := data.Consistency(off, img, tc.scale), data.Consistency(on, img, tc.scale)
		t.Logf("%s: consistency %.3g without, %.3g with", tc.name, cOff, cOn)
		if cOn > 1e-10 {
			t.Errorf("%s: consistency %g with Consistency on", tc.name, cOn)
		}
		if cOff < 1e-7 {
			t.Errorf("%s: consistency %g without: the test cannot tell", tc.name, cOff)
		}
		for _, v := range on.Pix {
			if v < -1 || v > 1 {
				t.Fatalf("%s: value %g out of range", tc.name, v)
			}
		}
	}
}

// TestConsistencyTilesDuringSampling checks the projection acts on every
// tile's estimates during sampling, not only on the blended result: the
// pass's blend (before its final projection) of a one-tile plan is exactly
// consistent, and that of a tiled plan is far closer to it than without
// (measured: 57 times lower with 12-pixel tiles overlapping by 3; the
// feathered blend of two consistent tiles is not exactly consistent where
// they overlap, which the pass's final projection settles).
func TestConsistencyTilesDuringSampling(t *testing.T) {
	s := tinyStage(t, tinyConfig(4))
	img := smoothImage(40, 28)
	for i := range img.Pix {
		img.Pix[i] *= 0.4 // the output stays inside [-1, 1]: no clamping
	}
	for _, tile := range []int{64, 12} {
		opts := Options{Scale: 4, Seed: 3, Steps: 3, Sampler: "ddpm", Tile: tile}
		sc, err := s.SamplerConfig(opts)
		if err != nil {
			t.Fatal(err)
		}
		job, err := s.planJob(img.W, img.H, tile, sc)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := newTileProjector(job, img, 4)
		if err != nil {
			t.Fatal(err)
		}
		var got [2]float64
		for i, proj := range []*tileProjector{nil, tp} {
			out, err := s.run(context.Background(), job, img, 0, sc, NewNoiseField(opts.Seed), newBlender(job.plan, 3), proj, func(int) {})
			if err != nil {
				t.Fatal(err)
			}
			got[i] = data.Consistency(out, img, 4)
		}
		t.Logf("tile %d (%d tiles): blend consistency %.3g without, %.3g with the tile projections", tile, len(job.tiles), got[0], got[1])
		switch {
		case len(job.tiles) == 1 && got[1] > 1e-10:
			t.Errorf("one tile: consistency %g", got[1])
		case len(job.tiles) > 1 && got[1] > got[0]/20:
			t.Errorf("%d tiles: consistency %g with projections, %g without", len(job.tiles), got[1], got[0])
		}
	}
}
