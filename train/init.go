package train

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/srcascade/srcascade/internal/recovery"
	"github.com/srcascade/srcascade/sr3"
)

// condEmbedPrefix names the weights of the conditioning-level embedding
// (sr3.Config.CondAug), which a warm start zeroes when its init lacks them.
const condEmbedPrefix = "unet/cond_embed/"

// warmStart fills a fresh store with the weights of a warm start: those of
// init over a fresh initialisation of cfg's network (seed), every init
// weight checked against the network's own name and shape. Weights init
// lacks keep their fresh values, except the conditioning-level embedding,
// set to zero so that the network starts out computing what the init
// model computed, whatever the level.
func warmStart(store *model.Store, cfg sr3.Config, backend compute.Backend, seed int64, name string, init map[string]*tensors.Tensor) error {
	fresh, err := sr3.New(cfg, backend, seed)
	if err != nil {
		return fmt.Errorf("train: warm start from %s: %w", name, err)
	}
	weights := fresh.Weights()
	for _, k := range slices.Sorted(maps.Keys(init)) {
		t := init[k]
		f, ok := weights[k]
		switch {
		case !ok:
			return fmt.Errorf("train: warm start from %s: it has the weight %s, which this network lacks: its architecture differs (compare the config.json files)", name, k)
		case !slices.Equal(f.Shape().Dimensions, t.Shape().Dimensions) || f.DType() != t.DType():
			return fmt.Errorf("train: warm start from %s: weight %s is %s there and %s in this network: its architecture differs (compare the config.json files)", name, k, t.Shape(), f.Shape())
		}
	}
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(weights)) {
		t, ok := init[k]
		var err error
		switch {
		case ok:
		case strings.HasPrefix(k, condEmbedPrefix):
			t = tensors.FromShape(weights[k].Shape()) // zeros
		default:
			missing = append(missing, k)
			continue
		}
		if t, err = t.LocalClone(); err != nil {
			return fmt.Errorf("train: warm start from %s: weight %s: %w", name, k, err)
		}
		if err := recovery.Catch(func() {
			store.VariableWithValue("/"+k, t).SetTrainable(true)
		}); err != nil {
			return fmt.Errorf("train: warm start from %s: weight %s: %w", name, k, err)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("train: warm start from %s: it lacks %d weights of this network (%s): its architecture differs (compare the config.json files)",
			name, len(missing), strings.Join(missing[:min(5, len(missing))], ", "))
	}
	return nil
}
