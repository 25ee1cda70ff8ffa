package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
	"github.com/srcascade/srcascade/train"
)

func TestApplySettings(t *testing.T) {
	tests := []struct {
		name string
		sets []setting
		keys []string // qualified keys reported
		cfg  func(c *sr3.Config)
		opt  func(o *train.Options)
	}{
		{"int", []setting{{"base_channels", "32"}}, []string{"model.base_channels"},
			func(c *sr3.Config) { c.BaseChannels = 32 }, nil},
		{"int list", []setting{{"channel_mults", "1,2,2,4"}}, []string{"model.channel_mults"},
			func(c *sr3.Config) { c.ChannelMults = []int{1, 2, 2, 4} }, nil},
		{"bracketed list with spaces", []setting{{"channel_mults", "[1, 2]"}}, []string{"model.channel_mults"},
			func(c *sr3.Config) { c.ChannelMults = []int{1, 2} }, nil},
		{"empty list", []setting{{"attn_levels", ""}}, []string{"model.attn_levels"},
			func(c *sr3.Config) { c.AttnLevels = []int{} }, nil},
		{"bool", []setting{{"residual", "false"}, {"space_to_depth", "0"}}, []string{"model.residual", "model.space_to_depth"},
			func(c *sr3.Config) { c.Residual, c.SpaceToDepth = false, false }, nil},
		{"string", []setting{{"loss", "l2"}}, []string{"model.loss"},
			func(c *sr3.Config) { c.Loss = "l2" }, nil},
		{"float in config", []setting{{"dropout", "0.1"}}, []string{"model.dropout"},
			func(c *sr3.Config) { c.Dropout = 0.1 }, nil},
		{"float in options", []setting{{"ema_decay", "0.9999"}, {"grad_clip", "0.5"}},
			[]string{"train.ema_decay", "train.grad_clip"},
			nil, func(o *train.Options) { o.EMADecay, o.GradClip = 0.9999, 0.5 }},
		{"int64 seed", []setting{{"seed", "-3"}}, []string{"train.seed"},
			nil, func(o *train.Options) { o.Seed = -3 }},
		{"options string", []setting{{"val_sampler", "ddpm"}}, []string{"train.val_sampler"},
			nil, func(o *train.Options) { o.ValSampler = "ddpm" }},
		{"qualified steps", []setting{{"model.steps", "20"}, {"train.steps", "50"}}, []string{"model.steps", "train.steps"},
			func(c *sr3.Config) { c.Steps = 20 }, func(o *train.Options) { o.Steps = 50 }},
		{"last wins, key once", []setting{{"lr", "1e-3"}, {"lr", "5e-4"}}, []string{"train.lr"},
			nil, func(o *train.Options) { o.LR = 5e-4 }},
		{"value trimmed", []setting{{"res_blocks", " 2 "}}, []string{"model.res_blocks"},
			func(c *sr3.Config) { c.ResBlocks = 2 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, opt := sr3.DefaultConfig(4), train.DefaultOptions()
			wantCfg, wantOpt := sr3.DefaultConfig(4), train.DefaultOptions()
			if tt.cfg != nil {
				tt.cfg(&wantCfg)
			}
			if tt.opt != nil {
				tt.opt(&wantOpt)
			}
			keys, err := applySettings(&cfg, &opt, tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(keys, tt.keys) {
				t.Errorf("keys %v, want %v", keys, tt.keys)
			}
			if !reflect.DeepEqual(cfg, wantCfg) {
				t.Errorf("config\n %+v\nwant\n %+v", cfg, wantCfg)
			}
			if !reflect.DeepEqual(opt, wantOpt) {
				t.Errorf("options\n %+v\nwant\n %+v", opt, wantOpt)
			}
		})
	}
}

func TestApplySettingsErrors(t *testing.T) {
	tests := []struct {
		set  setting
		want []string // substrings of the error
	}{
		{setting{"base_chanels", "32"}, []string{"--set base_chanels: unknown key", "model keys: ", "base_channels", "training keys: ", "ema_decay"}},
		{setting{"model.lr", "1"}, []string{"unknown key"}},
		{setting{"x.y", "1"}, []string{"unknown key"}},
		{setting{"steps", "5"}, []string{"ambiguous", "model.steps or train.steps"}},
		{setting{"base_channels", "3.5"}, []string{"--set base_channels=3.5", "not an integer"}},
		{setting{"seed", "1e3"}, []string{"not an integer"}},
		{setting{"lr", "fast"}, []string{"--set lr=fast", "not a number"}},
		{setting{"lr", "NaN"}, []string{"not a number"}},
		{setting{"residual", "maybe"}, []string{"not true or false"}},
		{setting{"channel_mults", "1,x"}, []string{"not a list of integers"}},
		{setting{"scale", "2"}, []string{"use -s/--scale"}},
		{setting{"version", "2"}, []string{"not a setting"}},
		{setting{"out", "x"}, []string{"use --out"}},
		// Fields without a JSON name or with one of "-" are not settable.
		{setting{"Resume", "true"}, []string{"unknown key"}},
		{setting{"backend", "go"}, []string{"unknown key"}},
	}
	for _, tt := range tests {
		t.Run(tt.set.Key+"="+tt.set.Value, func(t *testing.T) {
			cfg, opt := sr3.DefaultConfig(4), train.DefaultOptions()
			_, err := applySettings(&cfg, &opt, []setting{tt.set})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestSetKeysCoverStructs checks that every JSON field of the two structs
// with a kind --set can parse is settable, so a new field cannot be
// silently left out, and that the refused keys exist.
func TestSetKeysCoverStructs(t *testing.T) {
	for _, tg := range []setTarget{{modelPrefix, &sr3.Config{}}, {trainPrefix, &train.Options{}}} {
		ptr := tg.ptr
		rt := reflect.TypeOf(ptr).Elem()
		keys := jsonKeys(ptr)
		for i := range rt.NumField() {
			f := rt.Field(i)
			name := jsonName(f)
			if _, refused := setRefused[tg.prefix+name]; name == "" || refused {
				continue
			}
			if !settableKind(f.Type) {
				t.Errorf("%s.%s (%s): --set cannot parse its type", rt.Name(), f.Name, f.Type)
				continue
			}
			found := false
			for _, k := range keys {
				found = found || k == name
			}
			if !found {
				t.Errorf("%s: key %q missing", rt.Name(), name)
			}
		}
	}
	cfg, opt := sr3.DefaultConfig(4), train.DefaultOptions()
	targets := []setTarget{{modelPrefix, &cfg}, {trainPrefix, &opt}}
	for key := range setRefused {
		found := false
		for _, tg := range targets {
			if name, ok := strings.CutPrefix(key, tg.prefix); ok {
				rt := reflect.TypeOf(tg.ptr).Elem()
				for i := range rt.NumField() {
					found = found || jsonName(rt.Field(i)) == name
				}
			}
		}
		if !found {
			t.Errorf("refused key %s is not a field", key)
		}
	}
}

func TestSetListFlag(t *testing.T) {
	var l setList
	for _, s := range []string{"channel_mults=1,2,2", "attn_levels=", "loss = l2"} {
		if err := l.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	want := []setting{{"channel_mults", "1,2,2"}, {"attn_levels", ""}, {"loss", " l2"}}
	if !reflect.DeepEqual(l.items, want) {
		t.Errorf("items %q, want %q", l.items, want)
	}
	for _, bad := range []string{"novalue", "=3", ""} {
		if err := l.Set(bad); err == nil {
			t.Errorf("Set(%q): no error", bad)
		}
	}
}

func TestSameValue(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{[]int(nil), []int{}, true},
		{[]int{1, 2}, []int{1, 2}, true},
		{[]int{1, 2}, []int{1, 2, 2}, false},
		{0.5, 0.5, true},
		{0.5, 0.25, false},
		{"l1", "l2", false},
		{int64(1), int64(1), true},
	}
	for _, tt := range tests {
		if got := sameValue(tt.a, tt.b); got != tt.want {
			t.Errorf("sameValue(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
