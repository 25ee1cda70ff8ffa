package sr3

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// The UNet's building blocks. Every one of them uses only ops whose gradient
// works on GoMLX's Go backend (no Pad, Reverse, Rsqrt, MaxPool or dilated
// convolutions), and they avoid Transpose and Slice where another
// formulation exists: those dominated the profile of a training step.

// groupNormEpsilon is GroupNorm's variance floor.
const groupNormEpsilon = 1e-5

// Dense is a fully connected layer on the last axis of x, with variables
// "weights" [in, out] and "biases" [out] in scope (the layout of GoMLX's
// layers.Dense).
func Dense(scope *model.Scope, x *graph.Node, out int) *graph.Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	in := dims[len(dims)-1]
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), in, out)).NodeValue(g)
	b := scope.VariableWithShape("biases", shapes.Make(x.DType(), out)).NodeValue(g)
	rows := x.Shape().Size() / in
	y := graph.DotGeneral(graph.Reshape(x, rows, in), []int{1}, nil, w, []int{0}, nil)
	y = graph.Add(y, graph.Reshape(b, 1, out))
	outDims := append(append([]int(nil), dims[:len(dims)-1]...), out)
	return graph.Reshape(y, outDims...)
}

// SiLU is x * sigmoid(x) (swish).
func SiLU(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Sigmoid(x)) }

// GroupNorm normalises x (NHWC) over (H, W, channels of a group) for each of
// groups channel groups, then applies a learned per-channel scale "gamma"
// (initialised to 1) and offset "beta" (initialised to 0).
func GroupNorm(scope *model.Scope, x *graph.Node, groups int) *graph.Node {
	return groupNormFiLM(scope, x, groups, nil, nil)
}

// groupNormFiLM is GroupNorm followed, when scale and shift ([N, C]) are
// given, by FiLM: x*(1+scale)+shift. The normalisation, gamma/beta and FiLM
// fold into one multiply and one add with per-(image, channel)
// coefficients, and the statistics are dot products with a row of ones
// (variance = E[x^2] - mean^2): the Go backend's reductions walk a
// per-element index iterator, 8x slower than a matmul (BenchmarkOpCosts).
// It uses 1/Sqrt rather than Rsqrt, which has no gradient on the Go backend.
func groupNormFiLM(scope *model.Scope, x *graph.Node, groups int, scale, shift *graph.Node) *graph.Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("sr3.GroupNorm: %d channels do not split into %d groups", c, groups))
	}
	p, cg := h*w, c/groups
	x3 := graph.Reshape(x, n, p, c)
	groupSum := func(v *graph.Node) *graph.Node { // [N, G]: sums over pixels and the group's channels
		return graph.ReduceSum(graph.Reshape(pixelSums(v), n, groups, cg), 2)
	}
	gamma, beta := groupNormVars(scope, g, x.DType(), c)
	a, b := normCoefficients(groupSum(x3), groupSum(graph.Square(x3)), float64(p*cg), gamma, beta, scale, shift)
	y := scaleShiftPixels(x3, graph.Reshape(a, n, 1, c), graph.Reshape(b, n, 1, c))
	return graph.Reshape(y, n, h, w, c)
}

// scaleShiftPixels returns x*a + b for x [N, P, C] and a, b [N, 1, C] (a
// coefficient per image and channel). The forward pass is the plain
// broadcast multiply and add; the gradients of a and b are given as
// batched dot products with a row of ones (onesDot) where autodiff would
// reduce over the pixel axis with the Go backend's ReduceSum, ~6x slower
// per element. dY is captured by an identity on the output, which reverse
// mode visits before the coefficients' identities.
func scaleShiftPixels(x, a, b *graph.Node) *graph.Node {
	var dY *graph.Node
	ain := graph.IdentityWithCustomGradient(a, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return onesDot(graph.Mul(dY, x))
	})
	bin := graph.IdentityWithCustomGradient(b, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return onesDot(dY)
	})
	p := x.Shape().Dimensions[1]
	y := graph.Add(graph.Mul(x, broadcastPixels(ain, p)), broadcastPixels(bin, p))
	return graph.IdentityWithCustomGradient(y, func(_, v *graph.Node) *graph.Node {
		dY = v
		return v
	})
}

// broadcastPixels repeats a [N, 1, C] over p pixels, [N, p, C], as the
// outer product with a column of ones (exact: one product by 1 per
// element). The element-wise op that then takes it runs the Go backend's
// same-shape loop; with an implicit broadcast it walks a per-element index
// iterator instead: ~1.1-1.6 ns per element for the two ops together
// against ~2.5-3 ns for the broadcasting one (a [N, P, C] multiply, 2026).
// Its own gradient is not meant to be used (callers give theirs).
func broadcastPixels(a *graph.Node, p int) *graph.Node {
	n := a.Shape().Dimensions[0]
	ones := graph.Ones(a.Graph(), shapes.Make(a.DType(), n, p, 1))
	return graph.DotGeneral(ones, []int{2}, []int{0}, a, []int{1}, []int{0})
}

// onesDot returns the sums of x [N, P, C] over P, [N, 1, C], as a batched
// matmul with a row of ones (no gradient of its own: for use in gradients).
func onesDot(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	ones := graph.Ones(x.Graph(), shapes.Make(x.DType(), d[0], 1, d[1]))
	return graph.DotGeneral(ones, []int{2}, []int{0}, x, []int{1}, []int{0})
}

// normCoefficients returns a and b, [N, C], such that GroupNorm with
// gamma and beta ([C]), followed when scale and shift ([N, C]) are given by
// FiLM x*(1+scale)+shift, is a*x + b for each image and channel. sum and
// sumSq ([N, G]) are each image's and group's sum and sum of squares of x
// over count values; the variance is E[x^2] - mean^2. Both layouts'
// GroupNorms fold through it.
func normCoefficients(sum, sumSq *graph.Node, count float64, gamma, beta, scale, shift *graph.Node) (a, b *graph.Node) {
	n, groups := sum.Shape().Dimensions[0], sum.Shape().Dimensions[1]
	c := gamma.Shape().Dimensions[0]
	cg := c / groups
	mean := graph.Reshape(graph.DivScalar(sum, count), n, groups, 1)
	meanSq := graph.Reshape(graph.DivScalar(sumSq, count), n, groups, 1)
	variance := graph.MaxScalar(graph.Sub(meanSq, graph.Square(mean)), 0)
	inv := graph.Reciprocal(graph.Sqrt(graph.AddScalar(variance, groupNormEpsilon)))
	a = graph.Mul(inv, graph.Reshape(gamma, 1, groups, cg)) // [N, G, cg]
	b = graph.BroadcastToDims(graph.Reshape(beta, 1, groups, cg), n, groups, cg)
	if scale != nil {
		onePlus := graph.Reshape(graph.OnePlus(scale), n, groups, cg)
		a = graph.Mul(a, onePlus)
		b = graph.Add(graph.Mul(b, onePlus), graph.Reshape(shift, n, groups, cg))
	}
	b = graph.Sub(b, graph.Mul(mean, a))
	return graph.Reshape(a, n, c), graph.Reshape(b, n, c)
}

// pixelSums returns the sums of x [N, P, C] over P, [N, 1, C], as a batched
// matmul with a row of ones. Its gradient is given (the outer product of the
// ones with the incoming gradient, another matmul): autodiff's would
// transpose a tensor of x's size.
func pixelSums(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	ones := graph.Ones(x.Graph(), shapes.Make(x.DType(), d[0], 1, d[1]))
	var dS *graph.Node
	xin := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
		if dS == nil {
			return v
		}
		return graph.DotGeneral(ones, []int{1}, []int{0}, dS, []int{1}, []int{0}) // [N, P, C]
	})
	s := graph.DotGeneral(ones, []int{2}, []int{0}, xin, []int{1}, []int{0})
	return graph.IdentityWithCustomGradient(s, func(_, v *graph.Node) *graph.Node {
		dS = v
		return v
	})
}

// groupNormVars creates (or fetches) GroupNorm's per-channel "gamma"
// (initialised to 1) and "beta" (initialised to 0).
func groupNormVars(scope *model.Scope, g *graph.Graph, dtype dtypes.DType, c int) (gamma, beta *graph.Node) {
	gamma = scope.WithInitializer(initializer.One).VariableWithShape("gamma", shapes.Make(dtype, c)).NodeValue(g)
	beta = scope.WithInitializer(initializer.Zero).VariableWithShape("beta", shapes.Make(dtype, c)).NodeValue(g)
	return gamma, beta
}

// SpaceToDepth moves each r x r block of pixels of x (NHWC) into the channel
// axis: [N, H, W, C] -> [N, H/r, W/r, r*r*C], channel index (dy*r+dx)*C + c.
func SpaceToDepth(x *graph.Node, r int) *graph.Node {
	if r == 1 {
		return x
	}
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	if h%r != 0 || w%r != 0 {
		panic(fmt.Sprintf("sr3.SpaceToDepth: %dx%d is not a multiple of %d", w, h, r))
	}
	x = graph.Reshape(x, n, h/r, r, w/r, r, c)
	x = graph.TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
	return graph.Reshape(x, n, h/r, w/r, r*r*c)
}

// DepthToSpace is the inverse of SpaceToDepth: [N, H, W, r*r*C] -> [N, H*r, W*r, C].
func DepthToSpace(x *graph.Node, r int) *graph.Node {
	if r == 1 {
		return x
	}
	dims := x.Shape().Dimensions
	n, h, w, rrc := dims[0], dims[1], dims[2], dims[3]
	if rrc%(r*r) != 0 {
		panic(fmt.Sprintf("sr3.DepthToSpace: %d channels is not a multiple of %d", rrc, r*r))
	}
	c := rrc / (r * r)
	x = graph.Reshape(x, n, h, w, r, r, c)
	x = graph.TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
	return graph.Reshape(x, n, h*r, w*r, c)
}

// UpsampleNearest doubles H and W of x (NHWC) by repeating pixels, with a
// reshape and a broadcast (its gradient is a reduction, no Transpose).
func UpsampleNearest(x *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	x = graph.Reshape(x, n, h, 1, w, 1, c)
	x = graph.BroadcastToDims(x, n, h, 2, w, 2, c)
	return graph.Reshape(x, n, 2*h, 2*w, c)
}

// Downsample halves H and W: space-to-depth by 2 then a 1x1 convolution to
// out channels (a learned, non-overlapping 2x2 stride-2 convolution).
func Downsample(scope *model.Scope, x *graph.Node, out int) *graph.Node {
	return Conv2D(scope.In("conv"), SpaceToDepth(x, 2), out, 1)
}

// Upsample doubles H and W: nearest-neighbour upsampling then a 3x3
// convolution (no transposed convolution, so no checkerboard artefacts).
func Upsample(scope *model.Scope, x *graph.Node, out int) *graph.Node {
	return Conv2D(scope.In("conv"), UpsampleNearest(x), out, 3)
}

// NoiseLevelEmbedding is the sinusoidal embedding of the continuous noise
// level (sqrt(gamma), shape [N]) scaled by scale, of even dimension dim:
// [sin(s*level*f_i), cos(s*level*f_i)] with f_i = 10000^(-i/(dim/2)).
func NoiseLevelEmbedding(level *graph.Node, dim int, scale float64) *graph.Node {
	g := level.Graph()
	half := dim / 2
	freqs := make([]float32, half)
	for i := range freqs {
		freqs[i] = float32(scale * math.Exp(-math.Log(10000)*float64(i)/float64(half)))
	}
	n := level.Shape().Dimensions[0]
	f := graph.Const(g, freqs)
	args := graph.Mul(graph.Reshape(graph.ConvertDType(level, dtypes.Float32), n, 1), graph.Reshape(f, 1, half))
	return graph.Concatenate([]*graph.Node{graph.Sin(args), graph.Cos(args)}, 1)
}

// ResBlock is a BigGAN/DDPM residual block conditioned on the noise-level
// embedding emb ([N, E]) by FiLM: GroupNorm, act (SiLU by default), 3x3
// conv, GroupNorm, x*(1+scale)+shift, act, dropout, 3x3 conv (zero-initialised, so a new
// block starts as the identity), plus the input (1x1-projected when the
// channel count changes).
func ResBlock(scope *model.Scope, x, emb *graph.Node, out, groups int, dropout float64, act Activation) *graph.Node {
	dims := x.Shape().Dimensions
	n, in := dims[0], dims[3]
	h := Conv2D(scope.In("conv1"), act.apply(GroupNorm(scope.In("norm1"), x, groups)), out, 3)
	norm2 := scope.In("norm2")
	groupNormVars(norm2, h.Graph(), h.DType(), out) // created before FiLM's, as always
	e := act.apply(emb)
	scale := graph.Reshape(Dense(scope.In("film_scale"), e, out), n, out)
	shift := graph.Reshape(Dense(scope.In("film_shift"), e, out), n, out)
	h = groupNormFiLM(norm2, h, groups, scale, shift)
	h = layers.DropoutStatic(scope, act.apply(h), dropout)
	h = Conv2D(scope.In("conv2").WithInitializer(initializer.Zero), h, out, 3)
	skip := x
	if in != out {
		skip = Conv2D(scope.In("skip"), x, out, 1)
	}
	return graph.Add(skip, h)
}

// SelfAttention is single-head self-attention over the pixels of x (NHWC)
// with a residual connection: GroupNorm, 1x1 q/k/v projections (three
// matmuls, no slicing of a fused projection), softmax(q k^T / sqrt(C)) v,
// a zero-initialised output projection. It costs O((HW)^2): use it at low
// resolution only.
func SelfAttention(scope *model.Scope, x *graph.Node, groups int) *graph.Node {
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	hn := GroupNorm(scope.In("norm"), x, groups)
	tokens := func(name string) *graph.Node {
		return graph.Reshape(Conv2D(scope.In("%s", name), hn, c, 1), n, h*w, c)
	}
	q, k, v := tokens("q"), tokens("k"), tokens("v")
	logits := graph.MulScalar(graph.Einsum("bqc,bkc->bqk", q, k), 1/math.Sqrt(float64(c)))
	attn := graph.Softmax(logits, -1)
	y := graph.Reshape(graph.Einsum("bqk,bkc->bqc", attn, v), n, h, w, c)
	y = Conv2D(scope.In("proj").WithInitializer(initializer.Zero), y, c, 1)
	return graph.Add(x, y)
}
