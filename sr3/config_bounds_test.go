package sr3

import (
	"strings"
	"testing"
)

// TestParamCountMatchesModel checks the estimate made from a config alone
// against the weights a built model has, for SR stages and base stages.
func TestParamCountMatchesModel(t *testing.T) {
	small := func(c Config) Config {
		c.BaseChannels, c.GroupNormGroups = 8, 4
		return c
	}
	x4 := small(DefaultConfig(4))
	x2 := small(DefaultConfig(2))
	x2.CondAug = true
	plain := small(DefaultConfig(4))
	plain.SpaceToDepth, plain.ResBlocks = false, 2
	base := small(DefaultBaseConfig(16, 5))
	for _, c := range []Config{x4, x2, plain, base} {
		m, err := New(c, goBackend(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.ParamCount(), int64(m.NumParams()); got != want {
			t.Errorf("%+v: ParamCount %d, the model has %d", c, got, want)
		}
	}
	// The shipped x4 network: 4.7M parameters; the new default: 2.87M.
	if n := LegacyConfigX4().ParamCount(); n < 4_500_000 || n > 4_900_000 {
		t.Errorf("legacy x4 ParamCount = %d, want about 4.7M", n)
	}
	if n := DefaultConfig(4).ParamCount(); n < 2_700_000 || n > 3_000_000 {
		t.Errorf("default x4 ParamCount = %d, want about 2.87M", n)
	}
}

// TestConfigSizesBounded: sizes that would allocate without bound are
// refused by Validate, naming the field.
func TestConfigSizesBounded(t *testing.T) {
	for _, c := range []struct {
		key, value, field string
	}{
		{"train_steps", "1099511627776", "train_steps"},
		{"base_channels", "100000", "base_channels"},
		{"channel_mults", "1,2,100000", "channel_mults[2]"},
		{"res_blocks", "1073741824", "res_blocks"},
		{"steps", "1099511627776", "steps"},
		{"attn_levels", "0,1,2,2,2,2,2", "attn_levels"},
	} {
		cfg := DefaultConfig(4)
		if err := cfg.Set(c.key, c.value); err != nil {
			t.Fatal(err)
		}
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s=%s: Validate = %v, want an error naming %s", c.key, c.value, err, c.field)
		}
	}
	// The widest accepted config stays countable and within the bound's words.
	wide := DefaultConfig(4)
	wide.BaseChannels, wide.ChannelMults, wide.ResBlocks = 1024, []int{4, 4, 4, 4, 4, 4}, 16
	if err := wide.Validate(); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("a 1024x4-channel, 16-block network: %v, want the parameter bound", err)
	}
}
