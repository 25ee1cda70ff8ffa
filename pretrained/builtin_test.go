package pretrained

import (
	"context"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// TestBuiltinSR3 opens each shipped SR3 model from the embedded files,
// checks its card against the weights, and checks that its default upscale
// of the README's sample photo beats bicubic (a sanity check that the
// shipped weights are the trained ones; the benchmark scores are in the
// model cards).
func TestBuiltinSR3(t *testing.T) {
	for _, c := range []struct {
		name   string
		scale  int
		params int
	}{
		{"sr3-x4", 4, sr3x4Params},
		{"sr3-x2", 2, sr3x2Params},
	} {
		t.Run(c.name, func(t *testing.T) {
			up, err := Open(c.name, "go")
			if err != nil {
				t.Fatal(err)
			}
			stage, ok := up.(*cascade.SR3Stage)
			if !ok {
				t.Fatalf("%s is a %T, want *cascade.SR3Stage", c.name, up)
			}
			if got := stage.Model().NumParams(); got != c.params {
				t.Errorf("%s has %d parameters, its card says %d", c.name, got, c.params)
			}
			var info Info
			for _, m := range List() {
				if m.Name == c.name {
					info = m
				}
			}
			if info.Size < 1<<20 {
				t.Errorf("%s card size %d bytes: the embedded weights are missing", c.name, info.Size)
			}

			// The README's sample photo as HR, downscaled by the benchmark protocol.
			d, err := data.DecodeFile("../testdata/sample.png", data.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			s := c.scale
			hr := data.ModCrop(d.Image, s)
			lr := data.Quantize(data.Resize(hr, hr.W/s, hr.H/s))
			sr, err := up.Upscale(context.Background(), lr, cascade.Options{Scale: s, Seed: 1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sr.W != hr.W || sr.H != hr.H {
				t.Fatalf("upscaled to %s, want %s", sr, hr)
			}
			bic := data.PSNRY(hr, data.Quantize(data.Resize(lr, hr.W, hr.H)), s)
			got := data.PSNRY(hr, data.Quantize(sr), s)
			t.Logf("sample.png: %s %.2f dB, bicubic %.2f dB", c.name, got, bic)
			if got < bic {
				t.Errorf("%s %.2f dB is below bicubic %.2f dB", c.name, got, bic)
			}
		})
	}
}
