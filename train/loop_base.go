package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// The sample sheet of a base stage (see Run).
const (
	// BaseSheetSteps is the default number of DDIM steps of the sample
	// sheet (Options.ValSteps of DefaultBaseOptions): enough for
	// recognisable samples at a fraction of the 50 steps generation
	// defaults to, so a checkpoint costs little training time.
	BaseSheetSteps = 20
	// BaseSheetRows is the most class rows a sheet shows (the first
	// classes); a class-conditional sheet has a row without label besides.
	BaseSheetRows = 16
	// BaseSheetCols is the number of samples per row.
	BaseSheetCols = 6
	// baseSheetPixels is about the side, in sheet pixels, of a sample
	// enlarged by nearest neighbour.
	baseSheetPixels = 64
)

// nearestSource is a source that can measure how far a sample is from its
// nearest training image (LabelledSource).
type nearestSource interface {
	Nearest(img *data.Image) (float64, error)
}

// classNamer is a source that knows its class names (LabelledSource).
type classNamer interface {
	ClassNames() []string
}

// checkStage checks the options, the data source and the validation pairs
// against the kind of stage cfg is (super-resolution or base).
func checkStage(opt Options, cfg sr3.Config, src Source, val []ValPair) error {
	if !cfg.Base {
		switch {
		case opt.LabelDropout > 0:
			return fmt.Errorf("train: label_dropout %g is for class-conditional base stages; this is a super-resolution stage", opt.LabelDropout)
		case len(opt.Classes) > 0:
			return errors.New("train: class names are for class-conditional base stages; this is a super-resolution stage")
		}
		return nil
	}
	switch {
	case len(val) > 0:
		return errors.New("train: validation images are for super-resolution stages; a base stage writes a sample sheet at each checkpoint instead")
	case opt.CondNoise > 0:
		return fmt.Errorf("train: cond_noise %g is for super-resolution stages (a base stage has no low-resolution input)", opt.CondNoise)
	case opt.HighNoise > 0:
		return fmt.Errorf("train: high_noise %g is for super-resolution stages (a base stage generates through every noise level)", opt.HighNoise)
	case cfg.Classes == 0 && len(opt.Classes) > 0:
		return fmt.Errorf("train: %d class names for an unconditional base stage (classes 0)", len(opt.Classes))
	case cfg.Classes > 0 && len(opt.Classes) > 0 && len(opt.Classes) != cfg.Classes:
		return fmt.Errorf("train: %d class names for a model of %d classes", len(opt.Classes), cfg.Classes)
	}
	if cn, ok := src.(classNamer); ok && cfg.Classes > 0 {
		names := cn.ClassNames()
		switch {
		case len(names) == 0:
			return fmt.Errorf("train: the model takes %d classes but the training images have none (no class folders)", cfg.Classes)
		case len(names) != cfg.Classes:
			return fmt.Errorf("train: the training images have %d classes (%s), the model config %d", len(names), QuoteNames(names), cfg.Classes)
		case len(opt.Classes) > 0 && !slices.Equal(names, opt.Classes):
			return fmt.Errorf("train: the training images have the classes %s, the run names %s", QuoteNames(names), QuoteNames(opt.Classes))
		}
	}
	return nil
}

// checkBaseBatch checks a base stage's batch against the config and options.
func (r *runner) checkBaseBatch(b *Batch) error {
	cfg, opt := r.cfg, r.opt
	switch {
	case b.N != opt.Batch || b.HRSize != opt.Patch:
		return fmt.Errorf("train: batch of %d images of %d, options say %d of %d", b.N, b.HRSize, opt.Batch, opt.Patch)
	case b.HRSize%cfg.SizeMultiple() != 0:
		return fmt.Errorf("train: image size %d is not a multiple of %d, which this network needs", b.HRSize, cfg.SizeMultiple())
	case b.LR != nil || b.LRSize != 0:
		return errors.New("train: the batch has low-resolution inputs, which a base stage does not take")
	case b.CondNoise != nil:
		return errors.New("train: the batch has conditioning-augmentation noise, which a base stage does not take")
	case len(b.HR) != b.N*b.HRSize*b.HRSize*b.C:
		return errors.New("train: batch pixel data does not match its geometry")
	case cfg.Classes > 0 && len(b.Labels) != b.N:
		return fmt.Errorf("train: batch of %d images with %d labels; a class-conditional base stage needs one per image", b.N, len(b.Labels))
	}
	if cfg.Classes > 0 {
		for i, l := range b.Labels {
			if l < 0 || int(l) > cfg.Classes {
				return fmt.Errorf("train: batch label[%d] = %d: want 0..%d (%d = no label)", i, l, cfg.Classes, cfg.Classes)
			}
		}
	}
	return nil
}

// sheetLabels returns the labels of the sample sheet's images, row by row
// (nil for an unconditional model), the number of rows, and each row's
// caption.
func (r *runner) sheetLabels() (labels []int32, rows int, captions []string) {
	k := r.cfg.Classes
	if k == 0 {
		return nil, 2, []string{"", ""}
	}
	rows = min(k, BaseSheetRows) + 1
	for row := range rows {
		l, caption := int32(row), "no label"
		switch {
		case row == rows-1:
			l = r.cfg.NoLabel()
		case row < len(r.opt.Classes):
			caption = r.opt.Classes[row]
		default:
			caption = "class " + strconv.Itoa(row)
		}
		for range BaseSheetCols {
			labels = append(labels, l)
		}
		captions = append(captions, caption)
	}
	return labels, rows, captions
}

// validateBase generates the sample sheet of a base stage with the EMA
// weights (see Run), keeps its PNG for the next checkpoint and, when the
// source can tell, records the samples' mean distance to their nearest
// training image.
func (r *runner) validateBase(ctx context.Context) error {
	if err := r.loadEMA(); err != nil {
		return fmt.Errorf("train: sample sheet: %w", err)
	}
	labels, rows, captions := r.sheetLabels()
	n := rows * BaseSheetCols
	size := r.opt.Patch
	sc := r.cfg.SamplerConfig()
	sc.Kind, sc.Steps, sc.Eta, sc.Strength = sr3.DDIM, r.opt.ValSteps, 0, 1
	if r.opt.ValSampler != "" {
		sc.Kind = r.opt.ValSampler
	}
	imgs, err := r.valModel.Generate(ctx, n, size, size, labels, r.cfg.Guidance, sc, sr3.NewGaussianNoise(r.opt.Seed), nil)
	if err != nil {
		return fmt.Errorf("train: sample sheet at step %d: %w", r.info.Step, err)
	}
	panels := make([][]data.SheetPanel, rows)
	for row := range panels {
		panels[row] = make([]data.SheetPanel, BaseSheetCols)
		for col := range panels[row] {
			panels[row][col].Image = imgs[row*BaseSheetCols+col]
		}
		panels[row][0].Caption = captions[row]
	}
	sheet, err := data.Sheet(panels, max(1, baseSheetPixels/size))
	if err != nil {
		return fmt.Errorf("train: sample sheet: %w", err)
	}
	var buf bytes.Buffer
	if err := data.Encode(&buf, &data.Decoded{Image: sheet, Depth: 8, Format: "png"}, data.EncodeOptions{Format: "png"}); err != nil {
		return fmt.Errorf("train: sample sheet: %w", err)
	}
	r.samples = buf.Bytes()

	nearest := math.NaN()
	if ns, ok := r.src.(nearestSource); ok {
		sum := 0.0
		for _, img := range imgs {
			d, err := ns.Nearest(img)
			if err != nil {
				return fmt.Errorf("train: sample sheet: %w", err)
			}
			sum += d
		}
		nearest = sum / float64(len(imgs))
		r.info.History.Nearest = append(r.info.History.Nearest, Point{Step: r.info.Step, Value: nearest})
	}
	r.report(Progress{Event: "samples", Step: r.info.Step, Steps: r.opt.Steps, Nearest: nearest,
		ValPSNR: math.NaN(), BicubicPSNR: math.NaN()})
	return nil
}

// QuoteNames writes names as a readable list: [a, b, c] (at most 12 shown).
func QuoteNames(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	shown := names[:min(len(names), 12)]
	s := "[" + strings.Join(shown, ", ")
	if len(names) > len(shown) {
		s += fmt.Sprintf(", ... %d in all", len(names))
	}
	return s + "]"
}
