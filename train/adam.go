package train

import (
	"fmt"
	"path"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Adam's hyperparameters: GoMLX's optimizer.Adam defaults, which
// checkpoints written before this implementation were trained with.
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	adamEpsilon = 1e-7
)

// applyAdam adds to g one Adam step for vars, whose loss gradients are
// grads (same order), scaled by gradScale (the clipping factor; nil for
// none), with learning rate lr (a scalar node).
//
// It is GoMLX's optimizer.Adam (the defaults above, bias correction, no
// weight decay) on the gradients times gradScale, up to float rounding, and
// keeps its state where that optimiser keeps it, so checkpoints move freely
// between the two: the moments "<name>_1st_moment" and "<name>_2nd_moment"
// under /AdamOptimizer/<variable's scope>, the step counter
// /AdamOptimizer/step (float32) and the global step /global_step (int64).
//
// What differs is the arithmetic, arranged for the fewest passes over the
// weights on the pure-Go backend, where each element-wise op is one pass
// and scalar work is free: the clipping factor and (1-β) are folded into
// one scalar per moment instead of a pass that scales the gradients, and
// the bias corrections into the step size and epsilon (the "efficient"
// form of Kingma & Ba, section 2, with ε̂ = ε·sqrt(1-β₂ᵗ) so that it is the
// same function as GoMLX's ε added to the corrected sqrt(v)):
//
//	m ← β₁·m + ((1-β₁)·s)·g            s: gradScale
//	v ← β₂·v + ((1-β₂)·s²)·g²
//	w ← w - αₜ · m / (sqrt(v) + ε̂)    αₜ = lr·sqrt(1-β₂ᵗ)/(1-β₁ᵗ)
//
// Each of the three "a·x + b·y" is one linComb (a K=2 matmul on large
// weights), which leaves g², sqrt(v), + ε̂ and the division as the other
// element-wise passes: 7 per weight where GoMLX's Adam plus a separate
// clipping pass take 16.
func applyAdam(scope *model.Scope, g *graph.Graph, vars []*model.Variable, grads []*graph.Node, gradScale, lr *graph.Node) {
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("train: applyAdam: %d variables with %d gradients", len(vars), len(grads)))
	}
	const dtype = dtypes.Float32
	_ = optimizer.IncrementGlobalStep(g, dtype) // kept up to date as GoMLX's Adam does
	t := optimizer.IncrementCounter(scope.At("%s", optimizer.AdamDefaultScope), g, "step", dtype)

	scalar := func(v float64) *graph.Node { return graph.Scalar(g, dtype, v) }
	b1, b2 := scalar(adamBeta1), scalar(adamBeta2)
	c1 := graph.OneMinus(graph.Pow(b1, t))             // 1-β₁ᵗ
	c2 := graph.Sqrt(graph.OneMinus(graph.Pow(b2, t))) // sqrt(1-β₂ᵗ)
	alpha := graph.Div(graph.Mul(lr, c2), c1)
	epsHat := graph.Mul(scalar(adamEpsilon), c2)
	one, negAlpha := scalar(1), graph.Neg(alpha)
	s1, s2 := graph.OneMinus(b1), graph.OneMinus(b2)
	if gradScale != nil {
		s1 = graph.Mul(s1, gradScale)
		s2 = graph.Mul(s2, graph.Square(gradScale))
	}
	for i, v := range vars {
		if v.Shape().DType != dtype {
			panic(fmt.Sprintf("train: applyAdam: variable %s is %s, want %s", v.Path(), v.Shape().DType, dtype))
		}
		m1, m2 := adamMoments(scope.Store(), v)
		grad := grads[i]
		m := linComb(b1, m1.NodeValue(g), s1, grad)
		s := linComb(b2, m2.NodeValue(g), s2, graph.Mul(grad, grad))
		m1.SetNodeValue(m)
		m2.SetNodeValue(s)
		v.SetNodeValue(linComb(one, v.NodeValue(g), negAlpha, graph.Div(m, graph.Add(graph.Sqrt(s), epsHat))))
	}
}

// adamMoments returns (creating them at zero if needed) the first and
// second moment variables of v, where GoMLX's Adam keeps them.
func adamMoments(store *model.Store, v *model.Variable) (m1, m2 *model.Variable) {
	scope := store.Scope(path.Join("/", optimizer.AdamDefaultScope, v.Scope())).WithInitializer(initializer.Zero)
	shape := v.Shape().Clone()
	m1 = scope.VariableWithShape(v.Name()+"_1st_moment", shape).SetTrainable(false)
	m2 = scope.VariableWithShape(v.Name()+"_2nd_moment", shape).SetTrainable(false)
	return m1, m2
}

// linCombMinSize is the least tensor size linComb computes as a matmul;
// below it the extra nodes cost more than the passes they save.
const linCombMinSize = 4096

// linComb returns a*x + b*y for scalars a, b and tensors x, y of the same
// shape. From linCombMinSize elements up it is one matmul, [a b] times x and
// y stacked ([2, size]): on the pure-Go backend ~0.75 ns per element against
// ~1.1 for two scalar multiplies and an add (each a pass of its own).
func linComb(a, x, b, y *graph.Node) *graph.Node {
	size := x.Shape().Size()
	if size < linCombMinSize {
		return graph.Add(graph.Mul(x, a), graph.Mul(y, b))
	}
	coef := graph.Reshape(graph.Concatenate([]*graph.Node{graph.Reshape(a, 1), graph.Reshape(b, 1)}, 0), 1, 2)
	stack := graph.Concatenate([]*graph.Node{graph.Reshape(x, 1, size), graph.Reshape(y, 1, size)}, 0)
	return graph.Reshape(graph.DotGeneral(coef, []int{1}, nil, stack, []int{0}, nil), x.Shape().Dimensions...)
}
