package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// Progress is what Run reports: after every step (Event "step"), after a
// validation ("validation"; for a base stage, "samples": the sample sheet),
// after a checkpoint ("checkpoint") and at the end ("done").
type Progress struct {
	Event string
	// Step is the number of steps done, of Steps in all.
	Step, Steps int
	// Loss is this step's loss; LR its learning rate; GradNorm the global
	// gradient norm before clipping.
	Loss, LR, GradNorm float64
	// StepsPerSec is the recent training speed, ETA the time left at it.
	StepsPerSec float64
	ETA         time.Duration
	// Elapsed is the training time of this run (not counting earlier runs
	// of a resumed training).
	Elapsed time.Duration
	// ValPSNR is the last validation Y-PSNR (dB) of the EMA weights, and
	// BicubicPSNR the bicubic baseline on the same images; NaN before the
	// first validation or without validation images.
	ValPSNR, BicubicPSNR float64
	// Checkpoint is the folder written, for "checkpoint" events.
	Checkpoint string
	// Nearest is, for "samples" events of a base stage, the sample sheet's
	// mean distance to the nearest training image (8-bit levels RMS; NaN
	// when the source cannot tell, see Run).
	Nearest float64
}

// historyPoints is about how many loss points a run's curve keeps.
const historyPoints = 300

// Run trains an SR3 stage with the given data and writes checkpoints to
// opt.Out (see the checkpoint file list in checkpoint.go). A base stage
// (cfg.Base) is described after the super-resolution one.
//
// Each step takes a batch from src, builds the conditioning (MATLAB-exact
// bicubic upsampling of the LR inputs) and the diffusion target
// (sr3.Target: HR, or the scaled residual over bicubic), draws one noise
// level per item with the schedule's SampleGamma and standard normal noise
// (from (opt.Seed, step): a resumed run draws the same), and runs one
// compiled step: q_sample and the UNet's noise prediction
// (sr3.DiffusionLoss, L1 or L2 per cfg.Loss), gradients, clipping by global
// norm, Adam with linear warm-up, and the EMA of the weights.
//
// Every opt.Every steps and at the end, the EMA weights are validated on val
// (Y-PSNR of the sampler estimate set by opt.ValSteps, shaved by the scale,
// as the benchmark protocol) and a checkpoint is written. When ctx is
// cancelled (Ctrl-C), Run writes a checkpoint at the current step and
// returns an error wrapping ctx.Err(). With opt.Resume, Run continues the
// checkpoint in opt.Out at its step with its optimiser state; src must then
// start at that step's batch (ReadCheckpoint tells the step).
//
// A base stage (CDM) learns the images themselves: no conditioning, x0 is
// the batch's image, and with cfg.Classes > 0 the network takes each
// item's label, replaced by the no-label token with probability
// opt.LabelDropout (sr3.DropLabels, drawn from (opt.Seed, step) after the
// noise) so that it also learns the unconditional predictions
// classifier-free guidance needs. opt.Classes names the labels (saved as
// ClassesFile); a source with a ClassNames method (LabelledSource) must
// agree with it. A base stage has no validation pairs (val must be empty):
// at each checkpoint, the EMA weights generate a sample sheet, SamplesFile,
// one row per class (the first BaseSheetRows classes) and a row without
// label, BaseSheetCols samples each, from fixed noise (opt.Seed, the same
// at every checkpoint so sheets compare), with opt.ValSteps steps of
// opt.ValSampler and the config's guidance. When src has a Nearest method
// (LabelledSource), the samples' mean distance to their nearest training
// image is reported and kept in the history: it falls as the samples
// become image-like, and a value near the quantisation floor would mean
// the model reproduces its training images.
//
// report (may be nil) receives progress.
func Run(ctx context.Context, opt Options, cfg sr3.Config, src Source, val []ValPair, report func(Progress)) error {
	if err := opt.Validate(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := CheckMemory(cfg, opt, 0); err != nil {
		return err
	}
	if src == nil {
		return errors.New("train: no training data source")
	}
	if err := checkStage(opt, cfg, src, val); err != nil {
		return err
	}
	if report == nil {
		report = func(Progress) {}
	}
	backend := opt.Backend
	if backend == nil {
		b, err := sr3.NewBackend("")
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		backend = b
	}
	sched, err := sr3.NewSchedule(cfg.Schedule, cfg.TrainSteps)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}

	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(opt.Seed); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	info := &CheckpointInfo{Options: opt, Config: cfg}
	if opt.Resume {
		prev, err := ReadCheckpoint(opt.Out)
		if err != nil {
			return fmt.Errorf("train: resuming %s: %w", opt.Out, err)
		}
		if !sameConfig(prev.Config, cfg) {
			return fmt.Errorf("train: resuming %s: the model config differs from the checkpoint's (see %s); "+
				"resume with the same settings or start a new output folder", opt.Out, sr3.ConfigFile)
		}
		if !slices.Equal(prev.Options.Classes, opt.Classes) {
			return fmt.Errorf("train: resuming %s: the checkpoint was trained on the classes %s, this run names %s",
				opt.Out, QuoteNames(prev.Options.Classes), QuoteNames(opt.Classes))
		}
		step, err := loadState(opt.Out, store)
		if err != nil {
			return err
		}
		info.Step, info.Seconds, info.History = step, prev.Seconds, prev.History
	} else if err := checkNoCheckpoint(opt.Out); err != nil {
		return err
	} else if opt.InitWeights != nil {
		if err := warmStart(store, cfg, backend, opt.Seed, opt.Init, opt.InitWeights); err != nil {
			return err
		}
	}
	if ix, ok := src.(interface{ Index() int64 }); ok && ix.Index() != int64(info.Step) {
		return fmt.Errorf("train: the data source starts at batch %d but training is at step %d", ix.Index(), info.Step)
	}

	r := &runner{opt: opt, cfg: cfg, sched: sched, backend: backend, store: store, info: info, val: val, report: report,
		src: src, valPSNR: math.NaN(), bicubic: math.NaN()}
	if err := r.buildStep(); err != nil {
		return err
	}
	return r.loop(ctx, src)
}

// sameConfig reports whether two configs are equal (as saved).
func sameConfig(a, b sr3.Config) bool {
	ja, erra := sr3.MarshalConfig(a)
	jb, errb := sr3.MarshalConfig(b)
	return erra == nil && errb == nil && string(ja) == string(jb)
}

// runner holds a training run's state.
type runner struct {
	opt     Options
	cfg     sr3.Config
	sched   *sr3.Schedule
	backend compute.Backend
	store   *model.Store
	exec    *model.Exec
	info    *CheckpointInfo
	val     []ValPair
	report  func(Progress)
	src     Source

	// samples is the sample sheet (PNG) of the latest validation of a
	// base stage, written with the next checkpoint; nil when there is no
	// new one.
	samples []byte

	valModel         *sr3.Model
	valPSNR, bicubic float64
	started          time.Time
	window           lossWindow
}

// buildStep creates the compiled training step.
func (r *runner) buildStep() error {
	cfg, opt := r.cfg, r.opt
	exec, err := model.NewExec(r.backend, r.store, func(scope *model.Scope, in []*graph.Node) []*graph.Node {
		li, lr, decay := stepInputs(cfg, in)
		g := li.X0.Graph()
		r.store.SetTraining(g, true)
		loss := sr3.DiffusionLoss(scope, cfg, li)

		// Gradients of the trainable weights.
		var vars []*model.Variable
		for v := range scope.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) {
				vars = append(vars, v)
			}
		}
		nodes := make([]*graph.Node, len(vars))
		for i, v := range vars {
			nodes[i] = v.NodeValue(g)
		}
		grads := graph.Gradient(loss, nodes...)

		// Global norm, summed in path order so it does not depend on the
		// order variables were created in (fresh vs resumed runs).
		order := make([]int, len(vars))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return vars[order[a]].Path() < vars[order[b]].Path() })
		var sq *graph.Node
		for _, i := range order {
			s := sumOfSquares(grads[i])
			if sq == nil {
				sq = s
			} else {
				sq = graph.Add(sq, s)
			}
		}
		norm := graph.Sqrt(sq)
		var factor *graph.Node // the clipping, folded into Adam's coefficients
		if opt.GradClip > 0 {
			clip := graph.Scalar(g, dtypes.Float32, opt.GradClip)
			factor = graph.Div(clip, graph.Max(norm, clip))
		}
		optimizer.LearningRateVar(scope, dtypes.Float32, opt.LR).SetNodeValue(lr)
		applyAdam(scope, g, vars, grads, factor, lr)
		updateEMA(r.store, g, decay)
		return []*graph.Node{loss, norm}
	})
	if err != nil {
		return fmt.Errorf("train: building the training step: %w", err)
	}
	r.exec = exec
	return nil
}

// sumOfSquares is the sum of the squares of x's elements, as the dot
// product of x flattened with itself: on the pure-Go backend a matmul
// kernel pass, ~10x cheaper per element than Square and ReduceAllSum.
func sumOfSquares(x *graph.Node) *graph.Node {
	f := graph.Reshape(x, 1, x.Shape().Size())
	return graph.Reshape(graph.DotGeneral(f, []int{1}, nil, f, []int{1}, nil))
}

// stepInputs names the compiled training step's inputs, in the order step
// passes them: x0, cond (not for a base stage), noise, gamma, the learning
// rate, the EMA decay, the conditioning level (with CondAug) and the labels
// (with Classes).
func stepInputs(cfg sr3.Config, in []*graph.Node) (li sr3.LossInputs, lr, decay *graph.Node) {
	next := func() *graph.Node {
		x := in[0]
		in = in[1:]
		return x
	}
	li.X0 = next()
	if !cfg.Base {
		li.Cond = next()
	}
	li.Noise, li.Gamma, lr, decay = next(), next(), next(), next()
	if cfg.CondAug {
		li.CondLevel = next()
	}
	if cfg.Classes > 0 {
		li.Labels = next()
	}
	return li, lr, decay
}

// loop runs the steps, validations and checkpoints.
func (r *runner) loop(ctx context.Context, src Source) error {
	opt := r.opt
	r.started = time.Now()
	r.window = lossWindow{size: max(1, opt.Steps/historyPoints)}
	if len(r.val) > 0 {
		r.bicubic = bicubicPSNR(r.val, r.cfg.Scale)
		r.info.History.Bicubic = r.bicubic
	}
	if pts := r.info.History.PSNR; len(pts) > 0 {
		r.valPSNR = pts[len(pts)-1].Value
	}
	var speed speedometer
	for r.info.Step < opt.Steps {
		if ctx.Err() != nil {
			break
		}
		b, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if serr := r.checkpoint(); serr != nil {
				return errors.Join(fmt.Errorf("train: step %d: %w", r.info.Step+1, err), serr)
			}
			return fmt.Errorf("train: step %d: %w (checkpoint at step %d saved in %s)", r.info.Step+1, err, r.info.Step, opt.Out)
		}
		t0 := time.Now()
		loss, norm, lr, err := r.step(b)
		if err != nil {
			return err // the state may be corrupt: keep the last checkpoint
		}
		r.info.Step++
		speed.add(time.Since(t0))
		if p, ok := r.window.add(r.info.Step, loss); ok {
			r.info.History.Loss = append(r.info.History.Loss, p)
		}
		sps := speed.rate()
		r.report(Progress{Event: "step", Step: r.info.Step, Steps: opt.Steps, Loss: loss, LR: lr, GradNorm: norm,
			StepsPerSec: sps, ETA: eta(opt.Steps-r.info.Step, sps), Elapsed: time.Since(r.started),
			ValPSNR: r.valPSNR, BicubicPSNR: r.bicubic})
		if opt.Every > 0 && r.info.Step%opt.Every == 0 && r.info.Step < opt.Steps {
			if err := r.validate(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			if err := r.checkpoint(); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		if err := r.checkpoint(); err != nil {
			return errors.Join(fmt.Errorf("train: stopped at step %d: %w", r.info.Step, ctx.Err()), err)
		}
		return fmt.Errorf("train: stopped at step %d, checkpoint saved in %s: %w", r.info.Step, opt.Out, ctx.Err())
	}
	if err := r.validate(ctx); err != nil {
		return err
	}
	if err := r.checkpoint(); err != nil {
		return err
	}
	r.report(Progress{Event: "done", Step: r.info.Step, Steps: opt.Steps, Elapsed: time.Since(r.started),
		ValPSNR: r.valPSNR, BicubicPSNR: r.bicubic, Checkpoint: opt.Out})
	return nil
}

// step prepares a batch on the host and runs one training step.
func (r *runner) step(b *Batch) (loss, norm, lr float64, err error) {
	cfg, opt := r.cfg, r.opt
	if err := r.checkBatch(b); err != nil {
		return 0, 0, 0, err
	}
	n, hs, ls, c := b.N, b.HRSize, b.LRSize, b.C
	per := hs * hs * c
	var cond []float32
	x0 := make([]float32, n*per)
	if cfg.Base {
		copy(x0, b.HR) // a base stage learns the image itself
	} else {
		cond = make([]float32, n*per)
		for i := range n {
			lrImg := &data.Image{W: ls, H: ls, C: c, Pix: b.LR[i*ls*ls*c : (i+1)*ls*ls*c]}
			up := data.Resize(lrImg, hs, hs)
			copy(cond[i*per:], up.Pix)
			sr3.Target(cfg, x0[i*per:(i+1)*per], b.HR[i*per:(i+1)*per], up.Pix)
		}
	}
	step := r.info.Step
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), uint64(step)))
	gammas := make([]float32, n)
	for i := range gammas {
		gammas[i] = float32(sampleGamma(r.sched, opt.HighNoise, rng))
	}
	noise := make([]float32, n*per)
	for i := range noise {
		noise[i] = float32(rng.NormFloat64())
	}
	var labels []int32
	if cfg.Classes > 0 {
		labels = slices.Clone(b.Labels)
		sr3.DropLabels(labels, cfg.Classes, opt.LabelDropout, rng)
	}
	lr = opt.learningRate(step)
	args := []any{tensors.FromFlatDataAndDimensions(x0, n, hs, hs, c)}
	if !cfg.Base {
		args = append(args, tensors.FromFlatDataAndDimensions(cond, n, hs, hs, c))
	}
	args = append(args,
		tensors.FromFlatDataAndDimensions(noise, n, hs, hs, c),
		tensors.FromFlatDataAndDimensions(gammas, n),
		float32(lr), float32(opt.emaDecay(step)))
	if cfg.CondAug {
		levels := b.CondNoise
		if cfg.Denoise {
			levels = b.Degradation
		}
		if levels == nil {
			levels = make([]float32, n)
		}
		args = append(args, tensors.FromFlatDataAndDimensions(slices.Clone(levels), n))
	}
	if labels != nil {
		args = append(args, tensors.FromFlatDataAndDimensions(labels, n))
	}
	out, err := r.exec.Call(args...)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("train: step %d: %w", step+1, err)
	}
	loss = float64(tensors.MustCopyFlatData[float32](out[0])[0])
	norm = float64(tensors.MustCopyFlatData[float32](out[1])[0])
	for _, t := range out {
		t.FinalizeAll()
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(norm) {
		return 0, 0, 0, fmt.Errorf("train: step %d: the loss diverged (%g); the last checkpoint in %s is intact — "+
			"try a lower learning rate or gradient clipping", step+1, loss, opt.Out)
	}
	return loss, norm, lr, nil
}

// checkBatch checks a batch against the config and options.
func (r *runner) checkBatch(b *Batch) error {
	cfg, opt := r.cfg, r.opt
	switch {
	case b == nil || b.N < 1:
		return errors.New("train: empty batch from the data source")
	case b.C != cfg.Channels:
		return fmt.Errorf("train: batch has %d channels, the model %d", b.C, cfg.Channels)
	case cfg.Base:
		return r.checkBaseBatch(b)
	case b.Labels != nil:
		return errors.New("train: the batch has class labels, which a super-resolution stage does not take")
	case b.HRSize != b.LRSize*cfg.Scale:
		return fmt.Errorf("train: batch HR %d is not LR %d times the scale %d", b.HRSize, b.LRSize, cfg.Scale)
	case b.N != opt.Batch || b.HRSize != opt.Patch:
		return fmt.Errorf("train: batch of %d patches of %d, options say %d of %d", b.N, b.HRSize, opt.Batch, opt.Patch)
	case b.HRSize%cfg.SizeMultiple() != 0:
		return fmt.Errorf("train: patch %d is not a multiple of %d, which this network needs", b.HRSize, cfg.SizeMultiple())
	case len(b.HR) != b.N*b.HRSize*b.HRSize*b.C || len(b.LR) != b.N*b.LRSize*b.LRSize*b.C:
		return errors.New("train: batch pixel data does not match its geometry")
	case b.CondNoise != nil && !cfg.CondAug:
		return errors.New("train: the batch has conditioning-augmentation noise, which this model config does not take (cond_aug is off)")
	case b.CondNoise != nil && len(b.CondNoise) != b.N:
		return fmt.Errorf("train: batch of %d with %d conditioning levels", b.N, len(b.CondNoise))
	case b.CondNoise != nil && cfg.Denoise:
		return errors.New("train: the batch has conditioning-augmentation noise, but this model's level is a denoise control (denoise): train it on --degrade without --cond-noise")
	case b.Degradation != nil && len(b.Degradation) != b.N:
		return fmt.Errorf("train: batch of %d with %d degradation strengths", b.N, len(b.Degradation))
	}
	return nil
}

// checkpoint writes the checkpoint of the current step.
func (r *runner) checkpoint() error {
	r.info.Seconds += time.Since(r.started).Seconds()
	r.started = time.Now()
	r.info.Params = 0
	for _, t := range emaWeights(r.store) {
		r.info.Params += t.Size()
	}
	title := fmt.Sprintf("srcascade x%d, step %d", r.cfg.Scale, r.info.Step)
	if r.cfg.Base {
		title = fmt.Sprintf("srcascade base %dx%d, step %d", r.opt.Patch, r.opt.Patch, r.info.Step)
	}
	curve, err := plotCurve(r.info.History, title)
	if err != nil {
		return fmt.Errorf("train: drawing the curve: %w", err)
	}
	if err := saveCheckpoint(r.opt.Out, r.store, r.cfg, r.info, curve, r.samples); err != nil {
		return err
	}
	r.samples = nil
	r.report(Progress{Event: "checkpoint", Step: r.info.Step, Steps: r.opt.Steps, Checkpoint: r.opt.Out,
		ValPSNR: r.valPSNR, BicubicPSNR: r.bicubic})
	return nil
}

// lossWindow averages the loss over windows of size steps.
type lossWindow struct {
	size  int
	sum   float64
	count int
}

func (w *lossWindow) add(step int, loss float64) (Point, bool) {
	w.sum += loss
	w.count++
	if w.count < w.size {
		return Point{}, false
	}
	p := Point{Step: step, Value: w.sum / float64(w.count)}
	w.sum, w.count = 0, 0
	return p, true
}

// speedometer measures steps per second as an exponential average.
type speedometer struct{ avg float64 }

func (s *speedometer) add(d time.Duration) {
	if s.avg == 0 {
		s.avg = d.Seconds()
		return
	}
	s.avg = 0.9*s.avg + 0.1*d.Seconds()
}

func (s *speedometer) rate() float64 {
	if s.avg <= 0 {
		return 0
	}
	return 1 / s.avg
}

func eta(left int, rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(float64(left) / rate * float64(time.Second))
}

// sampleGamma draws one item's training noise level: with probability
// highNoise from the noisiest tenth of the schedule (Options.HighNoise),
// else as SR3 does. With highNoise 0 it draws exactly what SampleGamma
// draws, from the same random numbers, so older runs resume bit for bit.
func sampleGamma(s *sr3.Schedule, highNoise float64, rng *rand.Rand) float64 {
	if highNoise > 0 && rng.Float64() < highNoise {
		return s.SampleGammaFrom(rng, s.T()-s.T()/10)
	}
	return s.SampleGamma(rng)
}
