// Package train trains srcascade's diffusion stages: the data pipeline
// (crops, augmentations, LR made by the exact bicubic protocol; class
// folders for base stages), the optimisation loop with EMA weights, atomic
// checkpoints, resumption, validation and progress reporting.
package train

import "context"

// Batch is one training batch of N items, interleaved NHWC float32 in
// [-1,1], C channels (3).
//
// For a super-resolution stage, HR holds crops of HRSize x HRSize and LR
// their inputs of LRSize x LRSize (HRSize = LRSize * scale). For a base
// stage (sr3.Config.Base), HR holds the images of HRSize x HRSize the
// model learns to generate, LR is nil and LRSize 0.
type Batch struct {
	N, HRSize, LRSize, C int
	HR, LR               []float32
	// CondNoise is, per item, the level of conditioning-augmentation noise
	// applied to LR (CDM); nil when augmentation is off.
	CondNoise []float32
	// Degradation is, per item, the degradation strength of LR in [0, 1]
	// (DegradationStrength: its RMS difference from the clean protocol LR
	// over StrengthScale levels, capped), for a conditioning level that
	// tells the network how much to distrust its input; nil when
	// DataOptions.Degrade is off or LR comes from files.
	Degradation []float32
	// Labels is, per item, the class label of a base stage's image,
	// 0..classes-1 (see LabelledDataset); nil for super-resolution batches
	// and unlabelled images.
	Labels []int32
}

// Source yields training batches, produced in the background in parallel
// with the training step. Next blocks until a batch is ready or ctx ends.
type Source interface {
	Next(ctx context.Context) (*Batch, error)
	Close() error
}
