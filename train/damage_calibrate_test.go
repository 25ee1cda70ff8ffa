package train

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestDamageCalibrationTable writes, when SRCASCADE_DAMAGE_CSV names a file
// and SRCASCADE_DAMAGE_PHOTOS a folder of photos, one CSV row per damaged
// crop: NoiseSigmaRGB, NoiseSigmaLuma, BlockGridStrength and
// DegradationStrength of LR crops made by RealWorldDegrade (x4, 96x96 LR),
// to compare data.EstimateDamage's measures with the strength training
// gives the denoise level. Skipped otherwise.
func TestDamageCalibrationTable(t *testing.T) {
	out, dir := os.Getenv("SRCASCADE_DAMAGE_CSV"), os.Getenv("SRCASCADE_DAMAGE_PHOTOS")
	if out == "" || dir == "" {
		t.Skip("set SRCASCADE_DAMAGE_CSV and SRCASCADE_DAMAGE_PHOTOS to write the calibration table")
	}
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintln(f, "photo,noise_rgb,noise_luma,grid,strength")
	rng := rand.New(rand.NewPCG(1, 2))
	deg := RealWorldDegrade()
	const lr = 96
	for i, name := range names {
		if i%3 != 0 {
			continue
		}
		d, err := data.DecodeFile(name, data.Limits{})
		if err != nil || d.Image.C != 3 {
			continue
		}
		img := data.Resize(d.Image, d.Image.W/2, d.Image.H/2)
		for range 6 {
			if img.W < 4*lr || img.H < 4*lr {
				break
			}
			hr, err := data.Crop(img, rng.IntN(img.W-4*lr+1), rng.IntN(img.H-4*lr+1), 4*lr, 4*lr)
			if err != nil {
				t.Fatal(err)
			}
			hr = data.Quantize(hr)
			low, err := deg.makeLR(hr, lr, lr, rng)
			if err != nil {
				t.Fatal(err)
			}
			s := DegradationStrength(low, data.Quantize(data.Resize(hr, lr, lr)))
			fmt.Fprintf(f, "%d,%.4f,%.4f,%.4f,%.4f\n", i, data.NoiseSigmaRGB(low), data.NoiseSigmaLuma(low), data.BlockGridStrength(low, 1), s)
		}
	}
}
