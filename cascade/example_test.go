package cascade_test

import (
	"context"
	"fmt"
	"log"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// A cascade runs its stages in turn, each on the previous one's output:
// two x2 stages make x4. Here both are bicubic (instant); learned stages
// come from pretrained.Open ("sr3-x4+sr3-x2" opens the built-in x8
// cascade). UpscaleDecoded keeps alpha, grey, depth and metadata as the
// CLI does.
func ExamplePipeline() {
	p, err := cascade.NewPipeline(cascade.Bicubic{}, cascade.Bicubic{})
	if err != nil {
		log.Fatal(err)
	}
	in := &data.Decoded{Image: data.NewImage(24, 16, 3), Alpha: data.NewImage(24, 16, 1), Depth: 16, Format: "png"}
	out, err := cascade.UpscaleDecoded(context.Background(), p, in, cascade.Options{Scale: 4, Seed: 1}, func(done, total int) {})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name(), p.Scales(), out.Image, out.Alpha, out.Depth)
	// Output: bicubic+bicubic [4 6 8 9 12 16 24 32 64] 96x64x3 96x64x1 16
}
