package cascade

import (
	"context"
	"fmt"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// tileJob is the work of one pass of SR3Stage.Upscale: the tile plan (HR
// pixels), the tiles grouped into network batches of one size, and the
// sampler steps each batch takes.
type tileJob struct {
	plan  TilePlan
	tiles []Rect
	// batches lists tile indices; every batch has the same length, the
	// last one padded by repeating its last tile (those repeats are
	// computed but not blended) so the network sees one shape.
	batches [][]int
	real    []int // tiles of each batch that are not padding
	steps   int   // sampler steps per batch
}

// units is the number of progress units of the job.
func (j *tileJob) units() int { return len(j.batches) * j.steps }

// planJob plans a pass over a w x h input.
func (s *SR3Stage) planJob(w, h, tile int, sc sr3.SamplerConfig) (*tileJob, error) {
	plan, err := s.Plan(w, h, tile)
	if err != nil {
		return nil, err
	}
	ts, err := s.model.Schedule().SpacedTimesteps(sc.Steps, sc.Strength, sc.Spacing)
	if err != nil {
		return nil, err
	}
	j := &tileJob{plan: plan, tiles: plan.Tiles(), steps: len(ts)}
	per := s.unetPixels(plan.TileW) * s.unetPixels(plan.TileH)
	budget := s.BatchPixels
	if budget <= 0 {
		budget = DefaultBatchPixels
		if sr3.IsGoBackend(s.model.Backend()) {
			budget = per
		}
	}
	most := max(1, budget/per)
	nb := ceilDiv(len(j.tiles), most)
	size := ceilDiv(len(j.tiles), nb) // balanced: fewest padded tiles
	for b := range nb {
		lo, hi := b*size, min((b+1)*size, len(j.tiles))
		batch := make([]int, size)
		for i := range batch {
			batch[i] = min(lo+i, hi-1)
		}
		j.batches = append(j.batches, batch)
		j.real = append(j.real, hi-lo)
	}
	return j, nil
}

// unetPixels converts an HR length to the UNet's input pixels.
func (s *SR3Stage) unetPixels(hr int) int {
	if s.model.Config.SpaceToDepth {
		return hr / s.model.Config.Scale
	}
	return hr
}

// run performs one pass of job on lr: bicubic conditioning of the whole
// image, each batch of tiles through the sampler (with the conditioning-
// augmentation level condLevel of lr), the outputs blended by blend (a
// blender of job.plan). report receives the progress units done within the
// pass. With tp (Options.Consistency), every clean-image estimate of a
// tile is projected onto the input tp holds.
func (s *SR3Stage) run(ctx context.Context, job *tileJob, lr *data.Image, condLevel float64, sc sr3.SamplerConfig, field NoiseField, blend *blender, tp *tileProjector, report func(done int)) (*data.Image, error) {
	c := s.model.Config.Channels
	p := job.plan
	bic := data.Resize(lr, p.W, p.H)
	per := p.TileW * p.TileH * c
	cols := len(p.Xs)
	for b, batch := range job.batches {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("stopped before tile batch %d of %d: %w", b+1, len(job.batches), err)
		}
		n := len(batch)
		rects := make([]Rect, n)
		cond := make([]float32, n*per)
		for i, t := range batch {
			rects[i] = job.tiles[t]
			cutMirrored(bic, rects[i], cond[i*per:(i+1)*per])
		}
		bsc := sc
		if tp != nil {
			bsc.ProjectX0 = tp.hook(s.model.Config, batch, cond, per)
		}
		hr, err := s.sampleTiles(ctx, cond, n, p.TileH, p.TileW, condLevel, bsc, field.Tiles(rects, c), func(step, _ int) {
			report(b*job.steps + step)
		})
		if err != nil {
			return nil, fmt.Errorf("tile batch %d of %d: %w", b+1, len(job.batches), err)
		}
		for i := range job.real[b] {
			t := batch[i]
			blend.add(t/cols, t%cols, hr[i*per:(i+1)*per])
		}
	}
	return blend.image(), nil
}

// sampleTiles runs the sampler on a batch of n conditioning tiles (h x w,
// NHWC, flat) and returns the HR tiles, clamped to [-1, 1]. It does what
// sr3.Model.Upscale does after padding its bicubic image: the partial
// start is the bicubic image in diffusion space (a zero residual for
// residual models), ClipX0 bounds the estimates in image space (bicubic +
// residual / ResidualScale for residual models), and the bicubic image is
// added back to the result.
func (s *SR3Stage) sampleTiles(ctx context.Context, cond []float32, n, h, w int, condLevel float64, sc sr3.SamplerConfig, noise sr3.NoiseSource, progress func(step, total int)) ([]float32, error) {
	cfg := s.model.Config
	// The diffusion target of an HR image equal to its bicubic: the
	// bicubic image itself, or a zero residual.
	x0Init := make([]float32, len(cond))
	sr3.Target(cfg, x0Init, cond, cond)
	inner := sc
	if cfg.Residual && sc.ClipX0 > 0 {
		bound, rs := float32(sc.ClipX0), float32(cfg.ResidualScale)
		user := sc.ProjectX0
		inner.ClipX0 = 0
		inner.ProjectX0 = func(x0 []float32, gamma float64) {
			for i, b := range cond {
				v := min(max(b+x0[i]/rs, -bound), bound)
				x0[i] = (v - b) * rs
			}
			if user != nil {
				user(x0, gamma)
			}
		}
	}
	eps, err := s.eps(cond, n, h, w, condLevel)
	if err != nil {
		return nil, err
	}
	x0, err := sr3.Sample(ctx, s.model.Schedule(), inner, x0Init, noise, eps, progress)
	if err != nil {
		return nil, err
	}
	sr3.FromTarget(cfg, x0, cond)
	for i, v := range x0 {
		x0[i] = min(max(v, -1), 1)
	}
	return x0, nil
}

// cutMirrored copies the r part of img into dst (r.H x r.W x img.C),
// reflecting coordinates past the right and bottom edges symmetrically
// (edge pixel repeated: ... c b a | a b c ...), as sr3.Model.Upscale pads.
func cutMirrored(img *data.Image, r Rect, dst []float32) {
	c := img.C
	for y := range r.H {
		sy := data.MirrorIndex(r.Y+y, img.H)
		row := dst[y*r.W*c : (y+1)*r.W*c]
		inside := min(r.W, img.W-r.X)
		if inside > 0 {
			copy(row[:inside*c], img.Pix[(sy*img.W+r.X)*c:(sy*img.W+r.X+inside)*c])
		}
		for x := max(0, inside); x < r.W; x++ {
			sx := data.MirrorIndex(r.X+x, img.W)
			copy(row[x*c:(x+1)*c], img.Pix[(sy*img.W+sx)*c:(sy*img.W+sx+1)*c])
		}
	}
}
