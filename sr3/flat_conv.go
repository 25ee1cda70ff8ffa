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
	return flatConvWith(l, x, w, b, kernelOf(scope, w, b))
}

// flatConvWith is flatConv with given weights w [k, k, Cin, out] and bias b
// [out] (nil for none), whose flatKernel is wmat (nil: computed here).
//
// A 3x3 convolution is one matmul W' [out, 9(Cin+2)+1] x cols [9(Cin+2)+1, M].
// Block k of cols is the whole input shifted by the k-th neighbour's offset
// along the flattened axis, made by a single 1-D Concatenate of zeros and
// nine copies of x: each copy sits in a block of Cin+2 rows, one row later
// or earlier by the shift, so the rows that would wrap into the neighbouring
// channel fall into two spare rows whose weights are zero. The last row is
// ones, carrying the bias. A 1x1 convolution is W^T x plus the bias.
//
// Gradients are explicit, as in conv2DIm2col: d/dW' = dY cols^T (both
// operands contract their long axis: the backend's fastest layout) and
// d/dx = the flat convolution of dY with the flipped kernel, instead of
// autodiff's nine element-wise slices of the cols gradient. Both assume dY
// is zero on the borders, which holds because every output is masked or
// cropped before it is used.
func flatConvWith(l *flatLayout, x, w, b, wmat *graph.Node) *graph.Node {
	k := w.Shape().Dimensions[0]
	var dY *graph.Node
	xin := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return flatConvInputGrad(l, dY, w)
	})
	if wmat == nil {
		wmat = flatKernel(w, b)
	}
	var cols *graph.Node
	win := graph.IdentityWithCustomGradient(wmat, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return graph.DotGeneral(dY, []int{1}, nil, cols, []int{1}, nil)
	})
	cols = flatCols(l, xin, k, b != nil)
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

// flatKernel lays w [k, k, Cin, out] (and b) out as flatCols' left operand:
// [out, Cin] for k = 1 (bias added separately); otherwise [out, k*k*(Cin+2)
// (+1 with a bias)], each neighbour's Cin weights between two zero columns.
func flatKernel(w, b *graph.Node) *graph.Node {
	d := w.Shape().Dimensions
	k, cin, out := d[0], d[2], d[3]
	wt := graph.TransposeAllAxes(graph.Reshape(w, k*k, cin, out), 2, 0, 1) // [out, kk, Cin]
	if k == 1 {
		return graph.Reshape(wt, out, cin)
	}
	z := graph.Zeros(w.Graph(), shapes.Make(w.DType(), out, k*k, 1))
	wt = graph.Reshape(graph.Concatenate([]*graph.Node{z, wt, z}, 2), out, k*k*(cin+2))
	if b == nil {
		return wt
	}
	return graph.Concatenate([]*graph.Node{wt, graph.Reshape(b, out, 1)}, 1)
}

// flatCols is the right operand of the flat convolution (see flatConvWith):
// x itself for k = 1, else [k*k*(Cin+2) (+1 ones row with a bias), M].
func flatCols(l *flatLayout, x *graph.Node, k int, bias bool) *graph.Node {
	if k == 1 {
		return x
	}
	g := x.Graph()
	cin, m := x.Shape().Dimensions[0], l.m()
	xf := graph.Reshape(x, cin*m)
	pieces := make([]*graph.Node, 0, 2*k*k+2)
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
	cols := flatCols(l, dy, k, false)
	return graph.DotGeneral(flatKernel(wf, nil), []int{1}, nil, cols, []int{0}, nil)
}
