package train

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

// tinyBaseConfig is a small class-conditional base network for 8x8 images.
func tinyBaseConfig(classes int) sr3.Config {
	c := sr3.DefaultBaseConfig(8, classes)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.ResBlocks = 1
	c.AttnLevels = []int{1}
	c.GroupNormGroups = 4
	c.Dropout = 0.1 // exercises the dropout RNG state across resumption
	c.Steps = 2
	return c
}

// flatClassesDir is a folder of two classes of flat colours, three images each.
func flatClassesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := range 3 {
		v := uint8(40 * i)
		writePNG(t, dir, "blue/"+string(rune('a'+i))+".png", flatRGBA(8, 8, color.RGBA{v, v, 220, 255}))
		writePNG(t, dir, "red/"+string(rune('a'+i))+".png", flatRGBA(8, 8, color.RGBA{220, v, v, 255}))
	}
	return dir
}

// baseOptions are a tiny base run's options.
func baseOptions(t *testing.T, out string, steps int) Options {
	t.Helper()
	o := tinyOptions(t, out, steps)
	o.Patch, o.Batch = 8, 4
	o.LabelDropout = 0.5
	o.ValSteps = 2
	o.Every = 2
	o.Classes = []string{"blue", "red"}
	return o
}

// baseSource is the labelled source of dir for a base run starting at step.
func baseSource(t *testing.T, dir string, start int) *LabelledSource {
	t.Helper()
	src, err := NewLabelledSource(context.Background(), LabelledOptions{Dir: dir, Size: 8, Batch: 4, Seed: 5, StartBatch: int64(start), Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestBaseResumeContinuesLikeUninterruptedRun(t *testing.T) {
	const total, cut = 5, 3
	data := flatClassesDir(t)
	cfg := tinyBaseConfig(2)
	run := func(opt Options, src Source) (map[int]float64, []string) {
		t.Helper()
		losses := map[int]float64{}
		var events []string
		err := Run(context.Background(), opt, cfg, src, nil, func(p Progress) {
			if p.Event == "step" {
				losses[p.Step] = p.Loss
				return
			}
			events = append(events, p.Event)
			if p.Event == "samples" && (math.IsNaN(p.Nearest) || p.Nearest < 0) {
				t.Errorf("step %d: sample distance %v", p.Step, p.Nearest)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return losses, events
	}
	dirA := filepath.Join(t.TempDir(), "a")
	full, events := run(baseOptions(t, dirA, total), baseSource(t, data, 0))
	if got, want := strings.Join(events, " "), "samples checkpoint samples checkpoint samples checkpoint done"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	dirB := filepath.Join(t.TempDir(), "b")
	first, _ := run(baseOptions(t, dirB, cut), baseSource(t, data, 0))
	opt := baseOptions(t, dirB, total)
	opt.Resume = true
	rest, _ := run(opt, baseSource(t, data, cut))
	for s := 1; s <= total; s++ {
		l, ok := first[s]
		if !ok {
			l, ok = rest[s]
		}
		if !ok || l != full[s] {
			t.Errorf("step %d: loss %v (reported %v) in the interrupted run, %v uninterrupted", s, l, ok, full[s])
		}
		if math.IsNaN(full[s]) || full[s] <= 0 {
			t.Errorf("step %d: loss %v", s, full[s])
		}
	}
	ma, err := sr3.Load(dirA, opt.Backend)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := sr3.Load(dirB, opt.Backend)
	if err != nil {
		t.Fatal(err)
	}
	wa, wb := ma.Weights(), mb.Weights()
	if len(wa) == 0 || len(wa) != len(wb) {
		t.Fatalf("%d vs %d weights", len(wa), len(wb))
	}
	for name, ta := range wa {
		a, b := flatF32(ta), flatF32(wb[name])
		if !slices.Equal(a, b) {
			t.Fatalf("EMA weight %s differs between the resumed and the uninterrupted run", name)
		}
	}
	if !ma.Config.Base || ma.Config.Classes != 2 {
		t.Errorf("saved config: base %v classes %d", ma.Config.Base, ma.Config.Classes)
	}

	// The checkpoint names the classes, keeps the sample distances (steps 2
	// and 3 of the first run, 4 and 5 of the resumed one) and has
	// a sample sheet: 3 rows (2 classes, no label) of BaseSheetCols.
	names, err := ReadClassNames(dirB)
	if err != nil || !slices.Equal(names, []string{"blue", "red"}) {
		t.Errorf("ReadClassNames: %v %v", names, err)
	}
	info, err := ReadCheckpoint(dirB)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.History.Nearest) != 4 || info.History.Nearest[3].Step != total || len(info.History.PSNR) != 0 {
		t.Errorf("history: nearest %v psnr %v", info.History.Nearest, info.History.PSNR)
	}
	raw, err := os.ReadFile(filepath.Join(dirB, SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	zoom := baseSheetPixels / 8
	if b := img.Bounds(); b.Dx() < BaseSheetCols*8*zoom || b.Dy() < 3*8*zoom || b.Dy() > 4*8*zoom+100 {
		t.Errorf("sample sheet is %v", b)
	}
	// Resuming on other classes is refused.
	opt.Steps, opt.Classes = total+2, []string{"blue", "green"}
	if err := Run(context.Background(), opt, cfg, baseSource(t, data, total), nil, nil); err == nil || !strings.Contains(err.Error(), "classes") {
		t.Errorf("resuming with other class names: %v", err)
	}
}

func TestBaseRunChecks(t *testing.T) {
	data := flatClassesDir(t)
	cfg := tinyBaseConfig(2)
	for _, tc := range []struct {
		name string
		edit func(o *Options, c *sr3.Config)
		val  []ValPair
		want string
	}{
		{"validation pairs", func(o *Options, c *sr3.Config) {}, []ValPair{{Name: "v"}}, "sample sheet"},
		{"class count", func(o *Options, c *sr3.Config) { c.Classes, o.Classes = 3, nil }, nil, "the training images have 2 classes"},
		{"name count", func(o *Options, c *sr3.Config) { c.Classes = 3 }, nil, "2 class names for a model of 3 classes"},
		{"class names", func(o *Options, c *sr3.Config) { o.Classes = []string{"red", "blue"} }, nil, "the run names [red, blue]"},
		{"names without classes", func(o *Options, c *sr3.Config) { c.Classes, c.Guidance = 0, 0 }, nil, "unconditional"},
		{"cond noise", func(o *Options, c *sr3.Config) { o.CondNoise = 0.1 }, nil, "cond_noise"},
		{"high noise", func(o *Options, c *sr3.Config) { o.HighNoise = 0.5 }, nil, "high_noise"},
	} {
		opt := baseOptions(t, filepath.Join(t.TempDir(), "out"), 2)
		c := cfg
		tc.edit(&opt, &c)
		err := Run(context.Background(), opt, c, baseSource(t, data, 0), tc.val, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	// Label dropout and class names are refused for an SR stage.
	opt := tinyOptions(t, filepath.Join(t.TempDir(), "sr"), 2)
	opt.LabelDropout = 0.1
	if err := Run(context.Background(), opt, tinyTrainConfig(), &fakeSource{batch: 2, patch: 16, scale: 2}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "label_dropout") {
		t.Errorf("label dropout on an SR stage: %v", err)
	}
	// A class-conditional model needs labelled batches.
	opt = baseOptions(t, filepath.Join(t.TempDir(), "nolabels"), 2)
	opt.Classes = nil
	err := Run(context.Background(), opt, cfg, &unlabelledSource{baseSource(t, data, 0)}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "0 labels") {
		t.Errorf("unlabelled batches for a conditional model: %v", err)
	}
}

// unlabelledSource drops the labels (and the class names) of a source.
type unlabelledSource struct{ src *LabelledSource }

func (s *unlabelledSource) Next(ctx context.Context) (*Batch, error) {
	b, err := s.src.Next(ctx)
	if b != nil {
		b.Labels = nil
	}
	return b, err
}
func (s *unlabelledSource) Index() int64 { return s.src.Index() }
func (s *unlabelledSource) Close() error { return s.src.Close() }

func TestBaseUnconditional(t *testing.T) {
	data := flatClassesDir(t)
	opt := baseOptions(t, filepath.Join(t.TempDir(), "out"), 2)
	opt.Classes = nil
	src, err := NewLabelledSource(context.Background(), LabelledOptions{Dir: filepath.Join(data, "red"), Size: 8, Batch: 4, Seed: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := Run(context.Background(), opt, tinyBaseConfig(0), src, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadClassNames(opt.Out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an unconditional model has class names: %v", err)
	}
	if _, err := os.Stat(filepath.Join(opt.Out, SamplesFile)); err != nil {
		t.Error(err)
	}
}
