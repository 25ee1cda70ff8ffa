package sr3

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// randomizeVariables gives every float variable random values (std
// 1/sqrt(fan-in) for kernels, 0.3 for vectors), so zero-initialised layers
// (residual branches, output projections) pass gradients in tests.
// randomizeModel randomizes a Model's weights (randomizeVariables) and
// refreshes what is derived from them (the flat-layout kernel cache).
func randomizeModel(t testing.TB, m *Model) {
	t.Helper()
	randomizeVariables(m.store)
	if err := m.prepareKernels(); err != nil {
		t.Fatal(err)
	}
}

func randomizeVariables(store *model.Store) {
	seed := uint64(100)
	for v := range store.IterVariables() {
		if v.DType() != dtypes.Float32 || !v.Trainable {
			continue
		}
		dims := v.Shape().Dimensions
		std := 0.3
		if len(dims) >= 2 {
			fanIn := 1
			for _, d := range dims[:len(dims)-1] {
				fanIn *= d
			}
			std = 1 / math.Sqrt(float64(fanIn))
		}
		seed++
		vals := flat(randTensor(seed, dims...))
		for i := range vals {
			vals[i] *= float32(std)
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, dims...)); err != nil {
			panic(err)
		}
	}
}

// checkGradient builds loss = sum(fn(x) * r), r a fixed pseudo-random
// weighting of fn's output, randomises the variables, and compares the graph's d loss / d x (on the Go
// backend) with central finite differences at a handful of positions.
func checkGradient(t *testing.T, name string, xDims []int, fn func(scope *model.Scope, x *graph.Node) *graph.Node) {
	t.Helper()
	backend := goBackend(t)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(7); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		y := fn(scope, x)
		g := y.Graph()
		// r = sin(0.7 i + 0.3): deterministic, varied signs, no input needed.
		r := graph.Sin(graph.AddScalar(graph.MulScalar(graph.IotaFull(g, shapes.Make(dtypes.Float32, y.Shape().Dimensions...)), 0.7), 0.3))
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		return loss, graph.Gradient(loss, x)[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	x := flat(randTensor(11, xDims...))
	eval := func(v []float32) (float64, []float32) {
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(v, xDims...))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return float64(flat(out[0])[0]), flat(out[1])
	}
	eval(x) // initialises the variables
	randomizeVariables(store)
	_, grad := eval(x)
	nonZero := false
	for _, v := range grad {
		if v != 0 {
			nonZero = true
		}
	}
	if !nonZero {
		t.Fatalf("%s: gradient is all zeros", name)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const eps = 1e-2
	probe := make([]float32, len(x))
	for range 8 {
		i := rng.IntN(len(x))
		copy(probe, x)
		probe[i] = x[i] + eps
		lp, _ := eval(probe)
		probe[i] = x[i] - eps
		lm, _ := eval(probe)
		fd := (lp - lm) / (2 * eps)
		an := float64(grad[i])
		if math.Abs(fd-an) > 2e-2+3e-2*math.Abs(an) {
			t.Errorf("%s: d loss / d x[%d] = %.5g analytically, %.5g by finite differences", name, i, an, fd)
		}
	}
}
