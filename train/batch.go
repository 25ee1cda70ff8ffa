// Package train trains srcascade's diffusion stages: the data pipeline
// (crops, augmentations, LR made by the exact bicubic protocol), the
// optimisation loop with EMA weights, atomic checkpoints, resumption,
// validation and progress reporting.
package train

import "context"

// Batch is one training batch of N pairs, both interleaved NHWC float32 in
// [-1,1]: HR crops of HRSize x HRSize and their LR inputs of LRSize x LRSize
// (HRSize = LRSize * scale), C channels (3).
type Batch struct {
	N, HRSize, LRSize, C int
	HR, LR               []float32
	// CondNoise is, per item, the level of conditioning-augmentation noise
	// applied to LR (CDM); nil when augmentation is off.
	CondNoise []float32
}

// Source yields training batches, produced in the background in parallel
// with the training step. Next blocks until a batch is ready or ctx ends.
type Source interface {
	Next(ctx context.Context) (*Batch, error)
	Close() error
}
