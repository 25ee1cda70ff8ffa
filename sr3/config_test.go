package sr3

import (
	"reflect"
	"strings"
	"testing"
)

func TestDefaultConfigsValid(t *testing.T) {
	for _, s := range []int{2, 3, 4, 8} {
		c := DefaultConfig(s)
		if err := c.Validate(); err != nil {
			t.Errorf("DefaultConfig(%d): %v", s, err)
		}
		if c.Scale != s {
			t.Errorf("DefaultConfig(%d).Scale = %d", s, c.Scale)
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := DefaultConfig(4)
	b, err := MarshalConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, got) {
		t.Errorf("round trip changed the config:\n%+v\n%+v", c, got)
	}
	if _, err := UnmarshalConfig([]byte(strings.Replace(string(b), `"dropout"`, `"dropuot"`, 1))); err == nil ||
		!strings.Contains(err.Error(), "dropuot") {
		t.Errorf("a misspelt key was accepted: %v", err)
	}
}

func TestConfigValidateNamesFields(t *testing.T) {
	c := DefaultConfig(4)
	c.ChannelMults = []int{1, 3}
	c.GroupNormGroups = 24
	c.AttnLevels = []int{5}
	c.Loss = "huber"
	c.Strength = 0
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"group_norm_groups", "attn_levels: level 5", `loss "huber"`, "strength 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	c = DefaultConfig(4)
	c.Denoise = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "denoise needs cond_aug") {
		t.Errorf("denoise without cond_aug: %v", err)
	}
	c.CondAug, c.CondNoise = true, 0.1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "cond_noise 0.1 must be 0") {
		t.Errorf("denoise with cond_noise: %v", err)
	}
	c.CondNoise = 0
	if err := c.Validate(); err != nil {
		t.Errorf("denoise with cond_aug: %v", err)
	}
	c = DefaultConfig(4)
	c.Scale = 1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "space_to_depth") {
		t.Errorf("space_to_depth at scale 1: %v", err)
	}
}

func TestConfigSet(t *testing.T) {
	c := DefaultConfig(4)
	for _, kv := range [][2]string{
		{"base_channels", "32"}, {"channel_mults", "1,2,4"}, {"attn_levels", "[2]"}, {"dropout", "0.1"},
		{"space_to_depth", "false"}, {"loss", "l2"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	if c.BaseChannels != 32 || !reflect.DeepEqual(c.ChannelMults, []int{1, 2, 4}) || !reflect.DeepEqual(c.AttnLevels, []int{2}) ||
		c.Dropout != 0.1 || c.SpaceToDepth || c.Loss != "l2" {
		t.Errorf("Set gave %+v", c)
	}
	if err := c.Set("base_channels", "many"); err == nil || !strings.Contains(err.Error(), "integer") {
		t.Errorf("bad value: %v", err)
	}
	if err := c.Set("bogus", "1"); err == nil || !strings.Contains(err.Error(), "unknown config key") {
		t.Errorf("bad key: %v", err)
	}
}
