// Package pretrained is srcascade's registry of models: the built-in ones,
// addressed by name with a model card each (Info), and checkpoint folders
// written by `srcascade train`. Open turns either into a cascade.Upscaler.
//
// The built-in weights are embedded in the binary and read only when their
// model is opened. Build with -tags noemoji to leave out the emoji models
// (emoji-x2, emoji-base16: 18.6 MB).
package pretrained

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/srcascade/srcascade/cascade"
)

// Info is the model card of a built-in model, as `srcascade models` lists it.
type Info struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`        // KindSR or KindBase
	Scales      []int  `json:"scales"`      // output scales it supports (none for a base model)
	Params      int64  `json:"params"`      // trainable parameters; 0 for fixed filters
	Size        int64  `json:"size_bytes"`  // bytes of embedded weights
	TrainedOn   string `json:"trained_on"`  // data it was trained on, or "-" for none
	Description string `json:"description"` // one line: what it is and how good
	// ImageSize is a base model's sample side in pixels (the size it was
	// trained at); 0 for super-resolution models.
	ImageSize int `json:"image_size,omitempty"`
	// Cascade is the super-resolution model (a name or chain for Open)
	// that generate enlarges a base model's samples with by default.
	Cascade string `json:"cascade,omitempty"`
}

// ErrUnknownModel is wrapped by Open's error when its argument is neither a
// built-in model name nor a checkpoint folder.
var ErrUnknownModel = errors.New("not a model name or checkpoint folder")

// ErrBaseModel is wrapped by Open's error when its argument (or a part of
// a chain) is a base model, which generates images rather than upscaling
// them.
var ErrBaseModel = errors.New("a base model generates images from noise (srcascade generate -m MODEL); upscaling needs a super-resolution model")

// entry is one built-in model: its card and how to open it.
type entry struct {
	info Info
	open func(backend string) (cascade.Upscaler, error)
}

// registry holds the built-in models, in the order `srcascade models` lists
// them (emoji.go appends the emoji model unless built with noemoji).
var registry = []entry{
	{
		info: Info{
			Name:        "bicubic",
			Kind:        KindSR,
			Scales:      cascade.Bicubic{}.Scales(),
			TrainedOn:   "-",
			Description: "MATLAB-exact bicubic interpolation (a = -0.5): the baseline every model must beat",
		},
		open: func(string) (cascade.Upscaler, error) { return cascade.Bicubic{}, nil },
	},
	{
		info: Info{
			Name:        "sr3-x4-real",
			Kind:        KindSR,
			Scales:      []int{4},
			Params:      sr3x4RealParams,
			TrainedOn:   sr3x4RealTrainedOn,
			Description: sr3x4RealDescription,
		},
		open: func(backend string) (cascade.Upscaler, error) {
			return openEmbedded("sr3-x4-real", "sr3-x4-real", backend)
		},
	},
	{
		info: Info{
			Name:        "sr3-x4",
			Kind:        KindSR,
			Scales:      []int{4},
			Params:      sr3x4Params,
			TrainedOn:   "182 photos (scripts/fetch-train-photos.sh), 34,370 steps (the last 14,000 a fine-tune on 128x128 patches)",
			Description: sr3x4Description,
		},
		open: func(backend string) (cascade.Upscaler, error) { return openEmbedded("sr3-x4", "sr3-x4", backend) },
	},
	{
		info: Info{
			Name:        "sr3-x2",
			Kind:        KindSR,
			Scales:      []int{2, 4, 8},
			Params:      sr3x2Params,
			TrainedOn:   sr3x2TrainedOn,
			Description: sr3x2Description,
		},
		open: func(backend string) (cascade.Upscaler, error) { return openEmbedded("sr3-x2", "sr3-x2", backend) },
	},
}

// The shipped x4 model's card in brief; pretrained/sr3-x4/MODEL_CARD.md has
// the whole of it. TestBuiltinParams checks the count against the weights.
const (
	sr3x4RealParams      = 4727344 + 64*256 + 256
	sr3x4RealTrainedOn   = "182 photos damaged on the fly (blur, noise, JPEG, deblocked), warm-started from sr3-x4, 82,732 steps in six stages"
	sr3x4RealDescription = "SR3 x4 for real photos (JPEG, noise, blur) with a denoise control (--denoise) and JPEG deblocking (--deblock), both automatic, one step; the default at x2-x4"

	sr3x4Params      = 4727344
	sr3x4Description = "SR3 x4, DDPM 4 steps: Set5 30.23 dB / Set14 27.30 dB Y-PSNR, one step 30.74 / 27.70 (bicubic 28.43 / 26.09); 4.1 h on 2 CPUs"

	sr3x2Params      = 2843084
	sr3x2TrainedOn   = "182 photos (scripts/fetch-train-photos.sh), 5,314 steps"
	sr3x2Description = "SR3 x2 with CDM conditioning augmentation, DDPM 4 steps: Set5 35.08 dB / Set14 31.44 dB, one step 35.52 / 31.73 (bicubic 33.68 / 30.33); second stage of the default x8 (x2 itself defaults to sr3-x4-real, halved)"

	emojiTrainedOn       = "1,811 Noto emoji in 9 classes (scripts/fetch-emoji.sh, scripts/emojisr)"
	emojiBaseParams      = 1803555
	emojiBaseDescription = "CDM base stage: class-conditional 16x16 emoji (9 classes), classifier-free guidance (1), DDIM 50; nearest-training distance 0.153 (real emoji 0.146); 6,423 steps, 2.1 h on 2 CPUs"
	emojiX2Params        = 2843084
	emojiX2Description   = "SR3 x2 for emoji with CDM conditioning augmentation (up to 0.2), one step: held-out emoji x2 34.17 dB, x4 26.51 (bicubic 29.44 / 23.52); emoji-base16's cascade"
)

// List returns the model cards of the built-in models: the
// super-resolution ones, then the base models.
func List() []Info {
	var out []Info
	for _, e := range registry {
		out = append(out, e.info)
	}
	for _, e := range bases {
		out = append(out, e.info)
	}
	for i := range out {
		out[i].Scales = slices.Clone(out[i].Scales)
		// Each built-in model's files sit in a folder named after it; read
		// now, since a nophoto build's folder may be named after start-up.
		out[i].Size = embeddedSize(out[i].Name)
	}
	return out
}

// Names returns the built-in super-resolution model names (those Open
// takes), sorted; BaseNames lists the base models.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.info.Name
	}
	sort.Strings(names)
	return names
}

// Open returns the upscaler named nameOrDir: a built-in model name (see
// List) or the path of a checkpoint folder written by training. backend
// selects the compute backend of learned models ("" = automatic, "go",
// "xla:cpu", "xla:cuda" or a PJRT plugin path); the bicubic model ignores it.
// An argument that is neither wraps ErrUnknownModel. Models joined with
// ChainSep ("sr3-x4+sr3-x2", built-in names or checkpoint folders) open
// as a cascade.Pipeline of them (see openChain).
func Open(nameOrDir, backend string) (cascade.Upscaler, error) {
	if parts, ok := chainParts(nameOrDir); ok {
		return openChain(nameOrDir, parts, backend)
	}
	if _, ok := findBase(nameOrDir); ok {
		return nil, fmt.Errorf("model %s: %w", nameOrDir, ErrBaseModel)
	}
	for _, e := range registry {
		if e.info.Name == nameOrDir {
			up, err := e.open(backend)
			if err != nil {
				return nil, err // it names the built-in model
			}
			return up, nil
		}
	}
	if st, err := os.Stat(nameOrDir); err == nil && st.IsDir() {
		return openCheckpoint(nameOrDir, backend)
	}
	if err := leftOutError(nameOrDir); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("model %q: %w (built-in models: %s)", nameOrDir, ErrUnknownModel, strings.Join(Names(), ", "))
}

// openCheckpoint opens a checkpoint folder: a model folder written by
// `srcascade train` or sr3.Model.Save, run by the tiled cascade.SR3Stage
// (see loadCheckpoint). A folder that holds neither of a model's files
// wraps ErrUnknownModel; one that holds a base model wraps ErrBaseModel.
func openCheckpoint(dir, backend string) (cascade.Upscaler, error) {
	return loadCheckpoint(dir, backend)
}
