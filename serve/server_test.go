package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// pngBytes is a w x h RGBA PNG with a gradient and half-transparent pixels.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, uint8(128 + 127*(x%2))})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// slow is an upscaler that reports half its progress, then waits for
// release (or its context, recording the cancellation), then upscales
// with bicubic.
type slow struct {
	started  chan struct{} // receives when a call starts
	release  chan struct{}
	canceled atomic.Int32
}

func newSlow() *slow { return &slow{started: make(chan struct{}, 16), release: make(chan struct{})} }

func (s *slow) Name() string  { return "slow" }
func (s *slow) Scales() []int { return []int{2, 3, 4, 8} }
func (s *slow) Upscale(ctx context.Context, img *data.Image, opts cascade.Options, progress cascade.Progress) (*data.Image, error) {
	s.started <- struct{}{}
	if progress != nil {
		progress(1, 2)
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		s.canceled.Add(1)
		return nil, ctx.Err()
	}
	if progress != nil {
		progress(2, 2)
	}
	return cascade.Bicubic{}.Upscale(ctx, img, opts, nil)
}

// withSlow is a server whose every model is s.
func withSlow(s *slow, opts Options) *Server {
	opts.Open = func(o srcascade.Options) (*srcascade.Upscaler, error) { return srcascade.New(s, o) }
	return New(opts)
}

// errorOf reads a JSON error answer.
func errorOf(t *testing.T, r *http.Response) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error answer of type %q, want application/json", ct)
	}
	var e struct{ Error string }
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil || e.Error == "" {
		t.Errorf("error answer not {\"error\": ...}: %v", err)
	}
	return e.Error
}

func post(t *testing.T, url string, body []byte) *http.Response {
	t.Helper()
	r, err := http.Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Body.Close() })
	return r
}

// TestUpscaleGoodImage: a PNG with alpha comes back twice as large, with
// its alpha, as PNG (or JPEG with format=jpg).
func TestUpscaleGoodImage(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	r := post(t, ts.URL+"/v1/upscale?model=bicubic&scale=2", pngBytes(t, 12, 10))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("status %d %s: %s", r.StatusCode, r.Header.Get("Content-Type"), errorOf(t, r))
	}
	d, err := data.Decode(r.Body, data.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Image.W != 24 || d.Image.H != 20 || d.Alpha == nil {
		t.Errorf("got %v alpha %v, want 24x20 with alpha", d.Image, d.Alpha)
	}
	r = post(t, ts.URL+"/v1/upscale?model=bicubic&scale=3&format=jpg", pngBytes(t, 12, 10))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("format=jpg: status %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if cfg, format, err := image.DecodeConfig(r.Body); err != nil || format != "jpeg" || cfg.Width != 36 {
		t.Errorf("format=jpg: %s %dx%d %v, want a 36-wide JPEG", format, cfg.Width, cfg.Height, err)
	}
}

// TestUpscaleBadRequests: a body that is no image and bad parameters are
// 400 with a JSON error naming the problem.
func TestUpscaleBadRequests(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	good := pngBytes(t, 8, 8)
	for _, c := range []struct {
		query string
		body  []byte
		want  string
	}{
		{"model=bicubic", []byte("this is not an image"), "unsupported image format"},
		{"model=bicubic", good[:60], "truncated"},
		{"model=bicubic", nil, "empty"},
		{"scale=5", good, "scale=\"5\""},
		{"steps=-1", good, "steps=\"-1\""},
		{"strength=2", good, "strength"},
		{"denoise=1.5", good, "denoise=\"1.5\""},
		{"denoise=x", good, "denoise"},
		{"deblock=0", good, "deblock=\"0\""},
		{"deblock=101", good, "deblock"},
		{"deblock=on", good, "deblock"},
		{"prefilter=-1", good, "prefilter=\"-1\""},
		{"prefilter=300", good, "prefilter"},
		{"tta=2", good, "tta"},
		{"format=gif", good, "format"},
		{"model=/etc", good, "not a built-in"},
		{"model=bicubic%2B..%2Fckpt", good, "not a built-in"},
		{"model=emoji-base16", good, "not a built-in"},
		{"scal=2", good, "unknown parameter"},
		{"model=bicubic%2Bbicubic%2Bbicubic%2Bbicubic&scale=8", good, "at most 3"},
	} {
		r := post(t, ts.URL+"/v1/upscale?"+c.query, c.body)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", c.query, r.StatusCode)
			continue
		}
		if msg := errorOf(t, r); !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, want it to mention %q", c.query, msg, c.want)
		}
	}
}

// TestUpscaleTooLarge: a body above the byte limit and an image above the
// pixel limit (from its header) are 413, before any upscale.
func TestUpscaleTooLarge(t *testing.T) {
	s := newSlow()
	ts := httptest.NewServer(withSlow(s, Options{MaxBodyBytes: 2000, MaxPixels: 30 * 30}))
	defer ts.Close()
	for name, body := range map[string][]byte{
		"body":   append(pngBytes(t, 8, 8), make([]byte, 3000)...),
		"pixels": pngBytes(t, 31, 30),
	} {
		r := post(t, ts.URL+"/v1/upscale?scale=2", body)
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d, want 413", name, r.StatusCode)
			continue
		}
		t.Logf("%s: %s", name, errorOf(t, r))
	}
	// Without Content-Length (chunked) the body is cut at the limit too,
	// while the image is decoded: a 29x29 noise PNG (841 pixels) is above 2000 bytes.
	noise := image.NewNRGBA(image.Rect(0, 0, 29, 29))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.UintN(256))
	}
	var buf bytes.Buffer
	png.Encode(&buf, noise)
	if buf.Len() <= 2000 {
		t.Fatalf("noise PNG of %d bytes, want above the limit", buf.Len())
	}
	req, _ := http.NewRequest("POST", ts.URL+"/v1/upscale?scale=2", io.NopCloser(bytes.NewReader(buf.Bytes())))
	req.ContentLength = -1
	if r, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body of %d bytes: status %d, want 413", buf.Len(), r.StatusCode)
	}
	if len(s.started) != 0 {
		t.Errorf("the model ran %d times for refused requests", len(s.started))
	}
}

// TestUpscaleBusy: with a queue of 1, one job runs, one waits and the
// next is refused with 503; once they finish, requests are taken again.
func TestUpscaleBusy(t *testing.T) {
	s := newSlow()
	ts := httptest.NewServer(withSlow(s, Options{Queue: 1}))
	defer ts.Close()
	img := pngBytes(t, 8, 8)
	results := make(chan int, 2)
	for range 2 {
		go func() {
			r, err := http.Post(ts.URL+"/v1/upscale?scale=2", "image/png", bytes.NewReader(img))
			if err != nil {
				results <- 0
				return
			}
			r.Body.Close()
			results <- r.StatusCode
		}()
	}
	<-s.started // one runs
	waitFor(t, func() bool { return health(t, ts.URL)["admitted"] == 2.0 }, "two jobs admitted")
	r := post(t, ts.URL+"/v1/upscale?scale=2", img)
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("third request: status %d, want 503", r.StatusCode)
	} else if msg := errorOf(t, r); !strings.Contains(msg, "busy") {
		t.Errorf("503 error %q, want it to say busy", msg)
	}
	close(s.release)
	for range 2 {
		if code := <-results; code != 200 {
			t.Errorf("queued request: status %d, want 200", code)
		}
	}
	if r := post(t, ts.URL+"/v1/upscale?scale=2", img); r.StatusCode != 200 {
		t.Errorf("after the queue drained: status %d, want 200", r.StatusCode)
	}
}

// TestUpscaleClientCancel: a client that goes away stops its upscale (the
// model sees its context end) and frees its queue slot.
func TestUpscaleClientCancel(t *testing.T) {
	s := newSlow()
	ts := httptest.NewServer(withSlow(s, Options{}))
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/upscale?scale=2", bytes.NewReader(pngBytes(t, 8, 8)))
	done := make(chan error, 1)
	go func() {
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	<-s.started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want canceled", err)
	}
	waitFor(t, func() bool { return s.canceled.Load() == 1 }, "the model's context to end")
	waitFor(t, func() bool { return health(t, ts.URL)["admitted"] == 0.0 }, "the slot to be freed")
}

// TestUpscaleTimeout: a job past Options.Timeout is stopped and answered 504.
func TestUpscaleTimeout(t *testing.T) {
	s := newSlow()
	ts := httptest.NewServer(withSlow(s, Options{Timeout: 200 * time.Millisecond}))
	defer ts.Close()
	r := post(t, ts.URL+"/v1/upscale?scale=2", pngBytes(t, 8, 8))
	if r.StatusCode != http.StatusGatewayTimeout || s.canceled.Load() != 1 {
		t.Errorf("status %d, model cancelled %d times; want 504 and 1", r.StatusCode, s.canceled.Load())
	}
}

// TestJobsProgressAndResult: a job reports queued/running with progress,
// then done with its result; DELETE cancels another.
func TestJobsProgressAndResult(t *testing.T) {
	s := newSlow()
	ts := httptest.NewServer(withSlow(s, Options{}))
	defer ts.Close()
	r := post(t, ts.URL+"/v1/jobs?scale=4&steps=3&seed=9", pngBytes(t, 6, 5))
	var st Status
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil || r.StatusCode != http.StatusAccepted || st.ID == "" {
		t.Fatalf("create: status %d, %+v, %v", r.StatusCode, st, err)
	}
	if st.Scale != 4 || st.Steps != 3 || st.Seed != 9 || st.Width != 6 {
		t.Errorf("job %+v, want scale 4, steps 3, seed 9, width 6", st)
	}
	<-s.started
	waitFor(t, func() bool { st = jobStatus(t, ts.URL, st.ID); return st.Progress == 0.5 }, "progress 0.5")
	if st.State != StateRunning {
		t.Errorf("state %q at half, want running", st.State)
	}
	if r := get(t, ts.URL+"/v1/jobs/"+st.ID+"/result"); r.StatusCode != http.StatusConflict {
		t.Errorf("result while running: status %d, want 409", r.StatusCode)
	}
	close(s.release)
	waitFor(t, func() bool { st = jobStatus(t, ts.URL, st.ID); return st.State == StateDone }, "done")
	if st.Progress != 1 || st.OutW != 24 || st.OutH != 20 || st.Result == "" {
		t.Errorf("done: %+v, want progress 1, 24x20 and a result URL", st)
	}
	res := get(t, ts.URL+st.Result)
	if cfg, _, err := image.DecodeConfig(res.Body); err != nil || cfg.Width != 24 {
		t.Errorf("result: %v %v", cfg, err)
	}

	s2 := newSlow()
	ts2 := httptest.NewServer(withSlow(s2, Options{}))
	defer ts2.Close()
	r = post(t, ts2.URL+"/v1/jobs?scale=2", pngBytes(t, 6, 5))
	json.NewDecoder(r.Body).Decode(&st)
	<-s2.started
	req, _ := http.NewRequest("DELETE", ts2.URL+"/v1/jobs/"+st.ID, nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("DELETE: %v %v", r, err)
	}
	waitFor(t, func() bool { st = jobStatus(t, ts2.URL, st.ID); return st.State == StateCanceled }, "canceled")
	if s2.canceled.Load() != 1 {
		t.Error("DELETE did not stop the model")
	}
	if r := get(t, ts2.URL+"/v1/jobs/nope"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown job: status %d, want 404", r.StatusCode)
	}
}

// TestModelsHealthzPage: the listing endpoints and the embedded page,
// which loads nothing from elsewhere.
func TestModelsHealthzPage(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	var doc modelsDoc
	if err := json.NewDecoder(get(t, ts.URL+"/v1/models").Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range doc.Models {
		names[m.Name] = true
		if m.Kind != "sr" {
			t.Errorf("model %s of kind %s listed", m.Name, m.Kind)
		}
	}
	if !names["bicubic"] || !names["sr3-x4"] || doc.Defaults["4"] != "sr3-x4-real" {
		t.Errorf("models %v defaults %v", names, doc.Defaults)
	}
	if h := health(t, ts.URL); h["status"] != "ok" {
		t.Errorf("healthz %v", h)
	}
	page := get(t, ts.URL+"/")
	body, _ := io.ReadAll(page.Body)
	if page.StatusCode != 200 || !strings.Contains(string(body), `id="drop"`) {
		t.Fatalf("page: %d", page.StatusCode)
	}
	for _, ext := range []string{`src="http`, `href="http`, `url(http`, "@import", "cdn."} {
		if strings.Contains(string(body), ext) {
			t.Errorf("page refers to an external asset: %s", ext)
		}
	}
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Body.Close() })
	return r
}

func health(t *testing.T, url string) map[string]any {
	var h map[string]any
	if err := json.NewDecoder(get(t, url+"/healthz").Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func jobStatus(t *testing.T, url, id string) Status {
	var st Status
	if err := json.NewDecoder(get(t, url+"/v1/jobs/"+id).Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestOpenModelsBounded: at most MaxOpenModels upscalers stay open; the
// least recently used is dropped and reopened when asked for again.
func TestOpenModelsBounded(t *testing.T) {
	opens := 0
	ts := httptest.NewServer(New(Options{Open: func(o srcascade.Options) (*srcascade.Upscaler, error) {
		opens++
		return srcascade.Open(o)
	}}))
	defer ts.Close()
	img := pngBytes(t, 4, 4)
	for _, q := range []string{"model=bicubic&scale=2", "model=bicubic&scale=3", "model=bicubic&scale=4", "model=bicubic&scale=8",
		"model=bicubic&scale=2", "model=bicubic%2Bbicubic&scale=4", "model=bicubic&scale=3", "model=bicubic&scale=2"} {
		if r := post(t, ts.URL+"/v1/upscale?"+q, img); r.StatusCode != 200 {
			t.Fatalf("%s: status %d", q, r.StatusCode)
		}
	}
	// x2, x3, x4, x8 open; x2 is cached; the chain drops x3 (least
	// recently used), which is reopened; x2 is still open.
	if opens != 6 {
		t.Errorf("%d opens, want 6", opens)
	}
}

// TestCrossSiteRefused: a browser POST from another site's page is 403;
// the page's own requests (same host) and clients without Origin pass.
func TestCrossSiteRefused(t *testing.T) {
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()
	for origin, want := range map[string]int{"https://evil.example": http.StatusForbidden, ts.URL: http.StatusOK, "": http.StatusOK} {
		req, _ := http.NewRequest("POST", ts.URL+"/v1/upscale?model=bicubic&scale=2", bytes.NewReader(pngBytes(t, 4, 4)))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("Origin %q: status %d, want %d", origin, r.StatusCode, want)
		}
	}
}

// TestParseDenoiseDeblock: the denoise, deblock and prefilter parameters
// read as the CLI's flags do.
func TestParseDenoiseDeblock(t *testing.T) {
	for _, c := range []struct {
		query     string
		denoise   float64 // -1: automatic (nil)
		deblock   int
		prefilter float64
	}{
		{"", -1, 0, 0},
		{"denoise=auto&deblock=auto&prefilter=auto", -1, 0, 0},
		{"denoise=0", 0, 0, 0},
		{"denoise=0.25&deblock=off&prefilter=Off", 0.25, cascade.DeblockOff, cascade.PrefilterOff},
		{"deblock=75&prefilter=4.5", -1, 75, 4.5},
		{"prefilter=0", -1, 0, cascade.PrefilterOff},
		{"tta=1", -1, 0, 0},
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		req, err := parseRequest(q)
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		d := -1.0
		if req.opts.Denoise != nil {
			d = *req.opts.Denoise
		}
		if tta := strings.Contains(c.query, "tta=1"); req.opts.TTA != tta {
			t.Errorf("%q: TTA %v", c.query, req.opts.TTA)
		}
		if d != c.denoise || req.opts.Deblock != c.deblock || req.opts.Prefilter != c.prefilter {
			t.Errorf("%q: denoise %g, deblock %d, prefilter %g; want %g, %d, %g", c.query, d, req.opts.Deblock, req.opts.Prefilter, c.denoise, c.deblock, c.prefilter)
		}
	}
}
