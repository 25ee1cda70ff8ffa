package sr3

import (
	"testing"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TestOpGradients checks, on the Go backend, the gradient of every op the
// UNet is built from against finite differences, one tiny graph per op.
// Variables are randomised (see checkGradient), so gradients flow through
// zero-initialised branches too.
func TestOpGradients(t *testing.T) {
	for _, tc := range []struct {
		name string
		dims []int
		fn   func(scope *model.Scope, x *graph.Node) *graph.Node
	}{
		{"conv1x1", []int{2, 3, 3, 4}, func(s *model.Scope, x *graph.Node) *graph.Node { return Conv2D(s.In("c"), x, 5, 1) }},
		{"conv3x3-native", []int{1, 4, 4, 2}, func(s *model.Scope, x *graph.Node) *graph.Node {
			w, b := convVars(s.In("c"), x, 3, 3)
			return conv2DNative(x, w, b)
		}},
		{"concat", []int{2, 3, 3, 2}, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return graph.Concatenate([]*graph.Node{x, graph.Square(x)}, 3)
		}},
		{"slice", []int{2, 5, 5, 2}, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return graph.Slice(x, graph.AxisRange(), graph.AxisRange(1, 4), graph.AxisRange(0, 3), graph.AxisRange())
		}},
		{"zero-pad", []int{1, 3, 4, 2}, func(_ *model.Scope, x *graph.Node) *graph.Node { return graph.Square(zeroPad(x, 1)) }},
		{"space-to-depth", []int{2, 4, 6, 3}, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return graph.Mul(SpaceToDepth(x, 2), graph.Sin(SpaceToDepth(x, 2)))
		}},
		{"depth-to-space", []int{2, 2, 3, 8}, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return graph.Square(DepthToSpace(x, 2))
		}},
		{"upsample-nearest", []int{1, 3, 2, 3}, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return graph.Square(UpsampleNearest(x))
		}},
		{"groupnorm", []int{2, 3, 3, 4}, func(s *model.Scope, x *graph.Node) *graph.Node { return GroupNorm(s.In("gn"), x, 2) }},
		{"silu", []int{2, 3, 3, 2}, func(_ *model.Scope, x *graph.Node) *graph.Node { return SiLU(x) }},
		{"relu", []int{2, 3, 3, 2}, func(_ *model.Scope, x *graph.Node) *graph.Node { return graph.Square(ActReLU.apply(x)) }},
		{"hardswish", []int{2, 3, 3, 2}, func(_ *model.Scope, x *graph.Node) *graph.Node { return ActHardSwish.apply(x) }},
		{"groupnorm-film", []int{2, 3, 3, 4}, func(s *model.Scope, x *graph.Node) *graph.Node {
			film := graph.Reshape(graph.Sin(graph.IotaFull(x.Graph(), shapes.Make(x.DType(), 2, 4))), 2, 4)
			return graph.Square(groupNormFiLM(s.In("gn"), x, 2, film, graph.Cos(film)))
		}},
		{"dense", []int{3, 4}, func(s *model.Scope, x *graph.Node) *graph.Node { return Dense(s.In("d"), x, 5) }},
		{"noise-embedding", []int{3}, func(_ *model.Scope, x *graph.Node) *graph.Node { return NoiseLevelEmbedding(x, 8, 1) }},
		{"attention", []int{2, 2, 3, 4}, func(s *model.Scope, x *graph.Node) *graph.Node {
			return SelfAttention(s.In("attn"), x, 2)
		}},
		{"downsample", []int{1, 4, 4, 2}, func(s *model.Scope, x *graph.Node) *graph.Node { return Downsample(s.In("ds"), x, 3) }},
		{"upsample", []int{1, 2, 2, 2}, func(s *model.Scope, x *graph.Node) *graph.Node { return Upsample(s.In("us"), x, 3) }},
		{"resblock", []int{2, 4, 4, 4}, func(s *model.Scope, x *graph.Node) *graph.Node {
			emb := graph.Reshape(graph.Sin(graph.IotaFull(x.Graph(), shapes.Make(x.DType(), 2, 6))), 2, 6)
			return ResBlock(s.In("rb"), x, emb, 6, 2, 0, ActSiLU)
		}},
		{"resblock-relu", []int{2, 4, 4, 4}, func(s *model.Scope, x *graph.Node) *graph.Node {
			emb := graph.Reshape(graph.Sin(graph.IotaFull(x.Graph(), shapes.Make(x.DType(), 2, 6))), 2, 6)
			return ResBlock(s.In("rb"), x, emb, 6, 2, 0, ActReLU)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkGradient(t, tc.name, tc.dims, tc.fn) })
	}
}

// TestUNetGradient checks the gradient through a whole tiny UNet (with
// randomised weights), with and without space-to-depth.
func TestUNetGradient(t *testing.T) {
	for _, s2d := range []bool{true, false} {
		cfg := tinyConfig()
		cfg.SpaceToDepth = s2d
		name := "unet"
		if s2d {
			name += "-s2d"
		}
		t.Run(name, func(t *testing.T) {
			checkGradient(t, name, []int{1, 8, 8, 3}, func(s *model.Scope, x *graph.Node) *graph.Node {
				g := x.Graph()
				cond := graph.Cos(x)
				level := graph.Const(g, []float32{0.6})
				return UNet(s, cfg, UNetInputs{Noisy: x, Cond: cond, NoiseLevel: level})
			})
		})
	}
}

// tinyConfig is a small x2 network for tests.
func tinyConfig() Config {
	c := DefaultConfig(2)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.ResBlocks = 1
	c.AttnLevels = []int{1}
	c.GroupNormGroups = 4
	return c
}
