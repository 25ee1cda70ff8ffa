package sr3

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// The "flat" layout is how the UNet runs on GoMLX's pure-Go backend: every
// activation is a channels-first matrix [C, M], M = N*(H+2)*(W+2), each
// image of the batch stored with a one-pixel border around it. With that
// layout a 3x3 convolution's neighbours are fixed offsets along the
// flattened axis, so its im2col matrix is one Concatenate of whole copies of
// the input (memory copies) and the big operand is the matmul's right-hand
// side, which the backend packs cheaply; NHWC im2col needs nine element-wise
// Slices, a channel-axis Concatenate and an expensive left-operand packing
// (see flatConv and BENCHMARKS.md).
//
// Invariant: the border entries of a tensor that feeds a 3x3 convolution are
// zero (they are the convolution's "same" zero padding). Convolutions leave
// garbage at border positions, so every block multiplies by the layout's
// mask where it needs zeros; GroupNorm statistics count interior pixels only.

// flatLayout describes the flat layout of one resolution level.
type flatLayout struct {
	n, h, w int
	g       *graph.Graph
	// interior is 1 at interior pixels and 0 on the borders, [M].
	interior []float32
	// masks holds the masks [C, M] made so far, by channel count C.
	masks map[int]*graph.Node
}

// newFlatLayout returns the layout of n images of h x w in graph g.
func newFlatLayout(g *graph.Graph, n, h, w int) *flatLayout {
	l := &flatLayout{n: n, h: h, w: w, g: g, masks: map[int]*graph.Node{}}
	hp, wp := h+2, w+2
	m := make([]float32, l.m())
	for i := range n {
		for y := 1; y <= h; y++ {
			row := m[(i*hp+y)*wp:]
			for x := 1; x <= w; x++ {
				row[x] = 1
			}
		}
	}
	l.interior = m
	return l
}

// hp and wp are the padded image height and width; m the flat length.
func (l *flatLayout) hp() int { return l.h + 2 }
func (l *flatLayout) wp() int { return l.w + 2 }
func (l *flatLayout) m() int  { return l.n * l.hp() * l.wp() }

// borderPixels is the number of border positions of one image.
func (l *flatLayout) borderPixels() int { return l.hp()*l.wp() - l.h*l.w }

// half is the layout of the next level down (half the resolution).
func (l *flatLayout) half(g *graph.Graph) *flatLayout { return newFlatLayout(g, l.n, l.h/2, l.w/2) }

// double is the layout of the next level up (twice the resolution).
func (l *flatLayout) double(g *graph.Graph) *flatLayout { return newFlatLayout(g, l.n, 2*l.h, 2*l.w) }

// masked zeroes the border entries of x [C, M]. The mask is a constant of
// x's full shape: the Go backend multiplies equal shapes in a plain loop,
// but broadcasts through a per-element index iterator several times slower.
func (l *flatLayout) masked(x *graph.Node) *graph.Node {
	l.check(x, 2)
	return graph.Mul(x, l.mask(x.Shape().Dimensions[0]))
}

// mask returns the constant [c, M]: 1 at interior pixels, 0 on borders.
func (l *flatLayout) mask(c int) *graph.Node {
	mask, ok := l.masks[c]
	if !ok {
		full := make([]float32, 0, c*len(l.interior))
		for range c {
			full = append(full, l.interior...)
		}
		mask = graph.Reshape(graph.Const(l.g, full), c, l.m())
		l.masks[c] = mask
	}
	return mask
}

// pad takes x [C, N, H, W] to [C, M] with zero borders. It concatenates
// zeros (Pad has no gradient on the Go backend; Concatenate has).
func (l *flatLayout) pad(x *graph.Node) *graph.Node {
	l.check(x, 4)
	g := x.Graph()
	c := x.Shape().Dimensions[0]
	rows := graph.Zeros(g, shapes.Make(x.DType(), c, l.n, 1, l.w))
	x = graph.Concatenate([]*graph.Node{rows, x, rows}, 2)
	cols := graph.Zeros(g, shapes.Make(x.DType(), c, l.n, l.hp(), 1))
	x = graph.Concatenate([]*graph.Node{cols, x, cols}, 3)
	return graph.Reshape(x, c, l.m())
}

// crop takes x [C, M] to its interior pixels [C, N, H, W].
func (l *flatLayout) crop(x *graph.Node) *graph.Node {
	c := x.Shape().Dimensions[0]
	x = graph.Reshape(x, c, l.n, l.hp(), l.wp())
	return graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(1, l.h+1), graph.AxisRange(1, l.w+1))
}

// fromNHWC takes x [N, H, W, C] to the flat layout [C, M].
func (l *flatLayout) fromNHWC(x *graph.Node) *graph.Node { return l.fromNHWCSpaceToDepth(x, 1) }

// toNHWC takes x [C, M] to [N, H, W, C] (interior pixels).
func (l *flatLayout) toNHWC(x *graph.Node) *graph.Node { return l.toNHWCDepthToSpace(x, 1) }

// fromNHWCSpaceToDepth is SpaceToDepth(x, r) then fromNHWC, with one
// transpose: x [N, H*r, W*r, C] to [r*r*C, M], channel (dy*r+dx)*C + c.
func (l *flatLayout) fromNHWCSpaceToDepth(x *graph.Node, r int) *graph.Node {
	c := x.Shape().Dimensions[3]
	x = graph.Reshape(x, l.n, l.h, r, l.w, r, c)
	x = graph.TransposeAllAxes(x, 2, 4, 5, 0, 1, 3) // [r, r, C, N, H, W]
	return l.pad(graph.Reshape(x, r*r*c, l.n, l.h, l.w))
}

// toNHWCDepthToSpace is toNHWC then DepthToSpace(., r), with one transpose:
// x [r*r*C, M] to [N, H*r, W*r, C].
func (l *flatLayout) toNHWCDepthToSpace(x *graph.Node, r int) *graph.Node {
	c := x.Shape().Dimensions[0] / (r * r)
	t := graph.Reshape(l.crop(x), r, r, c, l.n, l.h, l.w)
	t = graph.TransposeAllAxes(t, 3, 4, 0, 5, 1, 2) // [N, H, r, W, r, C]
	return graph.Reshape(t, l.n, l.h*r, l.w*r, c)
}

// check panics (an internal error: shapes are fixed by the UNet) when x is
// not [C, N, H, W] of this layout (rank 4) or [C, M] (rank 2).
func (l *flatLayout) check(x *graph.Node, rank int) {
	d := x.Shape().Dimensions
	ok := x.Rank() == rank
	if ok && rank == 4 {
		ok = d[1] == l.n && d[2] == l.h && d[3] == l.w
	}
	if ok && rank == 2 {
		ok = d[1] == l.m()
	}
	if !ok {
		panic(fmt.Sprintf("sr3: internal error, %s does not fit the flat layout of %d images of %dx%d", x.Shape(), l.n, l.w, l.h))
	}
}
