package cascade

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/srcascade/srcascade/data"
)

// Pipeline is an Upscaler made of stages run one after the other, each
// conditioned on the previous stage's output (Cascaded Diffusion Models):
// e.g. a x4 stage followed by a x2 stage makes a x8 upscaler.
//
// Every stage runs at one of its own scales (its Scales), so the pipeline's
// scales are the products of one scale per stage (ChainScales). Stage i
// gets the caller's options but for its own Scale, the seed StageSeed(Seed,
// i), and Generated set for every stage after the first, so that the
// automatic conditioning augmentation (Options.CondNoise nil) applies to the
// later stages' generated inputs; an explicit CondNoise applies to every
// stage but those that say they take none (TakesCondNoise false: SR3 stages
// trained without conditioning augmentation), which run as if none had been
// asked; Bicubic ignores it.
//
// A grey (single-channel) input is given as it is to the stages that take
// grey (AcceptsGrey, as Bicubic and SR3Stage do); before the first stage
// that does not, it becomes RGB (three equal channels), and the result
// comes back grey (the mean of its channels), as the CLI does for a single
// model. So a Pipeline itself accepts grey.
type Pipeline struct {
	stages []Upscaler
}

// NewPipeline returns the pipeline of stages, run in order. It needs at
// least one stage.
func NewPipeline(stages ...Upscaler) (*Pipeline, error) {
	if len(stages) == 0 {
		return nil, errors.New("cascade: pipeline without stages")
	}
	for i, s := range stages {
		if s == nil {
			return nil, fmt.Errorf("cascade: pipeline stage %d is nil", i+1)
		}
	}
	return &Pipeline{stages: slices.Clone(stages)}, nil
}

// Name returns the stage names joined with "+", e.g. "sr3-x4+sr3-x2".
func (p *Pipeline) Name() string {
	names := make([]string, len(p.stages))
	for i, s := range p.stages {
		names[i] = s.Name()
	}
	return strings.Join(names, "+")
}

// Stages returns the pipeline's stages, in order (a copy of the list).
func (p *Pipeline) Stages() []Upscaler { return slices.Clone(p.stages) }

// Scales lists the output scales of the pipeline, ascending: the products
// of one scale per stage (see ChainScales).
func (p *Pipeline) Scales() []int { return ChainScales(p.stageScales()...) }

// AcceptsGrey reports that Upscale takes single-channel images (see
// Pipeline).
func (p *Pipeline) AcceptsGrey() bool { return true }

func (p *Pipeline) stageScales() [][]int {
	out := make([][]int, len(p.stages))
	for i, s := range p.stages {
		out[i] = s.Scales()
	}
	return out
}

// ChainScales returns the output scales of a chain of stages whose own
// scales are scales[i]: every product of one scale per stage, ascending and
// without repeats. The product of the stages' base (first) scales is among
// them. No stages give none.
func ChainScales(scales ...[]int) []int {
	if len(scales) == 0 {
		return nil
	}
	prods := []int{1}
	for _, ss := range scales {
		var next []int
		for _, p := range prods {
			for _, s := range ss {
				next = append(next, p*s)
			}
		}
		prods = next
	}
	slices.Sort(prods)
	return slices.Compact(prods)
}

// SplitScale returns the per-stage scales, one from each scales[i], whose
// product is scale: the first such choice in the order of the lists, the
// first stage varying slowest, so earlier stages keep their base (first)
// scale and later ones make up the rest (x8 from stages of scales {2,3,4,8}
// and {2,3,4,8} is 2 then 4). ok is false when no choice gives scale.
func SplitScale(scale int, scales ...[]int) (per []int, ok bool) {
	per = make([]int, len(scales))
	var find func(i, rest int) bool
	find = func(i, rest int) bool {
		if i == len(scales) {
			return rest == 1
		}
		for _, s := range scales[i] {
			if s >= 1 && rest%s == 0 && find(i+1, rest/s) {
				per[i] = s
				return true
			}
		}
		return false
	}
	if len(scales) == 0 || scale < 1 || !find(0, scale) {
		return nil, false
	}
	return per, true
}

// StageSeed is the seed stage i of a pipeline runs with for the caller's
// seed: the seed itself for the first stage (so a one-stage pipeline gives
// its stage's output), a SplitMix64 hash of the seed and i for the others,
// deterministic and different per stage.
func StageSeed(seed int64, i int) int64 {
	if i == 0 {
		return seed
	}
	return int64(splitMix64(uint64(seed) ^ splitMix64(uint64(i)+0x3c6ef372fe94f82b)))
}

// Upscale runs the stages in turn on img, at the per-stage scales whose
// product is opts.Scale (SplitScale), each stage on the previous one's
// output (see Pipeline for the options each gets).
//
// progress receives one non-decreasing done/total over the whole pipeline,
// in output pixels: stage i's share is the pixel count of its output (known
// before any stage runs, unlike the stages' own progress units), and within
// it the stage's own done/total reports are scaled to that share. For
// diffusion stages, whose work grows with their output's area, this
// approximates the time; a cheap stage (bicubic) is over-weighted. The last
// report is total/total.
func (p *Pipeline) Upscale(ctx context.Context, img *data.Image, opts Options, progress Progress) (*data.Image, error) {
	if img == nil || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H*img.C {
		return nil, fmt.Errorf("pipeline %s: empty or malformed image", p.Name())
	}
	per, ok := SplitScale(opts.Scale, p.stageScales()...)
	if !ok {
		return nil, fmt.Errorf("pipeline %s upscales by %s, not x%d", p.Name(), joinInts(p.Scales()), opts.Scale)
	}
	// share[i] is stage i's output pixels; offset[i] the shares before it.
	share := make([]int64, len(per))
	offset := make([]int64, len(per)+1)
	w, h := int64(img.W), int64(img.H)
	for i, s := range per {
		w, h = w*int64(s), h*int64(s)
		share[i] = w * h
		offset[i+1] = offset[i] + share[i]
	}
	total := offset[len(per)]
	var last int64
	report := func(done int64) {
		if progress == nil {
			return
		}
		last = max(last, min(done, total))
		progress(int(last), int(total))
	}

	cur := img
	grey := false // cur was made RGB from a grey input
	for i, stage := range p.stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if cur.C == 1 && !acceptsGrey(stage) {
			cur, grey = data.GreyToRGB(cur), true
		}
		so := opts
		so.Scale = per[i]
		so.Seed = StageSeed(opts.Seed, i)
		so.Generated = opts.Generated || i > 0
		if t, ok := stage.(interface{ TakesCondNoise() bool }); ok && so.CondNoise != nil && !t.TakesCondNoise() {
			// An asked level is for the stages trained to take one; the
			// others run as if none had been asked.
			so.CondNoise = nil
		}
		var sp Progress
		if progress != nil {
			sp = func(done, tot int) {
				if tot > 0 {
					d := min(max(int64(done), 0), int64(tot))
					report(offset[i] + share[i]*d/int64(tot))
				}
			}
		}
		out, err := stage.Upscale(ctx, cur, so, sp)
		if err != nil {
			return nil, fmt.Errorf("pipeline %s, stage %d (%s, x%d): %w", p.Name(), i+1, stage.Name(), per[i], err)
		}
		if out.W != cur.W*per[i] || out.H != cur.H*per[i] {
			return nil, fmt.Errorf("pipeline %s, stage %d (%s) returned %dx%d for %dx%d at x%d", p.Name(), i+1, stage.Name(), out.W, out.H, cur.W, cur.H, per[i])
		}
		cur = out
		report(offset[i+1])
	}
	if grey && cur.C == 3 {
		cur = data.RGBToGrey(cur)
	}
	if opts.Consistency && len(p.stages) > 1 {
		// Each stage matched its own input; the result must match img.
		var err error
		if cur, err = projectResult(cur, img, opts.Scale); err != nil {
			return nil, fmt.Errorf("pipeline %s: %w", p.Name(), err)
		}
	}
	return cur, nil
}

// acceptsGrey reports whether u takes single-channel images as they are:
// those that say so with an AcceptsGrey method.
// takesCondNoise reports whether u takes a conditioning-augmentation level
// (an SR3Stage trained with it, or a Pipeline with such a stage).
func takesCondNoise(u Upscaler) bool {
	g, ok := u.(interface{ TakesCondNoise() bool })
	return ok && g.TakesCondNoise()
}

// TakesCondNoise reports whether any stage takes a conditioning-
// augmentation level: an explicit Options.CondNoise goes to those stages
// only.
func (p *Pipeline) TakesCondNoise() bool { return slices.ContainsFunc(p.stages, takesCondNoise) }

func acceptsGrey(u Upscaler) bool {
	g, ok := u.(interface{ AcceptsGrey() bool })
	return ok && g.AcceptsGrey()
}
