package sr3

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Inference graphs on the Go backend can read each convolution's kernel in
// the flat layout (flatKernel: transposed, zero columns, bias column) from a
// cache instead of rearranging the weights on every call, which costs as
// much as a small tile's whole network evaluation (transposes are
// element-wise on the Go backend). The cache is a set of non-trainable
// variables under flatKernelsPrefix, outside the UNet's weights (so never
// saved), filled by Model.prepareKernels whenever the weights change.

// flatKernelsParam is the graph parameter that selects the cache's use:
// flatKernelsUse reads the cached kernels, flatKernelsPrepare computes
// them and stores them in the cache; unset, kernels are computed in the
// graph (training, whose weights change every step).
const (
	flatKernelsParam   = "sr3_flat_kernels"
	flatKernelsUse     = "use"
	flatKernelsPrepare = "prepare"
	flatKernelsPrefix  = "/flat_kernels"
)

// setFlatKernels sets graph g's use of the kernel cache (flatKernelsUse or
// flatKernelsPrepare).
func setFlatKernels(scope *model.Scope, g *graph.Graph, mode string) {
	scope.SetGraphParam(g, flatKernelsParam, mode)
}

// kernelOf returns the flat kernel called name of the convolution in scope
// (build computes it, see flatKernel): from the cache when the graph reads it
// (and the kernel is there), else computed, and then stored when the graph
// prepares the cache.
func kernelOf(scope *model.Scope, g *graph.Graph, name string, build func() *graph.Node) *graph.Node {
	mode, _ := scope.GetGraphParam(g, flatKernelsParam)
	path := flatKernelsPrefix + scope.Scope() + "/" + name
	if mode == flatKernelsUse {
		if v := scope.Store().GetVariable(path); v != nil {
			return v.NodeValue(g)
		}
	}
	k := build()
	if mode == flatKernelsPrepare {
		v := scope.Store().VariableWithShape(path, k.Shape(), initializer.Zero)
		v.Trainable = false
		v.SetValueGraph(k)
	}
	return k
}
