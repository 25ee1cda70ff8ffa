package sr3

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/data"
)

// The base stage of a cascade (CDM, Ho et al.): a model with Config.Base
// generates small images from noise, optionally conditioned on a class
// label with classifier-free guidance (Ho & Salimans). It shares the UNet,
// the loss and the samplers with the super-resolution stages; only its
// inputs differ (no conditioning image, an optional label).

// DropLabels replaces each label by the "no label" token classes (see
// Config.NoLabel) with probability p, in place: the label dropout that
// trains the unconditional predictions classifier-free guidance needs
// (Ho & Salimans use p = 0.1 to 0.2). It draws exactly one number from rng
// per label whatever p is, so a training run's stream of random numbers
// does not depend on p. It does nothing for classes < 1 (an unconditional
// model has no labels).
func DropLabels(labels []int32, classes int, p float64, rng *rand.Rand) {
	if classes < 1 {
		return
	}
	for i := range labels {
		if rng.Float64() < p {
			labels[i] = int32(classes)
		}
	}
}

// labelsTensor checks per-item class labels (nil = all the no-label token)
// and returns them as the step's input: nil for a model without classes,
// which takes none (labels must be nil).
func (m *Model) labelsTensor(labels []int32, n int) (*tensors.Tensor, error) {
	k := m.Config.Classes
	if k == 0 {
		if labels != nil {
			return nil, errors.New("sr3: labels given to a model without classes (unconditional)")
		}
		return nil, nil
	}
	if labels == nil {
		labels = make([]int32, n)
		for i := range labels {
			labels[i] = m.Config.NoLabel()
		}
	}
	if len(labels) != n {
		return nil, fmt.Errorf("sr3: %d labels for a batch of %d", len(labels), n)
	}
	for i, l := range labels {
		if l < 0 || int(l) > k {
			return nil, fmt.Errorf("sr3: label[%d] = %d: want 0..%d (%d = no label)", i, l, k, k)
		}
	}
	return tensors.FromFlatDataAndDimensions(labels, n), nil
}

// PredictNoiseBase evaluates a base model's UNet on a batch: xt is n x h x w
// x Channels NHWC float32 (h, w multiples of Config.SizeMultiple()),
// levels[i] is item i's noise level sqrt(gamma) and labels[i] its class
// label, 0..Classes-1, or Classes for no label (nil = no labels; a model
// without classes takes none). It returns the predicted noise, NHWC, without
// guidance.
func (m *Model) PredictNoiseBase(xt []float32, n, h, w int, levels []float32, labels []int32) ([]float32, error) {
	if !m.Config.Base {
		return nil, errors.New("sr3: PredictNoiseBase: not a base model (use PredictNoise)")
	}
	if err := m.checkBatchShape(n, h, w); err != nil {
		return nil, err
	}
	labelsT, err := m.labelsTensor(labels, n)
	if err != nil {
		return nil, err
	}
	return m.predict(xt, nil, nil, labelsT, n, h, w, levels)
}

// checkGuidance validates a guidance scale for the model.
func (m *Model) checkGuidance(guidance float64) error {
	switch {
	case !(guidance >= 0) || math.IsInf(guidance, 0):
		return fmt.Errorf("sr3: guidance %g: want a finite scale >= 0", guidance)
	case guidance > 0 && m.Config.Classes == 0:
		return fmt.Errorf("sr3: guidance %g: the model has no classes (classifier-free guidance needs a class-conditional model)", guidance)
	}
	return nil
}

// GuidedEpsFunc returns the sampler's noise predictor for a batch of n
// h x w images of a base model, item i conditioned on labels[i] (nil = no
// labels, as PredictNoiseBase), with classifier-free guidance of scale w =
// guidance: eps = (1+w) eps(x, label) - w eps(x, no label). With guidance
// and at least one real label, each step is ONE network call on a batch of
// 2n (the n labelled rows, then the same n inputs with the no-label
// token), so the step compiles once and the two halves share the work of
// a larger batch; otherwise it is one call on n.
func (m *Model) GuidedEpsFunc(n, h, w int, labels []int32, guidance float64) (EpsFunc, error) {
	if !m.Config.Base {
		return nil, errors.New("sr3: GuidedEpsFunc: not a base model (use EpsFunc)")
	}
	if err := m.checkBatchShape(n, h, w); err != nil {
		return nil, err
	}
	if err := m.checkGuidance(guidance); err != nil {
		return nil, err
	}
	labelsT, err := m.labelsTensor(labels, n)
	if err != nil {
		return nil, err
	}
	guided := false
	for _, l := range labels {
		guided = guided || (guidance != 0 && l != m.Config.NoLabel())
	}
	if !guided {
		levels := make([]float32, n)
		return func(ctx context.Context, x []float32, gamma float64) ([]float32, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			for i := range levels {
				levels[i] = float32(NoiseLevel(gamma))
			}
			return m.predict(x, nil, nil, labelsT, n, h, w, levels)
		}, nil
	}
	both := make([]int32, 2*n)
	copy(both, labels)
	for i := n; i < 2*n; i++ {
		both[i] = m.Config.NoLabel()
	}
	bothT := tensors.FromFlatDataAndDimensions(both, 2*n)
	size := n * h * w * m.Config.Channels
	x2 := make([]float32, 2*size)
	levels := make([]float32, 2*n)
	wc, wu := float32(1+guidance), float32(guidance)
	return func(ctx context.Context, x []float32, gamma float64) ([]float32, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(x) != size {
			return nil, fmt.Errorf("sr3: noisy input has %d values, want %d", len(x), size)
		}
		copy(x2, x)
		copy(x2[size:], x)
		for i := range levels {
			levels[i] = float32(NoiseLevel(gamma))
		}
		e, err := m.predict(x2, nil, nil, bothT, 2*n, h, w, levels)
		if err != nil {
			return nil, err
		}
		for i := range size {
			e[i] = wc*e[i] - wu*e[size+i]
		}
		return e[:size], nil
	}, nil
}

// Generate samples n images of w x h pixels from a base model (Config.Base),
// image i conditioned on labels[i] (0..Classes-1, or Classes for no label;
// nil = all unconditional; a model without classes takes nil) with
// classifier-free guidance of scale guidance (Config.Guidance is the
// model's default; 0 = none; see GuidedEpsFunc: one network call of batch
// 2n per step). w and h must be multiples of Config.SizeMultiple(); the
// model samples best at the size it was trained at.
//
// It runs Sample from pure noise (sc.Strength must be 1; the initial image
// is zero) with the whole batch in one run, and returns the images, HWC in
// [-1, 1] (clamped), one per label. With the Config.SamplerConfig defaults
// x0 is clipped to [-1, 1] at every step. Image i is drawn from values
// i*w*h*C to (i+1)*w*h*C of each of noise's calls, so with a sequential
// source such as NewGaussianNoise it is the same image (up to the
// network's batch arithmetic) whatever n.
func (m *Model) Generate(ctx context.Context, n, w, h int, labels []int32, guidance float64, sc SamplerConfig, noise NoiseSource, progress func(step, total int)) ([]*data.Image, error) {
	if sc.Strength != 1 {
		return nil, fmt.Errorf("sr3: generate: strength %g: a base model starts from pure noise (strength 1)", sc.Strength)
	}
	return m.sampleBase(ctx, "generate", nil, n, w, h, labels, guidance, sc, noise, progress)
}

// Regenerate is SDEdit (Meng et al.) with a base model: it noises each of
// imgs (all of one size, Channels channels, in [-1, 1]) to the level of
// sc.Strength (0 < Strength <= 1; 1 forgets them: Generate) and samples
// back from there, image i conditioned on labels[i] with classifier-free
// guidance as Generate. The results keep the images' layout and add the
// base model's own errors: inputs that look like its samples but have
// known ground truth (how the conditioning augmentation of the stages
// after it is measured).
func (m *Model) Regenerate(ctx context.Context, imgs []*data.Image, labels []int32, guidance float64, sc SamplerConfig, noise NoiseSource, progress func(step, total int)) ([]*data.Image, error) {
	if len(imgs) == 0 {
		return nil, errors.New("sr3: regenerate: no images")
	}
	w, h := imgs[0].W, imgs[0].H
	for i, img := range imgs {
		if img.W != w || img.H != h || img.C != m.Config.Channels {
			return nil, fmt.Errorf("sr3: regenerate: image %d is %s, want %dx%dx%d as image 0", i, img, w, h, m.Config.Channels)
		}
	}
	return m.sampleBase(ctx, "regenerate", imgs, len(imgs), w, h, labels, guidance, sc, noise, progress)
}

// sampleBase runs a base model's sampler for Generate (init nil: from
// pure noise) and Regenerate (from init noised to sc.Strength).
func (m *Model) sampleBase(ctx context.Context, what string, init []*data.Image, n, w, h int, labels []int32, guidance float64, sc SamplerConfig, noise NoiseSource, progress func(step, total int)) ([]*data.Image, error) {
	if !m.Config.Base {
		return nil, fmt.Errorf("sr3: %s: not a base model (a super-resolution stage needs an input image: use Upscale)", what)
	}
	if n < 1 {
		return nil, fmt.Errorf("sr3: %s: %d images: want at least 1", what, n)
	}
	if labels != nil && len(labels) != n {
		return nil, fmt.Errorf("sr3: %s: %d labels for %d images", what, len(labels), n)
	}
	eps, err := m.GuidedEpsFunc(n, h, w, labels, guidance)
	if err != nil {
		return nil, fmt.Errorf("sr3: %s: %w", what, err)
	}
	c := m.Config.Channels
	per := w * h * c
	x0Init := make([]float32, n*per)
	for i, img := range init {
		copy(x0Init[i*per:], img.Pix)
	}
	x0, err := Sample(ctx, m.schedule, sc, x0Init, noise, eps, progress)
	if err != nil {
		return nil, fmt.Errorf("sr3: %s: %w", what, err)
	}
	out := make([]*data.Image, n)
	for i := range out {
		pix := x0[i*per : (i+1)*per : (i+1)*per]
		for j, v := range pix {
			pix[j] = min(max(v, -1), 1)
		}
		out[i] = &data.Image{W: w, H: h, C: c, Pix: pix}
	}
	return out, nil
}
