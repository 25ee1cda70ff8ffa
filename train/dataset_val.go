package train

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/srcascade/srcascade/data"
)

// ValPair is one validation image: HR modcropped to a multiple of the
// scale (RGB; grey sources replicated to three channels, which leaves their
// luma unchanged) and LR = Quantize(Resize(HR, W/scale, H/scale)), the
// benchmark protocol of ../shared/data/bench/README.md.
type ValPair struct {
	Name   string // path relative to the folder
	HR, LR *data.Image
}

// ValMaxSide bounds the HR side of a validation image: larger images are
// center-cropped to it, so validating during training takes bounded time and
// memory whatever the photos' size (the UNet's attention is quadratic in the
// pixels it sees at once).
const ValMaxSide = 256

// LoadValidation loads the images under dir (recursively, in path order, at
// most maxImages of them when maxImages > 0) as validation pairs for the
// given scale, each center-cropped to at most ValMaxSide (a multiple of
// scale; smaller images are modcropped as the benchmark protocol does). Unlike training data, a file that cannot be decoded, or is
// smaller than scale, is an error naming it: a silently shorter validation
// set would make scores incomparable between runs.
func LoadValidation(dir string, scale int, maxImages int) ([]ValPair, error) {
	if scale < 1 {
		return nil, fmt.Errorf("validation %s: scale %d must be at least 1", dir, scale)
	}
	files, err := listImages(context.Background(), dir)
	if err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("validation: no image files under %s", dir)
	}
	if maxImages > 0 && len(files) > maxImages {
		files = files[:maxImages]
	}
	out := make([]ValPair, 0, len(files))
	for _, f := range files {
		d, err := data.DecodeFile(filepath.Join(dir, f), data.Limits{})
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		img := d.Image
		if img.W < scale || img.H < scale {
			return nil, fmt.Errorf("validation: %s is %dx%d, smaller than the scale %d", filepath.Join(dir, f), img.W, img.H, scale)
		}
		hr, err := data.CenterCrop(data.GreyToRGB(img), max(ValMaxSide, scale), scale)
		if err != nil {
			return nil, fmt.Errorf("validation: %s: %w", filepath.Join(dir, f), err)
		}
		lr := data.Quantize(data.Resize(hr, hr.W/scale, hr.H/scale))
		out = append(out, ValPair{Name: f, HR: hr, LR: lr})
	}
	return out, nil
}
