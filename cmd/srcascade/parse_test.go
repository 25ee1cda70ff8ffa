package main

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/sr3"
)

// parseLine parses a command line written as one string (fields split on spaces).
func parseLine(t *testing.T, line string) (command, string, error) {
	t.Helper()
	var out bytes.Buffer
	argv := append([]string{"srcascade"}, strings.Fields(line)...)
	cmd, err := parse(argv, &out)
	return cmd, out.String(), err
}

// wantParse checks that line parses, as a user would type it, to want.
func wantParse(t *testing.T, line string, want command) {
	t.Helper()
	cmd, _, err := parseLine(t, line)
	if err != nil {
		t.Fatalf("parse error: %v", err)
	}
	if !reflect.DeepEqual(cmd, want) {
		t.Errorf("parse =\n %+v\nwant\n %+v", cmd, want)
	}
}

// wantUsageErrorAll checks that line is a usage error whose message
// mentions every string of wants.
func wantUsageErrorAll(t *testing.T, line string, wants []string) {
	t.Helper()
	_, _, err := parseLine(t, line)
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want a usage error", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

// wantUsageError checks that line is a usage error (exit code 2) whose
// message mentions want, and that the stderr it makes mentions hint (where
// to read the help).
func wantUsageError(t *testing.T, line, want, hint string) {
	t.Helper()
	cmd, _, err := parseLine(t, line)
	if err == nil {
		t.Fatalf("parse = %+v, want a usage error", cmd)
	}
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not a usage error", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not mention %q", err, want)
	}
	var stderr bytes.Buffer
	if code := exitCode(err, &stderr); code != exitUsage {
		t.Errorf("exit code %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), hint) {
		t.Errorf("stderr %q should point at %s", stderr.String(), hint)
	}
}

// wantHelp checks that line only prints help, and that the help contains
// want.
func wantHelp(t *testing.T, line, want string) {
	t.Helper()
	cmd, out, err := parseLine(t, line)
	if err != nil || cmd != nil {
		t.Fatalf("parse = %v, %v; want help only", cmd, err)
	}
	if !strings.Contains(out, want) {
		t.Errorf("help output does not contain %q:\n%s", want, out)
	}
}

// defaultUpscale is upscale's options for `upscale a.png`, changed by mod.
// Without -m the model is the default for the scale: sr3-x4 at the default
// x4; lines that change the scale set the model with it.
func defaultUpscale(mod func(o *upscaleOptions)) *upscaleOptions {
	o := &upscaleOptions{
		Inputs: []string{"a.png"}, Quality: 95, Jobs: 2, MaxPixels: data.DefaultMaxPixels,
		Model: modelOptions{Model: "sr3-x4-real", Scale: 4, Seed: 1},
	}
	if mod != nil {
		mod(o)
	}
	return o
}

func TestParseUpscale(t *testing.T) {
	tests := []struct {
		line string
		want *upscaleOptions
	}{
		{"upscale a.png", defaultUpscale(nil)},
		{"upscale a.png b.jpg dir", defaultUpscale(func(o *upscaleOptions) { o.Inputs = []string{"a.png", "b.jpg", "dir"} })},
		{"upscale -s 2 -o out.jpg a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.Model.Scale = "sr3-x4-real", 2; o.Output = "out.jpg" })},
		// Flags may follow the inputs.
		{"upscale a.png -s 8 --overwrite -q", defaultUpscale(func(o *upscaleOptions) {
			o.Model.Model, o.Model.Scale = "sr3-x4-real+sr3-x2", 8
			o.Overwrite, o.Quiet = true, true
		})},
		{"upscale dir -r -j 4 -o out/", defaultUpscale(func(o *upscaleOptions) {
			o.Inputs = []string{"dir"}
			o.Recursive, o.Jobs, o.Output = true, 4, "out/"
		})},
		{"upscale --scale=2 --output=o a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.Model.Scale = "sr3-x4-real", 2; o.Output = "o" })},
		// After "--" everything is an input, even what looks like a flag.
		{"upscale -s 2 -- -odd.png", defaultUpscale(func(o *upscaleOptions) {
			o.Inputs = []string{"-odd.png"}
			o.Model.Model, o.Model.Scale = "sr3-x4-real", 2
		})},
		{"upscale -f JPG --quality 80 a.png", defaultUpscale(func(o *upscaleOptions) { o.Format = "jpeg"; o.Quality = 80 })},
		{"upscale -f png -o x.PNG a.png", defaultUpscale(func(o *upscaleOptions) { o.Format = "png"; o.Output = "x.PNG" })},
		{"upscale --max-pixels 16M a.png", defaultUpscale(func(o *upscaleOptions) { o.MaxPixels = 16_000_000 })},
		{"upscale --max-pixels 100x200 a.png", defaultUpscale(func(o *upscaleOptions) { o.MaxPixels = 20_000 })},
		{"upscale --max-pixels 1.5k a.png", defaultUpscale(func(o *upscaleOptions) { o.MaxPixels = 1500 })},
		{"upscale -m ckpt --backend xla:cuda --seed 7 --steps 20 --sampler DDPM --eta 0.5 --strength 0.3 --tile 64 a.png",
			defaultUpscale(func(o *upscaleOptions) {
				o.Model = modelOptions{Model: "ckpt", Backend: "xla:cuda", Scale: 4, Seed: 7, Steps: 20, Sampler: "ddpm", Eta: 0.5, Strength: 0.3, Tile: 64}
				o.ModelGiven = true
			})},
		{"upscale --backend go a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Backend = "go" })},
		{"upscale --steps 1 a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Steps = 1 })},
		// The default model follows the scale: the shipped x2 and x4 models,
		// x4 then x2 at x8; -m wins at any scale.
		{"upscale -s 2 a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.Model.Scale = "sr3-x4-real", 2 })},
		{"upscale -s 8 a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.Model.Scale = "sr3-x4-real+sr3-x2", 8 })},
		{"upscale -s 4 a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.Model.Scale = "sr3-x4-real", 4 })},
		{"upscale -m bicubic a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.ModelGiven = "bicubic", true })},
		{"upscale -m sr3-x4 -s 2 a.png", defaultUpscale(func(o *upscaleOptions) { o.Model.Model, o.Model.Scale, o.ModelGiven = "sr3-x4", 2, true })},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if !sr3.XLACompiled && strings.Contains(tt.line, "xla:") {
				t.Skip("built with CGO_ENABLED=0: --backend xla:... is refused (TestCheckBackend)")
			}
			wantParse(t, tt.line, tt.want)
		})
	}
}

func TestParseEvalAndModels(t *testing.T) {
	tests := []struct {
		line string
		want command
	}{
		{"eval Set5", &evalOptions{Folders: []string{"Set5"}, MaxPixels: data.DefaultMaxPixels,
			Model: modelOptions{Model: "sr3-x4-real", Scale: 4, Seed: 1}}},
		{"eval -s 4 Set5", &evalOptions{Folders: []string{"Set5"}, MaxPixels: data.DefaultMaxPixels,
			Model: modelOptions{Model: "sr3-x4-real", Scale: 4, Seed: 1}}},
		{"eval -s 2 Set5", &evalOptions{Folders: []string{"Set5"}, MaxPixels: data.DefaultMaxPixels,
			Model: modelOptions{Model: "sr3-x4-real", Scale: 2, Seed: 1}}},
		{"eval -m bicubic Set5", &evalOptions{Folders: []string{"Set5"}, MaxPixels: data.DefaultMaxPixels,
			Model: modelOptions{Model: "bicubic", Scale: 4, Seed: 1}}},
		{"eval Set5 Set14 -s 2 --json --save sr -r -q", &evalOptions{Folders: []string{"Set5", "Set14"}, JSON: true, Save: "sr",
			Recursive: true, Quiet: true, MaxPixels: data.DefaultMaxPixels, Model: modelOptions{Model: "sr3-x4-real", Scale: 2, Seed: 1}}},
		{"models", &modelsOptions{}},
		{"models --json", &modelsOptions{JSON: true}},
		{"version", versionOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) { wantParse(t, tt.line, tt.want) })
	}
}

// TestParseUsageErrors checks that every mistake in a command line is a
// usage error (exit code 2) whose message says what is wrong.
func TestParseUsageErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"bogus", `unknown command "bogus"`},
		{"--bogus", "unknown flag --bogus"},
		{"upscale", "no INPUT given"},
		{"upscale -s 2", "no INPUT given"},
		{"upscale --bogus a.png", "unknown flag --bogus"},
		{"upscale a.png -o", "flag needs an argument: -o"},
		{"upscale -s x a.png", `invalid value "x" for flag -s`},
		{"upscale -s 5 a.png", "-s/--scale 5"},
		{"upscale -s 0 a.png", "-s/--scale 0"},
		{"upscale -s 16 a.png", "-s/--scale 16"},
		{"upscale -f webp a.png", `-f/--format: "webp"`},
		{"upscale -f jpg -o out.png a.png", "-f jpg contradicts -o out.png"},
		{"upscale -o out.png a.png b.png", "with several inputs -o must be a folder"},
		{"upscale --quality 0 a.png", "--quality 0"},
		{"upscale --quality 101 a.png", "--quality 101"},
		{"upscale -j 0 a.png", "-j 0"},
		{"upscale --max-pixels lots a.png", "--max-pixels"},
		{"upscale --max-pixels 0 a.png", "--max-pixels"},
		{"upscale --max-pixels 0x5 a.png", "--max-pixels"},
		{"upscale --steps -1 a.png", "--steps -1"},
		{"upscale --sampler euler a.png", `--sampler "euler"`},
		{"upscale --eta -0.5 a.png", "--eta -0.5"},
		{"upscale --strength 1.5 a.png", "--strength 1.5"},
		{"upscale --tile 3 a.png", "--tile 3"},
		{"upscale --tile -1 a.png", "--tile -1"},
		{"upscale --backend tpu a.png", `--backend "tpu"`},
		{"upscale --backend /no/such/pjrt.so a.png", "PJRT plugin"},
		{"upscale -m= a.png", "empty model name"},
		{"eval", "no HR folder or image given"},
		{"eval -s 7 Set5", "-s/--scale 7"},
		{"eval --max-pixels x Set5", "--max-pixels"},
		{"eval --sampler x Set5", "--sampler"},
		{"models extra", `unexpected argument "extra"`},
		{"models --bogus", "unknown flag --bogus"},
		{"version extra", `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			want := tt.want
			if !sr3.XLACompiled && strings.Contains(tt.line, "pjrt.so") {
				want = "built without cgo"
			}
			wantUsageError(t, tt.line, want, "--help")
		})
	}
}

func TestParseHelp(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{"", "COMMANDS:"},
		{"--help", "upscale"},
		{"help", "eval"},
		{"help upscale", "INPUT..."},
		{"upscale --help", "Examples:"},
		{"upscale -h", "--max-pixels"},
		{"upscale a.png --help", "--overwrite"},
		{"eval --help", "HR_FOLDER_OR_FILE..."},
		{"models -h", "--json"},
	} {
		t.Run(tt.line, func(t *testing.T) { wantHelp(t, tt.line, tt.want) })
	}
}

func TestPermuteArgs(t *testing.T) {
	app := newApp(io.Discard, func(command) {})
	tests := []struct{ in, want string }{
		{"srcascade", "srcascade"},
		{"srcascade models", "srcascade models"},
		{"srcascade upscale a b", "srcascade upscale -- a b"},
		{"srcascade upscale a -s 2 b -q", "srcascade upscale -s 2 -q -- a b"},
		{"srcascade upscale a --scale=2", "srcascade upscale --scale=2 -- a"},
		{"srcascade upscale -r a -- -b", "srcascade upscale -r -- a -b"},
		{"srcascade upscale a -o", "srcascade upscale -o"},
		{"srcascade upscale a -h", "srcascade upscale -h"},
		{"srcascade help upscale", "srcascade help upscale"},
		{"srcascade --help upscale a -s 2", "srcascade --help upscale -s 2 -- a"},
		{"srcascade bench io img.png --size 10x10", "srcascade bench io --size 10x10 -- img.png"},
		{"srcascade bench io --help", "srcascade bench io --help"},
		{"srcascade bench io -- -odd.png", "srcascade bench io -- -odd.png"},
	}
	for _, tt := range tests {
		got := strings.Join(permuteArgs(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("permuteArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePixels(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{{"64000000", 64e6}, {"64M", 64e6}, {"64m", 64e6}, {"2G", 2e9}, {"250k", 250e3}, {"8000x8000", 64e6}, {"10X10", 100}} {
		got, err := parsePixels(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parsePixels(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if back, err := parsePixels(formatPixels(tt.want)); err != nil || back != tt.want {
			t.Errorf("parsePixels(formatPixels(%d) = %q) = %d, %v", tt.want, formatPixels(tt.want), back, err)
		}
	}
	for _, bad := range []string{"", "M", "-5", "0", "0.1", "axb", "3x", "x3", "1e99"} {
		if n, err := parsePixels(bad); err == nil {
			t.Errorf("parsePixels(%q) = %d, want an error", bad, n)
		}
	}
}

func TestExitCodes(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code int
	}{
		{nil, exitOK},
		{usagef("upscale", "x"), exitUsage},
		{&failedError{1, 3}, exitFailed},
		{errInterrupted, exitInterrupted},
		{errInterruptedReported, exitInterrupted},
		{errors.New("disk on fire"), exitFailed},
	} {
		if got := exitCode(tt.err, io.Discard); got != tt.code {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
	}
}

// TestExitCodeInterruptedReported checks that an interrupt the command
// already explained (train: where it stopped, how to resume) gets no second,
// generic message.
func TestExitCodeInterruptedReported(t *testing.T) {
	var b strings.Builder
	if code := exitCode(errInterruptedReported, &b); code != exitInterrupted || b.Len() != 0 {
		t.Errorf("exitCode(errInterruptedReported) = %d, printed %q; want %d and nothing", code, b.String(), exitInterrupted)
	}
	b.Reset()
	if exitCode(errInterrupted, &b); !strings.Contains(b.String(), "interrupted") {
		t.Errorf("exitCode(errInterrupted) printed %q, want the generic message", b.String())
	}
}
