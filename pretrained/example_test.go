//go:build !noemoji

package pretrained_test

import (
	"context"
	"fmt"
	"log"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/pretrained"
)

// The built-in models, and the one upscale uses per scale without -m.
func ExampleList() {
	for _, m := range pretrained.List() {
		fmt.Println(m.Name, m.Kind, m.Scales)
	}
	fmt.Println("x4 default:", pretrained.Default(4))
	// Output:
	// bicubic sr [2 3 4 8]
	// sr3-x4-real sr [4]
	// sr3-x4 sr [4]
	// sr3-x2 sr [2 4 8]
	// emoji-x2 sr [2 4 8]
	// emoji-base16 base []
	// x4 default: sr3-x4-real
}

// Generate runs a whole Cascaded Diffusion Model: the built-in base model
// samples a 16x16 emoji of a class from noise, and its cascade
// (emoji-x2+emoji-x2) enlarges it twice. Fewer base steps than the
// default (50) keep the example quick; the same seed gives the same image.
func Example_generate() {
	base, err := pretrained.OpenBase(pretrained.DefaultBase, "")
	if err != nil {
		log.Fatal(err)
	}
	sr, err := pretrained.Open(base.Cascade, "")
	if err != nil {
		log.Fatal(err)
	}
	gen := &cascade.Generator{Base: base.Model, Upscaler: sr, Size: base.Size}
	label := int32(0) // class base.Classes[0]
	small, big, err := gen.Generate(context.Background(), 1, []int32{label},
		cascade.GenerateOptions{Seed: 1, Steps: 10, SR: cascade.Options{Scale: 4}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(base.Classes[label], small[0], "->", big[0])
	// Output: Activities 16x16x3 -> 64x64x3
}
