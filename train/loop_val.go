package train

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// validate measures the EMA weights' mean Y-PSNR on the validation pairs
// and records it in the history. Without pairs it does nothing. A base
// stage makes its sample sheet instead (validateBase).
func (r *runner) validate(ctx context.Context) error {
	if r.cfg.Base {
		return r.validateBase(ctx)
	}
	if len(r.val) == 0 {
		return nil
	}
	if err := r.loadEMA(); err != nil {
		return fmt.Errorf("train: validation: %w", err)
	}
	psnr, err := ValidatePSNR(ctx, r.valModel, r.val, r.valSampler(), r.opt.Seed)
	if err != nil {
		return fmt.Errorf("train: validation at step %d: %w", r.info.Step, err)
	}
	r.valPSNR = psnr
	r.info.History.PSNR = append(r.info.History.PSNR, Point{Step: r.info.Step, Value: psnr})
	r.report(Progress{Event: "validation", Step: r.info.Step, Steps: r.opt.Steps, ValPSNR: psnr, BicubicPSNR: r.bicubic})
	return nil
}

// loadEMA copies the current EMA weights into r.valModel, the model
// validation samples with (made on first use).
func (r *runner) loadEMA() error {
	weights := map[string]*tensors.Tensor{}
	for name, t := range emaWeights(r.store) {
		c, err := t.LocalClone() // the training step donates the store's buffers
		if err != nil {
			return err
		}
		weights[name] = c
	}
	if r.valModel == nil {
		m, err := sr3.NewFromWeights(r.cfg, r.backend, weights)
		if err != nil {
			return err
		}
		r.valModel = m
		return nil
	}
	return r.valModel.SetWeights(weights)
}

// valSampler is the sampler configuration of validation.
func (r *runner) valSampler() sr3.SamplerConfig {
	sc := r.cfg.SamplerConfig()
	sc.Kind, sc.Steps, sc.Eta = sr3.DDIM, r.opt.ValSteps, 0
	if r.opt.ValSampler != "" {
		sc.Kind = r.opt.ValSampler
	}
	if r.opt.ValStrength > 0 {
		sc.Strength = r.opt.ValStrength
	}
	return sc
}

// ValidatePSNR upscales every pair's LR with m and returns the mean Y-PSNR
// against HR, shaving Scale pixels off the borders (the benchmark
// protocol). The noise is seeded by seed, the same for every call.
func ValidatePSNR(ctx context.Context, m *sr3.Model, pairs []ValPair, sc sr3.SamplerConfig, seed int64) (float64, error) {
	if len(pairs) == 0 {
		return 0, fmt.Errorf("no validation images")
	}
	sum := 0.0
	for _, p := range pairs {
		sr, err := m.Upscale(ctx, p.LR, sc, sr3.NewGaussianNoise(seed), nil)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.Name, err)
		}
		sum += data.PSNRY(p.HR, data.Quantize(sr), m.Config.Scale)
	}
	return sum / float64(len(pairs)), nil
}

// bicubicPSNR is the bicubic baseline's mean Y-PSNR on the pairs.
func bicubicPSNR(pairs []ValPair, scale int) float64 {
	sum := 0.0
	for _, p := range pairs {
		sum += data.PSNRY(p.HR, data.Quantize(data.Resize(p.LR, p.HR.W, p.HR.H)), scale)
	}
	return sum / float64(len(pairs))
}
