package sr3

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Interleaved comparisons of network variants on the Go backend (layouts,
// activations, shapes): each variant is built, then they run in turn
// (A, B, C, A, B, C, ...) and the medians of their CPU seconds (getrusage:
// other load on the machine does not inflate them) are printed with their
// ratios to the first. Not run by `go test`; for example (BENCHMARKS.md,
// engine):
//
//	SR3_COMPARE='nhwc:nhwc|flat:flat|relu:flat:activation=relu' SR3_BENCH_TILE=384 \
//	  GOEXPERIMENT=simd go test ./sr3 -run XXX -bench 'CompareSample' -benchtime 1x
//	SR3_COMPARE='today:nhwc|d:nhwc:activation=relu;base_channels=32' \
//	  GOEXPERIMENT=simd go test ./sr3 -run XXX -bench 'CompareTrain' -benchtime 1x
//
// SR3_COMPARE is NAME:LAYOUT[:KEY=VALUE;KEY=VALUE] variants separated by |,
// LAYOUT nhwc, flat or auto, the settings as --set; SR3_COMPARE_REPS rounds
// (default 3), SR3_BENCH_TILE / SR3_BENCH_BATCH / SR3_BENCH_PATCH sizes.

// compareVariant is one variant of SR3_COMPARE.
type compareVariant struct {
	name   string
	layout layoutChoice
	set    string
}

// compareVariants parses SR3_COMPARE.
func compareVariants(b *testing.B) []compareVariant {
	var vs []compareVariant
	for _, s := range strings.Split(os.Getenv("SR3_COMPARE"), "|") {
		p := strings.SplitN(s, ":", 3)
		if len(p) < 2 {
			continue
		}
		v := compareVariant{name: p[0]}
		switch p[1] {
		case "nhwc":
			v.layout = layoutNHWC
		case "flat":
			v.layout = layoutFlat
		case "auto":
			v.layout = layoutAuto
		default:
			b.Fatalf("SR3_COMPARE: layout %q: want nhwc, flat or auto", p[1])
		}
		if len(p) == 3 {
			v.set = p[2]
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		b.Skip("set SR3_COMPARE (see the comment above compareVariant)")
	}
	return vs
}

// compareConfig is the default x4 config with a variant's settings.
func compareConfig(tb testing.TB, set string) Config { return withSettings(tb, DefaultConfig(4), set) }

// cpuSeconds returns the process's CPU time (user + system) so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// med is the median of v.
func med(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// interleave runs the calls in turn for reps rounds, each twice per round,
// and returns each one's CPU seconds per call, per round.
func interleave(calls []func(), reps int) [][]float64 {
	times := make([][]float64, len(calls))
	for range reps {
		for i, c := range calls {
			c0 := cpuSeconds()
			c()
			c()
			times[i] = append(times[i], (cpuSeconds()-c0)/2)
		}
	}
	return times
}

// BenchmarkCompareSample compares the variants' inference: CPU seconds per
// output megapixel per network evaluation, one tile per call.
func BenchmarkCompareSample(b *testing.B) {
	vs := compareVariants(b)
	tile := benchEnvInt("SR3_BENCH_TILE", 256)
	reps := benchEnvInt("SR3_COMPARE_REPS", 3)
	batch := benchEnvInt("SR3_BENCH_BATCH", 1)
	var calls []func()
	for _, v := range vs {
		cfg := compareConfig(b, v.set)
		goLayout = v.layout
		m, err := New(cfg, goBackend(b), 1)
		if err != nil {
			b.Fatal(err)
		}
		randomizeModel(b, m)
		xt, cond := flat(randTensor(1, batch, tile, tile, 3)), flat(randTensor(2, batch, tile, tile, 3))
		lv := make([]float32, batch)
		for i := range lv {
			lv[i] = 0.5
		}
		call := func() {
			if _, err := m.PredictNoise(xt, cond, batch, tile, tile, lv, nil); err != nil {
				b.Fatal(err)
			}
		}
		call()
		calls = append(calls, call)
	}
	goLayout = layoutAuto
	times := interleave(calls, reps)
	mp := float64(batch*tile*tile) / 1e6
	for i, v := range vs {
		fmt.Printf("sample %-14s %.3f CPU-s/MP/step  (x%.2f vs first)\n", v.name, med(times[i])/mp, med(times[0])/med(times[i]))
	}
}

// BenchmarkCompareTrain compares the variants' training step (forward,
// backward, Adam): HR patches per CPU-second.
func BenchmarkCompareTrain(b *testing.B) {
	vs := compareVariants(b)
	batch, patch := benchEnvInt("SR3_BENCH_BATCH", 8), benchEnvInt("SR3_BENCH_PATCH", 64)
	reps := benchEnvInt("SR3_COMPARE_REPS", 3)
	var calls []func()
	for _, v := range vs {
		goLayout = v.layout
		step, _ := newTrainStep(b, compareConfig(b, v.set), batch, patch)
		calls = append(calls, step)
	}
	goLayout = layoutAuto
	times := interleave(calls, reps)
	for i, v := range vs {
		fmt.Printf("train %-14s %.1f patches/CPU-s  (x%.2f vs first)\n", v.name, float64(batch)/med(times[i]), med(times[0])/med(times[i]))
	}
}

// BenchmarkOpCosts measures what the Go backend charges per element for
// the operations the flat layout chooses between (2M-element tensors, CPU
// seconds): reductions and broadcasting ops against the same computations
// as matmuls, and the activations. The numbers behind flatGroupNorm's
// design (BENCHMARKS.md, engine):
//
//	GOEXPERIMENT=simd go test ./sr3 -run XXX -bench OpCosts -benchtime 1x
func BenchmarkOpCosts(b *testing.B) {
	backend := goBackend(b)
	const g, cg, s = 16, 8, 130 * 130
	x := randTensor(1, g, cg, 1, s)
	variants := map[string]func(x *graph.Node) *graph.Node{
		"reducesum13": func(x *graph.Node) *graph.Node { return graph.ReduceAndKeep(x, graph.ReduceSum, 1, 3) },
		"dot-ones": func(x *graph.Node) *graph.Node {
			ones := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, 1, s))
			r := graph.DotGeneral(graph.Reshape(x, g*cg, s), []int{1}, nil, ones, []int{1}, nil)
			return graph.ReduceSum(graph.Reshape(r, g, cg), 1)
		},
		"dot-self": func(x *graph.Node) *graph.Node {
			xr := graph.Reshape(x, g*cg, 1, s)
			r := graph.DotGeneral(xr, []int{2}, []int{0}, xr, []int{2}, []int{0})
			return graph.ReduceSum(graph.Reshape(r, g, cg), 1)
		},
		"square+reduce": func(x *graph.Node) *graph.Node { return graph.ReduceAndKeep(graph.Square(x), graph.ReduceSum, 1, 3) },
		"mul-bcast": func(x *graph.Node) *graph.Node {
			a := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, g, cg, 1, 1))
			return graph.Mul(x, a)
		},
		"mul-same":  func(x *graph.Node) *graph.Node { return graph.Mul(x, x) },
		"logistic":  func(x *graph.Node) *graph.Node { return graph.Sigmoid(x) },
		"tanh":      func(x *graph.Node) *graph.Node { return graph.Tanh(x) },
		"exp":       func(x *graph.Node) *graph.Node { return graph.Exp(x) },
		"max0":      func(x *graph.Node) *graph.Node { return graph.MaxScalar(x, 0) },
		"transpose": func(x *graph.Node) *graph.Node { return graph.TransposeAllAxes(graph.Reshape(x, g*cg, s), 1, 0) },
		"silu":      func(x *graph.Node) *graph.Node { return SiLU(x) },
		"silu-softmax": func(x *graph.Node) *graph.Node {
			xf := graph.Reshape(x, 1, g*cg*s)
			pair := graph.Concatenate([]*graph.Node{xf, graph.ZerosLike(xf)}, 0)
			sm := graph.Softmax(pair, 0)
			ones := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, 1, 2))
			return graph.DotGeneral(ones, []int{1}, nil, graph.Mul(pair, sm), []int{0}, nil)
		},
		"scale-batched": func(x *graph.Node) *graph.Node {
			a := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, g*cg, 1, 1))
			return graph.DotGeneral(a, []int{2}, []int{0}, graph.Reshape(x, g*cg, 1, s), []int{1}, []int{0})
		},
		"affine-batched": func(x *graph.Node) *graph.Node {
			ab := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, g*cg, 1, 2))
			xr := graph.Reshape(x, g*cg, 1, s)
			aug := graph.Concatenate([]*graph.Node{xr, graph.OnesLike(xr)}, 1)
			return graph.DotGeneral(ab, []int{2}, []int{0}, aug, []int{1}, []int{0})
		},
		// a*x + b*y (Adam's moments, the EMA; train.linComb): two scalar
		// multiplies and an add, or [a b] times x and y stacked.
		"lincomb-mul-add": func(x *graph.Node) *graph.Node {
			return graph.Add(graph.MulScalar(x, 0.9), graph.MulScalar(x, 0.1))
		},
		"lincomb-dot-k2": func(x *graph.Node) *graph.Node {
			n := x.Shape().Size()
			f := graph.Reshape(x, 1, n)
			coef := graph.Const(x.Graph(), [][]float32{{0.9, 0.1}})
			st := graph.Concatenate([]*graph.Node{f, f}, 0)
			return graph.DotGeneral(coef, []int{1}, nil, st, []int{0}, nil)
		},
		// The sum of squares of a whole tensor (the gradient norm).
		"sumsq-reduce": func(x *graph.Node) *graph.Node { return graph.ReduceAllSum(graph.Square(x)) },
		"sumsq-dot": func(x *graph.Node) *graph.Node {
			f := graph.Reshape(x, 1, x.Shape().Size())
			return graph.DotGeneral(f, []int{1}, nil, f, []int{1}, nil)
		},
		"dot-outer": func(x *graph.Node) *graph.Node {
			a := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, g*cg, 1))
			ones := graph.Ones(x.Graph(), shapes.Make(dtypes.Float32, 1, s))
			return graph.DotGeneral(a, []int{1}, nil, ones, []int{0}, nil)
		},
	}
	for _, name := range []string{"reducesum13", "dot-ones", "dot-self", "square+reduce", "mul-bcast", "mul-same", "logistic", "tanh", "exp", "max0", "transpose", "dot-outer", "silu", "silu-softmax", "scale-batched", "affine-batched", "lincomb-mul-add", "lincomb-dot-k2", "sumsq-reduce", "sumsq-dot"} {
		f := variants[name]
		e, err := model.NewExec(backend, model.NewStore(), func(scope *model.Scope, x *graph.Node) *graph.Node { return f(x) })
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Call(x); err != nil {
			b.Fatal(name, err)
		}
		c0 := cpuSeconds()
		for range 20 {
			e.Call(x)
		}
		fmt.Printf("%-15s %.2f ns/element\n", name, (cpuSeconds()-c0)/20/float64(g*cg*s)*1e9)
	}
}
