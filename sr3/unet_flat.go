package sr3

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// layoutChoice is how the UNet body's layout is chosen on the Go backend.
type layoutChoice int

const (
	layoutAuto layoutChoice = iota // flat from flatMinPixels up
	layoutNHWC                     // always NHWC (tests: the reference)
	layoutFlat                     // always flat (tests)
)

// goLayout is the choice in force; tests change it.
var goLayout = layoutAuto

// flatMinPixels is the least UNet input area (per image, in UNet input
// pixels) that runs in the flat layout. Below it the one-pixel borders
// (27% more pixels at 16x16, 125% more at the 4x4 lowest level) cost more
// than the flat convolution saves. Measured on the default x4 network
// (CPU seconds per output pixel, Go backend, 2 cores): flat/NHWC 0.85x at
// 16x16 LR, 1.07x at 32x32, 1.20x at 64x64, 1.32x at 128x128.
const flatMinPixels = 32 * 32

// useFlatLayout reports whether the UNet body of graph g, for a UNet input
// of h x w pixels (after space-to-depth), runs in the flat layout: on the
// pure-Go backend, where it is the fast one, for inputs of at least
// flatMinPixels per image, and always when the graph prepares the flat
// kernel cache. XLA gets the NHWC body and its native convolution.
func useFlatLayout(scope *model.Scope, g *graph.Graph, h, w int) bool {
	if !IsGoBackend(g.Backend()) {
		return false
	}
	switch goLayout {
	case layoutNHWC:
		return false
	case layoutFlat:
		return true
	}
	if mode, _ := scope.GetGraphParam(g, flatKernelsParam); mode == flatKernelsPrepare {
		return true
	}
	return h*w >= flatMinPixels
}

// unetBodyFlat is unetBodyNHWC in the flat layout (see flatLayout), with
// the space-to-depth by r before it and the depth-to-space after it: the same
// function of the same variables, x [N, H*r, W*r, Cin] to
// [N, H*r, W*r, outCh/(r*r)]. Each rearrangement is one transpose together
// with the layout change.
func unetBodyFlat(scope *model.Scope, cfg Config, x *graph.Node, r int, emb *graph.Node, outCh int) *graph.Node {
	g := x.Graph()
	d := x.Shape().Dimensions
	groups := cfg.GroupNormGroups
	base := cfg.BaseChannels
	act := Activation(cfg.Activation)

	l := newFlatLayout(g, d[0], d[1]/r, d[2]/r)
	layouts := []*flatLayout{l}
	h := l.masked(flatConv(scope.In("input"), l, l.fromNHWCSpaceToDepth(x, r), base, 3))
	skips := []*graph.Node{h}
	last := cfg.Levels() - 1
	for level, mult := range cfg.ChannelMults {
		ch := base * mult
		for r := range cfg.ResBlocks {
			block := scope.In("down%d_%d", level, r)
			h = flatResBlock(block.In("res"), l, h, emb, ch, groups, cfg.Dropout, act)
			if cfg.HasAttention(level) {
				h = flatSelfAttention(block.In("attn"), l, h, groups)
			}
			skips = append(skips, h)
		}
		if level != last {
			lo := l.half(g)
			h = flatDownsample(scope.In("downsample%d", level), l, lo, h, ch)
			l = lo
			layouts = append(layouts, l)
			skips = append(skips, h)
		}
	}

	midCh := base * cfg.ChannelMults[last]
	h = flatResBlock(scope.In("mid_res1"), l, h, emb, midCh, groups, cfg.Dropout, act)
	if cfg.HasAttention(last) {
		h = flatSelfAttention(scope.In("mid_attn"), l, h, groups)
	}
	h = flatResBlock(scope.In("mid_res2"), l, h, emb, midCh, groups, cfg.Dropout, act)

	for level := last; level >= 0; level-- {
		ch := base * cfg.ChannelMults[level]
		for r := range cfg.ResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			block := scope.In("up%d_%d", level, r)
			h = flatResBlock(block.In("res"), l, graph.Concatenate([]*graph.Node{h, skip}, 0), emb, ch, groups, cfg.Dropout, act)
			if cfg.HasAttention(level) {
				h = flatSelfAttention(block.In("attn"), l, h, groups)
			}
		}
		if level != 0 {
			hi := layouts[level-1]
			h = flatUpsample(scope.In("upsample%d", level), l, hi, h, ch)
			l = hi
		}
	}

	h = act.apply(flatGroupNorm(scope.In("out_norm"), l, h, groups, nil, nil))
	h = flatConv(scope.In("output").WithInitializer(initializer.Zero), l, h, outCh, 3)
	return l.toNHWCDepthToSpace(h, r)
}
