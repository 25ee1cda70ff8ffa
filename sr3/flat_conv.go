package sr3

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// flatConv is Conv2D ("same" zero padding, stride 1, bias) in the flat
// layout: x [Cin, M] with zero borders -> [out, M], whose border entries are
// garbage (callers mask or crop them). It creates the same variables as
// Conv2D ("weights" [k, k, Cin, out], "biases" [out]), so one checkpoint
// runs in either layout.
func flatConv(scope *model.Scope, l *flatLayout, x *graph.Node, out, kernel int) *graph.Node {
	l.check(x, 2)
	cin := x.Shape().Dimensions[0]
	w, b := kernelVars(scope, x.Graph(), x.DType(), cin, out, kernel)
	wmat := kernelOf(scope, x.Graph(), "kernel", func() *graph.Node { return flatKernel(w, b, nil) })
	return flatConvWith(l, x, w, b, nil, nil, wmat)
}

// flatConvSkip is a residual block's second convolution and its 1x1 skip
// projection as one matmul: the 3x3 convolution (variables in conv, as
// flatConv) of h [Cin, M] plus the 1x1 convolution (variables in skip) of x
// [Cx, M], whose rows are appended to the 3x3's operand. Saves the skip's
// own matmul pass, its bias and the sum, which the Go backend runs
// element-wise.
func flatConvSkip(conv, skip *model.Scope, l *flatLayout, h, x *graph.Node, out int) *graph.Node {
	l.check(h, 2)
	l.check(x, 2)
	g := h.Graph()
	w, b := kernelVars(conv, g, h.DType(), h.Shape().Dimensions[0], out, 3)
	ws, bs := kernelVars(skip, g, x.DType(), x.Shape().Dimensions[0], out, 1)
	wmat := kernelOf(conv, g, "kernel_skip", func() *graph.Node { return flatKernel(w, graph.Add(b, bs), ws) })
	return flatConvWith(l, h, w, b, x, ws, wmat)
}

// flatConvWith is flatConv with given weights w [k, k, Cin, out], bias b
// [out] (nil for none) and, when x2 is not nil, a 1x1 convolution of x2
// [C2, M] by w2 [1, 1, C2, out] added (its bias is in wmat's); wmat is
// flatKernel(w, b(+b2), w2), possibly read from the kernel cache.
//
// A 3x3 convolution is one matmul W' [out, 9(Cin+2)+1] x cols [9(Cin+2)+1, M].
// Block k of cols is the whole input shifted by the k-th neighbour's offset
// along the flattened axis, made by a single 1-D Concatenate of zeros and
// nine copies of x: each copy sits in a block of Cin+2 rows, one row later
// or earlier by the shift, so the rows that would wrap into the neighbouring
// channel fall into two spare rows whose weights are zero. x2's rows come
// next; the last row is ones, carrying the bias. A 1x1 convolution is W^T x
// plus the bias.
//
// Gradients are explicit, as in conv2DIm2col: d/dW' = dY cols^T (both
// operands contract their long axis: the backend's fastest layout), d/dx =
// the flat convolution of dY with the flipped kernel, instead of autodiff's
// nine element-wise slices of the cols gradient, and d/dx2 = w2 dY. They
// assume dY is zero on the borders, which holds because every output is
// masked or cropped before it is used.
func flatConvWith(l *flatLayout, x, w, b, x2, w2, wmat *graph.Node) *graph.Node {
	k := w.Shape().Dimensions[0]
	var dY *graph.Node
	xin := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return flatConvInputGrad(l, dY, w)
	})
	var x2in *graph.Node
	if x2 != nil {
		x2in = graph.IdentityWithCustomGradient(x2, func(_, v *graph.Node) *graph.Node {
			if dY == nil {
				return v
			}
			return flatConvInputGrad(l, dY, w2)
		})
	}
	var cols *graph.Node
	win := graph.IdentityWithCustomGradient(wmat, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return graph.DotGeneral(dY, []int{1}, nil, cols, []int{1}, nil)
	})
	cols = flatCols(l, xin, k, x2in, b != nil)
	y := graph.DotGeneral(win, []int{1}, nil, cols, []int{0}, nil)
	y = graph.IdentityWithCustomGradient(y, func(_, v *graph.Node) *graph.Node {
		dY = v
		return v
	})
	if k == 1 && b != nil {
		y = graph.Add(y, graph.Reshape(b, b.Shape().Dimensions[0], 1))
	}
	return y
}

// flatKernel lays w [k, k, Cin, out], b and w2 [1, 1, C2, out] (both may be
// nil) out as flatCols' left operand: [out, Cin] for k = 1 (bias added
// separately, no w2); otherwise [out, k*k*(Cin+2) (+C2) (+1 with a bias)],
// each neighbour's Cin weights between two zero columns.
func flatKernel(w, b, w2 *graph.Node) *graph.Node {
	d := w.Shape().Dimensions
	k, cin, out := d[0], d[2], d[3]
	wt := graph.TransposeAllAxes(graph.Reshape(w, k*k, cin, out), 2, 0, 1) // [out, kk, Cin]
	if k == 1 {
		return graph.Reshape(wt, out, cin)
	}
	z := graph.Zeros(w.Graph(), shapes.Make(w.DType(), out, k*k, 1))
	parts := []*graph.Node{graph.Reshape(graph.Concatenate([]*graph.Node{z, wt, z}, 2), out, k*k*(cin+2))}
	if w2 != nil {
		c2 := w2.Shape().Dimensions[2]
		parts = append(parts, graph.TransposeAllAxes(graph.Reshape(w2, c2, out), 1, 0))
	}
	if b != nil {
		parts = append(parts, graph.Reshape(b, out, 1))
	}
	return graph.Concatenate(parts, 1)
}

// flatCols is the right operand of the flat convolution (see flatConvWith):
// x itself for k = 1, else [k*k*(Cin+2) (+C2 rows of x2) (+1 ones row with
// a bias), M].
func flatCols(l *flatLayout, x *graph.Node, k int, x2 *graph.Node, bias bool) *graph.Node {
	if k == 1 {
		return x
	}
	g := x.Graph()
	cin, m := x.Shape().Dimensions[0], l.m()
	xf := graph.Reshape(x, cin*m)
	pieces := make([]*graph.Node, 0, 2*k*k+3)
	zeros := func(n int) {
		if n > 0 {
			pieces = append(pieces, graph.Zeros(g, shapes.Make(x.DType(), n)))
		}
	}
	// Block j holds rows [j*(Cin+2), (j+1)*(Cin+2)); its copy of x starts at
	// row j*(Cin+2)+1, moved by -o elements so that entry p reads x[p+o].
	pending := 0
	for dy := range k {
		for dx := range k {
			o := (dy-k/2)*l.wp() + (dx - k/2)
			zeros(pending + m - o)
			pieces = append(pieces, xf)
			pending = m + o
		}
	}
	zeros(pending)
	rows := k * k * (cin + 2)
	if x2 != nil {
		c2 := x2.Shape().Dimensions[0]
		pieces = append(pieces, graph.Reshape(x2, c2*m))
		rows += c2
	}
	if bias {
		pieces = append(pieces, graph.Ones(g, shapes.Make(x.DType(), m)))
		rows++
	}
	return graph.Reshape(graph.Concatenate(pieces, 0), rows, m)
}

// flatConvInputGrad is d loss / d x of a flat convolution with kernel w
// [k, k, Cin, out], given dy [out, M] (zero on the borders): the flat
// convolution of dy with the kernel flipped in space and with in/out
// swapped; [Cin, M].
func flatConvInputGrad(l *flatLayout, dy, w *graph.Node) *graph.Node {
	k := w.Shape().Dimensions[0]
	if k == 1 {
		// dx = W dy, W = w as [Cin, out].
		d := w.Shape().Dimensions
		return graph.DotGeneral(graph.Reshape(w, d[2], d[3]), []int{1}, nil, dy, []int{0}, nil)
	}
	wf := graph.Reverse(w, 0, 1)                // [k, k, Cin, out], flipped
	wf = graph.TransposeAllAxes(wf, 0, 1, 3, 2) // [k, k, out, Cin]
	cols := flatCols(l, dy, k, nil, false)
	return graph.DotGeneral(flatKernel(wf, nil, nil), []int{1}, nil, cols, []int{0}, nil)
}
