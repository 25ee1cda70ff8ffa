package cascade

import (
	"context"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestMirror: mirroring moves pixels where it says, and twice is the
// identity.
func TestMirror(t *testing.T) {
	img := data.NewImage(3, 2, 1)
	copy(img.Pix, []float32{1, 2, 3, 4, 5, 6})
	for _, c := range []struct {
		x, y bool
		want []float32
	}{
		{false, false, []float32{1, 2, 3, 4, 5, 6}},
		{true, false, []float32{3, 2, 1, 6, 5, 4}},
		{false, true, []float32{4, 5, 6, 1, 2, 3}},
		{true, true, []float32{6, 5, 4, 3, 2, 1}},
	} {
		m := mirror(img, c.x, c.y)
		if !slices.Equal(m.Pix, c.want) {
			t.Errorf("mirror x=%v y=%v: %v, want %v", c.x, c.y, m.Pix, c.want)
		}
		if back := mirror(m, c.x, c.y); !slices.Equal(back.Pix, img.Pix) {
			t.Errorf("mirror x=%v y=%v twice: %v", c.x, c.y, back.Pix)
		}
	}
	rgb := smoothImage(5, 4)
	if m := mirror(rgb, true, false); m.At(0, 1, 2) != rgb.At(4, 1, 2) || m.At(4, 3, 0) != rgb.At(0, 3, 0) {
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
	for _, f := range ttaFlips {
		o := upscalePix(t, s, mirror(img, f[0], f[1]), Options{})
		runs = append(runs, mirror(&data.Image{W: 40, H: 28, C: 3, Pix: o}, f[0], f[1]))
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
