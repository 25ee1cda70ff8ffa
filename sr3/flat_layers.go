package sr3

import (
	"fmt"

	"github.com/gomlx/compute/shapes"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// The UNet's blocks in the flat layout (see flatLayout). Each computes the
// same function, with the same variables, as its NHWC counterpart in
// layers.go; the tests compare them.

// flatGroupNorm is GroupNorm (then FiLM when scale and shift, [N, C], are
// given) of x [C, M], whose borders must be zero, and it returns zero
// borders too. Statistics are over the interior pixels of each image and
// channel group; the normalisation, gamma/beta and FiLM fold into one
// multiply-add per (channel, image), y = a x + b mask.
//
// Everything per element is a matmul, because the Go backend's reductions
// and broadcasting binary ops walk a per-element index iterator (measured
// 3.4 ns per element, against 0.3-0.4 ns for the same sums as dot
// products, and 2.4 ns for the whole multiply-add as a batched matmul
// against 7 ns for a broadcast multiply and add): the sums are a matmul
// with a row of ones and a batched dot product of each row with itself
// (variance = E[x^2] - mean^2), and y is a batched [a b] x [x; mask].
func flatGroupNorm(scope *model.Scope, l *flatLayout, x *graph.Node, groups int, scale, shift *graph.Node) *graph.Node {
	l.check(x, 2)
	g := x.Graph()
	c := x.Shape().Dimensions[0]
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("sr3.GroupNorm: %d channels do not split into %d groups", c, groups))
	}
	n, cg, s := l.n, c/groups, l.hp()*l.wp()
	rows := c * n
	x3 := graph.Reshape(x, rows, 1, s)
	ones := graph.Ones(g, shapes.Make(x.DType(), 1, s))
	sum := graph.DotGeneral(graph.Reshape(x, rows, s), []int{1}, nil, ones, []int{1}, nil) // [rows, 1]
	sumSq := graph.DotGeneral(x3, []int{2}, []int{0}, x3, []int{2}, []int{0})              // [rows, 1, 1]
	// [N, G] sums of the rows, which are (channel, image).
	groupSum := func(v *graph.Node) *graph.Node {
		return graph.TransposeAllAxes(graph.ReduceSum(graph.Reshape(v, groups, cg, n), 1), 1, 0)
	}
	gamma, beta := groupNormVars(scope, g, x.DType(), c)
	a, b := normCoefficients(groupSum(sum), groupSum(sumSq), float64(cg*l.h*l.w), gamma, beta, scale, shift)
	rowsOf := func(v *graph.Node) *graph.Node { return graph.Reshape(graph.TransposeAllAxes(v, 1, 0), rows, 1, 1) }
	ab := graph.Concatenate([]*graph.Node{rowsOf(a), rowsOf(b)}, 2)                      // [rows, 1, 2]
	aug := graph.Concatenate([]*graph.Node{x3, graph.Reshape(l.mask(c), rows, 1, s)}, 1) // [rows, 2, S]
	y := graph.DotGeneral(ab, []int{2}, []int{0}, aug, []int{1}, []int{0})               // [rows, 1, S]
	return graph.Reshape(y, c, l.m())
}

// flatResBlock is ResBlock in the flat layout: x [Cin, M] with zero borders
// to [out, M] with zero borders.
func flatResBlock(scope *model.Scope, l *flatLayout, x, emb *graph.Node, out, groups int, dropout float64, act Activation) *graph.Node {
	n, in := l.n, x.Shape().Dimensions[0]
	// GroupNorm keeps zero borders and act(0) = 0: the convolutions' inputs
	// need no mask.
	h := act.apply(flatGroupNorm(scope.In("norm1"), l, x, groups, nil, nil))
	h = l.masked(flatConv(scope.In("conv1"), l, h, out, 3))
	norm2 := scope.In("norm2")
	groupNormVars(norm2, h.Graph(), h.DType(), out) // created in ResBlock's order
	e := act.apply(emb)
	scale := graph.Reshape(Dense(scope.In("film_scale"), e, out), n, out)
	shift := graph.Reshape(Dense(scope.In("film_shift"), e, out), n, out)
	h = flatGroupNorm(norm2, l, h, groups, scale, shift)
	h = layers.DropoutStatic(scope, act.apply(h), dropout)
	conv2 := scope.In("conv2").WithInitializer(initializer.Zero)
	if in != out {
		return l.masked(flatConvSkip(conv2, scope.In("skip"), l, h, x, out))
	}
	return graph.Add(x, l.masked(flatConv(conv2, l, h, out, 3)))
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
	y := graph.DotGeneral(kernelOf(conv, x.Graph(), "kernel", func() *graph.Node { return flatKernel(w, nil, nil) }), []int{1}, nil, t, []int{0}, nil)
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
