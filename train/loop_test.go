package train

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/internal/atomicfile"
	"github.com/srcascade/srcascade/sr3"
)

var loopBackend = sync.OnceValues(func() (compute.Backend, error) { return sr3.NewBackend("go") })

// synthImage is a smooth random colour image (a few sinusoids), values in [-1,1].
func synthImage(rng *rand.Rand, w, h int) *data.Image {
	img := data.NewImage(w, h, 3)
	type wave struct{ fx, fy, ph, amp float64 }
	var waves [3][3]wave
	for c := range 3 {
		for k := range 3 {
			waves[c][k] = wave{rng.Float64() * 0.6, rng.Float64() * 0.6, rng.Float64() * 6.3, 0.3 * rng.Float64()}
		}
	}
	for y := range h {
		for x := range w {
			for c := range 3 {
				v := 0.0
				for _, wv := range waves[c] {
					v += wv.amp * math.Sin(wv.fx*float64(x)+wv.fy*float64(y)+wv.ph)
				}
				img.Set(x, y, c, float32(max(-1, min(1, v))))
			}
		}
	}
	return img
}

// fakeSource makes batch i from (seed, i) alone, like the real pipeline.
type fakeSource struct {
	batch, patch, scale int
	seed                int64
	next                int64
}

func (s *fakeSource) Next(ctx context.Context) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(s.seed), uint64(s.next)))
	s.next++
	l := s.patch / s.scale
	b := &Batch{N: s.batch, HRSize: s.patch, LRSize: l, C: 3}
	for range s.batch {
		hr := synthImage(rng, s.patch, s.patch)
		lr := data.Quantize(data.Resize(hr, l, l))
		b.HR = append(b.HR, hr.Pix...)
		b.LR = append(b.LR, lr.Pix...)
	}
	return b, nil
}

func (s *fakeSource) Index() int64 { return s.next }
func (s *fakeSource) Close() error { return nil }

func tinyTrainConfig() sr3.Config {
	c := sr3.DefaultConfig(2)
	c.BaseChannels = 8
	c.ChannelMults = []int{1, 2}
	c.AttnLevels = []int{1}
	c.GroupNormGroups = 4
	c.Dropout = 0.1 // exercises the dropout RNG state across resumption
	return c
}

func tinyOptions(t *testing.T, out string, steps int) Options {
	t.Helper()
	b, err := loopBackend()
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Steps, o.Batch, o.Patch = steps, 2, 16
	o.Warmup, o.Every, o.LR = 3, 0, 1e-3
	o.Out, o.Seed, o.Backend = out, 5, b
	return o
}

// losses runs Run and returns the loss of each step by step number.
func runLosses(t *testing.T, ctx context.Context, opt Options, src Source, val []ValPair) (map[int]float64, error) {
	t.Helper()
	got := map[int]float64{}
	err := Run(ctx, opt, tinyTrainConfig(), src, val, func(p Progress) {
		if p.Event == "step" {
			got[p.Step] = p.Loss
		}
	})
	return got, err
}

func TestResumeContinuesLikeUninterruptedRun(t *testing.T) {
	const total, cut = 6, 3
	dirA := filepath.Join(t.TempDir(), "a")
	full, err := runLosses(t, context.Background(), tinyOptions(t, dirA, total), &fakeSource{batch: 2, patch: 16, scale: 2, seed: 9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dirB := filepath.Join(t.TempDir(), "b")
	first, err := runLosses(t, context.Background(), tinyOptions(t, dirB, cut), &fakeSource{batch: 2, patch: 16, scale: 2, seed: 9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ReadCheckpoint(dirB)
	if err != nil {
		t.Fatal(err)
	}
	if info.Step != cut {
		t.Fatalf("checkpoint at step %d, want %d", info.Step, cut)
	}
	opt := tinyOptions(t, dirB, total)
	opt.Resume = true
	// A source that does not start at the checkpoint's step is refused.
	if _, err := runLosses(t, context.Background(), opt, &fakeSource{batch: 2, patch: 16, scale: 2, seed: 9}, nil); err == nil ||
		!strings.Contains(err.Error(), "starts at batch 0") {
		t.Fatalf("mismatched source start: %v", err)
	}
	rest, err := runLosses(t, context.Background(), opt, &fakeSource{batch: 2, patch: 16, scale: 2, seed: 9, next: int64(info.Step)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for s := 1; s <= total; s++ {
		l, ok := first[s]
		if !ok {
			l, ok = rest[s]
		}
		if !ok {
			t.Fatalf("no loss reported for step %d (first %v, rest %v)", s, first, rest)
		}
		if l != full[s] {
			t.Errorf("step %d: loss %v in the interrupted run, %v uninterrupted", s, l, full[s])
		}
	}
	if _, ok := rest[cut]; ok {
		t.Error("the resumed run repeated the checkpoint's step")
	}
	// The final EMA weights are identical, and load for inference.
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
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("EMA weight %s[%d]: %v vs %v", name, i, a[i], b[i])
			}
		}
	}
	info, _ = ReadCheckpoint(dirB)
	if info.Step != total || len(info.History.Loss) != total {
		t.Errorf("resumed checkpoint: step %d with %d loss points, want %d and %d", info.Step, len(info.History.Loss), total, total)
	}
}

func TestCancelWritesCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := Run(ctx, tinyOptions(t, dir, 50), tinyTrainConfig(), &fakeSource{batch: 2, patch: 16, scale: 2, seed: 1}, nil,
		func(p Progress) {
			if p.Event == "step" && p.Step == 2 {
				cancel()
			}
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v, want context.Canceled", err)
	}
	info, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Step != 2 {
		t.Errorf("checkpoint at step %d, want 2", info.Step)
	}
	if _, err := sr3.Load(dir, tinyOptions(t, dir, 1).Backend); err != nil {
		t.Errorf("the checkpoint does not load for inference: %v", err)
	}
	// A fresh run refuses to overwrite it.
	if err := Run(context.Background(), tinyOptions(t, dir, 5), tinyTrainConfig(), &fakeSource{batch: 2, patch: 16, scale: 2}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "already holds a training checkpoint") {
		t.Errorf("overwriting a checkpoint: %v", err)
	}
	// Resuming with another config is refused.
	opt := tinyOptions(t, dir, 5)
	opt.Resume = true
	cfg := tinyTrainConfig()
	cfg.BaseChannels = 16
	if err := Run(context.Background(), opt, cfg, &fakeSource{batch: 2, patch: 16, scale: 2, next: 2}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "config differs") {
		t.Errorf("resuming with another config: %v", err)
	}
}

func TestCheckpointWriteFailureLeavesNoPartialFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	opt := tinyOptions(t, dir, 4)
	opt.Every = 2
	saves := 0
	saveHook = func(file string) error {
		if file == sr3.WeightsFile {
			saves++
			if saves == 2 {
				return errors.New("disk full (simulated)")
			}
		}
		return nil
	}
	defer func() { saveHook = nil }()
	err := Run(context.Background(), opt, tinyTrainConfig(), &fakeSource{batch: 2, patch: 16, scale: 2, seed: 3}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run with a failing checkpoint write: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) || strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	// The state file was written at step 4 before the failure; the
	// inference files are still step 2's, whole and loadable.
	info, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Step != 4 {
		t.Errorf("state step %d, want 4", info.Step)
	}
	if _, meta, err := sr3.LoadTensors(filepath.Join(dir, sr3.WeightsFile)); err != nil || meta["step"] != "2" {
		t.Errorf("inference weights: step %q, err %v; want step 2's intact file", meta["step"], err)
	}
	if _, err := sr3.Load(dir, opt.Backend); err != nil {
		t.Errorf("inference files do not load: %v", err)
	}
}

func TestRunValidatesAndPlots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	rng := rand.New(rand.NewPCG(1, 2))
	var val []ValPair
	for i := range 2 {
		hr := data.Quantize(synthImage(rng, 20+4*i, 16))
		val = append(val, ValPair{Name: "v", HR: hr, LR: data.Quantize(data.Resize(hr, hr.W/2, hr.H/2))})
	}
	opt := tinyOptions(t, dir, 4)
	opt.Every = 2
	var events []string
	var last Progress
	err := Run(context.Background(), opt, tinyTrainConfig(), &fakeSource{batch: 2, patch: 16, scale: 2, seed: 3}, val, func(p Progress) {
		if p.Event != "step" {
			events = append(events, p.Event)
		}
		last = p
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "validation checkpoint validation checkpoint done"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	if math.IsNaN(last.ValPSNR) || last.ValPSNR < 10 || math.IsNaN(last.BicubicPSNR) || last.BicubicPSNR < 20 {
		t.Errorf("validation PSNR %v, bicubic %v", last.ValPSNR, last.BicubicPSNR)
	}
	info, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.History.PSNR) != 2 || info.History.Bicubic != last.BicubicPSNR || info.Params == 0 {
		t.Errorf("history %+v, params %d", info.History, info.Params)
	}
	raw, err := os.ReadFile(filepath.Join(dir, CurveFile))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != plotW || b.Dy() != plotH {
		t.Errorf("curve is %v", b)
	}
}

func TestPlotCurveDrawsBothSeries(t *testing.T) {
	h := History{Bicubic: 30}
	for s := 1; s <= 100; s++ {
		h.Loss = append(h.Loss, Point{s, 1 / float64(s)})
	}
	h.PSNR = []Point{{25, 29}, {50, 30.5}, {100, 31}}
	raw, err := plotCurve(h, "test")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var lossPx, psnrPx int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			switch {
			case r>>8 == 31 && g>>8 == 100 && bb>>8 == 200:
				lossPx++
			case r>>8 == 210 && g>>8 == 60 && bb>>8 == 40:
				psnrPx++
			}
		}
	}
	if lossPx < 300 || psnrPx < 300 {
		t.Errorf("curve has %d loss and %d PSNR pixels; want both drawn", lossPx, psnrPx)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Steps, o.LR, o.EMADecay, o.Out, o.HighNoise = 0, -1, 1, "", 1.5
	err := o.Validate()
	for _, want := range []string{"steps 0", "lr -1", "ema_decay 1", "checkpoint folder", "high_noise 1.5"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	o = DefaultOptions()
	o.Warmup = 4
	if o.learningRate(0) != o.LR/4 || o.learningRate(3) != o.LR || o.learningRate(100) != o.LR {
		t.Error("warm-up is not linear to the peak")
	}
	o.Steps, o.Warmup, o.DecayFrom = 100, 0, 60
	for _, c := range []struct {
		step int
		want float64
	}{{0, o.LR}, {59, o.LR}, {60, o.LR}, {70, o.LR * (2 + math.Sqrt(2)) / 4}, {80, o.LR / 2}, {90, o.LR * (2 - math.Sqrt(2)) / 4}, {99, o.LR * (1 - math.Cos(math.Pi/40)) / 2}} {
		if got := o.learningRate(c.step); math.Abs(got-c.want) > 1e-12*o.LR {
			t.Errorf("cosine decay from 60 to 100: step %d has rate %g, want %g", c.step, got, c.want)
		}
	}
	o.DecayFrom = 100
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "decay_from 100") {
		t.Errorf("a decay starting at the last step: %v", err)
	}
	o = DefaultOptions()
	if o.emaDecay(0) != 0 || o.emaDecay(1_000_000) != o.EMADecay {
		t.Errorf("EMA decay ramp: %v at 0, %v late", o.emaDecay(0), o.emaDecay(1_000_000))
	}
}

func TestRunHighNoise(t *testing.T) {
	// The same batches and seed, SR3's levels against only the noisiest
	// tenth: the draws differ, so the losses do once the first update has
	// made the output depend on x_t (an x0 network's first loss is the
	// target's mean square whatever the level), and the checkpoint records
	// the share.
	var losses [2]map[int]float64
	for i, share := range []float64{0, 1} {
		opt := tinyOptions(t, filepath.Join(t.TempDir(), "out"), 2)
		opt.HighNoise = share
		got, err := runLosses(t, context.Background(), opt, &fakeSource{batch: 2, patch: 16, scale: 2, seed: 9}, nil)
		if err != nil {
			t.Fatal(err)
		}
		losses[i] = got
		info, err := ReadCheckpoint(opt.Out)
		if err != nil {
			t.Fatal(err)
		}
		if info.Options.HighNoise != share {
			t.Errorf("checkpoint records high_noise %g, want %g", info.Options.HighNoise, share)
		}
	}
	if losses[0][1] != losses[1][1] || losses[0][2] == losses[1][2] {
		t.Errorf("losses %v without high_noise, %v with: want step 1 equal, step 2 different", losses[0], losses[1])
	}
}

func TestSampleGammaHighNoise(t *testing.T) {
	s, err := sr3.NewSchedule("linear", 1000)
	if err != nil {
		t.Fatal(err)
	}
	// Share 0 draws what SampleGamma draws, from the same random numbers.
	a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		if g, h := s.SampleGamma(a), sampleGamma(s, 0, b); g != h {
			t.Fatalf("share 0 drew %v, SampleGamma %v", h, g)
		}
	}
	// Share 1 draws only from the noisiest tenth; share 0.5 about half
	// there, plus SR3's own tenth of the other half.
	top := s.AlphaBar(899)
	for _, c := range []struct{ share, want float64 }{{1, 1}, {0.5, 0.55}, {0, 0.1}} {
		rng := rand.New(rand.NewPCG(7, 8))
		const N = 20000
		n := 0
		for range N {
			if sampleGamma(s, c.share, rng) <= top {
				n++
			}
		}
		if p := float64(n) / N; math.Abs(p-c.want) > 0.015 {
			t.Errorf("share %g: %.3f of the levels in the noisiest tenth, want %.2f", c.share, p, c.want)
		}
	}
}

func flatF32(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

// condNoiseSource adds CDM conditioning noise to a fakeSource's batches.
type condNoiseSource struct {
	fakeSource
	level float32
}

func (s *condNoiseSource) Next(ctx context.Context) (*Batch, error) {
	b, err := s.fakeSource.Next(ctx)
	if err != nil {
		return nil, err
	}
	b.CondNoise = make([]float32, b.N)
	for i := range b.CondNoise {
		b.CondNoise[i] = s.level * float32(i%2)
	}
	return b, nil
}

func TestRunCondAug(t *testing.T) {
	cfg := tinyTrainConfig()
	cfg.CondAug = true
	opt := tinyOptions(t, t.TempDir(), 4)
	opt.CondNoise = 0.2
	src := &condNoiseSource{fakeSource: fakeSource{batch: 2, patch: 16, scale: 2, seed: 1}, level: 0.2}
	steps := 0
	if err := Run(context.Background(), opt, cfg, src, nil, func(p Progress) {
		if p.Event == "step" {
			steps++
			if math.IsNaN(p.Loss) || p.Loss <= 0 {
				t.Errorf("step %d: loss %g", p.Step, p.Loss)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if steps != 4 {
		t.Fatalf("%d steps, want 4", steps)
	}
	info, err := ReadCheckpoint(opt.Out)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Config.CondAug || info.Options.CondNoise != 0.2 {
		t.Fatalf("checkpoint lost the augmentation settings: cond_aug %v, cond_noise %g", info.Config.CondAug, info.Options.CondNoise)
	}

	// The same noisy batches for a network without the level are refused.
	plain := tinyOptions(t, t.TempDir(), 2)
	src2 := &condNoiseSource{fakeSource: fakeSource{batch: 2, patch: 16, scale: 2, seed: 1}, level: 0.2}
	err = Run(context.Background(), plain, tinyTrainConfig(), src2, nil, func(Progress) {})
	if err == nil || !strings.Contains(err.Error(), "cond_aug") {
		t.Fatalf("noisy batches on a plain config: %v", err)
	}
}
