package sr3

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Conv2D applies a kernel x kernel convolution with "same" zero padding and
// stride 1 to x (NHWC), plus a bias, creating in scope the variables
// "weights" [kernel, kernel, Cin, out] and "biases" [out] — the layout of
// GoMLX's layers.Convolution, so weights move freely between backends.
//
// kernel must be odd (1 and 3 are what the UNet uses). On the pure-Go
// backend the convolution is lowered to im2col (kernel² shifted slices of an
// explicitly zero-padded input, concatenated on the channel axis) followed by
// a single matmul, ~30x faster there than the backend's own convolution; on
// other backends (XLA) the native convolution is used. A 1x1 convolution is a
// plain matmul everywhere.
func Conv2D(scope *model.Scope, x *graph.Node, out, kernel int) *graph.Node {
	w, b := convVars(scope, x, out, kernel)
	if kernel == 1 || IsGoBackend(x.Graph().Backend()) {
		return conv2DIm2col(x, w, b)
	}
	return conv2DNative(x, w, b)
}

// convVars creates (or fetches) a convolution's variables for input x
// (NHWC).
func convVars(scope *model.Scope, x *graph.Node, out, kernel int) (w, b *graph.Node) {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("sr3.Conv2D: input must be NHWC (rank 4), got %s", x.Shape()))
	}
	return kernelVars(scope, x.Graph(), x.DType(), x.Shape().Dimensions[3], out, kernel)
}

// kernelVars creates (or fetches) the variables of a kernel x kernel
// convolution from cin to out channels: "weights" [kernel, kernel, cin,
// out] and "biases" [out].
func kernelVars(scope *model.Scope, g *graph.Graph, dtype dtypes.DType, cin, out, kernel int) (w, b *graph.Node) {
	if kernel < 1 || kernel%2 == 0 {
		panic(fmt.Sprintf("sr3.Conv2D: kernel size %d must be odd and positive", kernel))
	}
	wv := scope.VariableWithShape("weights", shapes.Make(dtype, kernel, kernel, cin, out))
	bv := scope.VariableWithShape("biases", shapes.Make(dtype, out))
	return wv.NodeValue(g), bv.NodeValue(g)
}

// conv2DNative is the backend's own convolution (used on XLA).
func conv2DNative(x, w, b *graph.Node) *graph.Node {
	y := graph.Convolve(x, w).PadSame().Done()
	return graph.Add(y, graph.Reshape(b, 1, 1, 1, b.Shape().Dimensions[0]))
}

// conv2DIm2col is the convolution as im2col + one matmul.
//
// Its gradients are given explicitly (custom VJPs) rather than left to
// autodiff, which on the Go backend would be slow in two places:
//
//   - d/dW = cols^T dY contracts the long pixel axis of both operands; as
//     autodiff writes it, the Go backend transposes both dY and the 9x wider
//     cols. Here only dY is transposed (the smaller one).
//   - d/dx through im2col would be 9 channel slices, 9 pads and 8 sums of
//     full-size tensors; here it is the "same" convolution of dY with the
//     spatially flipped kernel, itself an im2col + one matmul.
//
// dY is captured by an identity with a custom gradient on the matmul's
// output, which autodiff visits before the inputs' identities (reverse mode
// walks nodes from the output backwards). The default gradients those
// identities receive are unused, and dead code is eliminated at compilation.
func conv2DIm2col(x, w, b *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	n, h, wd, cin := dims[0], dims[1], dims[2], dims[3]
	k := w.Shape().Dimensions[0]
	out := w.Shape().Dimensions[3]
	p := n * h * wd

	var dY *graph.Node // [P, out], set while building the gradient graph
	// The bias gradient, the sum of dY over the pixels, as a matmul with a
	// row of ones: autodiff's ReduceSum is ~6x slower per element. Created
	// before the output's identity, so that reverse mode visits it after.
	bin := graph.IdentityWithCustomGradient(b, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		ones := graph.Ones(dY.Graph(), shapes.Make(dY.DType(), 1, p))
		return graph.Reshape(graph.DotGeneral(ones, []int{1}, nil, dY, []int{0}, nil), out)
	})
	xin := x
	if k > 1 {
		xin = graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
			if dY == nil {
				return v
			}
			return convInputGrad(graph.Reshape(dY, n, h, wd, out), w)
		})
	}
	var flat *graph.Node
	win := graph.IdentityWithCustomGradient(w, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		dw := graph.DotGeneral(graph.Transpose(dY, 0, 1), []int{1}, nil, flat, []int{0}, nil) // [out, K]
		return graph.Reshape(graph.Transpose(dw, 0, 1), k, k, cin, out)
	})
	cols := xin
	if k > 1 {
		cols = im2col(xin, k)
	}
	flat = graph.Reshape(cols, p, k*k*cin)
	kern := graph.Reshape(win, k*k*cin, out)
	y := graph.DotGeneral(flat, []int{1}, nil, kern, []int{0}, nil)
	y = graph.IdentityWithCustomGradient(y, func(_, v *graph.Node) *graph.Node {
		dY = v
		return v
	})
	y = graph.Add(y, graph.Reshape(broadcastPixels(graph.Reshape(bin, 1, 1, out), p), p, out))
	return graph.Reshape(y, n, h, wd, out)
}

// convInputGrad is d loss / d x of a "same" convolution with kernel w
// [k, k, Cin, out], given dy [N, H, W, out]: the "same" convolution of dy
// with the kernel flipped in space and with in/out swapped.
func convInputGrad(dy, w *graph.Node) *graph.Node {
	dims := dy.Shape().Dimensions
	n, h, wd, out := dims[0], dims[1], dims[2], dims[3]
	k, cin := w.Shape().Dimensions[0], w.Shape().Dimensions[2]
	wf := graph.Reverse(w, 0, 1)                // [k, k, Cin, out], flipped
	wf = graph.TransposeAllAxes(wf, 0, 1, 3, 2) // [k, k, out, Cin]
	wf = graph.Reshape(wf, k*k*out, cin)        // rows ordered (dy, dx, o) as im2col
	cols := graph.Reshape(im2col(dy, k), n*h*wd, k*k*out)
	dx := graph.DotGeneral(cols, []int{1}, nil, wf, []int{0}, nil)
	return graph.Reshape(dx, n, h, wd, cin)
}

// im2col returns [N, H, W, k*k*C]: for every pixel, its k x k neighbourhood
// of the zero-padded input, ordered (dy, dx, c) to match a [k, k, C, out]
// kernel flattened row-major.
func im2col(x *graph.Node, k int) *graph.Node {
	dims := x.Shape().Dimensions
	h, w := dims[1], dims[2]
	xp := zeroPad(x, k/2)
	patches := make([]*graph.Node, 0, k*k)
	for dy := range k {
		for dx := range k {
			patches = append(patches, graph.Slice(xp, graph.AxisRange(), graph.AxisRange(dy, dy+h), graph.AxisRange(dx, dx+w), graph.AxisRange()))
		}
	}
	return graph.Concatenate(patches, 3)
}

// zeroPad pads the two spatial axes of x (NHWC) with p zeros on each side by
// concatenation: Pad has no gradient on the Go backend, Concatenate does.
func zeroPad(x *graph.Node, p int) *graph.Node {
	if p == 0 {
		return x
	}
	g := x.Graph()
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	rows := graph.Zeros(g, shapes.Make(x.DType(), n, p, w, c))
	x = graph.Concatenate([]*graph.Node{rows, x, rows}, 1)
	cols := graph.Zeros(g, shapes.Make(x.DType(), n, h+2*p, p, c))
	return graph.Concatenate([]*graph.Node{cols, x, cols}, 2)
}
