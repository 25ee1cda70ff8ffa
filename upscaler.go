package srcascade

import (
	"context"
	"errors"
	"fmt"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/pretrained"
)

// ErrCondNoise is matched (errors.Is) by Open's error when
// Options.CondNoise gives a level that no learned stage of the model takes
// (it was trained without conditioning augmentation); the error is a
// *CondNoiseError.
var ErrCondNoise = errors.New("conditioning-augmentation level not taken by the model")

// CondNoiseError is Open's error for a CondNoise level no stage takes: the
// level and the first learned stage's reason.
type CondNoiseError struct {
	Level float64
	Err   error
}

func (e *CondNoiseError) Error() string {
	return fmt.Sprintf("cond-noise level %g: %v", e.Level, e.Err)
}
func (e *CondNoiseError) Unwrap() error        { return e.Err }
func (e *CondNoiseError) Is(target error) bool { return target == ErrCondNoise }

// MaxOutputPixels bounds the size of an upscaled image: an upscale holds a
// few float32 RGB images of that size (12 bytes a pixel each), so 300 MP
// (17320x17320, a 4330x4330 input at x4) needs about 11 GB. Upscale
// refuses a larger output before allocating it (CheckOutputSize).
const MaxOutputPixels = 300_000_000

// ErrOutputTooLarge is wrapped by CheckOutputSize's error.
var ErrOutputTooLarge = errors.New("output too large")

// CheckOutputSize refuses an upscale of a w x h image by scale whose
// output would exceed MaxOutputPixels; name (a file name, or "image")
// starts the error.
func CheckOutputSize(name string, w, h, scale int) error {
	out := int64(w) * int64(h) * int64(scale) * int64(scale)
	if out > MaxOutputPixels {
		return fmt.Errorf("%s: %dx%d at x%d would be %dx%d (%d MP), above the %d MP limit: %w; use a smaller scale or downscale the input",
			name, w, h, scale, w*scale, h*scale, out/1_000_000, MaxOutputPixels/1_000_000, ErrOutputTooLarge)
	}
	return nil
}

// Upscaler is an opened model with its options, ready to upscale images
// one after another. It is safe for concurrent use: the model runs one
// image at a time (its compiled network and buffers are not shared), so
// concurrent calls queue, each waiting until the model is free or its
// context ends. For parallel upscales open one Upscaler per worker (each
// holds its own copy of the weights and compiled network).
type Upscaler struct {
	up   cascade.Upscaler
	opts Options
	busy chan struct{} // holds a token while an image runs
}

// Open opens the model opts names for opts.Scale (defaults filled in, see
// Options): a built-in model, a checkpoint folder or a chain. A scale the
// model lacks runs at its next larger one and is resized down exactly. An
// unknown model wraps pretrained.ErrUnknownModel, a base model
// pretrained.ErrBaseModel, a scale the model cannot serve
// pretrained.ErrScale, a CondNoise level no stage takes ErrCondNoise.
func Open(opts Options) (*Upscaler, error) {
	r := opts.Resolved()
	if r.Target != (cascade.Target{}) {
		return openSized(r)
	}
	up, err := pretrained.OpenForScale(r.Model, r.Backend, r.Scale)
	if err != nil {
		return nil, err
	}
	return New(up, r)
}

// openSized opens the models serving r.Target (pretrained.OpenSized),
// their output and run sizes bounded by MaxOutputPixels. A Target that
// is invalid or beside a Scale wraps ErrTarget.
func openSized(r Options) (*Upscaler, error) {
	if err := r.Target.Check(); err != nil {
		return nil, fmt.Errorf("size %s: %w: %w", r.Target, ErrTarget, err)
	}
	if r.Scale != 0 {
		return nil, fmt.Errorf("scale %d and size %s: %w: ask for one of them", r.Scale, r.Target, ErrTarget)
	}
	s, err := pretrained.OpenSized(r.Model, r.Backend, r.Target)
	if err != nil {
		return nil, err
	}
	s.MaxPixels = MaxOutputPixels
	return New(s, r)
}

// ErrTarget is wrapped by Open's error for an Options.Target that cannot
// be asked: a factor below 1, NaN or huge, a negative or huge side, a
// factor beside a width/height, or a Scale beside it.
var ErrTarget = errors.New("invalid output size")

// New wraps up, any cascade.Upscaler (a model opened with pretrained, a
// cascade.Pipeline, a test double), as an Upscaler with opts; opts.Model
// is set to up's name, and its CondNoise is checked against up's stages.
func New(up cascade.Upscaler, opts Options) (*Upscaler, error) {
	if up == nil {
		return nil, errors.New("srcascade.New: nil upscaler")
	}
	r := opts.Resolved()
	r.Model = up.Name()
	if err := CheckCondNoise(up, r.Cascade()); err != nil {
		return nil, err
	}
	return &Upscaler{up: up, opts: r, busy: make(chan struct{}, 1)}, nil
}

// Options returns the options u runs with, defaults filled in.
func (u *Upscaler) Options() Options { return u.opts }

// Cascade returns the cascade.Upscaler u runs (for its name, stages and
// scales); calling its Upscale directly bypasses u's serialisation.
func (u *Upscaler) Cascade() cascade.Upscaler { return u.up }

// CheckSize refuses, before anything is allocated, a w x h image u
// cannot upscale: an output above MaxOutputPixels (CheckOutputSize), or
// for a Target a size its models cannot make (cascade.Sized.Plan). name
// (a file name, or "image") starts the error.
func (u *Upscaler) CheckSize(name string, w, h int) error {
	if s, ok := u.up.(*cascade.Sized); ok {
		if _, _, _, err := s.Plan(w, h); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	return CheckOutputSize(name, w, h, u.opts.Scale)
}

// Memory is the bytes an upscale of a w x h image by u holds
// (cascade.UpscalerMemory), for admitting images against a memory budget.
func (u *Upscaler) Memory(w, h int) int64 {
	return cascade.UpscalerMemory(u.up, w, h, u.opts.Scale)
}

// Upscale returns d enlarged by u's scale (or to its Target size) with u's options (see
// UpscaleWith). progress (may be nil) receives done/total of the image.
func (u *Upscaler) Upscale(ctx context.Context, d *data.Decoded, progress cascade.Progress) (*data.Decoded, error) {
	return u.UpscaleWith(ctx, d, u.opts, progress)
}

// UpscaleWith returns d enlarged as cascade.UpscaleDecoded does (alpha
// upscaled separately and re-attached, grey kept grey, depth, ICC profile
// and EXIF carried over; d is not modified), with the sampling fields of
// opts (Seed, Steps, Sampler, Eta, Strength, Tile, CondNoise; zero =
// default as in Options). opts.Model, Backend, Scale and Target must be
// zero or those of u. It waits while another call runs; ctx ends the wait and the
// work. An output above MaxOutputPixels is refused before it is allocated,
// and a panic in the model comes back as an error.
func (u *Upscaler) UpscaleWith(ctx context.Context, d *data.Decoded, opts Options, progress cascade.Progress) (*data.Decoded, error) {
	if (opts.Model != "" && opts.Model != u.opts.Model) || (opts.Scale != 0 && opts.Scale != u.opts.Scale) ||
		(opts.Backend != "" && opts.Backend != u.opts.Backend) ||
		(opts.Target != (cascade.Target{}) && opts.Target != u.opts.Target) {
		return nil, fmt.Errorf("model %s %s: options ask for model %q %s backend %q: open another Upscaler for them",
			u.opts.Model, u.opts.size(), opts.Model, opts.size(), opts.Backend)
	}
	opts.Model, opts.Scale, opts.Backend, opts.Target = u.opts.Model, u.opts.Scale, u.opts.Backend, u.opts.Target
	if d == nil || d.Image == nil {
		return nil, fmt.Errorf("model %s: no image", u.opts.Model)
	}
	if err := u.CheckSize("image", d.Image.W, d.Image.H); err != nil {
		return nil, err
	}
	select {
	case u.busy <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-u.busy }()
	return upscaleSafely(ctx, u.up, d, opts.Cascade(), progress)
}

// upscaleSafely is cascade.UpscaleDecoded with a panic turned into an
// error, so one bad image cannot stop a batch or a server.
func upscaleSafely(ctx context.Context, up cascade.Upscaler, d *data.Decoded, opts cascade.Options, progress cascade.Progress) (out *data.Decoded, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("model %s failed: %v", up.Name(), p)
		}
	}()
	return cascade.UpscaleDecoded(ctx, up, d, opts, progress)
}

// Upscale opens the model of opts, upscales d with it and returns the
// result (see Upscaler.UpscaleWith): the one-call form for a single
// image. Opening compiles the model's network, so for several images Open
// once and call Upscaler.Upscale.
func Upscale(ctx context.Context, d *data.Decoded, opts Options) (*data.Decoded, error) {
	u, err := Open(opts)
	if err != nil {
		return nil, err
	}
	return u.Upscale(ctx, d, nil)
}

// UpscaleFile reads the image file in (PNG, JPEG, GIF, BMP, TIFF or WebP,
// at most data.DefaultMaxPixels), upscales it with opts (Upscale) and
// writes it to out atomically, in the format of out's extension (.png or
// .jpg), never replacing in. Errors name the file.
func UpscaleFile(ctx context.Context, in, out string, opts Options) error {
	d, err := data.DecodeFile(in, data.Limits{})
	if err != nil {
		return err // names the file
	}
	if r := opts.Resolved(); r.Target != (cascade.Target{}) {
		if _, _, err := r.Target.Size(d.Image.W, d.Image.H, MaxOutputPixels); err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
	} else if err := CheckOutputSize(in, d.Image.W, d.Image.H, r.Scale); err != nil {
		return err
	}
	big, err := Upscale(ctx, d, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return data.EncodeFile(out, big, data.EncodeOptions{})
}

// condLeveler is a stage that resolves conditioning-augmentation levels
// (cascade.SR3Stage).
type condLeveler interface {
	CondLevel(opts cascade.Options, generated bool) (float64, error)
}

// CheckCondNoise checks an explicit CondNoise level against the stages of
// up before any image is read (Open and New do; generate checks its
// super-resolution cascade with Generated set). The level goes to the learned stages
// trained with conditioning augmentation, the others run without it
// (cascade.Pipeline); a level above 0 that no learned stage takes is an
// *CondNoiseError with the first of them. Stages without a
// network (bicubic) ignore the level.
func CheckCondNoise(up cascade.Upscaler, opts cascade.Options) error {
	if opts.CondNoise == nil {
		return nil
	}
	var firstErr error
	for i, s := range cascade.Leaves(up) {
		c, ok := s.(condLeveler)
		if !ok {
			continue
		}
		_, err := c.CondLevel(opts, opts.Generated || i > 0)
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return &CondNoiseError{Level: *opts.CondNoise, Err: firstErr}
	}
	return nil
}
