package train

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

// FuzzCheckpointInfo feeds arbitrary train.json contents to
// ParseCheckpointInfo: no panic, and whatever it accepts has a valid
// config (every size within sr3's bounds) and valid options.
func FuzzCheckpointInfo(f *testing.F) {
	for _, p := range []string{"../pretrained/sr3-x2/train.json", "../pretrained/emoji-base16/train.json"} {
		if b, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			f.Add(b)
		}
	}
	good, _ := json.Marshal(CheckpointInfo{Options: DefaultOptions(), Config: sr3.DefaultConfig(4)})
	f.Add(good)
	f.Add([]byte(`{"config":{"version":1,"train_steps":1099511627776}}`))
	f.Add([]byte(`{"options":{"batch":1e9}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		info, err := ParseCheckpointInfo(raw, "ck")
		if err != nil {
			return
		}
		if err := info.Config.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
		if n := info.Config.ParamCount(); n > sr3.MaxParams {
			t.Fatalf("accepted %d parameters", n)
		}
		if info.Options.Batch > MaxBatch || info.Options.Patch > MaxPatch {
			t.Fatalf("accepted batch %d, patch %d", info.Options.Batch, info.Options.Patch)
		}
	})
}

// FuzzClassNames feeds arbitrary classes.json contents to parseClassNames:
// no panic; what it accepts is 1..MaxClasses names.
func FuzzClassNames(f *testing.F) {
	f.Add([]byte(`["cat","dog"]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"classes":["a"]}`))
	f.Add([]byte(`["a",1]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		names, err := parseClassNames(raw)
		if err == nil && (len(names) == 0 || len(names) > sr3.MaxClasses) {
			t.Fatalf("accepted %d names", len(names))
		}
	})
}

// FuzzParseDegrade feeds arbitrary --degrade specs to ParseDegrade: no
// panic; what it accepts is valid, and its String form parses back to the
// same options.
func FuzzParseDegrade(f *testing.F) {
	for _, s := range []string{"", "none", "realworld", "realesrgan", "realesrgan,jpeg=1@2-3", "blur=0.5@0.2-2,noise=0.5@1-15,jpeg=0.3@40-95",
		"noise=NaN@1-2", "jpeg=1@0-101", "blur=1@2-1", "blur=0.5@1e308-1e309", "noise=1@-1-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		o, err := ParseDegrade(spec)
		if err != nil {
			return
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("%q accepted but invalid: %v", spec, err)
		}
		if !o.Enabled() {
			return
		}
		again, err := ParseDegrade(o.String())
		if err != nil || again != o {
			t.Fatalf("%q -> %q -> %+v, %v; want %+v", spec, o.String(), again, err, o)
		}
	})
}
