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
// noise. x0 is the diffusion target (HR, or the scaled residual, see
// Config.Residual), cond the bicubic-upsampled LR, noise standard normal,
// all [N, H, W, C]; gamma is [N].
func DiffusionLoss(scope *model.Scope, cfg Config, x0, cond, noise, gamma *graph.Node) *graph.Node {
	n := gamma.Shape().Dimensions[0]
	g4 := graph.Reshape(gamma, n, 1, 1, 1)
	xt := graph.Add(graph.Mul(graph.Sqrt(g4), x0), graph.Mul(graph.Sqrt(graph.OneMinus(g4)), noise))
	pred := UNet(scope, cfg, xt, cond, graph.Sqrt(gamma))
	diff := graph.Sub(pred, noise)
	switch cfg.Loss {
	case "l1":
		return graph.ReduceAllMean(graph.Abs(diff))
	case "l2":
		return graph.ReduceAllMean(graph.Square(diff))
	default:
		panic(fmt.Sprintf("sr3: unknown loss %q", cfg.Loss))
	}
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
