package sr3

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/internal/atomicfile"
	"github.com/srcascade/srcascade/internal/readlimit"
	"github.com/srcascade/srcascade/internal/recovery"
)

// Files of a model folder (as written by Model.Save and by training).
const (
	// ConfigFile holds the Config as JSON.
	ConfigFile = "config.json"
	// WeightsFile holds the inference weights (the EMA weights, when written
	// by training) in safetensors format, named by variable path without
	// the leading "/" (e.g. "unet/input/weights").
	WeightsFile = "model.safetensors"
)

// weightsPrefix is the store scope the UNet's variables live under.
const weightsPrefix = "/unet/"

// maxCompiledShapes bounds the compiled eps steps kept per Model; beyond it
// the cache is dropped and rebuilt (whole images of many sizes would
// otherwise hit GoMLX's cache limit; tiles have one shape).
const maxCompiledShapes = 16

// Model is an SR3 stage ready for inference: its Config, its weights (a
// GoMLX model.Store holding the UNet's variables), the compute backend and
// the noise-prediction step, compiled once per input shape (batch, height,
// width) and cached. Its methods may be called from several goroutines;
// evaluations are serialised.
type Model struct {
	// Config is the architecture and sampling defaults.
	Config Config

	backend  compute.Backend
	store    *model.Store
	schedule *Schedule

	mu       sync.Mutex
	exec     *model.Exec
	prepare  *model.Exec     // refreshes the flat kernel cache; built on first use
	shapes   map[[3]int]bool // shapes compiled by exec
	compiles int             // total graph compilations
}

// New returns a model with freshly initialised weights (deterministic for a
// seed): He-normal kernels, zero biases, zero-initialised residual branches
// and output layer.
func New(cfg Config, backend compute.Backend, seed int64) (*Model, error) {
	m, err := newModel(cfg, backend)
	if err != nil {
		return nil, err
	}
	if err := m.store.SetRNGStateFromSeed(seed); err != nil {
		return nil, fmt.Errorf("sr3: seeding weights: %w", err)
	}
	if err := m.warmUp(); err != nil {
		return nil, err
	}
	if err := m.prepareKernels(); err != nil {
		return nil, err
	}
	return m, nil
}

// NewFromWeights returns a model with the given weights (names as in
// WeightsFile). Every weight the network needs must be present with the
// right shape.
func NewFromWeights(cfg Config, backend compute.Backend, weights map[string]*tensors.Tensor) (*Model, error) {
	m, err := newModel(cfg, backend)
	if err != nil {
		return nil, err
	}
	for name, t := range weights {
		if !strings.HasPrefix("/"+name, weightsPrefix) {
			return nil, fmt.Errorf("sr3: weight %q is not a UNet weight (want names starting %q)", name, weightsPrefix[1:])
		}
		if err := recovery.Catch(func() { m.store.VariableWithValue("/"+name, t) }); err != nil {
			return nil, fmt.Errorf("sr3: weight %q: %w", name, err)
		}
	}
	before := m.store.NumVariables()
	if err := m.warmUp(); err != nil {
		return nil, fmt.Errorf("sr3: weights do not fit the config: %w", err)
	}
	if after := m.store.NumVariables(); after != before {
		var missing []string
		for v := range m.store.IterVariables() {
			if _, ok := weights[strings.TrimPrefix(v.Path(), "/")]; !ok && strings.HasPrefix(v.Path(), weightsPrefix) {
				missing = append(missing, v.Path()[1:])
			}
		}
		sort.Strings(missing)
		if len(missing) > 5 {
			missing = append(missing[:5], "...")
		}
		return nil, fmt.Errorf("sr3: weights do not fit the config: %d weights missing (%s)", after-before, strings.Join(missing, ", "))
	}
	if err := m.prepareKernels(); err != nil {
		return nil, err
	}
	return m, nil
}

func newModel(cfg Config, backend compute.Backend) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if backend == nil {
		return nil, errors.New("sr3: no compute backend")
	}
	sched, err := NewSchedule(cfg.Schedule, cfg.TrainSteps)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, backend: backend, store: model.NewStore(), schedule: sched}
	m.resetExec()
	return m, nil
}

// resetExec (re)creates the compiled-step cache. Callers hold m.mu or own m.
func (m *Model) resetExec() {
	if m.exec != nil {
		m.exec.Finalize()
	}
	cfg := m.Config
	m.exec = model.MustNewExec(m.backend, m.store, func(scope *model.Scope, in []*graph.Node) *graph.Node {
		m.compiles++
		setFlatKernels(scope, in[0].Graph(), flatKernelsUse)
		return PredictNoiseGraph(scope, cfg, stepInputs(cfg, in))
	})
	m.shapes = map[[3]int]bool{}
}

// stepInputs names the compiled step's inputs, in the order predict passes
// them: x_t, cond (not for a base model), the level sqrt(gamma), the
// conditioning level (with CondAug), the labels (with Classes).
func stepInputs(cfg Config, in []*graph.Node) UNetInputs {
	next := func() *graph.Node {
		x := in[0]
		in = in[1:]
		return x
	}
	var u UNetInputs
	u.Noisy = next()
	if !cfg.Base {
		u.Cond = next()
	}
	u.NoiseLevel = next()
	if cfg.CondAug {
		u.CondLevel = next()
	}
	if cfg.Classes > 0 {
		u.Labels = next()
	}
	return u
}

// prepareKernels fills the cache of convolution kernels in the flat layout
// (see flatKernelsPrefix) from the current weights, by running the step
// once at the smallest shape in "prepare" mode (compiled once per model:
// training refreshes its validation model's weights at every checkpoint).
// It does nothing where the step does not use the flat layout. Callers
// hold m.mu or own m.
func (m *Model) prepareKernels() error {
	if goLayout == layoutNHWC || !IsGoBackend(m.backend) {
		return nil
	}
	if m.prepare == nil {
		cfg := m.Config
		exec, err := model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*graph.Node) *graph.Node {
			setFlatKernels(scope, in[0].Graph(), flatKernelsPrepare)
			return PredictNoiseGraph(scope, cfg, stepInputs(cfg, in))
		})
		if err != nil {
			return fmt.Errorf("sr3: preparing kernels: %w", err)
		}
		m.prepare = exec
	}
	if _, err := m.prepare.Call(m.warmUpInputs()...); err != nil {
		return fmt.Errorf("sr3: preparing kernels: %w", err)
	}
	return nil
}

// warmUpInputs are the step's inputs at the smallest valid shape: one item
// of zeros at level 0.5, conditioning level 0, the no-label token.
func (m *Model) warmUpInputs() []any {
	cfg := m.Config
	s, c := cfg.SizeMultiple(), cfg.Channels
	img := func() *tensors.Tensor { return tensors.FromFlatDataAndDimensions(make([]float32, s*s*c), 1, s, s, c) }
	args := []any{img()}
	if !cfg.Base {
		args = append(args, img())
	}
	args = append(args, tensors.FromFlatDataAndDimensions([]float32{0.5}, 1))
	if cfg.CondAug {
		args = append(args, tensors.FromFlatDataAndDimensions([]float32{0}, 1))
	}
	if cfg.Classes > 0 {
		args = append(args, tensors.FromFlatDataAndDimensions([]int32{int32(cfg.Classes)}, 1))
	}
	return args
}

// warmUp builds (and so creates or checks the variables of) the step at
// the smallest valid shape.
func (m *Model) warmUp() error {
	s := m.Config.SizeMultiple()
	n := s * s * m.Config.Channels
	var cond []float32
	if !m.Config.Base {
		cond = make([]float32, n)
	}
	_, err := m.PredictNoise(make([]float32, n), cond, 1, s, s, []float32{0.5}, nil)
	return err
}

// ReadConfig reads and checks the ConfigFile of the model folder dir, its
// size bounded by MaxConfigBytes before it is read. A file that cannot be
// read gives the read's error (it names the path); a malformed or invalid
// one an error starting with ConfigFile.
func ReadConfig(dir string) (Config, error) {
	raw, err := readlimit.ReadFile(filepath.Join(dir, ConfigFile), MaxConfigBytes)
	if err != nil {
		return Config{}, err
	}
	cfg, err := UnmarshalConfig(raw)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", ConfigFile, err)
	}
	return cfg, nil
}

// Load reads a model folder written by Model.Save or by training:
// ConfigFile and WeightsFile (the EMA weights, for training checkpoints).
func Load(dir string, backend compute.Backend) (*Model, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("sr3: loading model %s: %w", dir, err)
	}
	weights, _, err := LoadTensors(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("sr3: loading model %s: %w", dir, err)
	}
	m, err := NewFromWeights(cfg, backend, weights)
	if err != nil {
		return nil, fmt.Errorf("sr3: loading model %s: %w", dir, err)
	}
	return m, nil
}

// Save writes the model to dir (created if needed): WeightsFile then
// ConfigFile, each atomically (temporary file, sync, rename), so a crash
// leaves either the previous or the new file in place, never a torn one.
func (m *Model) Save(dir string) error {
	return SaveModel(dir, m.Config, m.Weights(), nil)
}

// SaveModel writes a model folder from a config and weights, as Model.Save
// does; meta is stored in the weights file's metadata (e.g. the training
// step).
func SaveModel(dir string, cfg Config, weights map[string]*tensors.Tensor, meta map[string]string) error {
	return SaveModelAs(dir, cfg, weights, meta, dtypes.Float32)
}

// SaveModelAs is SaveModel with the weights stored as floats: Float32, or
// Float16 or BFloat16 for half the size (see WriteTensorsAs; Load widens
// them back to float32).
func SaveModelAs(dir string, cfg Config, weights map[string]*tensors.Tensor, meta map[string]string, floats dtypes.DType) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cj, err := MarshalConfig(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sr3: saving model: %w", err)
	}
	if err := SaveTensorsAs(filepath.Join(dir, WeightsFile), weights, meta, floats); err != nil {
		return fmt.Errorf("sr3: saving model: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), cj); err != nil {
		return fmt.Errorf("sr3: saving model: %w", err)
	}
	return nil
}

// Weights returns the UNet's weights by name (as stored in WeightsFile).
// The tensors are the model's own: don't modify them.
func (m *Model) Weights() map[string]*tensors.Tensor {
	out := map[string]*tensors.Tensor{}
	for v := range m.store.IterVariables() {
		if strings.HasPrefix(v.Path(), weightsPrefix) {
			out[strings.TrimPrefix(v.Path(), "/")] = v.MustValue()
		}
	}
	return out
}

// SetWeights replaces the values of the model's weights (same names and
// shapes as Weights); the compiled steps stay valid.
func (m *Model) SetWeights(weights map[string]*tensors.Tensor) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, t := range weights {
		v := m.store.GetVariable("/" + name)
		if v == nil {
			return fmt.Errorf("sr3: SetWeights: unknown weight %q", name)
		}
		if !v.Shape().Equal(t.Shape()) {
			return fmt.Errorf("sr3: SetWeights: weight %q is %s, want %s", name, t.Shape(), v.Shape())
		}
	}
	for name, t := range weights {
		if err := m.store.GetVariable("/" + name).SetValuePreservingOld(t); err != nil {
			return fmt.Errorf("sr3: SetWeights %q: %w", name, err)
		}
	}
	return m.prepareKernels()
}

// NumParams returns the number of weights (scalars) of the UNet.
func (m *Model) NumParams() int {
	n := 0
	for _, t := range m.Weights() {
		n += t.Size()
	}
	return n
}

// Schedule returns the noise schedule of the model's config.
func (m *Model) Schedule() *Schedule { return m.schedule }

// Backend returns the compute backend the model runs on.
func (m *Model) Backend() compute.Backend { return m.backend }

// Compilations returns how many times the step graph has been built and
// compiled (once per distinct input shape).
func (m *Model) Compilations() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.compiles
}

// PredictNoise evaluates the UNet on a batch: xt (the noisy diffusion
// state) and cond (bicubic-upsampled LR) are n x h x w x Channels NHWC
// float32, levels[i] is item i's noise level sqrt(gamma). h and w must be
// multiples of Config.SizeMultiple(). condLevels[i] is item i's
// conditioning-augmentation level (Config.CondAug; nil = all 0, the only
// choice without CondAug). It returns the predicted noise, NHWC.
//
// A base model (Config.Base) takes no cond (nil); a class-conditional one
// gets the no-label token here (see PredictNoiseBase for labels).
func (m *Model) PredictNoise(xt, cond []float32, n, h, w int, levels, condLevels []float32) ([]float32, error) {
	condT, err := m.condTensor(cond, n, h, w)
	if err != nil {
		return nil, err
	}
	augT, err := m.condLevelTensor(condLevels, n)
	if err != nil {
		return nil, err
	}
	labelsT, err := m.labelsTensor(nil, n)
	if err != nil {
		return nil, err
	}
	return m.predict(xt, condT, augT, labelsT, n, h, w, levels)
}

// condLevelTensor checks per-item conditioning-augmentation levels
// (nil = all 0) and returns them as the step's input: nil for a model
// without CondAug, which takes none.
func (m *Model) condLevelTensor(levels []float32, n int) (*tensors.Tensor, error) {
	if levels != nil && len(levels) != n {
		return nil, fmt.Errorf("sr3: %d conditioning levels for a batch of %d", len(levels), n)
	}
	if !m.Config.CondAug {
		for _, l := range levels {
			if l != 0 {
				return nil, ErrNoCondAug
			}
		}
		return nil, nil
	}
	if levels == nil {
		levels = make([]float32, n)
	}
	for _, l := range levels {
		if !(l >= 0 && l <= 1) {
			return nil, fmt.Errorf("sr3: conditioning level %g: want 0 <= level <= 1", l)
		}
	}
	return tensors.FromFlatDataAndDimensions(levels, n), nil
}

// ErrNoCondAug is returned when a conditioning-augmentation level above 0
// is asked of a model trained without conditioning augmentation.
var ErrNoCondAug = errors.New("the model was trained without conditioning augmentation (cond_aug), so it takes no conditioning noise level")

// checkBatchShape checks a batch's n x h x w against the network.
func (m *Model) checkBatchShape(n, h, w int) error {
	if n < 1 || h < 1 || w < 1 {
		return fmt.Errorf("sr3: bad batch shape %dx%dx%d", n, h, w)
	}
	if mult := m.Config.SizeMultiple(); h%mult != 0 || w%mult != 0 {
		return fmt.Errorf("sr3: %dx%d input is not a multiple of %d (pad it)", w, h, mult)
	}
	return nil
}

// condTensor checks the conditioning image batch and returns it as the
// step's input: nil for a base model, which takes none (cond must be nil).
func (m *Model) condTensor(cond []float32, n, h, w int) (*tensors.Tensor, error) {
	c := m.Config.Channels
	if err := m.checkBatchShape(n, h, w); err != nil {
		return nil, err
	}
	if m.Config.Base {
		if cond != nil {
			return nil, fmt.Errorf("sr3: %w", ErrBaseNoCond)
		}
		return nil, nil
	}
	if len(cond) != n*h*w*c {
		return nil, fmt.Errorf("sr3: conditioning has %d values, want %d (%dx%dx%dx%d)", len(cond), n*h*w*c, n, h, w, c)
	}
	return tensors.FromFlatDataAndDimensions(cond, n, h, w, c), nil
}

// ErrBaseNoCond is returned when a conditioning image is given to a base
// model (Config.Base), which generates from noise alone.
var ErrBaseNoCond = errors.New("the model is a base model (base): it generates images from noise and takes no low-resolution input")

// predict runs the compiled step; cond, condLevels and labels are nil
// when the config takes none (see stepInputs).
func (m *Model) predict(xt []float32, cond, condLevels, labels *tensors.Tensor, n, h, w int, levels []float32) ([]float32, error) {
	c := m.Config.Channels
	if len(xt) != n*h*w*c {
		return nil, fmt.Errorf("sr3: noisy input has %d values, want %d", len(xt), n*h*w*c)
	}
	if len(levels) != n {
		return nil, fmt.Errorf("sr3: %d noise levels for a batch of %d", len(levels), n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := [3]int{n, h, w}
	if !m.shapes[key] && len(m.shapes) >= maxCompiledShapes {
		m.resetExec()
	}
	m.shapes[key] = true
	var out *tensors.Tensor
	err := recovery.Catch(func() {
		var err error
		args := []any{tensors.FromFlatDataAndDimensions(xt, n, h, w, c)}
		if cond != nil {
			args = append(args, cond)
		}
		args = append(args, tensors.FromFlatDataAndDimensions(levels, n))
		if condLevels != nil {
			args = append(args, condLevels)
		}
		if labels != nil {
			args = append(args, labels)
		}
		out, err = m.exec.Call1(args...)
		if err != nil {
			panic(err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("sr3: evaluating the UNet on %dx%dx%d: %w", n, h, w, err)
	}
	if out.DType() != dtypes.Float32 {
		return nil, fmt.Errorf("sr3: UNet output is %s", out.DType())
	}
	eps := tensors.MustCopyFlatData[float32](out)
	out.FinalizeAll()
	return eps, nil
}

// EpsFunc returns the sampler's noise predictor for a batch with fixed
// conditioning cond (n x h x w x Channels, NHWC): every item gets the level
// sqrt(gamma) of the sampler's step and the conditioning-augmentation level
// condLevel (the noise added to the LR before its upsampling; 0 for a clean
// input, the only level a model without Config.CondAug takes). A base
// model takes no cond: see GuidedEpsFunc.
func (m *Model) EpsFunc(cond []float32, n, h, w int, condLevel float64) (EpsFunc, error) {
	if m.Config.Base {
		return nil, fmt.Errorf("sr3: %w (use GuidedEpsFunc or Generate)", ErrBaseNoCond)
	}
	condT, err := m.condTensor(cond, n, h, w)
	if err != nil {
		return nil, err
	}
	cl := make([]float32, n)
	for i := range cl {
		cl[i] = float32(condLevel)
	}
	augT, err := m.condLevelTensor(cl, n)
	if err != nil {
		return nil, err
	}
	levels := make([]float32, n)
	return func(ctx context.Context, x []float32, gamma float64) ([]float32, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := range levels {
			levels[i] = float32(NoiseLevel(gamma))
		}
		return m.predict(x, condT, augT, nil, n, h, w, levels)
	}, nil
}

// Upscale super-resolves one image by Config.Scale: it builds the bicubic
// conditioning (data.Resize to Scale times the size), pads it by mirroring
// to a multiple of Config.SizeMultiple(), runs the sampler with the
// compiled UNet and returns the HR image (bicubic added back for residual
// models), clamped to [-1, 1].
//
// cfg.ClipX0 bounds the clean-image estimates in image space whatever the
// model diffuses (for residual models the bound applies to bicubic +
// residual); cfg.ProjectX0, if set, sees the estimate in the model's
// diffusion space (HR, or the scaled residual). Grey images (C = 1) are
// run through an RGB model as three equal channels and returned grey.
// A partial start (Strength < 1) starts from the noised bicubic image (for
// residual models: a zero residual).
func (m *Model) Upscale(ctx context.Context, lr *data.Image, cfg SamplerConfig, noise NoiseSource, progress func(step, total int)) (*data.Image, error) {
	if m.Config.Base {
		return nil, fmt.Errorf("sr3: upscale: %w (use Generate)", ErrBaseNoCond)
	}
	if lr == nil || lr.W < 1 || lr.H < 1 || len(lr.Pix) != lr.W*lr.H*lr.C {
		return nil, errors.New("sr3: upscale: empty or malformed image")
	}
	mc := m.Config.Channels
	grey := lr.C == 1 && mc == 3
	if lr.C != mc && !grey {
		return nil, fmt.Errorf("sr3: upscale: image has %d channels, the model takes %d", lr.C, mc)
	}
	src := lr
	if grey {
		src = data.GreyToRGB(lr)
	}
	s := m.Config.Scale
	bic := data.Resize(src, src.W*s, src.H*s)
	mult := m.Config.SizeMultiple()
	pw, ph := roundUp(bic.W, mult), roundUp(bic.H, mult)
	cond := data.MirrorPad(bic, pw, ph)

	x0Init := make([]float32, len(cond.Pix))
	if !m.Config.Residual {
		copy(x0Init, cond.Pix)
	}
	inner := cfg
	if m.Config.Residual && cfg.ClipX0 > 0 {
		bound, rs := float32(cfg.ClipX0), float32(m.Config.ResidualScale)
		user := cfg.ProjectX0
		inner.ClipX0 = 0
		inner.ProjectX0 = func(x0 []float32, gamma float64) {
			for i, b := range cond.Pix {
				v := min(max(b+x0[i]/rs, -bound), bound)
				x0[i] = (v - b) * rs
			}
			if user != nil {
				user(x0, gamma)
			}
		}
	}
	eps, err := m.EpsFunc(cond.Pix, 1, ph, pw, 0)
	if err != nil {
		return nil, err
	}
	x0, err := Sample(ctx, m.schedule, inner, x0Init, noise, eps, progress)
	if err != nil {
		return nil, fmt.Errorf("sr3: upscale %s: %w", lr, err)
	}
	FromTarget(m.Config, x0, cond.Pix)
	out, err := data.Crop(&data.Image{W: pw, H: ph, C: mc, Pix: x0}, 0, 0, bic.W, bic.H)
	if err != nil {
		return nil, fmt.Errorf("sr3: upscale %s: %w", lr, err)
	}
	for i, v := range out.Pix {
		out.Pix[i] = min(max(v, -1), 1)
	}
	if grey {
		out = data.RGBToGrey(out)
	}
	return out, nil
}

func roundUp(v, m int) int { return (v + m - 1) / m * m }
