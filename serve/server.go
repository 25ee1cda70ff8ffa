// Package serve is srcascade's local web app and HTTP API (`srcascade
// serve`): one handler that upscales images sent to it with the library
// call the CLI uses (srcascade.Upscaler), queues them on the model with a
// bounded queue, reports progress per job and serves an embedded page
// (drop images, choose model, scale, steps, denoise level, deblocking and
// start strength, watch the progress, compare before and after with a
// slider, download).
//
// The API:
//
//	POST   /v1/upscale?scale=S&model=M&steps=N&seed=K&strength=F&denoise=auto|L&deblock=auto|off|Q&prefilter=auto|off|SIGMA&tta=0|1&format=png|jpg
//	       body: the image bytes; answers the upscaled image
//	POST   /v1/jobs?...same parameters...   body: the image; answers 202 {"id": ...}
//	GET    /v1/jobs/{id}          the job's state and progress (JSON)
//	GET    /v1/jobs/{id}/result   the upscaled image once the job is done
//	DELETE /v1/jobs/{id}          cancels the job
//	GET    /v1/models             the built-in super-resolution models (JSON)
//	GET    /healthz               {"status": "ok", ...}
//
// Errors are JSON, {"error": "..."}, with a status: 400 a bad image or
// parameter, 403 a cross-site browser request, 404 an unknown job, 413 a body or image above the limits
// (checked before the pixels are decoded), 503 the queue is full, 504 the
// job ran past Options.Timeout. A client that goes away cancels its
// upscale.
package serve

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/pretrained"
)

// Defaults of Options' zero fields.
const (
	DefaultMaxBodyBytes = 32 << 20         // 32 MiB of request body
	DefaultMaxPixels    = 4_194_304        // 2048x2048 input pixels
	DefaultQueue        = 8                // jobs waiting behind the running one
	DefaultTimeout      = 10 * time.Minute // per job, waiting included
	DefaultKeep         = 10 * time.Minute // a finished job's result is kept this long
	DefaultMaxJobs      = 32               // finished jobs kept at most
	// MaxResultBytes bounds the encoded results of finished jobs kept
	// together; the oldest are dropped first.
	MaxResultBytes = 1 << 30
	// MaxOpenModels bounds the upscalers (model and scale) kept open,
	// each with its weights and compiled network; the least recently
	// used is closed first.
	MaxOpenModels = 4
	// MaxChain bounds the models of a chain a request may ask for.
	MaxChain = 3
)

// Options configure a Server; the zero value serves the built-in models
// on the automatic backend with the defaults above.
type Options struct {
	// Backend is the compute backend of learned models (see
	// srcascade.Options.Backend).
	Backend string
	// MaxBodyBytes bounds a request body; 0 = DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxPixels bounds an input image's pixels, checked from its header
	// before decoding; 0 = DefaultMaxPixels.
	MaxPixels int64
	// Queue is how many jobs may wait behind the running one before new
	// ones are refused with 503; 0 = DefaultQueue.
	Queue int
	// Timeout bounds a job from its arrival (waiting included); 0 =
	// DefaultTimeout.
	Timeout time.Duration
	// Keep is how long a finished job's result stays for GET
	// /v1/jobs/{id}/result; 0 = DefaultKeep. At most DefaultMaxJobs
	// finished jobs are kept, the oldest dropped first.
	Keep time.Duration
	// Open opens the upscaler for a request's model and scale (its other
	// fields are the request's sampling); nil = srcascade.Open. Tests
	// inject slow or failing upscalers here (srcascade.New).
	Open func(srcascade.Options) (*srcascade.Upscaler, error)
	// Logf, when set, receives one line per finished job (the CLI prints
	// them on standard error).
	Logf func(format string, args ...any)
}

// Server is the HTTP handler of srcascade serve. It is safe for
// concurrent use; Close cancels the jobs in flight.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	slots   chan struct{} // one per admitted job (running or waiting)
	run     chan struct{} // one per running job: the model runs one image at a time
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	models  map[modelKey]*srcascade.Upscaler
	used    []modelKey // models' keys, least recently used first
	jobs    map[string]*job
	nextID  uint64
	running int
}

// modelKey identifies an opened upscaler.
type modelKey struct {
	model  string
	scale  int
	target cascade.Target
}

//go:embed web
var webFS embed.FS

// New returns a Server with opts (zero fields take the defaults).
func New(opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = DefaultMaxPixels
	}
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Open == nil {
		opts.Open = srcascade.Open
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts: opts, mux: http.NewServeMux(),
		slots: make(chan struct{}, opts.Queue+1), run: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel,
		models: map[modelKey]*srcascade.Upscaler{}, jobs: map[string]*job{},
	}
	web, _ := fs.Sub(webFS, "web")
	s.mux.Handle("GET /", http.FileServerFS(web))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /v1/models", s.listModels)
	s.mux.HandleFunc("POST /v1/upscale", s.upscale)
	s.mux.HandleFunc("POST /v1/jobs", s.createJob)
	s.mux.HandleFunc("GET /v1/jobs/{id}", s.jobStatus)
	s.mux.HandleFunc("GET /v1/jobs/{id}/result", s.jobResult)
	s.mux.HandleFunc("DELETE /v1/jobs/{id}", s.cancelJob)
	return s
}

// ServeHTTP serves the API and the page. A request that changes state
// (POST, DELETE) sent by a browser from another site (its Origin header
// names another host than the request's) is refused with 403, so a web
// page elsewhere cannot make the visitor's browser queue work here.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		writeError(w, errorf(http.StatusForbidden, "cross-site request from %s refused", r.Header.Get("Origin")))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether r has no Origin header (curl, Go clients) or
// one whose host is the request's Host.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// Close cancels every job in flight; the handler answers new jobs with 503.
func (s *Server) Close() { s.cancel() }

// httpError is an error with the HTTP status it is answered with.
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// errorf makes an httpError.
func errorf(status int, format string, args ...any) error {
	return &httpError{status: status, err: fmt.Errorf(format, args...)}
}

// statusOf is the HTTP status an error is answered with: an httpError's,
// 504 for a job past its time, 500 otherwise.
func statusOf(err error) int {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, srcascade.ErrOutputTooLarge):
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client may be gone
}

// writeError answers {"error": err} with err's status.
func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
}

// healthz answers {"status": "ok"} with the queue's state.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	running := s.running
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "admitted": len(s.slots), "running": running, "queue_limit": s.opts.Queue,
	})
}

// modelsDoc is the answer of GET /v1/models.
type modelsDoc struct {
	Models   []pretrained.Info `json:"models"`
	Defaults map[string]string `json:"defaults"` // scale ("4") -> model used without model=
	Scales   []int             `json:"scales"`
}

// listModels answers the built-in super-resolution models and the default
// model per scale.
func (s *Server) listModels(w http.ResponseWriter, _ *http.Request) {
	doc := modelsDoc{Defaults: map[string]string{}, Scales: scales}
	for _, m := range pretrained.List() {
		if m.Kind == pretrained.KindSR {
			doc.Models = append(doc.Models, m)
		}
	}
	for _, sc := range scales {
		doc.Defaults[fmt.Sprint(sc)] = pretrained.Default(sc)
	}
	writeJSON(w, http.StatusOK, doc)
}

// upscaler returns the opened upscaler for the model and scale (or Target) of o,
// opening it on first use.
func (s *Server) upscaler(o srcascade.Options) (*srcascade.Upscaler, error) {
	key := modelKey{o.Model, o.Scale, o.Target}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used = slices.DeleteFunc(s.used, func(k modelKey) bool { return k == key })
	if u, ok := s.models[key]; ok {
		s.used = append(s.used, key)
		return u, nil
	}
	u, err := s.opts.Open(srcascade.Options{Model: o.Model, Scale: o.Scale, Target: o.Target, Backend: s.opts.Backend})
	if err != nil {
		if errors.Is(err, pretrained.ErrUnknownModel) || errors.Is(err, pretrained.ErrBaseModel) || errors.Is(err, pretrained.ErrScale) ||
			errors.Is(err, srcascade.ErrTarget) {
			return nil, &httpError{http.StatusBadRequest, err}
		}
		return nil, err
	}
	// A job still running on an upscaler dropped here keeps it until it
	// ends; the garbage collector frees it after.
	for len(s.used) >= MaxOpenModels {
		delete(s.models, s.used[0])
		s.used = s.used[1:]
	}
	s.models[key] = u
	s.used = append(s.used, key)
	return u, nil
}
