package sr3

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// DiffusionLoss is the training objective of one batch, built in scope:
// q_sample x_t = sqrt(gamma) x0 + sqrt(1-gamma) noise (inside the graph: it
// is elementwise and saves a host round trip), the UNet's noise prediction
// from (x_t, cond, sqrt(gamma)), and the mean L1 or L2 (cfg.Loss) distance to
// its target: the noise, or v = sqrt(gamma) noise - sqrt(1-gamma) x0 for
// cfg.Prediction "v". x0 is the diffusion target (HR, or the scaled residual, see
// Config.Residual), cond the bicubic-upsampled LR, noise standard normal,
// all [N, H, W, C]; gamma is [N]; condLevel is [N] with cfg.CondAug (the
// augmentation level of each item's LR), else nil.
func DiffusionLoss(scope *model.Scope, cfg Config, x0, cond, noise, gamma, condLevel *graph.Node) *graph.Node {
	n := gamma.Shape().Dimensions[0]
	g4 := graph.Reshape(gamma, n, 1, 1, 1)
	xt := graph.Add(graph.Mul(graph.Sqrt(g4), x0), graph.Mul(graph.Sqrt(graph.OneMinus(g4)), noise))
	pred := UNet(scope, cfg, xt, cond, graph.Sqrt(gamma), condLevel)
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
// UNet's output, converted from v to eps (sqrt(gamma) v + sqrt(1-gamma) x_t)
// for cfg.Prediction "v". level is sqrt(gamma), [N]; condLevel the
// conditioning-augmentation level, [N], with cfg.CondAug, else nil.
func PredictNoiseGraph(scope *model.Scope, cfg Config, xt, cond, level, condLevel *graph.Node) *graph.Node {
	out := UNet(scope, cfg, xt, cond, level, condLevel)
	switch cfg.Prediction {
	case "v":
		return epsFromV(out, xt, level)
	case "x0":
		return epsFromX0(out, xt, level)
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
