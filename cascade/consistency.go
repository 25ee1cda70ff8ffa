package cascade

import (
	"fmt"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// consistencyRounds bounds the rounds of correction for values the final
// projection pushes out of [-1, 1] (data.ProjectConsistent): 3 rounds
// bring bicubic x4 upscales of Set5/Set14, which overshoot at edges, to
// consistency 6e-8 once rounded to 8 bits (1 round: 1.3e-6).
const consistencyRounds = 3

// projectResult returns out projected so that its MATLAB bicubic downscale
// by scale equals in (Options.Consistency), within [-1, 1].
func projectResult(out, in *data.Image, scale int) (*data.Image, error) {
	p, err := data.ProjectConsistent(out, in, scale, consistencyRounds)
	if err != nil {
		return nil, fmt.Errorf("consistency: %w", err)
	}
	return p, nil
}

// tileProjector holds the consistency projectors of a pass's tiles: tile
// t's window of the HR image (plan coordinates, mirrored padding past the
// right and bottom edges included) against the pass's input lr. A tile
// constrains the LR pixels whose whole bicubic kernel it holds (the kernel
// reaches 2 LR pixels beyond the pixel's own HR block at any scale, so all
// but a band of about 2 LR pixels along the tile's inner edges); the LR
// pixels at a tile's inner edge are held whole by its neighbour, tiles
// overlapping by far more than that, and the blended result is projected
// against the whole input at the end of the pass.
type tileProjector struct {
	lr    *data.Image
	projs []*data.ConsistencyProjector // by tile index of the plan
}

// newTileProjector builds the projectors of job's tiles for input lr at
// scale.
func newTileProjector(job *tileJob, lr *data.Image, scale int) (*tileProjector, error) {
	tp := &tileProjector{lr: lr, projs: make([]*data.ConsistencyProjector, len(job.tiles))}
	for i, r := range job.tiles {
		p, err := data.NewConsistencyProjector(lr.W, lr.H, scale, r.X, r.Y, r.W, r.H)
		if err != nil {
			return nil, fmt.Errorf("consistency, tile %d %+v: %w", i, r, err)
		}
		tp.projs[i] = p
	}
	return tp, nil
}

// hook returns the sampler's ProjectX0 for a batch of tiles whose
// conditioning is cond (per values each): each estimate, in the model's
// diffusion space, is turned into HR pixels, projected, and turned back.
func (tp *tileProjector) hook(cfg sr3.Config, batch []int, cond []float32, per int) func(x0 []float32, gamma float64) {
	c := cfg.Channels
	return func(x0 []float32, _ float64) {
		for i, t := range batch {
			seg, cs := x0[i*per:(i+1)*per], cond[i*per:(i+1)*per]
			sr3.FromTarget(cfg, seg, cs)
			tp.projs[t].Project(seg, c, tp.lr)
			sr3.Target(cfg, seg, seg, cs)
		}
	}
}
