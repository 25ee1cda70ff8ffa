package sr3

// Bounds on the sizes a config.json, train.json or --set can give, checked
// by Config.Validate before anything is allocated: a corrupt or hostile
// file must get a clear error, not a fatal out-of-memory. Each is far above
// any model this project trains (the shipped ones have 32-64 channels,
// 1-2 residual blocks, 1,000 training steps, 2.8-4.7M parameters).
const (
	// MaxTrainSteps bounds Config.TrainSteps (DDPM and SR3 use 1,000-2,000;
	// the schedule holds a few float64 per step).
	MaxTrainSteps = 100_000
	// MaxSteps bounds the sampling steps of a config or a call.
	MaxSteps = 10_000
	// MaxBaseChannels bounds Config.BaseChannels.
	MaxBaseChannels = 1024
	// MaxLevelChannels bounds the width of any UNet level
	// (BaseChannels * ChannelMults[i]).
	MaxLevelChannels = 4096
	// MaxResBlocks bounds Config.ResBlocks.
	MaxResBlocks = 16
	// MaxParams bounds the network's parameter count (ParamCount): 200M
	// float32 weights are 800 MB, and training holds about five copies
	// (weights, gradients, two Adam moments, the EMA).
	MaxParams = 200_000_000
	// MaxConfigBytes bounds the size of a config.json read.
	MaxConfigBytes = 1 << 20
	// MaxWeightsBytes bounds the size of a safetensors file read: a
	// training state holds about five float32 copies of MaxParams weights.
	MaxWeightsBytes = 5*4*MaxParams + maxSafetensorsHeader
)

// ParamCount returns the number of weights (scalars) of the UNet that c
// describes, computed from the configuration alone (it equals
// Model.NumParams), so that a size can be refused before it is allocated.
// It saturates rather than overflows on absurd configurations.
func (c Config) ParamCount() int64 {
	var total int64
	add := func(n int64) { total = satAdd(total, n) }
	conv := func(k, in, out int64) int64 { return sat(sat(k*k, in), out) + out }
	dense := func(in, out int64) int64 { return sat(in, out) + out }
	norm := func(ch int64) int64 { return 2 * ch }
	base := int64(c.BaseChannels)
	emb := 4 * base
	res := func(in, out int64) int64 {
		n := norm(in) + conv(3, in, out) + norm(out) + 2*dense(emb, out) + conv(3, out, out)
		if in != out {
			n += conv(1, in, out)
		}
		return n
	}
	attn := func(ch int64) int64 { return norm(ch) + 4*conv(1, ch, ch) }

	in := int64(c.Channels)
	if !c.Base {
		in *= 2
	}
	if c.SpaceToDepth {
		in = sat(in, int64(c.Scale)*int64(c.Scale))
	}
	add(dense(base, emb))
	if c.CondAug {
		add(dense(base, emb))
	}
	if c.Classes > 0 {
		add(sat(int64(c.Classes)+1, emb))
	}
	add(dense(emb, emb))
	add(conv(3, in, base))
	h := base
	skips := []int64{h}
	last := len(c.ChannelMults) - 1
	for level, mult := range c.ChannelMults {
		ch := sat(base, int64(mult))
		for range c.ResBlocks {
			add(res(h, ch))
			h = ch
			if c.HasAttention(level) {
				add(attn(ch))
			}
			skips = append(skips, h)
		}
		if level != last {
			add(conv(1, 4*h, ch))
			h = ch
			skips = append(skips, h)
		}
	}
	add(res(h, h))
	if c.HasAttention(last) {
		add(attn(h))
	}
	add(res(h, h))
	for level := last; level >= 0; level-- {
		ch := sat(base, int64(c.ChannelMults[level]))
		for range c.ResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			add(res(h+skip, ch))
			h = ch
			if c.HasAttention(level) {
				add(attn(ch))
			}
		}
		if level != 0 {
			add(conv(3, h, ch))
		}
	}
	out := int64(c.Channels)
	if c.SpaceToDepth {
		out = sat(out, int64(c.Scale)*int64(c.Scale))
	}
	add(norm(h) + conv(3, h, out))
	return total
}

// sat multiplies non-negative a and b, saturating at 1<<62.
func sat(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > (1<<62)/b {
		return 1 << 62
	}
	return a * b
}

// satAdd returns total + n, saturating at 1<<62 (also for a negative n,
// the mark of an overflowed term).
func satAdd(total, n int64) int64 {
	if n < 0 || total > (1<<62)-n {
		return 1 << 62
	}
	return total + n
}

// ActivationFloats estimates the float32 values one forward pass of the
// UNet produces for n items of h x w HR pixels (the intermediate tensors a
// training step keeps for its backward pass): per residual block about
// twice its input and six times its output channels, per self-attention
// six times its channels plus two pixel-by-pixel attention maps, at each
// level's resolution. It is an estimate for refusing sizes that cannot
// fit, not an exact count; it saturates rather than overflows.
func (c Config) ActivationFloats(n, h, w int) int64 {
	sd := int64(1)
	if c.SpaceToDepth {
		sd = int64(max(c.Scale, 1))
	}
	p0 := sat(max(int64(h)/sd, 1), max(int64(w)/sd, 1))
	var total int64
	add := func(n int64) { total = satAdd(total, n) }
	pix := func(level int) int64 { return max(p0>>(2*level), 1) }
	res := func(level int, in, out int64) { add(sat(pix(level), 2*in+6*out)) }
	attn := func(level int, ch int64) {
		p := pix(level)
		add(sat(p, 6*ch))
		add(sat(2, sat(p, p)))
	}
	base := int64(c.BaseChannels)
	in := int64(c.Channels) * 2 * sd * sd
	add(sat(p0, in+base))
	h0 := base
	skips := []int64{h0}
	last := len(c.ChannelMults) - 1
	for level, mult := range c.ChannelMults {
		ch := sat(base, int64(mult))
		for range c.ResBlocks {
			res(level, h0, ch)
			h0 = ch
			if c.HasAttention(level) {
				attn(level, ch)
			}
			skips = append(skips, h0)
		}
		if level != last {
			add(sat(pix(level+1), 5*ch))
			skips = append(skips, ch)
		}
	}
	res(last, h0, h0)
	if c.HasAttention(last) {
		attn(last, h0)
	}
	res(last, h0, h0)
	for level := last; level >= 0; level-- {
		ch := sat(base, int64(c.ChannelMults[level]))
		for range c.ResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			add(sat(pix(level), h0+skip))
			res(level, h0+skip, ch)
			h0 = ch
			if c.HasAttention(level) {
				attn(level, ch)
			}
		}
		if level != 0 {
			add(sat(pix(level-1), 2*ch))
		}
	}
	add(sat(p0, 3*h0))
	return sat(total, int64(max(n, 1)))
}
