package train

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/srcascade/srcascade/data"
)

// batchRNG is the random stream of batch index i for a seed: batches are
// independent of one another and of which worker makes them.
func batchRNG(seed, i int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), splitmix64(uint64(i))))
}

// splitmix64 scrambles a counter into a well-spread 64-bit value.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Batch makes batch number i of the stream: Batch items, each an image
// drawn with probability proportional to its area, a random crop (aligned
// to Scale for pairs), a random allowed symmetry applied alike to HR and LR,
// LR made by the exact protocol plus degradations when not given, and
// conditioning noise when on. It depends only on the dataset, the options
// and (Seed, i), and is safe for concurrent use.
func (d *Dataset) Batch(i int64) (*Batch, error) {
	o := d.opt
	P, s := o.Patch, o.Scale
	L := P / s
	b := &Batch{
		N: o.Batch, HRSize: P, LRSize: L, C: 3,
		HR: make([]float32, o.Batch*P*P*3),
		LR: make([]float32, o.Batch*L*L*3),
	}
	if o.CondNoiseMax > 0 {
		b.CondNoise = make([]float32, o.Batch)
	}
	if o.Degrade.Enabled() && o.LRDir == "" {
		b.Degradation = make([]float32, o.Batch)
	}
	rng := batchRNG(o.Seed, i)
	total := d.cum[len(d.cum)-1]
	for k := 0; k < o.Batch; k++ {
		r := rng.Int64N(total)
		idx := sort.Search(len(d.cum), func(j int) bool { return d.cum[j] > r })
		it := &d.items[idx]
		var x0, y0 int
		if it.lr != nil {
			x0 = s * rng.IntN((it.hr.W-P)/s+1)
			y0 = s * rng.IntN((it.hr.H-P)/s+1)
		} else {
			x0 = rng.IntN(it.hr.W - P + 1)
			y0 = rng.IntN(it.hr.H - P + 1)
		}
		t := d.syms[rng.IntN(len(d.syms))]

		hr := b.HR[k*P*P*3 : (k+1)*P*P*3]
		lr := b.LR[k*L*L*3 : (k+1)*L*L*3]
		it.hr.cropFloat(hr, x0, y0, P, t)
		if it.lr != nil {
			it.lr.cropFloat(lr, x0/s, y0/s, L, t)
		} else {
			// The LR is made from the transformed HR crop, so that
			// LR = Quantize(Resize(HR)) holds for the batch exactly.
			hrImg := &data.Image{W: P, H: P, C: 3, Pix: hr}
			img, err := o.Degrade.makeLR(hrImg, L, L, rng)
			if err != nil {
				return nil, fmt.Errorf("batch %d: LR of a crop of %s: %w", i, it.name, err)
			}
			if img.W != L || img.H != L || img.C != 3 {
				return nil, fmt.Errorf("batch %d: LR of a crop of %s is %s, want %dx%dx3", i, it.name, img, L, L)
			}
			copy(lr, img.Pix)
			if b.Degradation != nil {
				// Measured before the conditioning noise, which is not damage.
				strength := DegradationStrength(img, data.Quantize(data.Resize(hrImg, L, L)))
				b.Degradation[k] = float32(o.Degrade.denoiseLevel(strength, rng))
			}
		}
		if b.CondNoise != nil && rng.IntN(2) == 1 {
			// Half the inputs stay clean: a stage that only ever saw
			// noisy inputs learns to strip "noise" from clean ones
			// (measured: x2 trained on noisy inputs only fell 0.38 dB
			// below bicubic on clean Set5).
			level := float32(o.CondNoiseMax * rng.Float64())
			b.CondNoise[k] = level
			addGaussian(lr, level, rng)
		}
	}
	return b, nil
}
