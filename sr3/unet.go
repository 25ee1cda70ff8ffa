package sr3

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// UNet builds SR3's conditional noise predictor in scope (under "unet").
//
// noisy is the noisy diffusion target x_t and cond the bicubic-upsampled LR
// image, both [N, H, W, Channels] at HR size (H and W multiples of
// cfg.SizeMultiple()); noiseLevel is [N], the continuous level sqrt(gamma)
// of each item. condLevel is [N], each item's conditioning-augmentation
// level (see Config.CondAug); it must be nil exactly when cfg.CondAug is
// off. It returns the network's prediction, shaped like noisy.
//
// Layout, following SR3 (Saharia et al.) and DDPM: noisy and cond are
// concatenated on the channel axis (and, with cfg.SpaceToDepth, moved to LR
// resolution by a Scale x Scale space-to-depth); a 3x3 convolution; per level
// ResBlocks residual blocks (self-attention after each at cfg.AttnLevels),
// then a 2x downsample; a middle block (residual, attention if the lowest
// level has attention, residual); the mirror path up with skip connections
// and ResBlocks+1 blocks per level, nearest-neighbour 2x upsampling + 3x3
// convolution between levels; GroupNorm, SiLU and a zero-initialised 3x3
// output convolution (then depth-to-space back to HR). Every residual block
// is conditioned on the noise level by FiLM from a sinusoidal embedding of
// cfg.NoiseEmbedScale * sqrt(gamma) followed by a 2-layer MLP; with
// cfg.CondAug, the embedding of the augmentation level goes through its
// own dense layer and is added after the MLP's first layer.
func UNet(scope *model.Scope, cfg Config, noisy, cond, noiseLevel, condLevel *graph.Node) *graph.Node {
	if err := checkUNetShapes(cfg, noisy, cond, noiseLevel, condLevel); err != nil {
		panic(err)
	}
	scope = scope.In("unet")
	dims := noisy.Shape().Dimensions
	n, hr, wr, c := dims[0], dims[1], dims[2], dims[3]
	groups := cfg.GroupNormGroups
	base := cfg.BaseChannels

	x := graph.Concatenate([]*graph.Node{noisy, cond}, 3)
	if cfg.SpaceToDepth {
		x = SpaceToDepth(x, cfg.Scale)
	}

	embDim := 4 * base
	emb := NoiseLevelEmbedding(noiseLevel, base, cfg.NoiseEmbedScale)
	emb = Dense(scope.In("embed1"), emb, embDim)
	if cfg.CondAug {
		ce := NoiseLevelEmbedding(condLevel, base, cfg.NoiseEmbedScale)
		emb = graph.Add(emb, Dense(scope.In("cond_embed"), ce, embDim))
	}
	emb = Dense(scope.In("embed2"), SiLU(emb), embDim)

	h := Conv2D(scope.In("input"), x, base, 3)
	skips := []*graph.Node{h}
	last := cfg.Levels() - 1
	for level, mult := range cfg.ChannelMults {
		ch := base * mult
		for r := range cfg.ResBlocks {
			block := scope.In("down%d_%d", level, r)
			h = ResBlock(block.In("res"), h, emb, ch, groups, cfg.Dropout)
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
	h = ResBlock(scope.In("mid_res1"), h, emb, midCh, groups, cfg.Dropout)
	if cfg.HasAttention(last) {
		h = SelfAttention(scope.In("mid_attn"), h, groups)
	}
	h = ResBlock(scope.In("mid_res2"), h, emb, midCh, groups, cfg.Dropout)

	for level := last; level >= 0; level-- {
		ch := base * cfg.ChannelMults[level]
		for r := range cfg.ResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			block := scope.In("up%d_%d", level, r)
			h = ResBlock(block.In("res"), graph.Concatenate([]*graph.Node{h, skip}, 3), emb, ch, groups, cfg.Dropout)
			if cfg.HasAttention(level) {
				h = SelfAttention(block.In("attn"), h, groups)
			}
		}
		if level != 0 {
			h = Upsample(scope.In("upsample%d", level), h, ch)
		}
	}

	h = SiLU(GroupNorm(scope.In("out_norm"), h, groups))
	outCh := c
	if cfg.SpaceToDepth {
		outCh = c * cfg.Scale * cfg.Scale
	}
	h = Conv2D(scope.In("output").WithInitializer(initializer.Zero), h, outCh, 3)
	if cfg.SpaceToDepth {
		h = DepthToSpace(h, cfg.Scale)
	}
	if got := h.Shape().Dimensions; got[0] != n || got[1] != hr || got[2] != wr || got[3] != c {
		panic(fmt.Sprintf("sr3.UNet: internal error, output %v for input %v", got, dims))
	}
	return h
}

// checkUNetShapes validates the UNet's inputs against the configuration.
func checkUNetShapes(cfg Config, noisy, cond, noiseLevel, condLevel *graph.Node) error {
	if noisy.Rank() != 4 {
		return fmt.Errorf("sr3.UNet: noisy must be [N, H, W, C], got %s", noisy.Shape())
	}
	if !noisy.Shape().Equal(cond.Shape()) {
		return fmt.Errorf("sr3.UNet: noisy %s and cond %s differ in shape", noisy.Shape(), cond.Shape())
	}
	d := noisy.Shape().Dimensions
	if d[3] != cfg.Channels {
		return fmt.Errorf("sr3.UNet: %d channels, the config has %d", d[3], cfg.Channels)
	}
	if m := cfg.SizeMultiple(); d[1]%m != 0 || d[2]%m != 0 {
		return fmt.Errorf("sr3.UNet: %dx%d is not a multiple of %d", d[2], d[1], m)
	}
	if noiseLevel.Rank() != 1 || noiseLevel.Shape().Dimensions[0] != d[0] {
		return fmt.Errorf("sr3.UNet: noise level must be [%d], got %s", d[0], noiseLevel.Shape())
	}
	switch {
	case cfg.CondAug && condLevel == nil:
		return fmt.Errorf("sr3.UNet: the config has cond_aug but no conditioning level was given")
	case !cfg.CondAug && condLevel != nil:
		return fmt.Errorf("sr3.UNet: a conditioning level was given but the config has no cond_aug")
	case condLevel != nil && (condLevel.Rank() != 1 || condLevel.Shape().Dimensions[0] != d[0]):
		return fmt.Errorf("sr3.UNet: conditioning level must be [%d], got %s", d[0], condLevel.Shape())
	}
	return nil
}
