package sr3

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/core/graph"
)

// Activation names the UNet's nonlinearity (Config.Activation).
type Activation string

// The activations a Config may name. An empty name is SiLU, the activation
// of every checkpoint written before the field existed.
const (
	// ActSiLU is x * sigmoid(x) (swish), the DDPM/SR3 choice. On the Go
	// backend its sigmoid is a scalar exp per element: a fifth of a
	// sampling step's CPU time.
	ActSiLU Activation = "silu"
	// ActReLU is max(x, 0): one cheap element-wise pass.
	ActReLU Activation = "relu"
	// ActHardSwish is x * clamp(x/6 + 1/2, 0, 1) (MobileNetV3), SiLU's
	// shape from five cheap element-wise passes.
	ActHardSwish Activation = "hardswish"
)

// Activations lists the accepted Config.Activation values (besides "").
var Activations = []Activation{ActSiLU, ActReLU, ActHardSwish}

// resolve returns the activation an (possibly empty) name means.
func (a Activation) resolve() Activation {
	if a == "" {
		return ActSiLU
	}
	return a
}

// check returns an error for an unknown name.
func (a Activation) check() error {
	if a == "" || slices.Contains(Activations, a) {
		return nil
	}
	return fmt.Errorf("activation %q: want one of %q", string(a), Activations)
}

// apply returns the activation of x.
func (a Activation) apply(x *graph.Node) *graph.Node {
	switch a.resolve() {
	case ActReLU:
		return relu(x)
	case ActHardSwish:
		return graph.Mul(x, graph.MinScalar(graph.MaxScalar(graph.AddScalar(graph.MulScalar(x, 1.0/6), 0.5), 0), 1))
	case ActSiLU:
		return SiLU(x)
	}
	panic(fmt.Sprintf("sr3: internal error, unknown activation %q", string(a)))
}

// relu is max(x, 0) with its gradient given as dy * sign(y) (y >= 0): two
// element-wise passes, where autodiff's for Max takes five. dy is captured
// by an identity on the output, which reverse mode visits first; the
// default gradient the input's identity receives is unused (dead code).
func relu(x *graph.Node) *graph.Node {
	var y, dY *graph.Node
	xin := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
		if dY == nil {
			return v
		}
		return graph.Mul(dY, graph.Sign(y))
	})
	y = graph.MaxScalar(xin, 0)
	return graph.IdentityWithCustomGradient(y, func(_, v *graph.Node) *graph.Node {
		dY = v
		return v
	})
}
