package srcascade_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/data"
)

// A whole program that embeds upscaling: decode a file, upscale it with
// the CLI's defaults (here with the bicubic model, which runs in
// milliseconds; leave Model empty for the best built-in model, sr3-x4-real at
// x4), and write it. Alpha, grey, 16-bit, ICC profile and EXIF carry over.
func Example() {
	in, err := data.DecodeFile("testdata/sample.png", data.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	out, err := srcascade.Upscale(context.Background(), in, srcascade.Options{Model: "bicubic"})
	if err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	if err := data.EncodeFile(filepath.Join(dir, "sample_x4.png"), out, data.EncodeOptions{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.Image.W, "->", out.Image.W)
	// Output: 128 -> 512
}

// UpscaleFile reads, upscales and writes a file in one call; the output's
// format follows its extension.
func ExampleUpscaleFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "sample_x2.jpg")
	err := srcascade.UpscaleFile(context.Background(), "testdata/sample.png", out, srcascade.Options{Model: "bicubic", Scale: 2})
	if err != nil {
		log.Fatal(err)
	}
	w, h, err := data.DecodeConfigFile(out)
	fmt.Println(w, h, err)
	// Output: 256 256 <nil>
}

// Open a model once and upscale many images with it: an Upscaler is safe
// for concurrent use (calls queue on the model), and opening compiles the
// network, so keep it. UpscaleWith changes the sampling per call.
func ExampleOpen() {
	up, err := srcascade.Open(srcascade.Options{Model: "bicubic", Scale: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(up.Options().Model, up.Options().Scale, up.Options().Seed)
	in, err := data.DecodeFile("testdata/sample.png", data.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	for _, seed := range []int64{1, 2} {
		out, err := up.UpscaleWith(context.Background(), in, srcascade.Options{Seed: seed}, func(done, total int) {})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(seed, out.Image.W, out.Image.H)
	}
	// Output:
	// bicubic 2 1
	// 1 256 256
	// 2 256 256
}

// The zero Options are the CLI's defaults: `srcascade upscale photo.png`.
func ExampleOptions_Resolved() {
	o := srcascade.Options{}.Resolved()
	fmt.Println(o.Model, o.Scale, o.Seed)
	// Output: sr3-x4-real 4 1
}

// A learned model: the built-in sr3-x2 with its one-step estimate on a
// 32x32 crop (the first call compiles the network, a few seconds on the
// pure-Go backend). Its pixels depend on the seed as the CLI's do.
func ExampleUpscaler_UpscaleWith() {
	up, err := srcascade.Open(srcascade.Options{Model: "sr3-x2", Scale: 2})
	if err != nil {
		log.Fatal(err)
	}
	in := &data.Decoded{Image: data.NewImage(32, 32, 3), Depth: 8, Format: "png"}
	out, err := up.UpscaleWith(context.Background(), in, srcascade.Options{Steps: 1}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(up.Cascade().Name(), out.Image)
	// Output: sr3-x2 64x64x3
}
