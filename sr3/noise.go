package sr3

import "math/rand/v2"

// NoiseSource fills dst with standard normal noise for a given call index. The same source, call
// and len(dst) must give the same values every time, so sampling is reproducible for a seed
// whatever the order of calls. [Sample] uses call 0 for the starting noise and call i+1 for the noise
// of step i. The cascade implements one global noise field shared by overlapping tiles with it.
type NoiseSource interface {
	Fill(call int, dst []float32)
}

// NewGaussianNoise returns a deterministic [NoiseSource]: call c of seed s draws from its own PCG
// stream (math/rand/v2), seeded by a SplitMix64 hash of (s, c), through the ziggurat normal of
// math/rand/v2 (a few ns per value). Calls are independent of each other and of their order.
func NewGaussianNoise(seed int64) NoiseSource { return gaussianNoise{seed: uint64(seed)} }

type gaussianNoise struct{ seed uint64 }

// Fill implements [NoiseSource].
func (g gaussianNoise) Fill(call int, dst []float32) {
	h1 := splitMix64(g.seed ^ splitMix64(uint64(call)))
	h2 := splitMix64(h1 ^ 0x5851f42d4c957f2d)
	rng := rand.New(rand.NewPCG(h1, h2))
	for i := range dst {
		dst[i] = float32(rng.NormFloat64())
	}
}

// splitMix64 is the SplitMix64 finaliser, a bijective 64-bit mixer.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
