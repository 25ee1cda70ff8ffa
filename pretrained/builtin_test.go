package pretrained

import (
	"context"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// TestBuiltinSR3x4 opens the shipped x4 model from the embedded files,
// checks its card against the weights, and checks that its default
// (one-step) upscale of the README's sample photo beats bicubic (a sanity
// check that the shipped weights are the trained ones; the benchmark scores
// are in the model card).
func TestBuiltinSR3x4(t *testing.T) {
	up, err := Open("sr3-x4", "go")
	if err != nil {
		t.Fatal(err)
	}
	stage, ok := up.(*cascade.SR3Stage)
	if !ok {
		t.Fatalf("sr3-x4 is a %T, want *cascade.SR3Stage", up)
	}
	if got := stage.Model().NumParams(); got != sr3x4Params {
		t.Errorf("sr3-x4 has %d parameters, its card says %d", got, sr3x4Params)
	}
	var info Info
	for _, m := range List() {
		if m.Name == "sr3-x4" {
			info = m
		}
	}
	if info.Size < 1<<20 {
		t.Errorf("sr3-x4 card size %d bytes: the embedded weights are missing", info.Size)
	}

	// The README's sample photo as HR, downscaled by the benchmark protocol.
	d, err := data.DecodeFile("../testdata/sample.png", data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	hr := data.ModCrop(d.Image, 4)
	lr := data.Quantize(data.Resize(hr, hr.W/4, hr.H/4))
	sr, err := up.Upscale(context.Background(), lr, cascade.Options{Scale: 4, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sr.W != hr.W || sr.H != hr.H {
		t.Fatalf("upscaled to %s, want %s", sr, hr)
	}
	bic := data.PSNRY(hr, data.Quantize(data.Resize(lr, hr.W, hr.H)), 4)
	got := data.PSNRY(hr, data.Quantize(sr), 4)
	t.Logf("sample.png: sr3-x4 %.2f dB, bicubic %.2f dB", got, bic)
	if got < bic {
		t.Errorf("sr3-x4 %.2f dB is below bicubic %.2f dB", got, bic)
	}
}
