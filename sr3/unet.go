package sr3

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// UNetInputs are the UNet's inputs. Which of the optional ones are given is
// fixed by the Config, and checked.
type UNetInputs struct {
	// Noisy is the noisy diffusion target x_t, [N, H, W, Channels], H and W
	// multiples of Config.SizeMultiple().
	Noisy *graph.Node
	// Cond is the bicubic-upsampled LR image, shaped like Noisy; nil for a
	// base model (Config.Base), which takes none.
	Cond *graph.Node
	// NoiseLevel is [N], each item's continuous noise level sqrt(gamma).
	NoiseLevel *graph.Node
	// CondLevel is [N], each item's conditioning-augmentation level; given
	// exactly when Config.CondAug is on.
	CondLevel *graph.Node
	// Labels is [N] int32, each item's class label 0..Classes-1 or the "no
	// label" token Classes (Config.NoLabel); given exactly when
	// Config.Classes > 0.
	Labels *graph.Node
}

// UNet builds SR3's conditional noise predictor in scope (under "unet") and
// returns the network's prediction, shaped like in.Noisy.
//
// Layout, following SR3 (Saharia et al.) and DDPM: noisy and cond are
// concatenated on the channel axis (a base model takes noisy alone) and,
// with cfg.SpaceToDepth, moved to LR resolution by a Scale x Scale
// space-to-depth; a 3x3 convolution; per level
// ResBlocks residual blocks (self-attention after each at cfg.AttnLevels),
// then a 2x downsample; a middle block (residual, attention if the lowest
// level has attention, residual); the mirror path up with skip connections
// and ResBlocks+1 blocks per level, nearest-neighbour 2x upsampling + 3x3
// convolution between levels; GroupNorm, SiLU and a zero-initialised 3x3
// output convolution (then depth-to-space back to HR). Every residual block
// is conditioned on the noise level by FiLM from a sinusoidal embedding of
// cfg.NoiseEmbedScale * sqrt(gamma) followed by a 2-layer MLP; with
// cfg.CondAug, the embedding of the augmentation level goes through its
// own dense layer and is added after the MLP's first layer, and so, with
// cfg.Classes, is the row of a learned label table ("class_embed", Classes+1
// rows of the embedding width, the last one the "no label" token).
func UNet(scope *model.Scope, cfg Config, in UNetInputs) *graph.Node {
	if err := checkUNetShapes(cfg, in); err != nil {
		panic(err)
	}
	noisy := in.Noisy
	scope = scope.In("unet")
	dims := noisy.Shape().Dimensions
	n, hr, wr, c := dims[0], dims[1], dims[2], dims[3]
	base := cfg.BaseChannels

	x := noisy
	if !cfg.Base {
		x = graph.Concatenate([]*graph.Node{noisy, in.Cond}, 3)
	}
	r := 1 // space-to-depth factor
	if cfg.SpaceToDepth {
		r = cfg.Scale
	}

	embDim := 4 * base
	emb := NoiseLevelEmbedding(in.NoiseLevel, base, cfg.NoiseEmbedScale)
	emb = Dense(scope.In("embed1"), emb, embDim)
	if cfg.CondAug {
		ce := NoiseLevelEmbedding(in.CondLevel, base, cfg.NoiseEmbedScale)
		emb = graph.Add(emb, Dense(scope.In("cond_embed"), ce, embDim))
	}
	if cfg.Classes > 0 {
		emb = graph.Add(emb, ClassEmbedding(scope.In("class_embed"), in.Labels, cfg.Classes+1, embDim))
	}
	act := Activation(cfg.Activation)
	emb = Dense(scope.In("embed2"), act.apply(emb), embDim)

	outCh := c
	if cfg.SpaceToDepth {
		outCh = c * cfg.Scale * cfg.Scale
	}
	var h *graph.Node
	if useFlatLayout(scope, noisy.Graph(), hr/r, wr/r) {
		h = unetBodyFlat(scope, cfg, x, r, emb, outCh)
	} else {
		h = DepthToSpace(unetBodyNHWC(scope, cfg, SpaceToDepth(x, r), emb, outCh), r)
	}
	if got := h.Shape().Dimensions; got[0] != n || got[1] != hr || got[2] != wr || got[3] != c {
		panic(fmt.Sprintf("sr3.UNet: internal error, output %v for input %v", got, dims))
	}
	return h
}

// ClassEmbedding looks labels ([N], integer) up in a learned table
// "embeddings" [rows, dim] in scope, initialised N(0, 1) like a PyTorch
// nn.Embedding (the class embedding of Dhariwal & Nichol's ADM). The lookup
// is a one-hot matrix product, whose gradient every backend has (a Gather's
// is a scatter); labels outside 0..rows-1 get a zero row. It returns
// [N, dim], in the table's dtype (float32).
func ClassEmbedding(scope *model.Scope, labels *graph.Node, rows, dim int) *graph.Node {
	g := labels.Graph()
	table := scope.WithInitializer(initializer.RandomNormalFn(scope, 1)).
		VariableWithShape("embeddings", shapes.Make(dtypes.Float32, rows, dim)).NodeValue(g)
	oneHot := graph.OneHot(labels, rows, dtypes.Float32)
	return graph.DotGeneral(oneHot, []int{1}, nil, table, []int{0}, nil)
}

// checkUNetShapes validates the UNet's inputs against the configuration.
func checkUNetShapes(cfg Config, in UNetInputs) error {
	noisy := in.Noisy
	if noisy == nil {
		return fmt.Errorf("sr3.UNet: no noisy input")
	}
	if noisy.Rank() != 4 {
		return fmt.Errorf("sr3.UNet: noisy must be [N, H, W, C], got %s", noisy.Shape())
	}
	switch {
	case cfg.Base && in.Cond != nil:
		return fmt.Errorf("sr3.UNet: the config is a base model (base), which takes no conditioning image, but cond %s was given", in.Cond.Shape())
	case !cfg.Base && in.Cond == nil:
		return fmt.Errorf("sr3.UNet: no conditioning image (cond) given, and the config is not a base model")
	case !cfg.Base && !noisy.Shape().Equal(in.Cond.Shape()):
		return fmt.Errorf("sr3.UNet: noisy %s and cond %s differ in shape", noisy.Shape(), in.Cond.Shape())
	}
	d := noisy.Shape().Dimensions
	if d[3] != cfg.Channels {
		return fmt.Errorf("sr3.UNet: %d channels, the config has %d", d[3], cfg.Channels)
	}
	if m := cfg.SizeMultiple(); d[1]%m != 0 || d[2]%m != 0 {
		return fmt.Errorf("sr3.UNet: %dx%d is not a multiple of %d", d[2], d[1], m)
	}
	if in.NoiseLevel == nil {
		return fmt.Errorf("sr3.UNet: no noise level given")
	}
	if in.NoiseLevel.Rank() != 1 || in.NoiseLevel.Shape().Dimensions[0] != d[0] {
		return fmt.Errorf("sr3.UNet: noise level must be [%d], got %s", d[0], in.NoiseLevel.Shape())
	}
	switch cl := in.CondLevel; {
	case cfg.CondAug && cl == nil:
		return fmt.Errorf("sr3.UNet: the config has cond_aug but no conditioning level was given")
	case !cfg.CondAug && cl != nil:
		return fmt.Errorf("sr3.UNet: a conditioning level was given but the config has no cond_aug")
	case cl != nil && (cl.Rank() != 1 || cl.Shape().Dimensions[0] != d[0]):
		return fmt.Errorf("sr3.UNet: conditioning level must be [%d], got %s", d[0], cl.Shape())
	}
	switch l := in.Labels; {
	case cfg.Classes > 0 && l == nil:
		return fmt.Errorf("sr3.UNet: the config has classes %d but no labels were given (use %d, the no-label token, for unconditional items)", cfg.Classes, cfg.Classes)
	case cfg.Classes == 0 && l != nil:
		return fmt.Errorf("sr3.UNet: labels were given but the config has no classes")
	case l != nil && (l.Rank() != 1 || l.Shape().Dimensions[0] != d[0]):
		return fmt.Errorf("sr3.UNet: labels must be [%d], got %s", d[0], l.Shape())
	case l != nil && !l.DType().IsInt():
		return fmt.Errorf("sr3.UNet: labels must be integers (int32), got %s", l.DType())
	}
	return nil
}

// unetBodyNHWC is the UNet after the input rearrangement and the noise
// embedding, on NHWC tensors: x [N, H, W, Cin] to [N, H, W, outCh]. It is
// the layout of the backend's native convolution (XLA).
func unetBodyNHWC(scope *model.Scope, cfg Config, x, emb *graph.Node, outCh int) *graph.Node {
	groups := cfg.GroupNormGroups
	base := cfg.BaseChannels
	act := Activation(cfg.Activation)
	h := Conv2D(scope.In("input"), x, base, 3)
	skips := []*graph.Node{h}
	last := cfg.Levels() - 1
	for level, mult := range cfg.ChannelMults {
		ch := base * mult
		for r := range cfg.ResBlocks {
			block := scope.In("down%d_%d", level, r)
			h = ResBlock(block.In("res"), h, emb, ch, groups, cfg.Dropout, act)
			if cfg.HasAttention(level) {
				h = SelfAttention(block.In("attn"), h, groups)
			}
			skips = append(skips, h)
		}
		if level != last {
			h = Downsample(scope.In("downsample%d", level), h, ch)
			skips = append(skips, h)
		}
	}

	midCh := base * cfg.ChannelMults[last]
	h = ResBlock(scope.In("mid_res1"), h, emb, midCh, groups, cfg.Dropout, act)
	if cfg.HasAttention(last) {
		h = SelfAttention(scope.In("mid_attn"), h, groups)
	}
	h = ResBlock(scope.In("mid_res2"), h, emb, midCh, groups, cfg.Dropout, act)

	for level := last; level >= 0; level-- {
		ch := base * cfg.ChannelMults[level]
		for r := range cfg.ResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			block := scope.In("up%d_%d", level, r)
			h = ResBlock(block.In("res"), graph.Concatenate([]*graph.Node{h, skip}, 3), emb, ch, groups, cfg.Dropout, act)
			if cfg.HasAttention(level) {
				h = SelfAttention(block.In("attn"), h, groups)
			}
		}
		if level != 0 {
			h = Upsample(scope.In("upsample%d", level), h, ch)
		}
	}

	h = act.apply(GroupNorm(scope.In("out_norm"), h, groups))
	return Conv2D(scope.In("output").WithInitializer(initializer.Zero), h, outCh, 3)
}
