package data

import "math"

// cubic is MATLAB imresize's bicubic kernel (Keys, a = -0.5):
//
//	(1.5|x|³ - 2.5|x|² + 1)            for |x| ≤ 1
//	(-0.5|x|³ + 2.5|x|² - 4|x| + 2)    for 1 < |x| ≤ 2
//	0                                  otherwise
//
// written with the same operations as MATLAB's cubic() so the float64 values
// agree bit for bit.
func cubic(x float64) float64 {
	ax := math.Abs(x)
	ax2 := ax * ax
	ax3 := ax2 * ax
	switch {
	case ax <= 1:
		return 1.5*ax3 - 2.5*ax2 + 1
	case ax <= 2:
		return -0.5*ax3 + 2.5*ax2 - 4*ax + 2
	}
	return 0
}

// cubicWidth is the support of cubic: it is non-zero on (-2, 2).
const cubicWidth = 4.0

// axisWeights is the weight table of one axis, in compressed-row form: output
// sample i is the sum over t in [off[i], off[i+1]) of w[t] * in[idx[t]].
type axisWeights struct {
	in, out int
	off     []int32   // len out+1
	idx     []int32   // input index of each tap, already mirrored into [0, in)
	w       []float32 // weight of each tap; the taps of one output sum to 1
}

// taps returns the input indices and weights of output sample i.
func (a *axisWeights) taps(i int) ([]int32, []float32) {
	lo, hi := a.off[i], a.off[i+1]
	return a.idx[lo:hi], a.w[lo:hi]
}

// maxTaps is the largest number of taps of any output sample.
func (a *axisWeights) maxTaps() int {
	m := 0
	for i := 0; i < a.out; i++ {
		m = max(m, int(a.off[i+1]-a.off[i]))
	}
	return m
}

// contributions builds the weight table for resizing an axis of inLen samples
// to outLen samples at the given scale, exactly as MATLAB's imresize
// contributions() does with antialiasing on:
//
//	if scale < 1: h(x) = scale*cubic(scale*x), kernel_width = 4/scale
//	u     = x/scale + 0.5*(1 - 1/scale)          (x = 1..outLen, 1-based)
//	left  = floor(u - kernel_width/2)
//	P     = ceil(kernel_width) + 2
//	ind   = left + (0..P-1)
//	w     = h(u - ind), normalised so each row sums to 1
//	ind   mirrored with aux = [1..in, in..1] (symmetric padding)
//
// MATLAB then drops the tap columns that are zero for every output; here the
// zero taps at each end of every row are dropped, which leaves the sums (and
// so the result) unchanged. Mirrored taps that land on the same input sample
// are kept separate, as MATLAB keeps them.
func contributions(inLen, outLen int, scale float64) *axisWeights {
	kernel := cubic
	width := cubicWidth
	if scale < 1 {
		kernel = func(x float64) float64 { return scale * cubic(scale*x) }
		width = cubicWidth / scale
	}
	p := int(math.Ceil(width)) + 2
	a := &axisWeights{
		in:  inLen,
		out: outLen,
		off: make([]int32, outLen+1),
		idx: make([]int32, 0, outLen*min(p, 8)),
		w:   make([]float32, 0, outLen*min(p, 8)),
	}
	row := make([]float64, p)
	period := 2 * inLen
	for i := 0; i < outLen; i++ {
		x := float64(i + 1)
		u := x/scale + 0.5*(1-1/scale)
		left := int(math.Floor(u - width/2))
		sum := 0.0
		for j := range row {
			row[j] = kernel(u - float64(left+j))
			sum += row[j]
		}
		first, last := 0, p-1
		for first < last && row[first] == 0 {
			first++
		}
		for last > first && row[last] == 0 {
			last--
		}
		for j := first; j <= last; j++ {
			// 1-based index left+j mirrored: aux(mod(ind-1, 2n) + 1).
			m := (left + j - 1) % period
			if m < 0 {
				m += period
			}
			if m >= inLen {
				m = period - 1 - m
			}
			a.idx = append(a.idx, int32(m))
			a.w = append(a.w, float32(row[j]/sum))
		}
		a.off[i+1] = int32(len(a.idx))
	}
	return a
}
