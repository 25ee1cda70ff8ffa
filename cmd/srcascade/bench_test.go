package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// defaultBenchTrain is bench train's options for `bench train`, changed by mod.
func defaultBenchTrain(mod func(o *benchTrainOptions)) *benchTrainOptions {
	o := &benchTrainOptions{Config: sr3.DefaultConfig(4), Train: train.DefaultOptions(), Skip: 1}
	o.Train.Steps = defaultBenchTrainSteps
	if mod != nil {
		mod(o)
	}
	return o
}

func TestParseBench(t *testing.T) {
	// Without -m the model is the default for the scale (sr3-x4 at x4).
	upModel := modelOptions{Model: "sr3-x4-real", Scale: 4, Seed: 1}
	bicubic := modelOptions{Model: "bicubic", Scale: 4, Seed: 1}
	tests := []struct {
		line string
		want command
	}{
		{"bench io", &benchIOOptions{W: 4000, H: 3000, Repeat: 3}},
		{"bench io --size 256x192 --repeat 1", &benchIOOptions{W: 256, H: 192, Repeat: 1}},
		{"bench io --size 64", &benchIOOptions{W: 64, H: 64, Repeat: 3}},
		{"bench io photo.jpg --json -q", &benchIOOptions{Image: "photo.jpg", W: 4000, H: 3000, Repeat: 3, JSON: true, Quiet: true}},
		{"bench io --repeat=5 photo.jpg", &benchIOOptions{Image: "photo.jpg", W: 4000, H: 3000, Repeat: 5}},
		{"bench upscale", &benchUpscaleOptions{W: 256, H: 256, Repeat: 3, Model: upModel}},
		{"bench upscale -s 4", &benchUpscaleOptions{W: 256, H: 256, Repeat: 3, Model: upModel}},
		{"bench upscale -s 2", &benchUpscaleOptions{W: 256, H: 256, Repeat: 3, Model: modelOptions{Model: "sr3-x4-real", Scale: 2, Seed: 1}}},
		{"bench upscale -m bicubic --size 64 --repeat 1", &benchUpscaleOptions{W: 64, H: 64, Repeat: 1, Model: bicubic}},
		{"bench upscale -m ckpt -s 2 --size 96x64 --steps 20 --sampler DDPM --strength 0.5 --tile 32 --backend go --seed 7 --json",
			&benchUpscaleOptions{W: 96, H: 64, Repeat: 3, JSON: true,
				Model: modelOptions{Model: "ckpt", Scale: 2, Seed: 7, Steps: 20, Sampler: "ddpm", Strength: 0.5, Tile: 32, Backend: "go"}}},
		{"bench upscale img.png -m ckpt", &benchUpscaleOptions{Image: "img.png", W: 256, H: 256, Repeat: 3,
			Model: modelOptions{Model: "ckpt", Scale: 4, Seed: 1}}},
		{"bench train", defaultBenchTrain(nil)},
		{"bench train --batch 2 --patch 32 --steps 3 -s 2 --skip 2 --backend go -q", defaultBenchTrain(func(o *benchTrainOptions) {
			o.Config = sr3.DefaultConfig(2)
			o.Train.Batch, o.Train.Patch, o.Train.Steps = 2, 32, 3
			o.Skip, o.Backend, o.Quiet = 2, "go", true
		})},
		{"bench train --set base_channels=8 --set channel_mults=1,2 --set attn_levels= --set group_norm_groups=4 --set lr=0.001 --patch 32",
			defaultBenchTrain(func(o *benchTrainOptions) {
				o.Config.BaseChannels, o.Config.ChannelMults, o.Config.AttnLevels, o.Config.GroupNormGroups = 8, []int{1, 2}, []int{}, 4
				o.Train.LR, o.Train.Patch = 0.001, 32
				o.Sets = []setting{{"base_channels", "8"}, {"channel_mults", "1,2"}, {"attn_levels", ""}, {"group_norm_groups", "4"}, {"lr", "0.001"}}
			})},
		{"bench train --set batch=4 --json", defaultBenchTrain(func(o *benchTrainOptions) {
			o.Train.Batch, o.JSON = 4, true
			o.Sets = []setting{{"batch", "4"}}
		})},
	}
	// Lines with flags after an argument, which only the permuted parse
	// reads as flags.
	trailingFlags := map[string]bool{"bench io photo.jpg --json -q": true, "bench upscale img.png -m ckpt": true}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			wantParse(t, tt.line, tt.want)
			if trailingFlags[tt.line] {
				return
			}
			// Flags given straight to the subcommand (argv not permuted)
			// parse the same.
			var got command
			app := newApp(io.Discard, func(c command) { got = c })
			if err := app.Run(append([]string{"srcascade"}, strings.Fields(tt.line)...)); err != nil {
				t.Fatalf("unpermuted parse error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("unpermuted parse =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestParseBenchUsageErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"bench", "name what to measure"},
		{"bench fast", `unknown benchmark "fast"`},
		{"bench io --bogus", "unknown flag --bogus"},
		{"bench io --batch 2", "unknown flag --batch"},
		{"bench io -m bicubic", "unknown flag -m"},
		{"bench io a.png b.png", "one IMAGE at most"},
		{"bench io --size 64 a.png", "--size is the size of the synthetic image"},
		{"bench io --size big", `--size: "big"`},
		{"bench io --size 0x10", "--size"},
		{"bench io --size 3x100", "at least 4"},
		{"bench io --size 10000x10000", "at most 64M pixels"},
		{"bench io --repeat 0", "--repeat 0"},
		{"bench io --repeat x", `invalid value "x" for flag -repeat`},
		{"bench upscale --skip 2", "unknown flag --skip"},
		{"bench upscale a.png b.png", "one IMAGE at most"},
		{"bench upscale --size 32 a.png", "--size is the size of the synthetic image"},
		{"bench upscale --size -3", "--size"},
		{"bench upscale --repeat 0", "--repeat 0"},
		{"bench upscale -s 5", "-s/--scale 5"},
		{"bench upscale --sampler euler", `--sampler "euler"`},
		{"bench upscale --strength 2", "--strength 2"},
		{"bench upscale --backend tpu", `--backend "tpu"`},
		{"bench train data/", `unexpected argument "data/"`},
		{"bench train --size 64", "unknown flag --size"},
		{"bench train -s 3", "-s/--scale 3"},
		{"bench train --batch 0", "--batch 0"},
		{"bench train --patch 0", "--patch 0"},
		{"bench train --skip 0", "--skip 0"},
		{"bench train --steps 1", "--steps 1: must be more than --skip 1"},
		{"bench train --steps 5 --skip 5", "--steps 5: must be more than --skip 5"},
		{"bench train --patch 60", "--patch 60: must be a multiple of"},
		{"bench train --set bogus=1", "--set bogus: unknown key"},
		{"bench train --set base_channels=x", `"x" is not an integer`},
		{"bench train --set every=5", "--set every"},
		{"bench train --set val_steps=5", "--set val_steps"},
		{"bench train --set out=x", "--set out: cannot be set"},
		{"bench train --batch 2 --set batch=4", "--batch and --set batch both given"},
		{"bench train --set group_norm_groups=7", "model config (--set)"},
		{"bench train --set lr=-1", "training options (--set)"},
		{"bench train --backend tpu", `--backend "tpu"`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantUsageError(t, tt.line, tt.want, "srcascade bench") })
	}
}

func TestParseBenchHelp(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{"bench --help", "srcascade bench io [--size WxH]"},
		{"bench io --help", "--size WxH"},
		{"bench help io", "--size WxH"},
		{"bench help upscale", "--strength"},
		{"bench help train", "--skip N"},
		{"help bench", "srcascade bench upscale [-m MODEL]"},
	} {
		t.Run(tt.line, func(t *testing.T) { wantHelp(t, tt.line, tt.want) })
	}
}

func TestBenchCommandLines(t *testing.T) {
	ioOpts := &benchIOOptions{W: 640, H: 480, Repeat: 2}
	if got, want := ioOpts.commandLine(), "srcascade bench io --repeat 2 --size 640x480"; got != want {
		t.Errorf("io command line %q, want %q", got, want)
	}
	ioOpts.Image = "my photo.jpg"
	if got, want := ioOpts.commandLine(), "srcascade bench io --repeat 2 'my photo.jpg'"; got != want {
		t.Errorf("io command line %q, want %q", got, want)
	}
	up := &benchUpscaleOptions{W: 64, H: 48, Repeat: 1, Model: modelOptions{Model: "ck", Scale: 4, Seed: 3, Tile: 32, Backend: "go"}}
	r := &benchUpscaleReport{Sampler: "ddim", Steps: 20, Strength: 0.5}
	if got, want := up.commandLine(r), "srcascade bench upscale -m ck -s 4 --backend go --sampler ddim --steps 20 --strength 0.5 --eta 0 --tile 32 --seed 3 --repeat 1 --size 64x48"; got != want {
		t.Errorf("upscale command line\n %q\nwant\n %q", got, want)
	}
	tr := defaultBenchTrain(func(o *benchTrainOptions) {
		o.Sets = []setting{{"attn_levels", ""}, {"batch", "4"}, {"channel_mults", "1,2"}}
		o.Train.Batch = 4
	})
	if got, want := tr.commandLine(), "srcascade bench train -s 4 --batch 4 --patch 64 --steps 10 --skip 1 --set attn_levels= --set channel_mults=1,2"; got != want {
		t.Errorf("train command line\n %q\nwant\n %q", got, want)
	}
	// The command line parses back to the same options.
	cmd, _, err := parseLine(t, strings.TrimPrefix(tr.commandLine(), "srcascade "))
	tr.Sets = []setting{{"attn_levels", ""}, {"channel_mults", "1,2"}}
	tr.Config.AttnLevels, tr.Config.ChannelMults = []int{}, []int{1, 2}
	if err != nil || !reflect.DeepEqual(cmd, tr) {
		t.Errorf("train command line parses to %+v, %v; want %+v", cmd, err, tr)
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %g, want %g", tt.in, got, tt.want)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if !reflect.DeepEqual(in, []float64{3, 1, 2}) {
		t.Errorf("median reordered its input: %v", in)
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		w, h int
	}{{"4000x3000", 4000, 3000}, {"256", 256, 256}, {" 64X32 ", 64, 32}} {
		if w, h, err := parseSize(tt.in); err != nil || w != tt.w || h != tt.h {
			t.Errorf("parseSize(%q) = %d, %d, %v; want %d, %d", tt.in, w, h, err, tt.w, tt.h)
		}
	}
	for _, bad := range []string{"", "x", "0", "-4", "4x", "x4", "4x4x4", "4.5x3", "big"} {
		if w, h, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, %d; want an error", bad, w, h)
		}
	}
}

func TestCPUModelAndLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	x86 := write("x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD  EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n")
	if got := cpuModel(x86); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel(x86) = %q", got)
	}
	arm := write("arm", "processor\t: 0\nBogoMIPS\t: 50.00\n\nHardware\t: BCM2835\n")
	if got := cpuModel(arm); got != "BCM2835" {
		t.Errorf("cpuModel(arm) = %q", got)
	}
	if got := cpuModel(filepath.Join(dir, "none")); got != "" {
		t.Errorf("cpuModel(missing) = %q", got)
	}
	if got := loadAverage(write("load", "1.50 0.75 0.25 2/300 1234\n")); !reflect.DeepEqual(got, []float64{1.5, 0.75, 0.25}) {
		t.Errorf("loadAverage = %v", got)
	}
	if got := loadAverage(write("bad", "x y z\n")); got != nil {
		t.Errorf("loadAverage(bad) = %v, want nil", got)
	}
	if !hasExperiment("boringcrypto,simd", "simd") || hasExperiment("nosimd", "simd") || hasExperiment("", "simd") {
		t.Error("hasExperiment is wrong")
	}
	m := benchMachine{CPU: "X", CPUs: 2, GOMAXPROCS: 2, OS: "linux", Arch: "amd64", Go: "go1.26", GOEXPERIMENT: "simd", SIMD: true,
		LoadAverage: []float64{1, 2, 3}}
	if got, want := m.String(), "X, 2 CPUs, linux/amd64, go1.26, GOEXPERIMENT=simd, load average 1.00 2.00 3.00"; got != want {
		t.Errorf("machine line %q, want %q", got, want)
	}
}

// TestSyntheticPhoto checks that the synthetic photo is deterministic,
// made of 8-bit levels (so PNG keeps it exactly), and photo-like: neither
// flat nor noise, it compresses to a few bits per pixel as PNG.
func TestSyntheticPhoto(t *testing.T) {
	a, b := syntheticPhoto(160, 120, 1), syntheticPhoto(160, 120, 1)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("syntheticPhoto is not deterministic")
	}
	if c := syntheticPhoto(160, 120, 2); reflect.DeepEqual(a.Pix, c.Pix) {
		t.Error("seeds 1 and 2 give the same image")
	}
	var png bytes.Buffer
	if err := data.Encode(&png, &data.Decoded{Image: a, Depth: 8, Format: "png"}, data.EncodeOptions{Format: "png"}); err != nil {
		t.Fatal(err)
	}
	d, err := data.Decode(bytes.NewReader(png.Bytes()), data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Image.Pix, a.Pix) {
		t.Error("the PNG of the synthetic photo does not decode to it exactly: samples are not 8-bit levels")
	}
	bpp := float64(png.Len()) * 8 / float64(a.W*a.H)
	t.Logf("PNG %.1f bits per pixel", bpp)
	if bpp < 4 || bpp > 20 {
		t.Errorf("PNG at %.1f bits per pixel: want photo-like (4..20; flat colour is ~0, noise 24)", bpp)
	}
	// Local structure: neighbouring pixels are closer than distant ones.
	near, far := 0.0, 0.0
	for y := range a.H {
		for x := range a.W - 40 {
			v := a.At(x, y, 1)
			near += abs32(v - a.At(x+1, y, 1))
			far += abs32(v - a.At(x+40, y, 1))
		}
	}
	t.Logf("neighbour difference %.4g, 40 pixels apart %.4g", near, far)
	if near*1.5 > far {
		t.Errorf("mean neighbour difference %g vs %g 40 pixels apart: want smooth structure", near, far)
	}
}

func abs32(v float32) float64 {
	if v < 0 {
		return float64(-v)
	}
	return float64(v)
}

func TestRandomBatches(t *testing.T) {
	cfg := sr3.DefaultConfig(4)
	opt := train.DefaultOptions()
	opt.Batch, opt.Patch = 3, 16
	src := newRandomBatches(cfg, opt)
	b, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if b.N != 3 || b.HRSize != 16 || b.LRSize != 4 || b.C != 3 || len(b.HR) != 3*16*16*3 || len(b.LR) != 3*4*4*3 {
		t.Fatalf("batch geometry %d x %d/%d x %d, %d/%d values", b.N, b.HRSize, b.LRSize, b.C, len(b.HR), len(b.LR))
	}
	for _, v := range b.HR {
		if v < -1 || v > 1 {
			t.Fatalf("HR value %g outside [-1, 1]", v)
		}
	}
	// LR is the bicubic downscale of HR.
	hr := &data.Image{W: 16, H: 16, C: 3, Pix: b.HR[16*16*3 : 2*16*16*3]}
	if want := data.Resize(hr, 4, 4).Pix; !reflect.DeepEqual(b.LR[4*4*3:2*4*4*3], want) {
		t.Error("LR of item 1 is not the bicubic downscale of its HR")
	}
	b2, _ := newRandomBatches(cfg, opt).Next(t.Context())
	if !reflect.DeepEqual(b.HR, b2.HR) {
		t.Error("random batches are not deterministic for a seed")
	}
	if b3, _ := src.Next(t.Context()); reflect.DeepEqual(b.HR, b3.HR) {
		t.Error("consecutive batches are equal")
	}
}
