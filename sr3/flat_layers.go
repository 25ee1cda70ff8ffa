package sr3

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// The UNet's blocks in the flat layout (see flatLayout). Each computes the
// same function, with the same variables, as its NHWC counterpart in
// layers.go; the tests compare them.

// flatGroupNorm is GroupNorm (then FiLM when scale and shift, [N, C], are
// given) of x [C, M], whose borders must be zero: statistics over the
// interior pixels of each image and channel group. The normalisation,
// gamma/beta and FiLM are folded into one multiply and one add with
// per-(channel, image) coefficients. Border entries of the result are
// garbage.
func flatGroupNorm(scope *model.Scope, l *flatLayout, x *graph.Node, groups int, scale, shift *graph.Node) *graph.Node {
	l.check(x, 2)
	g := x.Graph()
	c := x.Shape().Dimensions[0]
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("sr3.GroupNorm: %d channels do not split into %d groups", c, groups))
	}
	cg, s := c/groups, l.hp()*l.wp()
	count := float64(cg * l.h * l.w)
	xg := graph.Reshape(x, groups, cg, l.n, s)
	mean := graph.DivScalar(graph.ReduceAndKeep(xg, graph.ReduceSum, 1, 3), count) // [G, 1, N, 1]
	xc := graph.Sub(xg, mean)
	// Border entries of xc are -mean: take their share out of the sum.
	ss := graph.ReduceAndKeep(graph.Square(xc), graph.ReduceSum, 1, 3)
	ss = graph.Sub(ss, graph.MulScalar(graph.Square(mean), float64(cg*l.borderPixels())))
	variance := graph.DivScalar(graph.MaxScalar(ss, 0), count)
	inv := graph.Reciprocal(graph.Sqrt(graph.AddScalar(variance, groupNormEpsilon)))
	gamma, beta := groupNormVars(scope, g, x.DType(), c)
	a := graph.Mul(inv, graph.Reshape(gamma, groups, cg, 1, 1)) // [G, cg, N, 1]
	b := graph.Reshape(beta, groups, cg, 1, 1)
	if scale != nil {
		onePlus := graph.Reshape(graph.TransposeAllAxes(graph.OnePlus(scale), 1, 0), groups, cg, l.n, 1)
		a = graph.Mul(a, onePlus)
		b = graph.Add(graph.Mul(b, onePlus), graph.Reshape(graph.TransposeAllAxes(shift, 1, 0), groups, cg, l.n, 1))
	}
	return graph.Reshape(graph.Add(graph.Mul(xc, a), b), c, l.m())
}

// flatResBlock is ResBlock in the flat layout: x [Cin, M] with zero borders
// to [out, M] with zero borders.
func flatResBlock(scope *model.Scope, l *flatLayout, x, emb *graph.Node, out, groups int, dropout float64, act Activation) *graph.Node {
	n, in := l.n, x.Shape().Dimensions[0]
	h := l.masked(act.apply(flatGroupNorm(scope.In("norm1"), l, x, groups, nil, nil)))
	h = l.masked(flatConv(scope.In("conv1"), l, h, out, 3))
	norm2 := scope.In("norm2")
	groupNormVars(norm2, h.Graph(), h.DType(), out) // created in ResBlock's order
	e := act.apply(emb)
	scale := graph.Reshape(Dense(scope.In("film_scale"), e, out), n, out)
	shift := graph.Reshape(Dense(scope.In("film_shift"), e, out), n, out)
	h = flatGroupNorm(norm2, l, h, groups, scale, shift)
	h = l.masked(layers.DropoutStatic(scope, act.apply(h), dropout))
	h = flatConv(scope.In("conv2").WithInitializer(initializer.Zero), l, h, out, 3)
	if in != out {
		return l.masked(graph.Add(flatConv(scope.In("skip"), l, x, out, 1), h))
	}
	return graph.Add(x, l.masked(h))
}

// flatSelfAttention is SelfAttention on the interior pixels of x [C, M]
// (run in NHWC: it is used at the lowest resolution only).
func flatSelfAttention(scope *model.Scope, l *flatLayout, x *graph.Node, groups int) *graph.Node {
	return l.fromNHWC(SelfAttention(scope, l.toNHWC(x), groups))
}

// flatDownsample is Downsample: space-to-depth by 2 (channel index
// (dy*2+dx)*C + c) then a 1x1 convolution; it returns the result in the
// layout of half the resolution, lo.
func flatDownsample(scope *model.Scope, l, lo *flatLayout, x *graph.Node, out int) *graph.Node {
	c := x.Shape().Dimensions[0]
	t := graph.Reshape(l.crop(x), c, l.n, lo.h, 2, lo.w, 2)
	t = graph.TransposeAllAxes(t, 3, 5, 0, 1, 2, 4) // [2, 2, C, N, H/2, W/2]
	t = graph.Reshape(t, 4*c, l.n*lo.h*lo.w)
	conv := scope.In("conv")
	w, b := kernelVars(conv, x.Graph(), x.DType(), 4*c, out, 1)
	y := graph.DotGeneral(kernelOf(conv, w, nil), []int{1}, nil, t, []int{0}, nil)
	y = graph.Add(y, graph.Reshape(b, out, 1))
	return lo.pad(graph.Reshape(y, out, l.n, lo.h, lo.w))
}

// flatUpsample is Upsample: nearest-neighbour 2x upsampling of x [C, M]
// (layout l) then a 3x3 convolution, in the layout of twice the
// resolution, hi; borders zero.
func flatUpsample(scope *model.Scope, l, hi *flatLayout, x *graph.Node, out int) *graph.Node {
	c := x.Shape().Dimensions[0]
	t := graph.Reshape(l.crop(x), c, l.n, l.h, 1, l.w, 1)
	t = graph.BroadcastToDims(t, c, l.n, l.h, 2, l.w, 2)
	t = hi.pad(graph.Reshape(t, c, l.n, hi.h, hi.w))
	return hi.masked(flatConv(scope.In("conv"), hi, t, out, 3))
}
