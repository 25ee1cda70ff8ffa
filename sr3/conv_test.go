package sr3

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// randTensor returns a tensor of standard normal values (deterministic).
func randTensor(seed uint64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

func flat(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

// maxAbsDiff returns max|a-b| and max|a|.
func maxAbsDiff(t *testing.T, a, b []float32) (diff, scale float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("length mismatch %d vs %d", len(a), len(b))
	}
	for i := range a {
		diff = math.Max(diff, math.Abs(float64(a[i]-b[i])))
		scale = math.Max(scale, math.Abs(float64(a[i])))
	}
	return diff, scale
}

// TestConv2DPathsAgree checks that the im2col lowering and the backend's
// native convolution compute the same function with the same variables, and
// that their gradients (w.r.t. input, weights and bias) agree as well.
func TestConv2DPathsAgree(t *testing.T) {
	backend := goBackend(t)
	for _, k := range []int{1, 3} {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(42); err != nil {
			t.Fatal(err)
		}
		// Random (non-zero) bias too, so the bias path is checked.
		store.RootScope().In("conv").VariableWithValue("biases", flat(randTensor(3, 5)))
		x := randTensor(1, 2, 6, 7, 4)
		r := randTensor(2, 2, 6, 7, 5)
		run := func(native bool) (y, dx, dw, db []float32) {
			exec, err := model.NewExec(backend, store, func(scope *model.Scope, x, r *graph.Node) []*graph.Node {
				w, b := convVars(scope.In("conv"), x, 5, k)
				var y *graph.Node
				if native {
					y = conv2DNative(x, w, b)
				} else {
					y = conv2DIm2col(x, w, b)
				}
				loss := graph.ReduceAllSum(graph.Mul(y, r))
				grads := graph.Gradient(loss, x, w, b)
				return append([]*graph.Node{y}, grads...)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(x, r)
			if err != nil {
				t.Fatal(err)
			}
			return flat(out[0]), flat(out[1]), flat(out[2]), flat(out[3])
		}
		y1, dx1, dw1, db1 := run(false)
		y2, dx2, dw2, db2 := run(true)
		for _, c := range []struct {
			name string
			a, b []float32
		}{{"output", y1, y2}, {"d/dx", dx1, dx2}, {"d/dw", dw1, dw2}, {"d/db", db1, db2}} {
			diff, scale := maxAbsDiff(t, c.a, c.b)
			if scale == 0 {
				t.Errorf("k=%d %s: all zeros, nothing compared", k, c.name)
			}
			if diff > 1e-4*math.Max(1, scale) {
				t.Errorf("k=%d %s: im2col and native differ by %g (scale %g)", k, c.name, diff, scale)
			}
		}
	}
}

// TestConv2DGradientFiniteDifferences checks the im2col convolution's
// gradient against central finite differences.
func TestConv2DGradientFiniteDifferences(t *testing.T) {
	checkGradient(t, "conv3x3-im2col", []int{1, 4, 5, 3}, func(scope *model.Scope, x *graph.Node) *graph.Node {
		return Conv2D(scope.In("conv"), x, 4, 3)
	})
}
