package cascade

import "testing"

// TestParseDenoise: the settings read back as DenoiseString writes them,
// and anything else (out of range, not finite, not a number) is refused.
func TestParseDenoise(t *testing.T) {
	for _, c := range []struct {
		s    string
		want float64 // -1: auto
	}{{"auto", -1}, {"0", 0}, {"1", 1}, {"0.15", 0.15}, {"1e-3", 1e-3}} {
		l, err := ParseDenoise(c.s)
		switch {
		case err != nil:
			t.Errorf("ParseDenoise(%q): %v", c.s, err)
			continue
		case c.want < 0 && l != nil, c.want >= 0 && (l == nil || *l != c.want):
			t.Errorf("ParseDenoise(%q) = %v, want %g (-1: auto)", c.s, l, c.want)
			continue
		}
		if back, _ := ParseDenoise(DenoiseString(l)); (back == nil) != (l == nil) || (l != nil && *back != *l) {
			t.Errorf("DenoiseString(%v) = %q does not read back", l, DenoiseString(l))
		}
	}
	if l, err := ParseDenoise(" 0.5 "); err != nil || l == nil || *l != 0.5 {
		t.Errorf("ParseDenoise with spaces = %v, %v", l, err)
	}
	for _, bad := range []string{"", "-0.1", "1.5", "NaN", "Inf", "-Inf", "on", "Auto", "0.1x"} {
		if l, err := ParseDenoise(bad); err == nil {
			t.Errorf("ParseDenoise(%q) = %v, want an error", bad, l)
		}
	}
}
