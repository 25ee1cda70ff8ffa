package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

// FuzzSetFlag feeds arbitrary --set values through the flag's parser and
// applySettings: no panic; a setting it accepts that passes validation is
// within every size bound.
func FuzzSetFlag(f *testing.F) {
	for _, s := range []string{"base_channels=32", "channel_mults=1,2,2", "channel_mults=[1,2]", "attn_levels=",
		"train_steps=1099511627776", "model.steps=4", "train.steps=10", "batch=1000000000", "lr=NaN",
		"steps=-1", "scale=3", "=", "x", "dropout=1e400", "classes=65536", "cond_aug=maybe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		var l setList
		if l.Set(arg) != nil {
			return
		}
		cfg, opt := sr3.DefaultConfig(4), train.DefaultOptions()
		if _, err := applySettings(&cfg, &opt, l.items); err != nil {
			return
		}
		if cfg.Validate() == nil {
			if cfg.TrainSteps > sr3.MaxTrainSteps || cfg.BaseChannels > sr3.MaxBaseChannels || cfg.ParamCount() > sr3.MaxParams {
				t.Fatalf("--set %q: valid config out of bounds: %+v", arg, cfg)
			}
		}
		if opt.Validate() == nil && (opt.Batch > train.MaxBatch || opt.Patch > train.MaxPatch) {
			t.Fatalf("--set %q: valid options out of bounds: %+v", arg, opt)
		}
	})
}

// FuzzParseSizes feeds arbitrary --max-pixels and --memory values to
// their parsers: no panic; what they accept is a positive count within
// their stated ranges.
func FuzzParseSizes(f *testing.F) {
	for _, s := range []string{"64M", "64000000", "1.5G", "8000x8000", "0x5", "1e15", "NaN", "-1", "x", "4G", "512MiB", "2GB", "1e30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parsePixels(s); err == nil && (n < 1 || n > 1<<62) {
			t.Fatalf("parsePixels(%q) = %d", s, n)
		}
		if n, err := parseBytes(s); err == nil && (n < 1 || n > 1<<60) {
			t.Fatalf("parseBytes(%q) = %d", s, n)
		}
	})
}

// FuzzPlanUpscale builds a small tree of image files named by the input
// ('|'-separated relative paths), then plans an upscale of chosen inputs
// with a chosen -o, format, scale and -r: no panic, and among the planned
// jobs no two share an output and no output is an input.
func FuzzPlanUpscale(f *testing.F) {
	f.Add("a.png|b.jpg|sub/c.png", ".", "", "", uint8(4), true)
	f.Add("a.png|a.jpg|a_x4.png", "a.png|a.jpg", "", "", uint8(4), false)
	f.Add("p/a.png|p_x2/a.png", "p", "", "png", uint8(2), true)
	f.Add("a.png|o/a_x4.png", "a.png", "o", "", uint8(4), false)
	f.Add("x/a.png|y/a.png", "x|y", "out", "jpg", uint8(2), true)
	f.Add("a.png", "a.png", "a.png", "", uint8(4), false)
	f.Add("d/a.png|d/b.png", "d", "d", "", uint8(4), true)
	f.Fuzz(func(t *testing.T, files, inputs, output, format string, scale uint8, recursive bool) {
		root := t.TempDir()
		for _, name := range strings.Split(files, "|") {
			if !safeRel(name) {
				continue
			}
			p := filepath.Join(root, name)
			if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
				continue
			}
			_ = os.WriteFile(p, nil, 0o644) // fails harmlessly where a folder has the name
		}
		o := &upscaleOptions{Recursive: recursive, Format: format}
		o.Model.Scale = []int{2, 4, 8}[int(scale)%3]
		for _, in := range strings.Split(inputs, "|") {
			if safeRel(in) || in == "." {
				o.Inputs = append(o.Inputs, filepath.Join(root, in))
			}
		}
		if len(o.Inputs) == 0 {
			return
		}
		if output != "" {
			if !safeRel(strings.TrimSuffix(output, "/")) {
				return
			}
			o.Output = filepath.Join(root, output)
			if strings.HasSuffix(output, "/") {
				o.Output += "/"
			}
		}
		if f, err := parseFormat(format); err != nil {
			return
		} else {
			o.Format = f
		}
		p, err := planUpscale(o)
		if err != nil {
			return
		}
		ins := map[string]bool{}
		for _, j := range append(append([]job{}, p.jobs...), p.skipped...) {
			ins[absPath(j.in)] = true
		}
		for _, r := range p.failed {
			ins[absPath(r.in)] = true
		}
		outs := map[string]string{}
		for _, j := range p.jobs {
			a := absPath(j.out)
			if ins[a] {
				t.Fatalf("output %s is an input", j.out)
			}
			if prev, ok := outs[a]; ok {
				t.Fatalf("%s and %s both map to %s", prev, j.in, j.out)
			}
			outs[a] = j.in
		}
	})
}

// safeRel reports whether name is a short local relative path of at most
// three parts, each without odd characters.
func safeRel(name string) bool {
	if name == "" || len(name) > 40 || !filepath.IsLocal(name) || strings.Count(name, "/") > 2 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return false
		}
	}
	return true
}
