package data

// PSNRY is the PSNR (peak 255) on the luma Y = 16 + (65.481 R + 128.553 G +
// 24.966 B)/255 of two same-size images, shave pixels cut from every border.
// Grey images use their single channel as R=G=B.
func PSNRY(ref, img *Image, shave int) float64 { panic("TODO data.PSNRY") }

// SSIMY is SSIM (11x11 Gaussian window, sigma 1.5, K1=0.01, K2=0.03, L=255)
// on the same luma and shave as PSNRY.
func SSIMY(ref, img *Image, shave int) float64 { panic("TODO data.SSIMY") }

// PSNRRGB is the PSNR (peak 255) over all channels, shave pixels cut.
func PSNRRGB(ref, img *Image, shave int) float64 { panic("TODO data.PSNRRGB") }

// Consistency is SR3's consistency metric: the MSE, with images in [0,1],
// between bicubic-downscaled sr (by 1/scale) and lr.
func Consistency(sr, lr *Image, scale int) float64 { panic("TODO data.Consistency") }
