package train

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/srcascade/srcascade/sr3"
)

// adamTestWeights are the variables of adamTestLoss, by path.
// (c/weights is large enough for linComb's matmul form.)
var adamTestWeights = map[string][]int{"/unet/a/weights": {3, 4}, "/unet/a/biases": {4}, "/unet/b/gamma": {5}, "/unet/c/weights": {3, 3, 24, 24}}

// newAdamTestStore returns a store holding adamTestWeights with the same
// random values for the same seed.
func newAdamTestStore(t *testing.T, seed uint64) *model.Store {
	t.Helper()
	store := model.NewStore()
	rng := rand.New(rand.NewPCG(seed, 1))
	paths := make([]string, 0, len(adamTestWeights))
	for p := range adamTestWeights {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		dims := adamTestWeights[p]
		n := 1
		for _, d := range dims {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		store.VariableWithValue(p, tensors.FromFlatDataAndDimensions(v, dims...)).SetTrainable(true)
	}
	return store
}

// adamTestLoss is a small non-quadratic loss of the store's weights, so the
// gradients change from step to step.
func adamTestLoss(scope *model.Scope, g *graph.Graph) (*graph.Node, []*model.Variable, []*graph.Node) {
	var vars []*model.Variable
	for v := range scope.IterVariables() {
		if v.Trainable {
			vars = append(vars, v)
		}
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Path() < vars[j].Path() })
	// a/biases, a/weights, b/gamma, c/weights
	bias, w, gamma, cw := vars[0].NodeValue(g), vars[1].NodeValue(g), vars[2].NodeValue(g), vars[3].NodeValue(g)
	x := graph.Iota(g, w.Shape().Clone(), 0)
	y := graph.Add(graph.ReduceSum(graph.Mul(graph.Tanh(w), graph.MulScalar(x, 0.3)), 0), bias) // [4]
	loss := graph.Add(graph.ReduceAllSum(graph.Square(graph.AddScalar(y, -1))),
		graph.ReduceAllSum(graph.Mul(graph.Square(gamma), graph.Cos(gamma))))
	loss = graph.Add(loss, graph.MulScalar(graph.ReduceAllSum(graph.Square(graph.Sin(cw))), 0.1))
	nodes := make([]*graph.Node, len(vars))
	for i, v := range vars {
		nodes[i] = v.NodeValue(g)
	}
	return loss, vars, graph.Gradient(loss, nodes...)
}

// TestAdamMatchesGoMLXAdam checks applyAdam against GoMLX's own Adam (as
// the training step used it before: gradients scaled by the clipping factor
// in a separate pass) over several steps with a changing learning rate and
// clipping factor: the same state variables (paths, shapes, dtypes) and the
// same values up to float rounding.
func TestAdamMatchesGoMLXAdam(t *testing.T) {
	b, err := loopBackend()
	if err != nil {
		t.Fatal(err)
	}
	const lr0 = 0.05
	ref, got := newAdamTestStore(t, 3), newAdamTestStore(t, 3)
	gomlxAdam := optimizer.Adam().LearningRate(lr0).Done().(interface {
		UpdateGraphWithGradients(scope *model.Scope, grads []*graph.Node, lossDType dtypes.DType)
	})
	refExec, err := model.NewExec(b, ref, func(scope *model.Scope, lr, factor *graph.Node) *graph.Node {
		loss, _, grads := adamTestLoss(scope, lr.Graph())
		for i := range grads {
			grads[i] = graph.Mul(grads[i], factor)
		}
		optimizer.LearningRateVar(scope, dtypes.Float32, lr0).SetNodeValue(lr)
		gomlxAdam.UpdateGraphWithGradients(scope, grads, loss.DType())
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	gotExec, err := model.NewExec(b, got, func(scope *model.Scope, lr, factor *graph.Node) *graph.Node {
		loss, vars, grads := adamTestLoss(scope, lr.Graph())
		optimizer.LearningRateVar(scope, dtypes.Float32, lr0).SetNodeValue(lr)
		applyAdam(scope, lr.Graph(), vars, grads, factor, lr)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	for step := range 8 {
		lr, factor := float32(lr0*float64(step+1)/8), float32(1-0.1*float64(step%3))
		for _, e := range []*model.Exec{refExec, gotExec} {
			if _, err := e.Call(lr, factor); err != nil {
				t.Fatal(err)
			}
		}
	}
	refVars := map[string]*tensors.Tensor{}
	for v := range ref.IterVariables() {
		refVars[v.Path()] = v.MustValue()
	}
	n := 0
	for v := range got.IterVariables() {
		want, ok := refVars[v.Path()]
		if !ok {
			t.Errorf("variable %s: GoMLX's Adam has no such variable", v.Path())
			continue
		}
		delete(refVars, v.Path())
		n++
		g := v.MustValue()
		if !g.Shape().Equal(want.Shape()) {
			t.Errorf("variable %s: shape %s, GoMLX's Adam %s", v.Path(), g.Shape(), want.Shape())
			continue
		}
		switch g.DType() {
		case dtypes.Float32:
			a, w := flatF32(g), flatF32(want)
			for i := range a {
				if d := math.Abs(float64(a[i] - w[i])); d > 1e-5*(1+math.Abs(float64(w[i]))) {
					t.Errorf("variable %s[%d]: %v, GoMLX's Adam %v", v.Path(), i, a[i], w[i])
				}
			}
		case dtypes.Int64:
			if a, w := tensors.MustCopyFlatData[int64](g), tensors.MustCopyFlatData[int64](want); a[0] != w[0] {
				t.Errorf("variable %s: %v, GoMLX's Adam %v", v.Path(), a, w)
			}
		}
	}
	for p := range refVars {
		t.Errorf("GoMLX's Adam has variable %s, applyAdam not", p)
	}
	// 4 weights, their 8 moments, the Adam step, the global step, the
	// learning rate.
	if n != 15 {
		t.Errorf("%d state variables, want 15", n)
	}
	if s := tensors.MustCopyFlatData[float32](got.GetVariable("/AdamOptimizer/step").MustValue()); s[0] != 8 {
		t.Errorf("Adam step %v after 8 steps", s)
	}
}

// TestResumeOldAdamState resumes testdata/old-adam, the training state of
// a tiny x2 network after 3 steps, written by GoMLX's Adam before applyAdam
// replaced it (by the binary of c04a224: `srcascade train -s 2 --set
// base_channels=8 --set channel_mults=1,2 --set attn_levels= --set
// group_norm_groups=4 --patch 32 --batch 2 --steps 3`), for one step: the
// state keeps its variables (names, shapes, dtypes), the counters advance
// by one, and the moments and weights move as Adam from the saved moments
// does (not from fresh ones): with u = (1-β₁)·s·g the clipped gradient
// term, m' - β₁m = u and (v' - β₂v)/(1-β₂) = (u/(1-β₁))², and
// w' = w - αₜ·m'/(sqrt(v') + ε̂).
func TestResumeOldAdamState(t *testing.T) {
	src := filepath.Join("testdata", "old-adam")
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{StateFile, InfoFile, sr3.ConfigFile, sr3.WeightsFile} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before, _, err := sr3.LoadTensors(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	opt := tinyOptions(t, dir, info.Step+1)
	opt.Patch, opt.LR, opt.Warmup, opt.GradClip, opt.Resume = 32, info.Options.LR, info.Options.Warmup, info.Options.GradClip, true
	err = Run(context.Background(), opt, info.Config, &fakeSource{batch: opt.Batch, patch: 32, scale: 2, seed: 9, next: int64(info.Step)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := sr3.LoadTensors(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("%d state variables after resuming, %d before", len(after), len(before))
	}
	for name, tb := range before {
		ta, ok := after[name]
		if !ok {
			t.Errorf("state variable %s is gone after resuming", name)
			continue
		}
		if !ta.Shape().Equal(tb.Shape()) {
			t.Errorf("state variable %s: %s after resuming, %s before", name, ta.Shape(), tb.Shape())
		}
	}
	if t.Failed() {
		return
	}
	if a, b := tensors.MustCopyFlatData[float32](after["AdamOptimizer/step"])[0], tensors.MustCopyFlatData[float32](before["AdamOptimizer/step"])[0]; a != b+1 {
		t.Errorf("Adam step %v after resuming from %v", a, b)
	}
	if a, b := tensors.MustCopyFlatData[int64](after["global_step"])[0], tensors.MustCopyFlatData[int64](before["global_step"])[0]; a != b+1 {
		t.Errorf("global step %v after resuming from %v", a, b)
	}
	step := float64(tensors.MustCopyFlatData[float32](after["AdamOptimizer/step"])[0])
	c2 := math.Sqrt(1 - math.Pow(adamBeta2, step))
	alpha := opt.learningRate(info.Step) * c2 / (1 - math.Pow(adamBeta1, step))
	epsHat := adamEpsilon * c2
	checked := 0
	for name := range before {
		if !strings.HasPrefix(name, "unet/") {
			continue
		}
		m0, v0 := flatF32(before["AdamOptimizer/"+name+"_1st_moment"]), flatF32(before["AdamOptimizer/"+name+"_2nd_moment"])
		m1, v1 := flatF32(after["AdamOptimizer/"+name+"_1st_moment"]), flatF32(after["AdamOptimizer/"+name+"_2nd_moment"])
		w0, w1 := flatF32(before[name]), flatF32(after[name])
		for i := range w0 {
			u := float64(m1[i]) - adamBeta1*float64(m0[i])
			g2 := (float64(v1[i]) - adamBeta2*float64(v0[i])) / (1 - adamBeta2)
			want := (u / (1 - adamBeta1)) * (u / (1 - adamBeta1))
			if math.Abs(g2-want) > 1e-3*want+1e-4*float64(v0[i])/(1-adamBeta2)+1e-12 {
				t.Fatalf("%s[%d]: the moments moved inconsistently (m %v -> %v, v %v -> %v): not Adam from the saved moments",
					name, i, m0[i], m1[i], v0[i], v1[i])
			}
			dw := alpha * float64(m1[i]) / (math.Sqrt(float64(v1[i])) + epsHat)
			if got := float64(w0[i] - w1[i]); math.Abs(got-dw) > 1e-3*math.Abs(dw)+1e-7 {
				t.Fatalf("%s[%d]: weight moved by %g, Adam's step is %g", name, i, -got, -dw)
			}
			checked++
		}
	}
	if checked < 40000 {
		t.Errorf("checked only %d weights", checked)
	}
}
