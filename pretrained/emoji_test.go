//go:build !noemoji

package pretrained

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// emojiClasses are the shipped base model's class names: the emoji
// categories of emoji.json, in the order of their folder slugs.
var emojiClasses = []string{"Activities", "Animals & Nature", "Flags", "Food & Drink", "Objects",
	"People & Body", "Smileys & Emotion", "Symbols", "Travel & Places"}

// TestBuiltinEmojiBase opens the shipped base model, checks its card
// against the weights, and checks that its samples are class-conditional
// emoji: smileys come out yellow (the colour of every smiley face), flags
// do not.
func TestBuiltinEmojiBase(t *testing.T) {
	b, err := OpenBase(DefaultBase, "go")
	if err != nil {
		t.Fatal(err)
	}
	m := b.Model
	if got := m.NumParams(); got != emojiBaseParams {
		t.Errorf("%s has %d parameters, its card says %d", DefaultBase, got, emojiBaseParams)
	}
	if !slices.Equal(b.Classes, emojiClasses) || b.Size != 16 || b.Cascade != "emoji-x2+emoji-x2" {
		t.Fatalf("%s: classes %q, size %d, cascade %q; want %q, 16, emoji-x2+emoji-x2", DefaultBase, b.Classes, b.Size, b.Cascade, emojiClasses)
	}
	smileys := int32(slices.Index(emojiClasses, "Smileys & Emotion"))
	flags := int32(slices.Index(emojiClasses, "Flags"))
	const n = 6
	labels := make([]int32, 2*n)
	for i := range labels {
		labels[i] = smileys
		if i >= n {
			labels[i] = flags
		}
	}
	gen := &cascade.Generator{Base: m, Size: b.Size}
	samples, _, err := gen.Generate(context.Background(), len(labels), labels, cascade.GenerateOptions{Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Yellowness: the mean of (R+G)/2 - B over the centre 8x8 of each
	// sample, in [-1,1] units (a smiley face's yellow is ~0.9, white 0).
	yellow := func(imgs []*data.Image) float64 {
		var s float64
		for _, img := range imgs {
			for y := 4; y < 12; y++ {
				for x := 4; x < 12; x++ {
					s += float64((img.At(x, y, 0)+img.At(x, y, 1))/2 - img.At(x, y, 2))
				}
			}
		}
		return s / float64(64*len(imgs))
	}
	ys, yf := yellow(samples[:n]), yellow(samples[n:])
	t.Logf("yellowness: smileys %.3f, flags %.3f", ys, yf)
	if ys < 0.3 || ys < yf+0.2 {
		t.Errorf("smiley samples are not yellow: %.3f (flags %.3f); want at least 0.3 and 0.2 above the flags", ys, yf)
	}
	// Roughness: the mean absolute difference of horizontally adjacent
	// pixels in [0,1] units. Emoji are flat fills with outlines (the
	// held-out test emoji at 16x16: 0.074; the shipped samples 0.090); the
	// samples of the step-500 network were coloured noise, 0.315, and
	// failed this (its smileys were already yellowish: 0.72 vs 0.14).
	rough := func(imgs []*data.Image) float64 {
		var s float64
		var k int
		for _, img := range imgs {
			for y := range img.H {
				for x := 1; x < img.W; x++ {
					for c := range img.C {
						s += math.Abs(float64(img.At(x, y, c)-img.At(x-1, y, c))) / 2
						k++
					}
				}
			}
		}
		return s / float64(k)
	}
	var truth []*data.Image
	files, _ := filepath.Glob("../testdata/emoji/*.png")
	for _, f := range files {
		d, err := data.DecodeFile(f, data.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		truth = append(truth, data.Quantize(data.Resize(d.Image, 16, 16)))
	}
	rs, rt := rough(samples), rough(truth)
	t.Logf("roughness: samples %.3f, held-out emoji %.3f", rs, rt)
	if rs > 2*rt {
		t.Errorf("samples are noisy: roughness %.3f, over twice that of real emoji (%.3f)", rs, rt)
	}
}

// TestBuiltinEmojiX2 checks the shipped emoji super-resolution stage on
// held-out emoji (testdata/emoji): its cascade x4 from 16x16, as generate
// runs it, beats bicubic clearly at conditioning level 0, and still beats
// it at level 0.1.
func TestBuiltinEmojiX2(t *testing.T) {
	up, err := Open("emoji-x2+emoji-x2", "go")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../testdata/emoji/*.png")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test emoji: %v", err)
	}
	for _, level := range []float64{0, 0.1} {
		var gain float64
		for _, f := range files {
			d, err := data.DecodeFile(f, data.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			hr := d.Image
			lr := data.Quantize(data.Resize(hr, 16, 16))
			sr, err := up.Upscale(context.Background(), lr, cascade.Options{Scale: 4, Seed: 1, CondNoise: &level, Generated: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			bic := data.PSNRRGB(hr, data.Quantize(data.Resize(lr, 64, 64)), 0)
			got := data.PSNRRGB(hr, data.Quantize(sr), 0)
			t.Logf("level %g %s: %.2f dB, bicubic %.2f dB", level, filepath.Base(f), got, bic)
			gain += (got - bic) / float64(len(files))
		}
		// At level 0 (generate's automatic level) the cascade is ~2.7 dB
		// over bicubic; at 0.1 the stage treats its input as noisy and
		// adds speckle, but stays above bicubic (0.4 dB).
		want := 1.0
		if level > 0 {
			want = 0
		}
		if gain < want {
			t.Errorf("level %g: emoji-x2 twice is %.2f dB over bicubic on the held-out emoji, want at least %g dB", level, gain, want)
		}
	}
}
