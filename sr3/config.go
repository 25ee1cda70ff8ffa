package sr3

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// PredictionKinds lists the accepted Config.Prediction values.
var PredictionKinds = []string{"eps", "v", "x0"}

// ConfigVersion is the version of the Config format written with the weights.
const ConfigVersion = 1

// MaxClasses bounds Config.Classes (the label table has Classes+1 rows).
const MaxClasses = 1 << 16

// Config is an SR3 stage's architecture, diffusion setup and sampling
// defaults. It is saved as config.json beside the weights, so a checkpoint
// carries everything needed to rebuild and run the network.
type Config struct {
	// Version of this format (ConfigVersion).
	Version int `json:"version"`
	// Scale is the super-resolution factor (HR size = LR size * Scale).
	Scale int `json:"scale"`
	// Channels is the number of image channels (3 for RGB).
	Channels int `json:"channels"`

	// BaseChannels is the UNet's width at its first level.
	BaseChannels int `json:"base_channels"`
	// ChannelMults gives each level's width as a multiple of BaseChannels;
	// level i runs at 1/2^i of the UNet's input resolution.
	ChannelMults []int `json:"channel_mults"`
	// ResBlocks is the number of residual blocks per level on the way down
	// (the way up has one more, as in DDPM/SR3).
	ResBlocks int `json:"res_blocks"`
	// AttnLevels lists the levels (indices into ChannelMults) with
	// self-attention after each residual block. Attention is quadratic in
	// the number of pixels: use only the lowest resolutions.
	AttnLevels []int `json:"attn_levels"`
	// Dropout is the dropout rate inside residual blocks during training.
	Dropout float64 `json:"dropout"`
	// GroupNormGroups is the number of GroupNorm groups; it must divide
	// every level's width.
	GroupNormGroups int `json:"group_norm_groups"`
	// Activation is the nonlinearity of the residual blocks, the embedding
	// MLP and the output head: "silu" (also what an empty value, the
	// value of every checkpoint written before this field, means),
	// "relu" or "hardswish" (see Activations).
	Activation string `json:"activation,omitempty"`
	// NoiseEmbedScale multiplies the noise level sqrt(gamma) in [0, 1]
	// before its sinusoidal embedding, spreading the levels over the
	// embedding's frequencies (WaveGrad and SR3 use 5000; 1000 puts the
	// familiar DDPM step range on the same frequencies).
	NoiseEmbedScale float64 `json:"noise_embed_scale"`

	// SpaceToDepth runs the UNet at LR resolution: the HR-sized noisy image
	// and conditioning are rearranged into Scale x Scale blocks on the
	// channel axis (Scale^2 times more channels, Scale^2 times fewer
	// pixels) and the prediction is rearranged back.
	SpaceToDepth bool `json:"space_to_depth"`
	// Residual diffuses the residual x0 = (HR - bicubic(LR)) * ResidualScale
	// instead of HR itself; the output adds bicubic back.
	Residual bool `json:"residual"`
	// ResidualScale multiplies the residual so its spread matches that of
	// an image in [-1, 1] (standard deviation about 0.5), the regime the
	// noise schedules were designed for. Measured on Set5+Set14 (exact
	// bicubic protocol), HR - bicubic(LR) has a standard deviation of 0.129
	// at x4 and 0.082 at x2 (on the [-1, 1] scale): the defaults are 4 and 6.
	ResidualScale float64 `json:"residual_scale"`

	// Prediction is what the UNet outputs, and what the loss compares it
	// with: "x0" (the clean target: HR or the scaled residual), "eps" (the
	// noise, as SR3) or "v" (sqrt(gamma) eps - sqrt(1-gamma) x0, Salimans &
	// Ho). Whatever it predicts, the model hands the samplers a noise
	// prediction (eps = (x_t - sqrt(gamma) x0)/sqrt(1-gamma), or
	// sqrt(gamma) v + sqrt(1-gamma) x_t), so samplers do not change.
	//
	// The x0 loss is the noise loss weighted by 1/SNR: it puts the weight
	// on the high noise levels, where the model must infer the detail from
	// the conditioning, rather than on the low ones, where a residual
	// target is itself noise-like and the noise is hard to tell from it.
	// Measured (x4, residual, L2, 1500 steps of batch 8 on train-photos,
	// Set5 centre crops): the one-step estimate from pure noise gains
	// +0.54 dB over bicubic with "x0"; with "eps" it is useless (8.7 dB;
	// the estimate divides by sqrt(gamma) ~ 0.006) and with "v" it is
	// bicubic (+0.00 dB: the high-noise regression has not been learned).
	Prediction string `json:"prediction"`

	// Schedule is the noise schedule name (see NewSchedule).
	Schedule string `json:"schedule"`
	// TrainSteps is the number of steps T of the training schedule.
	TrainSteps int `json:"train_steps"`
	// Loss is the training loss on the UNet's prediction (see Prediction):
	// "l1" or "l2". L2 is the default: on a residual target, mostly near
	// zero with heavy tails, L1's optimum (the conditional median) is zero
	// almost everywhere and its sign gradients barely move a fresh network
	// (measured: no gain over bicubic after 300 regression steps, where L2
	// gains +0.9 dB).
	Loss string `json:"loss"`

	// CondAug turns on CDM conditioning augmentation (Ho et al., Cascaded
	// Diffusion Models): the network takes a second level, that of the
	// Gaussian noise added to the LR input before its bicubic upsampling
	// (LR + level * N(0,1), [-1,1] units), through its own sinusoidal
	// embedding and dense layer added to the noise-level embedding. Trained
	// with `srcascade train --cond-noise MAX`, such a stage learns to treat
	// its input as a noisy version of the truth, which makes it robust to
	// the artefacts of an earlier stage.
	CondAug bool `json:"cond_aug"`
	// CondNoise is the default augmentation level at sampling time for
	// generated inputs (a later stage of a cascade, a later pass of a
	// chained stage); real inputs get 0 unless a level is asked for. Only
	// with CondAug.
	CondNoise float64 `json:"cond_noise"`
	// Denoise makes the conditioning level of CondAug a denoise control
	// instead of CDM's augmentation: the level tells the network how
	// damaged its input is (0 = a clean bicubic downscale, 1 = heavily
	// blurred, noisy or compressed: train.DegradationStrength of each
	// training input, made by the degradation pipeline), and nothing is
	// added to the input at sampling. Trained with `srcascade train
	// --degrade ... --denoise`; set at sampling by `--denoise LEVEL`
	// (cascade.Options.Denoise). Needs CondAug, with CondNoise 0.
	Denoise bool `json:"denoise,omitempty"`

	// Sampler is the default sampler kind ("ddpm" or "ddim").
	Sampler string `json:"sampler"`
	// Steps is the default number of sampling steps (1 = one-step estimate).
	// The default is 1, the best measured so far: after 3000 training steps
	// (x4, 13 minutes here) Set5 Y-PSNR is 29.50 dB one-step, 28.74 with 4
	// DDIM steps, 28.50 with 8, 28.91 with 8 DDPM steps (bicubic 28.43);
	// more steps sharpen but, on a briefly trained model, cost PSNR.
	Steps int `json:"steps"`
	// Eta is the default DDIM eta.
	Eta float64 `json:"eta"`
	// Strength is the default start level in (0, 1] (below 1: a partial
	// start from the noised bicubic image, or from a zero residual).
	Strength float64 `json:"strength"`

	// Base makes this the base stage of a cascade (CDM): a diffusion model
	// that generates images from noise, with no low-resolution input. The
	// UNet sees the noisy image alone (nothing concatenated), so Scale must
	// be 1 and SpaceToDepth, Residual and CondAug off. See Model.Generate.
	Base bool `json:"base,omitempty"`
	// Classes is the number of class labels a base model is conditioned on
	// (0 = unconditional). With N > 0 the network takes a label 0..N-1 per
	// item, embedded by a learned table of N+1 rows added to the
	// noise-level embedding; row N is the "no label" token, trained by
	// label dropout (DropLabels) and used for classifier-free guidance.
	Classes int `json:"classes,omitempty"`
	// Guidance is the default classifier-free guidance scale w at sampling
	// (Ho & Salimans): eps = (1+w) eps(x, label) - w eps(x, no label).
	// 0 = no guidance (the plain conditional model); it needs Classes.
	Guidance float64 `json:"guidance,omitempty"`
}

// DefaultConfig returns the default configuration for a scale (2 and 4 are
// the tuned ones; others get the x4 network) of a new training run. It
// works at LR resolution (SpaceToDepth) on the residual over bicubic,
// predicting the clean residual with an L2 loss (see Prediction and Loss
// for why).
//
// x4 is a 32/64/128-channel UNet (one residual block a level, attention at
// the lowest) with ReLU, 2.87M parameters, chosen under a CPU budget
// (BENCHMARKS.md, "Engine"): at equal training CPU time it validated as well
// as the 64/128/128 SiLU network the shipped sr3-x4 has (LegacyConfigX4),
// which costs 2.6x the CPU per output pixel and step. On the 2-core
// machine's Go backend it samples at 3.5x and trains at 1.9x (batch 8) to
// 2.3x (batch 16) the old network's rate on the old engine. x2 is a
// 32/64/128 SiLU network, 2.8M parameters.
func DefaultConfig(scale int) Config {
	c := Config{
		Version:         ConfigVersion,
		Scale:           scale,
		Channels:        3,
		BaseChannels:    64,
		ChannelMults:    []int{1, 2, 2},
		ResBlocks:       1,
		AttnLevels:      []int{2},
		Dropout:         0,
		GroupNormGroups: 16,
		NoiseEmbedScale: 1000,
		SpaceToDepth:    true,
		Residual:        true,
		ResidualScale:   4,
		Prediction:      "x0",
		Schedule:        DefaultScheduleName,
		TrainSteps:      DefaultT,
		Loss:            "l2",
		Sampler:         DDIM,
		Steps:           1,
		Eta:             0,
		Strength:        1,
	}
	// Levels at 1, 1/2 and 1/4 of LR resolution with 32, 64 and 128
	// channels: most of the width where there are fewest pixels.
	c.BaseChannels = 32
	c.ChannelMults = []int{1, 2, 4}
	c.GroupNormGroups = 8
	if scale == 2 {
		c.ResidualScale = 6
	} else {
		c.Activation = string(ActReLU)
	}
	return c
}

// LegacyConfigX4 is the x4 default before the engine work of issue 10: the
// network of the shipped sr3-x4 (64/128/128 channels, SiLU, 4.7M
// parameters). Its checkpoints say so in their config.json; this is for
// comparisons and for training that network anew (--set base_channels=64
// --set channel_mults=1,2,2 --set group_norm_groups=16 --set
// activation=silu).
func LegacyConfigX4() Config {
	c := DefaultConfig(4)
	c.BaseChannels = 64
	c.ChannelMults = []int{1, 2, 2}
	c.GroupNormGroups = 16
	c.Activation = ""
	return c
}

// DefaultBaseConfig returns the default configuration of a base stage
// generating size x size images (tuned for 16x16; size must be a multiple of
// the result's SizeMultiple()), conditioned on classes labels (0 =
// unconditional). The UNet halves the resolution down to 4x4 (at most four
// levels: 16, 8, 4 for 16x16), 64 channels at the first level and 128 below
// (ChannelMults 1, 2, 2), two residual blocks per level and self-attention
// at every level of 8x8 or less, as DDPM's CIFAR-10 network scaled down.
//
// It predicts v (Salimans & Ho) with an L2 loss on the cosine schedule
// (Nichol & Dhariwal). v rather than eps: generation starts from pure
// noise, where an eps prediction gives the clean image only through a
// division by sqrt(gamma) ~ 0.01 (any error in eps is amplified 100x in the
// first, coarse steps of a few-step DDIM run), while v ~ -x0 there and ~ eps
// near the clean end, so the estimate is well conditioned at every level;
// v rather than x0: the x0 loss weights the low noise levels, which carry
// the fine detail of a generated image, by SNR^-1 and so barely trains them.
// Cosine rather than linear: at 16x16 the linear schedule destroys the
// image within its first half (few pixels, so little redundancy), wasting
// the rest. Dropout 0.1 (DDPM's CIFAR-10 value): a base model learns a
// distribution and overfits small datasets otherwise. The sampling default
// is 50 deterministic DDIM steps from pure noise and, with classes,
// guidance 1 (Ho & Salimans find w ~ 0.3 best for FID and larger w best
// for class fidelity; 1 is between).
func DefaultBaseConfig(size, classes int) Config {
	levels := 1
	for levels < 4 && size%(1<<levels) == 0 && size>>levels >= 4 {
		levels++
	}
	mults := []int{1}
	var attn []int
	for l := range levels {
		if l > 0 {
			mults = append(mults, 2)
		}
		if size>>l <= 8 {
			attn = append(attn, l)
		}
	}
	c := Config{
		Version:         ConfigVersion,
		Scale:           1,
		Channels:        3,
		BaseChannels:    64,
		ChannelMults:    mults,
		ResBlocks:       2,
		AttnLevels:      attn,
		Dropout:         0.1,
		GroupNormGroups: 16,
		NoiseEmbedScale: 1000,
		Prediction:      "v",
		Schedule:        "cosine",
		TrainSteps:      DefaultT,
		Loss:            "l2",
		Sampler:         DDIM,
		Steps:           50,
		Eta:             0,
		Strength:        1,
		Base:            true,
		Classes:         classes,
	}
	if classes > 0 {
		c.Guidance = 1
	}
	return c
}

// NoLabel returns the "no label" token of a class-conditional model
// (Classes), the label of unconditional rows in classifier-free guidance.
func (c Config) NoLabel() int32 { return int32(c.Classes) }

// Levels returns the number of UNet levels.
func (c Config) Levels() int { return len(c.ChannelMults) }

// SizeMultiple is the number HR image sides must be a multiple of for the
// UNet: 2^(levels-1) halvings, times Scale with SpaceToDepth.
func (c Config) SizeMultiple() int {
	m := 1 << max(0, c.Levels()-1)
	if c.SpaceToDepth {
		m *= c.Scale
	}
	return m
}

// HasAttention reports whether level has self-attention.
func (c Config) HasAttention(level int) bool { return slices.Contains(c.AttnLevels, level) }

// Validate reports every problem with the configuration, naming the field.
func (c Config) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if c.Version != ConfigVersion {
		bad("version %d: this build reads config version %d", c.Version, ConfigVersion)
	}
	if c.Scale < 1 || c.Scale > 16 {
		bad("scale %d: want 1..16", c.Scale)
	}
	if c.Channels < 1 || c.Channels > 4 {
		bad("channels %d: want 1..4", c.Channels)
	}
	if c.BaseChannels < 1 || c.BaseChannels > MaxBaseChannels {
		bad("base_channels %d: want 1..%d", c.BaseChannels, MaxBaseChannels)
	}
	if len(c.ChannelMults) == 0 || len(c.ChannelMults) > 6 {
		bad("channel_mults %v: want 1 to 6 levels", c.ChannelMults)
	}
	if c.ResBlocks < 1 || c.ResBlocks > MaxResBlocks {
		bad("res_blocks %d: want 1..%d", c.ResBlocks, MaxResBlocks)
	}
	if c.GroupNormGroups < 1 {
		bad("group_norm_groups %d: want at least 1", c.GroupNormGroups)
	}
	for i, m := range c.ChannelMults {
		if m < 1 {
			bad("channel_mults[%d] = %d: want at least 1", i, m)
		} else if int64(c.BaseChannels)*int64(m) > MaxLevelChannels {
			bad("channel_mults[%d] = %d: level %d would have %d channels, above %d", i, m, i, int64(c.BaseChannels)*int64(m), MaxLevelChannels)
		} else if c.GroupNormGroups >= 1 && (c.BaseChannels*m)%c.GroupNormGroups != 0 {
			bad("level %d has %d channels, not divisible by group_norm_groups %d", i, c.BaseChannels*m, c.GroupNormGroups)
		}
	}
	if len(c.AttnLevels) > len(c.ChannelMults) {
		bad("attn_levels %v: more entries than the %d levels", c.AttnLevels, len(c.ChannelMults))
	} else {
		for _, l := range c.AttnLevels {
			if l < 0 || l >= len(c.ChannelMults) {
				bad("attn_levels: level %d does not exist (levels 0..%d)", l, len(c.ChannelMults)-1)
			}
		}
	}
	if err := Activation(c.Activation).check(); err != nil {
		bad("%v", err)
	}
	if !(c.Dropout >= 0 && c.Dropout < 1) {
		bad("dropout %g: want 0 <= dropout < 1", c.Dropout)
	}
	if !(c.NoiseEmbedScale > 0) || math.IsInf(c.NoiseEmbedScale, 0) {
		bad("noise_embed_scale %g: want a positive number", c.NoiseEmbedScale)
	}
	if c.SpaceToDepth && c.Scale < 2 {
		bad("space_to_depth needs scale >= 2 (scale is %d)", c.Scale)
	}
	if c.Residual && (!(c.ResidualScale > 0) || math.IsInf(c.ResidualScale, 0)) {
		bad("residual_scale %g: want a positive number", c.ResidualScale)
	}
	if !slices.Contains(PredictionKinds, c.Prediction) {
		bad("prediction %q: want one of %v", c.Prediction, PredictionKinds)
	}
	if !slices.Contains(ScheduleNames, c.Schedule) {
		bad("schedule %q: want one of %v", c.Schedule, ScheduleNames)
	}
	if c.TrainSteps < 2 || c.TrainSteps > MaxTrainSteps {
		bad("train_steps %d: want 2..%d", c.TrainSteps, MaxTrainSteps)
	}
	if c.Loss != "l1" && c.Loss != "l2" {
		bad("loss %q: want \"l1\" or \"l2\"", c.Loss)
	}
	if !(c.CondNoise >= 0 && c.CondNoise <= 1) {
		bad("cond_noise %g: want 0 <= level <= 1", c.CondNoise)
	} else if c.CondNoise > 0 && !c.CondAug {
		bad("cond_noise %g needs cond_aug (a network trained with conditioning augmentation)", c.CondNoise)
	}
	if c.Denoise && !c.CondAug {
		bad("denoise needs cond_aug (the network's second conditioning level carries the denoise level)")
	} else if c.Denoise && c.CondNoise > 0 {
		bad("denoise: cond_noise %g must be 0 (the level is the input's damage, set by --denoise, not augmentation noise)", c.CondNoise)
	}
	if !slices.Contains(SamplerKinds, c.Sampler) {
		bad("sampler %q: want one of %v", c.Sampler, SamplerKinds)
	}
	if c.Steps < 1 || c.Steps > MaxSteps {
		bad("steps %d: want 1..%d", c.Steps, MaxSteps)
	}
	if !(c.Eta >= 0) || math.IsInf(c.Eta, 0) {
		bad("eta %g: want a finite eta >= 0", c.Eta)
	}
	if !(c.Strength > 0 && c.Strength <= 1) {
		bad("strength %g: want 0 < strength <= 1", c.Strength)
	}
	if c.Base {
		if c.Scale != 1 {
			bad("base: a base model generates at its own size, scale must be 1 (scale is %d)", c.Scale)
		}
		if c.SpaceToDepth {
			bad("base: space_to_depth must be false (a base model has scale 1)")
		}
		if c.Residual {
			bad("base: residual must be false (a base model has no bicubic input to add a residual to)")
		}
		if c.CondAug {
			bad("base: cond_aug must be false (a base model has no low-resolution input to augment)")
		}
	}
	if c.Classes < 0 || c.Classes > MaxClasses {
		bad("classes %d: want 0 (unconditional) to %d", c.Classes, MaxClasses)
	} else if c.Classes > 0 && !c.Base {
		bad("classes %d needs base (only base models are class-conditional)", c.Classes)
	}
	if !(c.Guidance >= 0) || math.IsInf(c.Guidance, 0) {
		bad("guidance %g: want a finite scale >= 0", c.Guidance)
	} else if c.Guidance > 0 && c.Classes == 0 {
		bad("guidance %g needs classes (classifier-free guidance mixes class-conditional and unconditional predictions)", c.Guidance)
	}
	if len(errs) == 0 {
		// Only once every size is in range, so the count means something.
		if n := c.ParamCount(); n > MaxParams {
			bad("the network would have %d parameters (%.1f GB of float32 weights), above the %dM this build accepts: lower base_channels, channel_mults or res_blocks",
				n, float64(n)*4/1e9, MaxParams/1_000_000)
		}
	}
	if len(errs) > 0 {
		return errors.New("sr3: invalid config: " + strings.Join(errs, "; "))
	}
	return nil
}

// SamplerConfig returns the configuration's default sampler settings, with
// x0 clipped to the image range [-1, 1] (Model.Upscale applies the bound in
// image space for residual models).
func (c Config) SamplerConfig() SamplerConfig {
	return SamplerConfig{Kind: c.Sampler, Steps: c.Steps, Eta: c.Eta, Strength: c.Strength, ClipX0: 1}
}

// Set changes the field whose JSON name is key to the value parsed from
// text (numbers, true/false, strings; lists as "1,2,2" or "[1,2,2]"), as
// `--set key=value` does. It does not validate the result.
func (c *Config) Set(key, text string) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != key {
			continue
		}
		f := v.Field(i)
		if err := setField(f, text); err != nil {
			return fmt.Errorf("sr3: config %s=%q: %w", key, text, err)
		}
		return nil
	}
	return fmt.Errorf("sr3: unknown config key %q (known: %s)", key, strings.Join(c.Keys(), ", "))
}

// Keys lists the JSON names of the configuration's fields.
func (c Config) Keys() []string {
	t := reflect.TypeOf(c)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

func setField(f reflect.Value, text string) error {
	text = strings.TrimSpace(text)
	switch f.Kind() {
	case reflect.Int:
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		f.SetInt(int64(n))
	case reflect.Float64:
		x, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return fmt.Errorf("want a number")
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case reflect.String:
		f.SetString(text)
	case reflect.Slice:
		inner := strings.TrimSuffix(strings.TrimPrefix(text, "["), "]")
		var list []int
		for _, part := range strings.Split(inner, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return fmt.Errorf("want a list of integers such as 1,2,2")
			}
			list = append(list, n)
		}
		f.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("field of kind %s cannot be set", f.Kind())
	}
	return nil
}

// MarshalConfig returns the configuration as indented JSON.
func MarshalConfig(c Config) ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sr3: encoding config: %w", err)
	}
	return append(b, '\n'), nil
}

// UnmarshalConfig parses and validates a configuration; unknown fields are
// an error (a typo must not silently fall back to a default).
func UnmarshalConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("sr3: parsing config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
