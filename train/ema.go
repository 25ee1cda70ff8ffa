package train

import (
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// updateEMA adds to g the exponential moving average update of every
// trainable weight under /unet/ used by g: ema <- decay*ema + (1-decay)*w,
// with w the weight's value after the optimiser's update (its latest node
// value in g). The EMA copies live under /ema/unet/..., are not trainable,
// and start at zero: step 0 uses decay 0 (see Options.emaDecay), which sets
// them to the weights.
func updateEMA(store *model.Store, g *graph.Graph, decay *graph.Node) {
	var weights []*model.Variable
	for v := range store.IterVariables() {
		if v.Trainable && strings.HasPrefix(v.Path(), weightsScope) && v.InUseByGraph(g) {
			weights = append(weights, v)
		}
	}
	keep := graph.OneMinus(decay)
	for _, v := range weights {
		ema := store.VariableWithShape(emaScope+v.Path(), v.Shape(), initializer.Zero).SetTrainable(false)
		w := v.NodeValue(g)
		ema.SetNodeValue(linComb(decay, ema.NodeValue(g), keep, w))
	}
}
