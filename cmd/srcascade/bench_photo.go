package main

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/srcascade/srcascade/data"
)

// syntheticPhoto returns a deterministic w x h RGB image that compresses
// and resamples like a photograph rather than like flat colour or pure
// noise: smooth colour gradients (sky, lighting), a few shaded discs with
// sharp edges, texture at two scales (value noise) and per-sample noise
// like a sensor's. Samples are 8-bit levels (v/127.5-1, as decoding an
// 8-bit file gives), so a PNG of it decodes to exactly the same image. The
// same size and seed give the same image.
func syntheticPhoto(w, h int, seed uint64) *data.Image {
	img := data.NewImage(w, h, 3)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	// Gradients: a per-channel function of x plus one of y.
	gx := make([][]float64, 3)
	gy := make([][]float64, 3)
	for c := range 3 {
		gx[c], gy[c] = make([]float64, w), make([]float64, h)
		a, ph := 25+30*rng.Float64(), 2*math.Pi*rng.Float64()
		for x := range w {
			gx[c][x] = 40 + a*math.Sin(ph+2.5*float64(x)/float64(w))
		}
		top, bottom := 60+120*rng.Float64(), 20+80*rng.Float64()
		for y := range h {
			t := float64(y) / float64(max(1, h-1))
			gy[c][y] = top + (bottom-top)*t*t
		}
	}

	// Discs: centre, radius, colour offset.
	type disc struct {
		cx, cy, r float64
		col       [3]float64
	}
	discs := make([]disc, 12)
	short := float64(min(w, h))
	for i := range discs {
		d := disc{cx: rng.Float64() * float64(w), cy: rng.Float64() * float64(h), r: short * (0.03 + 0.2*rng.Float64())}
		for c := range 3 {
			d.col[c] = 160*rng.Float64() - 80
		}
		discs[i] = d
	}

	// Value noise lattices: coarse (grain of about 1/40 of the short side)
	// and fine (about 5 pixels).
	coarse := newValueNoise(w, h, max(4, int(short/40)), rng)
	fine := newValueNoise(w, h, 5, rng)

	var levels [256]float32
	for v := range levels {
		levels[v] = float32(float64(v)/127.5 - 1)
	}
	row := func(y int) {
		noise := rand.New(rand.NewPCG(seed, uint64(y)+1))
		pix := img.Pix[y*w*3 : (y+1)*w*3]
		shade := make([]float64, 3*w) // disc colour offsets of this row
		fy := float64(y) + 0.5
		for _, d := range discs {
			dy := fy - d.cy
			if dy*dy >= d.r*d.r {
				continue
			}
			half := math.Sqrt(d.r*d.r - dy*dy)
			x0, x1 := max(0, int(math.Ceil(d.cx-half-0.5))), min(w, int(math.Floor(d.cx+half-0.5))+1)
			for x := x0; x < x1; x++ {
				dx := float64(x) + 0.5 - d.cx
				light := 1 - 0.6*(dx*dx+dy*dy)/(d.r*d.r) // brighter centre, sharp rim
				for c := range 3 {
					shade[3*x+c] = d.col[c] * light
				}
			}
		}
		for x := range w {
			t := 20*coarse.at(x, y) + 10*fine.at(x, y)
			r := noise.Uint64()
			for c := range 3 {
				// Triangular noise of about +-4 levels per sample.
				n := float64(int(r&0xff)+int(r>>8&0xff)-255) / 64
				r >>= 16
				v := gx[c][x] + gy[c][y] + shade[3*x+c] + t + n
				pix[3*x+c] = levels[int(math.Round(min(255, max(0, v))))]
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), h)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for y := i; y < h; y += workers {
				row(y)
			}
		})
	}
	wg.Wait()
	return img
}

// valueNoise is smooth random texture: random values on a lattice of cell
// pixels, interpolated with a smoothstep.
type valueNoise struct {
	cell, stride int
	v            []float64 // lattice values in [-1, 1]
}

func newValueNoise(w, h, cell int, rng *rand.Rand) *valueNoise {
	n := &valueNoise{cell: cell, stride: w/cell + 2}
	n.v = make([]float64, n.stride*(h/cell+2))
	for i := range n.v {
		n.v[i] = 2*rng.Float64() - 1
	}
	return n
}

// at is the texture at pixel (x, y), in [-1, 1].
func (n *valueNoise) at(x, y int) float64 {
	cx, cy := x/n.cell, y/n.cell
	fx := float64(x%n.cell) / float64(n.cell)
	fy := float64(y%n.cell) / float64(n.cell)
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	i := cy*n.stride + cx
	top := n.v[i] + (n.v[i+1]-n.v[i])*fx
	bottom := n.v[i+n.stride] + (n.v[i+n.stride+1]-n.v[i+n.stride])*fx
	return top + (bottom-top)*fy
}
