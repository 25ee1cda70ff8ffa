package cascade

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

// BenchmarkSR3StageX4 upscales a 256x256 image x4 with a default-config
// model (fresh random weights) and the model's default sampler on the Go
// backend, with automatic tiles: issue 4's speed target is under 60 s on
// the 2-core development machine. SRCASCADE_BENCH_TILE, _STEPS and _BATCH
// (UNet pixels per call) override the tile size, the steps and the batch
// budget, to compare settings.
func BenchmarkSR3StageX4(b *testing.B) {
	m, err := sr3.New(sr3.DefaultConfig(4), goBackend(b), 1)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSR3Stage("default-x4", m)
	if err != nil {
		b.Fatal(err)
	}
	env := func(name string) int {
		v, _ := strconv.Atoi(os.Getenv(name))
		return v
	}
	s.BatchPixels = env("SRCASCADE_BENCH_BATCH")
	opts := Options{Scale: 4, Seed: 1, Tile: env("SRCASCADE_BENCH_TILE"), Steps: env("SRCASCADE_BENCH_STEPS")}
	img := smoothImage(256, 256)
	p, err := s.Plan(img.W, img.H, opts.Tile)
	if err != nil {
		b.Fatal(err)
	}
	sc, _ := s.SamplerConfig(opts)
	b.Logf("%d tiles of %dx%d HR, %d steps", p.Len(), p.TileW, p.TileH, sc.Steps)
	for b.Loop() {
		out, err := s.Upscale(context.Background(), img, opts, nil)
		if err != nil {
			b.Fatal(err)
		}
		if out.W != 1024 || out.H != 1024 {
			b.Fatalf("output %s", out)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/image")
}
