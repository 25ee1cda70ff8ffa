package sr3

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// runBoth runs build with the UNet body in the NHWC layout (the reference)
// and in the flat layout, on the Go backend with one variable store (so the
// same weights), and returns both outputs.
func runBoth(t *testing.T, store *model.Store, build func(scope *model.Scope, in []*graph.Node) []*graph.Node, args ...any) (nhwc, flat [][]float32) {
	t.Helper()
	defer func(v layoutChoice) { goLayout = v }(goLayout)
	for _, useFlat := range []bool{false, true} {
		goLayout = layoutNHWC
		if useFlat {
			goLayout = layoutFlat
		}
		exec, err := model.NewExec(goBackend(t), store, build)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Call(args...)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]float32
		for _, o := range outs {
			got = append(got, tensors.MustCopyFlatData[float32](o))
		}
		if useFlat {
			flat = got
		} else {
			nhwc = got
		}
	}
	return nhwc, flat
}

// wantClose fails when a and b differ by more than tol relative to max|a|.
func wantClose(t *testing.T, what string, a, b []float32, tol float64) {
	t.Helper()
	diff, scale := maxAbsDiff(t, a, b)
	if scale == 0 {
		t.Errorf("%s: all zeros, nothing compared", what)
		return
	}
	if diff > tol*math.Max(1, scale) {
		t.Errorf("%s: flat and NHWC differ by %g (scale %g)", what, diff, scale)
	}
}

// TestFlatConvAgrees checks the flat convolution against the NHWC im2col
// one (itself checked against the backend's native convolution and finite
// differences) on odd shapes: values and the gradients with respect to the
// input, the weights and the bias.
func TestFlatConvAgrees(t *testing.T) {
	backend := goBackend(t)
	for _, c := range []struct{ n, h, w, cin, out, k int }{
		{2, 5, 7, 3, 4, 3}, {1, 1, 1, 2, 3, 3}, {3, 4, 3, 5, 2, 1}, {1, 9, 2, 1, 6, 3},
	} {
		t.Run(fmt.Sprintf("%dx%dx%dx%d_to_%d_k%d", c.n, c.h, c.w, c.cin, c.out, c.k), func(t *testing.T) {
			store := model.NewStore()
			if err := store.SetRNGStateFromSeed(5); err != nil {
				t.Fatal(err)
			}
			store.RootScope().In("conv").VariableWithValue("biases", flat(randTensor(3, c.out)))
			x := randTensor(1, c.n, c.h, c.w, c.cin)
			r := randTensor(2, c.n, c.h, c.w, c.out)
			run := func(useFlat bool) [][]float32 {
				exec, err := model.NewExec(backend, store, func(scope *model.Scope, x, r *graph.Node) []*graph.Node {
					w, b := convVars(scope.In("conv"), x, c.out, c.k)
					var y *graph.Node
					if useFlat {
						l := newFlatLayout(x.Graph(), c.n, c.h, c.w)
						y = l.toNHWC(flatConvWith(l, l.fromNHWC(x), w, b, nil, nil, flatKernel(w, b, nil)))
					} else {
						y = conv2DIm2col(x, w, b)
					}
					loss := graph.ReduceAllSum(graph.Mul(y, r))
					return append([]*graph.Node{y}, graph.Gradient(loss, x, w, b)...)
				})
				if err != nil {
					t.Fatal(err)
				}
				outs, err := exec.Call(x, r)
				if err != nil {
					t.Fatal(err)
				}
				var got [][]float32
				for _, o := range outs {
					got = append(got, flat(o))
				}
				return got
			}
			ref, got := run(false), run(true)
			for i, name := range []string{"output", "d/dx", "d/dw", "d/db"} {
				wantClose(t, name, ref[i], got[i], 1e-5)
			}
		})
	}
}

// TestFlatUNetAgrees checks that the UNet body in the flat layout computes
// the NHWC body's function with the same variables, and the same gradients
// with respect to every variable, on an odd-sized batch (3 images of 12x20
// at HR, x2, with attention and a channel change at every level).
func TestFlatUNetAgrees(t *testing.T) {
	for _, act := range []Activation{"", ActReLU} {
		t.Run(string(act.resolve()), func(t *testing.T) {
			cfg := tinyConfig()
			cfg.Activation = string(act)
			cfg.ResBlocks = 2
			store := model.NewStore()
			if err := store.SetRNGStateFromSeed(11); err != nil {
				t.Fatal(err)
			}
			const n, h, w = 3, 12, 20
			noisy, cond := randTensor(1, n, h, w, 3), randTensor(2, n, h, w, 3)
			r := randTensor(4, n, h, w, 3)
			level := tensors.FromFlatDataAndDimensions([]float32{0.1, 0.5, 0.9}, n)
			// A first run creates the variables; zero-initialised output
			// layers would hide most of the network, so randomise them all.
			nhwcVars := func(scope *model.Scope, x, c, lv, r *graph.Node) *graph.Node {
				return UNet(scope, cfg, UNetInputs{Noisy: x, Cond: c, NoiseLevel: lv})
			}
			exec0, err := model.NewExec(goBackend(t), store, nhwcVars)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exec0.Call(noisy, cond, level, r); err != nil {
				t.Fatal(err)
			}
			seed := uint64(100)
			for v := range floatVars(store) {
				seed++
				v.MustSetValue(tensors.FromFlatDataAndDimensions(scaled(flat(randTensor(seed, v.Shape().Dimensions...)), 0.3), v.Shape().Dimensions...))
			}
			build := func(scope *model.Scope, in []*graph.Node) []*graph.Node {
				y := UNet(scope, cfg, UNetInputs{Noisy: in[0], Cond: in[1], NoiseLevel: in[2]})
				loss := graph.ReduceAllSum(graph.Mul(y, in[3]))
				var vars []*graph.Node
				for v := range floatVars(store) {
					vars = append(vars, v.NodeValue(y.Graph()))
				}
				return append([]*graph.Node{y}, graph.Gradient(loss, vars...)...)
			}
			ref, got := runBoth(t, store, build, noisy, cond, level, r)
			names := []string{"output"}
			for v := range floatVars(store) {
				names = append(names, "d/d"+v.Path())
			}
			for i := range ref {
				wantClose(t, names[i], ref[i], got[i], 2e-4)
			}
		})
	}
}

// floatVars yields the store's float32 variables (the weights, not the RNG
// state).
func floatVars(store *model.Store) iter.Seq[*model.Variable] {
	return func(yield func(*model.Variable) bool) {
		for v := range store.IterVariables() {
			if v.DType() == dtypes.Float32 && !yield(v) {
				return
			}
		}
	}
}

// scaled returns v multiplied by s.
func scaled(v []float32, s float32) []float32 {
	for i := range v {
		v[i] *= s
	}
	return v
}

// TestShippedModelsFlatAgrees checks that the shipped checkpoints (written
// before the flat layout existed) predict the same noise in the flat layout,
// through Model and its kernel cache, as in the NHWC layout they were
// trained in: equal within float32 rounding.
func TestShippedModelsFlatAgrees(t *testing.T) {
	defer func(v layoutChoice) { goLayout = v }(goLayout)
	for _, c := range []struct {
		name string
		size int // HR side of the batch
	}{{"sr3-x4", 128}, {"sr3-x2", 64}, {"emoji-x2", 64}, {"emoji-base16", 16}} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join("..", "pretrained", c.name)
			run := func(layout layoutChoice) []float32 {
				goLayout = layout
				m, err := Load(dir, goBackend(t))
				if err != nil {
					t.Fatal(err)
				}
				const n = 2
				xt := flat(randTensor(1, n, c.size, c.size, 3))
				var cond []float32
				if !m.Config.Base {
					cond = scaled(flat(randTensor(2, n, c.size, c.size, 3)), 0.5)
				}
				eps, err := m.PredictNoise(xt, cond, n, c.size, c.size, []float32{0.2, 0.7}, nil)
				if err != nil {
					t.Fatal(err)
				}
				return eps
			}
			ref := run(layoutNHWC)
			wantClose(t, "predicted noise", ref, run(layoutFlat), 1e-4)
		})
	}
}

// shippedGoldenEps is the noise the shipped sr3-x4 predicts, in the given
// layout, for a 64x64 and a 128x128 HR input (seeds 11 and 12, level 0.6):
// every 4th value, as the golden files hold it.
func shippedGoldenEps(t *testing.T, layout layoutChoice) []float32 {
	t.Helper()
	defer func(v layoutChoice) { goLayout = v }(goLayout)
	goLayout = layout
	m, err := Load(filepath.Join("..", "pretrained", "sr3-x4"), goBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	for _, size := range []int{64, 128} {
		xt := flat(randTensor(11, 1, size, size, 3))
		cond := scaled(flat(randTensor(12, 1, size, size, 3)), 0.5)
		eps, err := m.PredictNoise(xt, cond, 1, size, size, []float32{0.6}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(eps); i += 4 {
			got = append(got, eps[i])
		}
	}
	return got
}

// readGolden reads a golden file of little-endian float32 values.
func readGolden(t *testing.T, name string) []float32 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	golden := make([]float32, len(raw)/4)
	for i := range golden {
		golden[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return golden
}

// TestShippedModelGolden checks the shipped sr3-x4 (float16 weights)
// against the noise it predicted when its weights became float16
// (testdata/sr3-x4-f16_eps_golden.bin, written by shippedGoldenEps in the
// automatic layout when the fine-tuned weights of issue 11 were shipped),
// in every layout: equal within float32 rounding.
func TestShippedModelGolden(t *testing.T) {
	golden := readGolden(t, "sr3-x4-f16_eps_golden.bin")
	for _, layout := range []layoutChoice{layoutAuto, layoutNHWC, layoutFlat} {
		wantClose(t, fmt.Sprintf("layout %d", layout), golden, shippedGoldenEps(t, layout), 1e-4)
	}
}

// TestShippedModelFloat32Golden checks the shipped sr3-x4's float16
// weights against what its float32 weights predicted
// (testdata/sr3-x4_eps_golden.bin: written by shippedGoldenEps on the
// float32 weights of the same training checkpoint). Measured once: the
// float16 weights differ by at most 7.6e-4 (1.4e-4 of the largest value,
// 5.2), 1.3e-4 on average; bfloat16 weights would differ by 4.9e-3 (and
// fail). The tolerance is 2.5e-4 of the scale, almost twice the float16
// difference: a model that stopped being the float32 one rounded
// (bfloat16, a wrong conversion, other weights) fails it.
func TestShippedModelFloat32Golden(t *testing.T) {
	golden := readGolden(t, "sr3-x4_eps_golden.bin")
	got := shippedGoldenEps(t, layoutAuto)
	diff, scale := maxAbsDiff(t, golden, got)
	if diff == 0 || diff > 2.5e-4*scale {
		t.Errorf("float16 weights: predicted noise differs from the float32 weights' by %g (scale %g), want (0, %g]", diff, scale, 2.5e-4*scale)
	}
}
