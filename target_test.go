package srcascade

import (
	"context"
	"errors"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// TestOpenTarget: Options.Target is the CLI's --outscale/--width/--height
// in the library: the output has the size asked, alpha and grey kept.
func TestOpenTarget(t *testing.T) {
	u, err := Open(Options{Model: "bicubic", Target: cascade.Target{Factor: 3.5}})
	if err != nil {
		t.Fatal(err)
	}
	if o := u.Options(); o.Scale != 0 || o.Target.Factor != 3.5 || o.Seed != DefaultSeed {
		t.Errorf("Options() = %+v, want no scale, target x3.5, the default seed", o)
	}
	d := &data.Decoded{Image: data.NewImage(10, 6, 1), Alpha: data.NewImage(10, 6, 1), Depth: 8, Format: "png"}
	out, err := u.Upscale(context.Background(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Image.W != 35 || out.Image.H != 21 || out.Image.C != 1 || out.Alpha == nil || out.Alpha.W != 35 || out.Alpha.H != 21 {
		t.Errorf("x3.5 of 10x6 grey with alpha: got %v alpha %v, want grey 35x21 with a 35x21 alpha", out.Image, out.Alpha)
	}

	w, err := Upscale(context.Background(), tiny(), Options{Model: "bicubic", Target: cascade.Target{Width: 20}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Image.W != 20 || w.Image.H != 15 {
		t.Errorf("width 20 of 4x3: got %dx%d, want 20x15 (the aspect ratio kept)", w.Image.W, w.Image.H)
	}
}

// TestOpenTargetRefused: a Target beside a Scale, or one that cannot be
// asked, is ErrTarget; an image whose size the models cannot make, or a
// call asking for another size, is refused before the model runs.
func TestOpenTargetRefused(t *testing.T) {
	for _, o := range []Options{
		{Model: "bicubic", Scale: 2, Target: cascade.Target{Factor: 3}},
		{Model: "bicubic", Target: cascade.Target{Factor: 0.5}},
		{Model: "bicubic", Target: cascade.Target{Factor: 2, Width: 100}},
	} {
		if _, err := Open(o); !errors.Is(err, ErrTarget) {
			t.Errorf("Open(%+v): error %v, want ErrTarget", o, err)
		}
	}
	u, err := Open(Options{Model: "sr3-x2", Target: cascade.Target{Width: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.CheckSize("a.png", 100, 50); err == nil || !contains(err.Error(), "a.png", "x2") {
		t.Errorf("100x50 to width 1000 with a x2 model: error %v, want one naming the file and the largest scale", err)
	}
	if err := u.CheckSize("a.png", 600, 300); err != nil {
		t.Errorf("600x300 to width 1000 with a x2 model: %v", err)
	}
	if _, err := u.UpscaleWith(context.Background(), tiny(), Options{Target: cascade.Target{Width: 900}}, nil); err == nil ||
		!contains(err.Error(), "w1000", "w900", "open another Upscaler") {
		t.Errorf("width 900 options on a width 1000 Upscaler: error %v, want one naming both sizes", err)
	}
	if m := u.Memory(600, 300); m < 16*1000*500 {
		t.Errorf("Memory(600x300 to 1000x500) = %d bytes, below the 1000x500 output's %d", m, 16*1000*500)
	}
}
