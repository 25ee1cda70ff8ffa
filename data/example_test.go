package data_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/srcascade/srcascade/data"
)

// Denoising a photo as upscale's automatic prefilter does: measure the
// noise, then filter it away with BM3D at that sigma.
func ExampleDenoiseBM3D() {
	in, err := data.DecodeFile("../testdata/sample.png", data.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	clean := in.Image
	noisy := clean.Clone()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noisy.Pix { // colour noise of sigma 8 levels ([-1,1] pixels)
		noisy.Pix[i] += float32(rng.NormFloat64() * 8 * 2 / 255)
	}
	sigma := data.AutoPrefilterSigma(noisy, false)
	out, err := data.DenoiseBM3D(noisy, sigma)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("noise read: %.0f levels\n", sigma)
	fmt.Printf("PSNR %.1f dB -> %.1f dB\n", data.PSNRRGB(clean, noisy, 0), data.PSNRRGB(clean, out, 0))
	// Output:
	// noise read: 8 levels
	// PSNR 30.0 dB -> 34.5 dB
}
