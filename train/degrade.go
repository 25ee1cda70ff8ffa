package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade/data"
)

// Range is a closed interval [Min, Max] a parameter is drawn from uniformly.
type Range struct {
	Min, Max float64
}

// draw returns a uniform sample of r.
func (r Range) draw(rng *rand.Rand) float64 {
	return r.Min + (r.Max-r.Min)*rng.Float64()
}

// Degradation is one random degradation: applied with probability Prob,
// its strength drawn uniformly from Range.
type Degradation struct {
	Prob  float64
	Range Range
}

// DegradeOptions are the degradations applied when LR inputs are made from
// HR crops (never to given LR files), to train for real-world inputs rather
// than clean bicubic ones. Either the simple model of Blur, Noise and JPEG:
// in the order of Real-ESRGAN's first round, blur (on the HR crop), bicubic
// downscale, noise, rounding to 8 bits, JPEG; or, with RealESRGAN,
// Real-ESRGAN's full second-order model (see realESRGANLR).
// The zero value applies none: LR is then exactly the benchmark protocol.
type DegradeOptions struct {
	// RealESRGAN replaces the simple model by Real-ESRGAN's second-order
	// degradation with its published x4plus settings: random Gaussian,
	// generalised-Gaussian, plateau and sinc blur kernels, random
	// area/bilinear/bicubic resizes, Gaussian and Poisson noise in colour
	// and grey, JPEG, all twice, then a final sinc filter and JPEG in random
	// order. Blur, Noise and JPEG must then be unset.
	RealESRGAN bool
	// Blur is a Gaussian blur of the HR crop before the downscale; Range is
	// its sigma in HR pixels.
	Blur Degradation
	// Noise is additive Gaussian noise on the LR, independent per channel;
	// Range is its sigma in 8-bit levels (0..255 scale).
	Noise Degradation
	// JPEG is re-compression of the 8-bit LR; Range is the quality (1..100,
	// rounded to an integer).
	JPEG Degradation
	// Deblock deblocks each JPEG-compressed LR at its quality
	// (data.DeblockJPEG), as upscaling the real-photo models does by
	// default (cascade.Options.Deblock): a model trained so sees the inputs
	// it will be given. Needs JPEG.
	Deblock bool
	// Prefilter DCT-denoises each LR (data.DenoiseDCT) as upscaling the
	// real-photo models does by default (cascade.Options.Prefilter, whose
	// BM3D is DCT denoising with block matching, 4x the cost and a
	// slightly cleaner input, on which the models score as well or
	// better), at
	// the sigma a perfect estimate would give it: data.PrefilterSigma of
	// the drawn noise sigma (none below data.PrefilterFloor, at least
	// data.DeblockedNoise when the LR was deblocked). Needs noise or
	// deblock.
	Prefilter bool
	// Overstate raises, with probability Prob, an input's denoise level
	// (the degradation strength a model with a denoise control is given,
	// DegradationStrength) by an amount drawn from Range, at most to 1: the
	// network then sees levels above the damage its input has and learns
	// not to smooth away what is not damage, so that an automatic level
	// that reads a photo's texture as noise costs it little, and a clean
	// and a noisy input differ in the output by little more than the
	// noise. It changes no LR. Needs another degradation.
	Overstate Degradation
}

// RealWorldDegrade is a moderate preset for camera photos: blur sigma
// 0.2..2 HR px (p 0.5), noise sigma 1..15 levels (p 0.5), JPEG quality
// 40..95 (p 0.5).
func RealWorldDegrade() DegradeOptions {
	return DegradeOptions{
		Blur:  Degradation{Prob: 0.5, Range: Range{0.2, 2}},
		Noise: Degradation{Prob: 0.5, Range: Range{1, 15}},
		JPEG:  Degradation{Prob: 0.5, Range: Range{40, 95}},
	}
}

// Enabled reports whether any degradation can be applied.
func (o DegradeOptions) Enabled() bool {
	return o.RealESRGAN || o.Blur.Prob > 0 || o.Noise.Prob > 0 || o.JPEG.Prob > 0
}

// Validate checks probabilities and ranges.
func (o DegradeOptions) Validate() error {
	check := func(name string, d Degradation, lo, hi float64) error {
		if d.Prob < 0 || d.Prob > 1 || math.IsNaN(d.Prob) {
			return fmt.Errorf("degradation %s: probability %g is not in [0,1]", name, d.Prob)
		}
		if d.Prob == 0 {
			return nil
		}
		if !(d.Range.Min >= lo && d.Range.Max <= hi && d.Range.Min <= d.Range.Max) {
			return fmt.Errorf("degradation %s: range %g-%g is not an interval within [%g,%g]", name, d.Range.Min, d.Range.Max, lo, hi)
		}
		return nil
	}
	if o.Deblock && o.JPEG.Prob == 0 {
		return fmt.Errorf("degradation deblock needs jpeg (it deblocks the JPEG-compressed inputs)")
	}
	if o.Prefilter && o.Noise.Prob == 0 && !o.Deblock {
		return fmt.Errorf("degradation prefilter needs noise or deblock (it filters the noisy and the deblocked inputs)")
	}
	if o.Overstate.Prob > 0 && !o.Enabled() {
		return fmt.Errorf("degradation overstate needs another degradation (it raises their strength as the denoise level)")
	}
	if err := check("overstate", o.Overstate, 0, 1); err != nil {
		return err
	}
	if o.RealESRGAN && (o.Blur.Prob > 0 || o.Noise.Prob > 0 || o.JPEG.Prob > 0) {
		return fmt.Errorf("degradation realesrgan stands alone: it has its own blur, noise and JPEG (got %s)", DegradeOptions{Blur: o.Blur, Noise: o.Noise, JPEG: o.JPEG})
	}
	if err := check("blur", o.Blur, 0, 50); err != nil {
		return err
	}
	if err := check("noise", o.Noise, 0, 255); err != nil {
		return err
	}
	return check("jpeg", o.JPEG, 1, 100)
}

// ParseDegrade parses a degradation spec as a command line gives it:
// "" or "none" for none, "realworld" for RealWorldDegrade, "realesrgan"
// for Real-ESRGAN's second-order model (DegradeOptions.RealESRGAN), or a
// comma-separated list of KIND=PROB@MIN-MAX with KIND blur (sigma, HR px),
// noise (sigma, 8-bit levels), jpeg (quality) or overstate (denoise level,
// DegradeOptions.Overstate), e.g.
// "blur=0.5@0.2-2,noise=0.5@1-15,jpeg=0.3@40-95", to which "deblock" adds
// DegradeOptions.Deblock and "prefilter" DegradeOptions.Prefilter.
func ParseDegrade(spec string) (DegradeOptions, error) {
	var o DegradeOptions
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "none":
		return o, nil
	case "realworld":
		return RealWorldDegrade(), nil
	case "realesrgan":
		return DegradeOptions{RealESRGAN: true}, nil
	}
	for _, item := range strings.Split(spec, ",") {
		switch strings.TrimSpace(item) {
		case "deblock":
			o.Deblock = true
			continue
		case "prefilter":
			o.Prefilter = true
			continue
		}
		kind, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		probS, rangeS, ok2 := strings.Cut(val, "@")
		minS, maxS, ok3 := strings.Cut(rangeS, "-")
		if !ok || !ok2 || !ok3 {
			if strings.TrimSpace(item) == "realesrgan" || strings.TrimSpace(item) == "realworld" {
				return o, fmt.Errorf("degradation %q stands alone: it cannot be combined with others", strings.TrimSpace(item))
			}
			return o, fmt.Errorf("degradation %q: want KIND=PROB@MIN-MAX, e.g. noise=0.5@1-15", item)
		}
		var d Degradation
		var err error
		if d.Prob, err = strconv.ParseFloat(probS, 64); err != nil {
			return o, fmt.Errorf("degradation %q: probability: %w", item, err)
		}
		if d.Range.Min, err = strconv.ParseFloat(minS, 64); err != nil {
			return o, fmt.Errorf("degradation %q: minimum: %w", item, err)
		}
		if d.Range.Max, err = strconv.ParseFloat(maxS, 64); err != nil {
			return o, fmt.Errorf("degradation %q: maximum: %w", item, err)
		}
		if d.Prob == 0 {
			// Off: its range means nothing, and String leaves it out.
			d = Degradation{}
		}
		switch kind {
		case "blur":
			o.Blur = d
		case "noise":
			o.Noise = d
		case "jpeg":
			o.JPEG = d
		case "overstate":
			o.Overstate = d
		default:
			return o, fmt.Errorf("degradation %q: unknown kind %q (blur, noise, jpeg, overstate)", item, kind)
		}
	}
	return o, o.Validate()
}

// String formats o in ParseDegrade's syntax.
func (o DegradeOptions) String() string {
	if !o.Enabled() {
		return "none"
	}
	if o.RealESRGAN {
		return "realesrgan"
	}
	var parts []string
	add := func(name string, d Degradation) {
		if d.Prob > 0 {
			parts = append(parts, fmt.Sprintf("%s=%g@%g-%g", name, d.Prob, d.Range.Min, d.Range.Max))
		}
	}
	add("blur", o.Blur)
	add("noise", o.Noise)
	add("jpeg", o.JPEG)
	add("overstate", o.Overstate)
	if o.Deblock {
		parts = append(parts, "deblock")
	}
	if o.Prefilter {
		parts = append(parts, "prefilter")
	}
	return strings.Join(parts, ",")
}

// MakeLR makes the lrW x lrH input of an HR image as training does: exactly
// the benchmark protocol Quantize(Resize(hr, lrW, lrH)) when no
// degradation is drawn, else with blur, noise and JPEG as DegradeOptions
// describes, drawn from rng. `srcascade eval --degrade` damages its
// inputs with it, seeded per image (DegradeRNG).
func (o DegradeOptions) MakeLR(hr *data.Image, lrW, lrH int, rng *rand.Rand) (*data.Image, error) {
	return o.makeLR(hr, lrW, lrH, rng)
}

// DegradeRNG is the random stream MakeLR draws from for an image named key
// (e.g. its path) under a seed: the same image gets the same damage
// whatever else is evaluated with it.
func DegradeRNG(seed int64, key string) *rand.Rand {
	h := uint64(14695981039346656037) // FNV-1a
	for i := range len(key) {
		h = (h ^ uint64(key[i])) * 1099511628211
	}
	return rand.New(rand.NewPCG(uint64(seed), splitmix64(h)))
}

// makeLR is MakeLR. For the simple model, every random draw is made
// whether or not the degradation applies, so the stream of draws does not
// depend on outcomes (and stays the one of the batches made before
// RealESRGAN existed: TestBatchesUnchanged).
func (o DegradeOptions) makeLR(hr *data.Image, lrW, lrH int, rng *rand.Rand) (*data.Image, error) {
	if o.RealESRGAN {
		return realESRGANLR(hr, lrW, lrH, rng)
	}
	blurOn, blurSigma := rng.Float64() < o.Blur.Prob, o.Blur.Range.draw(rng)
	noiseOn, noiseSigma := rng.Float64() < o.Noise.Prob, o.Noise.Range.draw(rng)
	jpegOn, quality := rng.Float64() < o.JPEG.Prob, o.JPEG.Range.draw(rng)

	src := hr
	if blurOn && blurSigma > 0 {
		src = gaussianBlur(hr, blurSigma)
	}
	lr := data.Resize(src, lrW, lrH)
	if noiseOn && noiseSigma > 0 {
		addGaussian(lr.Pix, float32(noiseSigma/255*2), rng)
	}
	lr = data.Quantize(lr)
	if jpegOn {
		var err error
		q := int(math.Round(quality))
		if lr, err = jpegRoundTrip(lr, q); err != nil {
			return nil, err
		}
		if o.Deblock {
			if lr, err = data.DeblockJPEG(lr, q); err != nil {
				return nil, err
			}
		}
	}
	if o.Prefilter {
		noise := 0.0
		if noiseOn {
			noise = noiseSigma
		}
		if sigma := data.PrefilterSigma(noise, jpegOn && o.Deblock); sigma > 0 {
			return data.DenoiseDCT(lr, sigma)
		}
	}
	return lr, nil
}

// StrengthScale is the RMS difference, in 8-bit levels, between a damaged
// LR and the clean protocol LR of the same HR at which DegradationStrength
// reaches 1. Measured on 128x128 crops of the held-out photos (x4, 96
// draws): --degrade realesrgan gives strengths 0.07-1.00, quartiles 0.30 /
// 0.40 / 0.56; realworld 0-0.67, quartiles 0.06 / 0.19 / 0.30.
const StrengthScale = 32.0

// DegradationStrength is how damaged lr is, in [0, 1]: the RMS difference
// of lr from clean, the benchmark protocol's LR of the same HR
// (Quantize(Resize(hr))), over all values, in 8-bit levels, divided by
// StrengthScale and capped at 1. It is 0 exactly when nothing was applied,
// and measures what the damage did to this image (blur on a flat region
// counts for nothing), the quantity a "how much to distrust the input"
// conditioning level stands for.
func DegradationStrength(lr, clean *data.Image) float64 {
	return min(1, data.RMSDistance(lr, clean)*255/StrengthScale)
}

// denoiseLevel is the level a model with a denoise control is given for an
// input of the given DegradationStrength: the strength, raised as
// Overstate draws from rng (no draw when Overstate is off).
func (o DegradeOptions) denoiseLevel(strength float64, rng *rand.Rand) float64 {
	if o.Overstate.Prob > 0 && rng.Float64() < o.Overstate.Prob {
		strength = min(1, strength+o.Overstate.Range.draw(rng))
	}
	return strength
}

// addGaussian adds N(0, sigma^2) noise to every value of pix.
func addGaussian(pix []float32, sigma float32, rng *rand.Rand) {
	for i := range pix {
		pix[i] += sigma * float32(rng.NormFloat64())
	}
}

// gaussianKernel is the normalised 1-D Gaussian of the given sigma, radius
// ceil(3 sigma).
func gaussianKernel(sigma float64) []float32 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	var sum float64
	w := make([]float64, len(k))
	for i := range w {
		x := float64(i - r)
		w[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += w[i]
	}
	for i := range k {
		k[i] = float32(w[i] / sum)
	}
	return k
}

// gaussianBlur blurs img separably with a Gaussian of the given sigma,
// symmetric boundary.
func gaussianBlur(img *data.Image, sigma float64) *data.Image {
	k := gaussianKernel(sigma)
	r := len(k) / 2
	W, H, C := img.W, img.H, img.C
	tmp := data.NewImage(W, H, C)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			for c := 0; c < C; c++ {
				var s float32
				for j, kv := range k {
					s += kv * img.Pix[(y*W+data.MirrorIndex(x+j-r, W))*C+c]
				}
				tmp.Pix[(y*W+x)*C+c] = s
			}
		}
	}
	out := data.NewImage(W, H, C)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			for c := 0; c < C; c++ {
				var s float32
				for j, kv := range k {
					s += kv * tmp.Pix[(data.MirrorIndex(y+j-r, H)*W+x)*C+c]
				}
				out.Pix[(y*W+x)*C+c] = s
			}
		}
	}
	return out
}

// jpegRoundTrip is the JPEG degradation: data.JPEGRoundTrip.
func jpegRoundTrip(img *data.Image, quality int) (*data.Image, error) {
	out, err := data.JPEGRoundTrip(img, quality)
	if err != nil {
		return nil, fmt.Errorf("JPEG degradation: %w", err)
	}
	return out, nil
}
