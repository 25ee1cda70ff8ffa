package sr3

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// LossInputs are the inputs of DiffusionLoss, one training batch. Which of
// the optional ones are given is fixed by the Config, as for UNetInputs.
type LossInputs struct {
	// X0 is the diffusion target, [N, H, W, C]: HR, or the scaled residual
	// (see Config.Residual and Target); for a base model the image itself.
	X0 *graph.Node
	// Cond is the bicubic-upsampled LR, shaped like X0; nil for a base
	// model.
	Cond *graph.Node
	// Noise is standard normal, shaped like X0.
	Noise *graph.Node
	// Gamma is [N], each item's noise level gamma (alpha_bar).
	Gamma *graph.Node
	// CondLevel is [N], the augmentation level of each item's LR, with
	// Config.CondAug; else nil.
	CondLevel *graph.Node
	// Labels is [N] int32, each item's class label or the no-label token
	// Config.NoLabel() (after label dropout, see DropLabels), with
	// Config.Classes > 0; else nil.
	Labels *graph.Node
}

// DiffusionLoss is the training objective of one batch, built in scope:
// q_sample x_t = sqrt(gamma) x0 + sqrt(1-gamma) noise (inside the graph: it
// is elementwise and saves a host round trip), the UNet's prediction from
// (x_t, cond, sqrt(gamma), condLevel, labels), and the mean L1 or L2
// (cfg.Loss) distance to its target (cfg.Prediction): the noise, x0, or
// v = sqrt(gamma) noise - sqrt(1-gamma) x0.
func DiffusionLoss(scope *model.Scope, cfg Config, in LossInputs) *graph.Node {
	x0, noise, gamma := in.X0, in.Noise, in.Gamma
	n := gamma.Shape().Dimensions[0]
	g4 := graph.Reshape(gamma, n, 1, 1, 1)
	xt := graph.Add(graph.Mul(graph.Sqrt(g4), x0), graph.Mul(graph.Sqrt(graph.OneMinus(g4)), noise))
	pred := UNet(scope, cfg, UNetInputs{Noisy: xt, Cond: in.Cond, NoiseLevel: graph.Sqrt(gamma), CondLevel: in.CondLevel, Labels: in.Labels})
	var target *graph.Node
	switch cfg.Prediction {
	case "v":
		target = graph.Sub(graph.Mul(graph.Sqrt(g4), noise), graph.Mul(graph.Sqrt(graph.OneMinus(g4)), x0))
	case "x0":
		target = x0
	default:
		target = noise
	}
	diff := graph.Sub(pred, target)
	switch cfg.Loss {
	case "l1":
		return graph.ReduceAllMean(graph.Abs(diff))
	case "l2":
		return graph.ReduceAllMean(graph.Square(diff))
	default:
		panic(fmt.Sprintf("sr3: unknown loss %q", cfg.Loss))
	}
}

// PredictNoiseGraph is the model's noise prediction in the graph: the
// UNet's output on in (in.Noisy = x_t, in.NoiseLevel = sqrt(gamma), [N]),
// converted to eps from v (sqrt(gamma) v + sqrt(1-gamma) x_t) or from x0
// as cfg.Prediction says.
func PredictNoiseGraph(scope *model.Scope, cfg Config, in UNetInputs) *graph.Node {
	out := UNet(scope, cfg, in)
	switch cfg.Prediction {
	case "v":
		return epsFromV(out, in.Noisy, in.NoiseLevel)
	case "x0":
		return epsFromX0(out, in.Noisy, in.NoiseLevel)
	}
	return out
}

// epsFromX0 converts a clean-image prediction to the noise:
// eps = (x_t - a x0) / b, a = sqrt(gamma) (level, [N]), b = sqrt(1-gamma)
// (floored at 1e-4; the schedules keep it above 1e-2).
func epsFromX0(x0, xt, level *graph.Node) *graph.Node {
	n := level.Shape().Dimensions[0]
	a := graph.Reshape(level, n, 1, 1, 1)
	b := graph.MaxScalar(graph.Sqrt(graph.OneMinus(graph.Square(a))), 1e-4)
	return graph.Div(graph.Sub(xt, graph.Mul(a, x0)), b)
}

// epsFromV converts a v prediction to the noise: eps = a v + b x_t with
// a = sqrt(gamma) (level, [N]) and b = sqrt(1-gamma).
func epsFromV(v, xt, level *graph.Node) *graph.Node {
	n := level.Shape().Dimensions[0]
	a := graph.Reshape(level, n, 1, 1, 1)
	b := graph.Sqrt(graph.OneMinus(graph.Square(a)))
	return graph.Add(graph.Mul(a, v), graph.Mul(b, xt))
}

// Target returns the diffusion target x0 for an HR image and its bicubic
// upsampled LR (flat, same layout): HR itself, or with cfg.Residual the
// residual (HR - bicubic) * ResidualScale. dst may alias neither input.
// For a base model (no bicubic), bicubic may be nil: x0 is the image.
func Target(cfg Config, dst, hr, bicubic []float32) {
	if !cfg.Residual {
		copy(dst, hr)
		return
	}
	s := float32(cfg.ResidualScale)
	for i := range dst {
		dst[i] = (hr[i] - bicubic[i]) * s
	}
}

// FromTarget inverts Target: it turns a diffusion-space estimate x0 into HR
// pixels in place, adding bicubic back for residual models.
func FromTarget(cfg Config, x0, bicubic []float32) {
	if !cfg.Residual {
		return
	}
	inv := 1 / float32(cfg.ResidualScale)
	for i := range x0 {
		x0[i] = bicubic[i] + x0[i]*inv
	}
}
