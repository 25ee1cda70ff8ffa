package cascade

import (
	"context"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestTTAOrientations: the orientations TTA uses mirror as they say (as
// is, left-right, top-bottom, both), each is its own inverse, and the
// channels of a pixel travel together.
func TestTTAOrientations(t *testing.T) {
	img := data.NewImage(3, 2, 1)
	copy(img.Pix, []float32{1, 2, 3, 4, 5, 6})
	want := [][]float32{{1, 2, 3, 4, 5, 6}, {3, 2, 1, 6, 5, 4}, {4, 5, 6, 1, 2, 3}, {6, 5, 4, 3, 2, 1}}
	for i, o := range ttaOrientations {
		m := data.Orient(img, o)
		if !slices.Equal(m.Pix, want[i]) {
			t.Errorf("orientation %d: %v, want %v", o, m.Pix, want[i])
		}
		if back := data.Orient(m, o); !slices.Equal(back.Pix, img.Pix) {
			t.Errorf("orientation %d twice: %v", o, back.Pix)
		}
	}
	rgb := smoothImage(5, 4)
	if m := data.Orient(rgb, ttaOrientations[1]); m.At(0, 1, 2) != rgb.At(4, 1, 2) || m.At(4, 3, 0) != rgb.At(0, 3, 0) {
		t.Error("mirror of an RGB image moves channels apart")
	}
}

// TestTTA: the self-ensemble is the mean of the stage's upscales of the
// four mirror images, each mirrored back (the same seed places the same
// noise on each), differs from one run, reports four runs of progress to
// the end, and bicubic reports it as unused.
func TestTTA(t *testing.T) {
	s := tinyStage(t, tinyConfig(2))
	img := smoothImage(20, 14)
	var runs []*data.Image
	for _, o := range ttaOrientations {
		sr := upscalePix(t, s, data.Orient(img, o), Options{})
		runs = append(runs, data.Orient(&data.Image{W: 40, H: 28, C: 3, Pix: sr}, o))
	}
	want := meanImage(runs)
	var last, total int
	opts := Options{Scale: 2, Seed: 1, Steps: 1, TTA: true}
	out, err := s.Upscale(context.Background(), img, opts, func(d, n int) { last, total = d, n })
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out.Pix {
		if d := v - want.Pix[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("TTA pixel %d = %g, the mean of the mirrored runs %g", i, v, want.Pix[i])
		}
	}
	if slices.Equal(out.Pix, runs[0].Pix) {
		t.Error("TTA equals a single run")
	}
	one := 0
	if _, err := s.Upscale(context.Background(), img, Options{Scale: 2, Seed: 1, Steps: 1}, func(d, n int) { one = n }); err != nil {
		t.Fatal(err)
	}
	if total != 4*one || last != total {
		t.Errorf("TTA progress ended at %d of %d, want %d of %d (four runs)", last, total, 4*one, 4*one)
	}
	if u := UnusedOptions(Bicubic{}, Options{Scale: 2, TTA: true}); !slices.Contains(u, "TTA") {
		t.Errorf("UnusedOptions(bicubic) = %v, want TTA named", u)
	}
	if u := UnusedOptions(s, Options{Scale: 2, TTA: true}); slices.Contains(u, "TTA") {
		t.Errorf("UnusedOptions(learned) = %v names TTA", u)
	}
}
