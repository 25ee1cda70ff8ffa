// Package srcascade is the one call a Go program needs to upscale an image
// the way the srcascade command does: Upscale (or Open once, then
// Upscaler.Upscale per image) takes a decoded file (data.Decoded: colour,
// alpha, grey or RGB, 8 or 16 bits, ICC profile and EXIF) and returns it
// enlarged with all of that kept, using the same defaults as
// `srcascade upscale` (Options' zero value: x4, the best built-in model
// for the scale, seed 1). The CLI and `srcascade serve` call this package,
// so a library caller gets the CLI's pixels.
//
// The packages below it hold the parts: data (decode, encode, resize),
// cascade (stages, pipelines, tiling, generation), sr3 (the network and
// samplers), pretrained (the built-in models) and serve (the web app and
// HTTP API).
package srcascade
