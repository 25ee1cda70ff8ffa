package sr3

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Benchmarks of the default x4 network on the Go backend. They are not run
// by `go test` (only with -bench). Knobs, as environment variables:
//
//	SR3_BENCH_SCALE=4                     scale of DefaultConfig
//	SR3_BENCH_SET=key=value;key=value     config overrides (as --set)
//	SR3_BENCH_BATCH=8 SR3_BENCH_PATCH=64  training batch and HR patch
//	SR3_BENCH_TILE=128                    HR tile side for BenchmarkSampleStep
//
// Example (the numbers in BENCHMARKS.md):
//
//	GOEXPERIMENT=simd go test ./sr3/ -run XXX -bench . -benchtime 10x

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// withSettings returns cfg with the settings "key=value;key=value" (as
// --set) applied.
func withSettings(tb testing.TB, cfg Config, set string) Config {
	for _, kv := range strings.Split(set, ";") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.Set(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	return cfg
}

func benchConfig(b *testing.B) Config {
	cfg := withSettings(b, DefaultConfig(benchEnvInt("SR3_BENCH_SCALE", 4)), os.Getenv("SR3_BENCH_SET"))
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	return cfg
}

// BenchmarkTrainStep measures training throughput (HR patches per second) of
// one full step: q_sample, UNet forward, backward and Adam update.
func BenchmarkTrainStep(b *testing.B) {
	cfg := benchConfig(b)
	batch, patch := benchEnvInt("SR3_BENCH_BATCH", 8), benchEnvInt("SR3_BENCH_PATCH", 64)
	t0 := time.Now()
	step, store := newTrainStep(b, cfg, batch, patch) // compiles and runs a first step
	b.Logf("config %+v", cfg)
	b.Logf("parameters: %d; compile + first step %v", countParams(store), time.Since(t0))
	b.ResetTimer()
	for range b.N {
		step()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "patches/s")
}

// newTrainStep compiles a training step of cfg (q_sample, UNet forward and
// backward, Adam) on fixed random batches of batch HR patches of patch
// pixels, runs it once, and returns a function running one more step and
// the variables' store.
func newTrainStep(tb testing.TB, cfg Config, batch, patch int) (func(), *model.Store) {
	tb.Helper()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		tb.Fatal(err)
	}
	opt := optimizer.Adam().LearningRate(1e-4).Done()
	exec, err := model.NewExec(goBackend(tb), store, func(scope *model.Scope, x0, cond, noise, gamma *graph.Node) *graph.Node {
		g := x0.Graph()
		store.SetTraining(g, true)
		loss := DiffusionLoss(scope, cfg, LossInputs{X0: x0, Cond: cond, Noise: noise, Gamma: gamma})
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		tb.Fatal(err)
	}
	c := cfg.Channels
	x0 := randTensor(1, batch, patch, patch, c)
	cond := randTensor(2, batch, patch, patch, c)
	noise := randTensor(3, batch, patch, patch, c)
	gam := make([]float32, batch)
	for i := range gam {
		gam[i] = float32(i+1) / float32(batch+1)
	}
	gamma := tensors.FromFlatDataAndDimensions(gam, batch)
	step := func() {
		out, err := exec.Call(x0, cond, noise, gamma)
		if err != nil {
			tb.Fatal(err)
		}
		_ = flat(out[0])
	}
	step()
	return step, store
}

// BenchmarkSampleStep measures inference: seconds per output megapixel per
// network evaluation (one sampler step) for a batch of one HR tile.
func BenchmarkSampleStep(b *testing.B) {
	cfg := benchConfig(b)
	tile := benchEnvInt("SR3_BENCH_TILE", 128)
	batch := benchEnvInt("SR3_BENCH_BATCH", 1)
	backend := goBackend(b)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, xt, cond, level *graph.Node) *graph.Node {
		return UNet(scope, cfg, UNetInputs{Noisy: xt, Cond: cond, NoiseLevel: level})
	})
	if err != nil {
		b.Fatal(err)
	}
	c := cfg.Channels
	xt := randTensor(1, batch, tile, tile, c)
	cond := randTensor(2, batch, tile, tile, c)
	lv := make([]float32, batch)
	for i := range lv {
		lv[i] = 0.5
	}
	level := tensors.FromFlatDataAndDimensions(lv, batch)
	if _, err := exec.Call(xt, cond, level); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		out, err := exec.Call(xt, cond, level)
		if err != nil {
			b.Fatal(err)
		}
		_ = flat(out[0])
	}
	mp := float64(b.N*batch*tile*tile) / 1e6
	b.ReportMetric(b.Elapsed().Seconds()/mp, "s/MP/step")
}

func countParams(store *model.Store) int {
	n := 0
	for v := range store.IterVariables() {
		if v.Trainable && strings.HasPrefix(v.Path(), "/unet/") {
			n += v.Shape().Size()
		}
	}
	return n
}
