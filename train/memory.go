package train

import (
	"fmt"

	"github.com/srcascade/srcascade/internal/meminfo"
	"github.com/srcascade/srcascade/sr3"
)

// Bounds on Options sizes, checked by Validate before any batch is made.
const (
	// MaxBatch bounds Options.Batch.
	MaxBatch = 4096
	// MaxPatch bounds Options.Patch (pixels per side).
	MaxPatch = 4096
	// MaxInfoBytes bounds the size of an InfoFile (train.json) read.
	MaxInfoBytes = 64 << 20
	// MaxClassesBytes bounds the size of a ClassesFile (classes.json) read.
	MaxClassesBytes = 16 << 20
)

// EstimateMemory returns about how many bytes a training step of cfg with
// o's batch and patch holds: five float32 copies of the weights (weights,
// gradients, two Adam moments, the EMA), three of the forward activations
// (kept for the backward pass, their gradients, temporaries; see
// sr3.Config.ActivationFloats) and the batch itself (noisy input,
// conditioning, target). It is a lower estimate, for refusing sizes that
// cannot fit before anything is allocated: the backend's temporaries add
// more (the default x4 run, batch 8 of 64x64, is estimated at 0.2 GB and
// measured at 1.3 GB peak RSS with its 0.26 GB of training images).
func EstimateMemory(cfg sr3.Config, o Options) int64 {
	params := cfg.ParamCount()
	act := cfg.ActivationFloats(o.Batch, o.Patch, o.Patch)
	batch := int64(o.Batch) * int64(o.Patch) * int64(o.Patch) * int64(max(cfg.Channels, 1)) * 3
	total := 5*params + 3*act + batch
	if total < 0 || total > 1<<60 {
		return 1 << 62
	}
	return 4 * total
}

// CheckMemory refuses a training run whose estimated memory
// (EstimateMemory) is above available bytes, saying what to lower.
// available <= 0 means the machine's (meminfo.Available).
func CheckMemory(cfg sr3.Config, o Options, available int64) error {
	if available <= 0 {
		available, _ = meminfo.Available()
	}
	need := EstimateMemory(cfg, o)
	if need <= available {
		return nil
	}
	return fmt.Errorf("train: a step of %d %dx%d patches on this %d-parameter network needs about %s, more than the %s available; lower batch or patch (or the network's base_channels)",
		o.Batch, o.Patch, o.Patch, cfg.ParamCount(), meminfo.Format(need), meminfo.Format(available))
}
