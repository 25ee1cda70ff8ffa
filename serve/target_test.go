package serve

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/data"
)

// TestUpscaleTarget: outscale, width and height are the CLI's --outscale,
// --width and --height (srcascade.Options.Target): the answer has the
// size asked, and the recorded request names it.
func TestUpscaleTarget(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	for _, c := range []struct {
		query string
		w, h  int
		size  string
	}{
		{"model=bicubic&outscale=1.5", 18, 15, "x1.5"},
		{"model=bicubic&width=30", 30, 25, "w30"},
		{"model=bicubic&width=40&height=20", 40, 20, "40x20"},
		{"outscale=1.5&steps=1", 18, 15, "x1.5"}, // the default model of x2, resized
	} {
		r := post(t, ts.URL+"/v1/upscale?"+c.query, pngBytes(t, 12, 10))
		if r.StatusCode != 200 {
			t.Errorf("%s: status %d: %s", c.query, r.StatusCode, errorOf(t, r))
			continue
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		d, err := data.Decode(bytes.NewReader(body), data.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Image.W != c.w || d.Image.H != c.h || d.Alpha == nil {
			t.Errorf("%s: got %v alpha %v, want %dx%d with alpha", c.query, d.Image, d.Alpha, c.w, c.h)
		}
		if rec := "srcascade serve " + c.size + ";"; !bytes.Contains(body, []byte(rec)) {
			t.Errorf("%s: the file does not record %q", c.query, rec)
		}
	}
}

// TestUpscaleTargetBadRequests: a bad size, or a size beside a scale, is
// 400 naming the parameter; a size a model cannot make of the image is
// 400 saying so; a huge one is 413.
func TestUpscaleTargetBadRequests(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	for _, c := range []struct {
		query  string
		status int
		want   string
	}{
		{"outscale=0.5", 400, "outscale=\"0.5\""},
		{"outscale=NaN", 400, "outscale"},
		{"width=-3", 400, "width=\"-3\""},
		{"height=x", 400, "height"},
		{"scale=2&outscale=3", 400, "one size"},
		{"outscale=3&width=30", 400, "factor and a width"},
		{"model=sr3-x2&width=100", 400, "x2"},
		{"model=bicubic&height=5", 400, "smaller than the input"},
		{"model=bicubic&width=100000&height=100000", 413, "limit"},
	} {
		r := post(t, ts.URL+"/v1/upscale?"+c.query, pngBytes(t, 12, 10))
		if r.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.query, r.StatusCode, c.status, errorOf(t, r))
			continue
		}
		if msg := errorOf(t, r); !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, want it to mention %q", c.query, msg, c.want)
		}
	}
}
