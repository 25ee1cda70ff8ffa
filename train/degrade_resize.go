package train

import (
	"math"

	"github.com/srcascade/srcascade/data"
)

// Resize modes of Real-ESRGAN's random resize (PyTorch F.interpolate).
const (
	resizeArea = iota
	resizeBilinear
	resizeBicubic
)

// resizeModes names the modes, for messages and tests.
var resizeModes = []string{"area", "bilinear", "bicubic"}

// axisTaps are, for every output sample of an axis, its input indices and
// weights.
type axisTaps struct {
	idx [][]int
	w   [][]float64
}

// interpTaps builds the taps of resizing an axis of n samples to m with
// mode, as F.interpolate does with align_corners=False and without
// antialiasing: area is adaptive average pooling (each output averages the
// inputs in [floor(i n/m), ceil((i+1) n/m))); bilinear and bicubic sample
// at src = (i + 0.5) n/m - 0.5 (bilinear clamps src at 0), bicubic with
// Keys' kernel a = -0.75, indices clamped to the edge.
func interpTaps(n, m, mode int) axisTaps {
	t := axisTaps{idx: make([][]int, m), w: make([][]float64, m)}
	ratio := float64(n) / float64(m)
	for i := range m {
		switch mode {
		case resizeArea:
			lo := int(math.Floor(float64(i) * ratio))
			hi := int(math.Ceil(float64(i+1) * ratio))
			hi = min(max(hi, lo+1), n)
			for k := lo; k < hi; k++ {
				t.idx[i] = append(t.idx[i], k)
				t.w[i] = append(t.w[i], 1/float64(hi-lo))
			}
		case resizeBilinear:
			src := max((float64(i)+0.5)*ratio-0.5, 0)
			i0 := int(math.Floor(src))
			l := src - float64(i0)
			t.idx[i] = []int{min(i0, n-1), min(i0+1, n-1)}
			t.w[i] = []float64{1 - l, l}
		default:
			src := (float64(i)+0.5)*ratio - 0.5
			i0 := int(math.Floor(src))
			l := src - float64(i0)
			for k := -1; k <= 2; k++ {
				t.idx[i] = append(t.idx[i], min(max(i0+k, 0), n-1))
				t.w[i] = append(t.w[i], keys(l-float64(k), -0.75))
			}
		}
	}
	return t
}

// keys is Keys' cubic convolution kernel with parameter a.
func keys(x, a float64) float64 {
	x = math.Abs(x)
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}

// interpResize resizes img to w x h with a Real-ESRGAN resize mode,
// separably (horizontal then vertical).
func interpResize(img *data.Image, w, h, mode int) *data.Image {
	C := img.C
	tx, ty := interpTaps(img.W, w, mode), interpTaps(img.H, h, mode)
	tmp := make([]float64, img.H*w*C)
	for y := range img.H {
		row := img.Pix[y*img.W*C:]
		for x := range w {
			for k, i := range tx.idx[x] {
				wt := tx.w[x][k]
				for c := range C {
					tmp[(y*w+x)*C+c] += wt * float64(row[i*C+c])
				}
			}
		}
	}
	out := data.NewImage(w, h, C)
	for y := range h {
		for k, j := range ty.idx[y] {
			wt := ty.w[y][k]
			src := tmp[j*w*C : (j+1)*w*C]
			dst := out.Pix[y*w*C : (y+1)*w*C]
			for q, v := range src {
				dst[q] += float32(wt * v)
			}
		}
	}
	return out
}
