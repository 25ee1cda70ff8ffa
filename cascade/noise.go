package cascade

import (
	"fmt"
	"math"

	"github.com/srcascade/srcascade/sr3"
)

// NoiseField is one global noise image per sampler call, unbounded in size
// and never stored: the value at (call, x, y, channel) is standard normal,
// computed from a hash of the seed and those four numbers (SplitMix64
// rounds, then Box-Muller), so any tile can be cut from it in any order
// and overlapping tiles see the same noise where they overlap. Values are
// independent across pixels, channels, calls and seeds as far as a 64-bit
// hash can tell.
type NoiseField struct{ key uint64 }

// NewNoiseField returns the noise field of a seed.
func NewNoiseField(seed int64) NoiseField {
	return NoiseField{key: splitMix64(uint64(seed) ^ 0x6a09e667f3bcc908)}
}

// derive returns an independent field for a sub-stream i (e.g. one pass of
// a chained upscale).
func (f NoiseField) derive(i int) NoiseField {
	return NoiseField{key: splitMix64(f.key ^ splitMix64(uint64(i)+0xbb67ae8584caa73b))}
}

// At returns the field's value at pixel (x, y), channel c, for sampler
// call (see sr3.NoiseSource). x and y must be below 2^31.
func (f NoiseField) At(call, x, y, c int) float32 {
	return gaussianAt(f.planeKey(call, c), x, y)
}

// planeKey is the hash key of one (call, channel) plane.
func (f NoiseField) planeKey(call, c int) uint64 {
	return splitMix64(f.key ^ splitMix64(uint64(call)<<8|uint64(c)))
}

// gaussianAt is the standard normal value of pixel (x, y) of a plane:
// Box-Muller's cosine branch on two 53-bit uniforms from chained hashes.
func gaussianAt(key uint64, x, y int) float32 {
	h1 := splitMix64(key ^ (uint64(uint32(y))<<32 | uint64(uint32(x))))
	h2 := splitMix64(h1)
	u1 := float64(h1>>11+1) * 0x1p-53 // (0, 1]
	u2 := float64(h2>>11) * 0x1p-53   // [0, 1)
	return float32(math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2))
}

// FillRect fills dst (r.H x r.W x channels, HWC) with the field's values
// over r at call.
func (f NoiseField) FillRect(call int, r Rect, channels int, dst []float32) {
	if len(dst) != r.W*r.H*channels {
		panic(fmt.Sprintf("cascade: NoiseField.FillRect: %d values for a %dx%dx%d rectangle", len(dst), r.W, r.H, channels))
	}
	for c := range channels {
		key := f.planeKey(call, c)
		for y := range r.H {
			row := dst[y*r.W*channels:]
			for x := range r.W {
				row[x*channels+c] = gaussianAt(key, r.X+x, r.Y+y)
			}
		}
	}
}

// Tiles returns the sr3.NoiseSource of a batch of tiles: call i fills the
// flat batch (the tiles one after the other, each r.H x r.W x channels)
// with the field's values over each tile at call i.
func (f NoiseField) Tiles(rects []Rect, channels int) sr3.NoiseSource {
	return tileNoise{field: f, rects: rects, c: channels}
}

type tileNoise struct {
	field NoiseField
	rects []Rect
	c     int
}

// Fill implements sr3.NoiseSource.
func (t tileNoise) Fill(call int, dst []float32) {
	off := 0
	for _, r := range t.rects {
		n := r.W * r.H * t.c
		if off+n > len(dst) {
			break
		}
		t.field.FillRect(call, r, t.c, dst[off:off+n])
		off += n
	}
	if off != len(dst) {
		panic(fmt.Sprintf("cascade: tile noise: a batch of %d values for tiles holding %d", len(dst), off))
	}
}

// splitMix64 is the SplitMix64 finaliser, a bijective 64-bit mixer.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
