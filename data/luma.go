package data

// BT.601 luma of MATLAB's rgb2ycbcr, on the 0..255 scale:
//
//	Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255,  R, G, B in 0..255
//
// so Y runs over 16..235. The weights sum to 219.
const (
	lumaR = 65.481
	lumaG = 128.553
	lumaB = 24.966
)

// lumaPlane returns the luma of img, in 0..255 units and float64, over the
// region left after cutting shave pixels from every border, with its width
// and height. Grey images use their channel as R = G = B.
//
// The exported metrics keep the luma fractional (round=false), as BasicSR's
// calculate_psnr/ssim do; that reproduces the bench README's bicubic
// baseline, Set5 x4 28.4314 dB / 0.81127 (README: 28.43 / 0.811). MATLAB's
// rgb2ycbcr of a uint8 image rounds Y to integers (round=true): that gives
// 28.4189 / 0.81025 instead, near the older MATLAB tables' 28.42 / 0.8104.
// bench_test.go logs both.
func lumaPlane(img *Image, shave int, round bool) ([]float64, int, int) {
	w, h := img.W-2*shave, img.H-2*shave
	y := make([]float64, w*h)
	c := img.C
	for row := 0; row < h; row++ {
		src := img.Pix[((row+shave)*img.W+shave)*c:][:w*c]
		dst := y[row*w : (row+1)*w]
		for x := range dst {
			var l float64
			if c == 3 {
				l = lumaOf(level255(src[3*x]), level255(src[3*x+1]), level255(src[3*x+2]))
			} else {
				v := level255(src[x])
				l = lumaOf(v, v, v)
			}
			if round {
				l = roundLevel(l)
			}
			dst[x] = l
		}
	}
	return y, w, h
}

// level255 maps a [-1,1] value to the 0..255 scale.
func level255(v float32) float64 { return (float64(v) + 1) * 127.5 }

// lumaOf is the BT.601 luma (16..235) of R, G, B on the 0..255 scale.
func lumaOf(r, g, b float64) float64 { return 16 + (lumaR*r+lumaG*g+lumaB*b)/255 }

// roundLevel rounds a 0..255 value as MATLAB's uint8 conversion does.
func roundLevel(v float64) float64 {
	return float64(level8(float32(v/127.5 - 1)))
}
