package sr3

import (
	"math"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestTinyUNetOverfits trains a tiny UNet with Adam on one 16x16 patch, with
// a fixed batch of noise at four noise levels: the L2 loss on the predicted
// noise must fall at least 10x. (With fresh noise every step the loss has an
// irreducible part; the fixed batch makes it a pure fitting test.)
func TestTinyUNetOverfits(t *testing.T) {
	for _, residual := range []bool{true, false} {
		if !residual && testing.Short() {
			continue
		}
		cfg := tinyConfig()
		cfg.Loss = "l2"
		cfg.Residual = residual
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(3); err != nil {
			t.Fatal(err)
		}
		opt := optimizer.Adam().LearningRate(3e-3).Done()
		exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, x0, cond, noise, gamma *graph.Node) *graph.Node {
			g := x0.Graph()
			store.SetTraining(g, true)
			loss := DiffusionLoss(scope, cfg, LossInputs{X0: x0, Cond: cond, Noise: noise, Gamma: gamma})
			opt.UpdateGraph(scope, g, loss)
			return loss
		})
		if err != nil {
			t.Fatal(err)
		}
		const n, size = 4, 16
		hr := flat(randTensor(1, 1, size, size, 3))
		cond := flat(randTensor(2, 1, size, size, 3))
		per := size * size * 3
		for j := range hr {
			hr[j] = min(max(hr[j]*0.5, -1), 1)
		}
		x0 := make([]float32, n*per)
		condB := make([]float32, n*per)
		for i := range n {
			for j := range per {
				condB[i*per+j] = cond[j] * 0.5
			}
			Target(cfg, x0[i*per:(i+1)*per], hr, condB[i*per:(i+1)*per])
		}
		args := []any{
			tensors.FromFlatDataAndDimensions(x0, n, size, size, 3),
			tensors.FromFlatDataAndDimensions(condB, n, size, size, 3),
			randTensor(3, n, size, size, 3),
			tensors.FromFlatDataAndDimensions([]float32{0.05, 0.3, 0.6, 0.9}, n),
		}
		start := time.Now()
		var first, last float32
		for step := range 500 {
			out, err := exec.Call(args...)
			if err != nil {
				t.Fatal(err)
			}
			last = flat(out[0])[0]
			if step == 0 {
				first = last
			}
		}
		t.Logf("residual=%v: loss %.4f -> %.5f (%.1fx) in %v", residual, first, last, first/last, time.Since(start))
		if !(last*10 <= first) {
			t.Errorf("residual=%v: loss fell from %.4f to %.5f, less than 10x", residual, first, last)
		}
	}
}

// TestEpsFromV checks the v-to-noise and x0-to-noise conversions against
// x_t and v built from known x0 and noise.
func TestEpsFromV(t *testing.T) {
	const n = 3
	x0 := flat(randTensor(1, n, 2, 2, 3))
	eps := flat(randTensor(2, n, 2, 2, 3))
	levels := []float32{0.05, 0.5, 0.999}
	per := len(x0) / n
	xt, v := make([]float32, len(x0)), make([]float32, len(x0))
	for i := range x0 {
		a := float64(levels[i/per])
		b := math.Sqrt(1 - a*a)
		xt[i] = float32(a*float64(x0[i]) + b*float64(eps[i]))
		v[i] = float32(a*float64(eps[i]) - b*float64(x0[i]))
	}
	exec, err := model.NewExec(goBackend(t), model.NewStore(), func(_ *model.Scope, v, x0, xt, level *graph.Node) (*graph.Node, *graph.Node) {
		return epsFromV(v, xt, level), epsFromX0(x0, xt, level)
	})
	if err != nil {
		t.Fatal(err)
	}
	dims := []int{n, 2, 2, 3}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(v, dims...), tensors.FromFlatDataAndDimensions(x0, dims...),
		tensors.FromFlatDataAndDimensions(xt, dims...), tensors.FromFlatDataAndDimensions(levels, n))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxAbsDiff(t, flat(out[0]), eps); d > 1e-5 {
		t.Errorf("eps from v differs from the true noise by %g", d)
	}
	if d, _ := maxAbsDiff(t, flat(out[1]), eps); d > 1e-3 {
		t.Errorf("eps from x0 differs from the true noise by %g", d)
	}
}
