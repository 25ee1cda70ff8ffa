package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// Job states, as GET /v1/jobs/{id} reports them.
const (
	StateQueued   = "queued"
	StateRunning  = "running"
	StateDone     = "done"
	StateFailed   = "failed"
	StateCanceled = "canceled"
)

// job is one upscale: its request, state and progress, and its result.
type job struct {
	id     string
	req    request
	in     *data.Decoded // nil once the job has finished
	inW    int
	inH    int
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	state       string
	done, total int
	err         error
	result      []byte
	outW, outH  int
	finished    time.Time
}

// Status is the JSON of GET /v1/jobs/{id}.
type Status struct {
	ID       string  `json:"id"`
	State    string  `json:"state"`
	Progress float64 `json:"progress"` // 0..1
	Done     int     `json:"done"`
	Total    int     `json:"total"`
	Model    string  `json:"model"`
	Scale    int     `json:"scale"` // 0 with outscale, width or height
	Size     string  `json:"size"`  // the size asked: x4, x3.5, w1920, h1080, 1920x1080
	Steps    int     `json:"steps"`
	Seed     int64   `json:"seed"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	OutW     int     `json:"out_width,omitempty"`
	OutH     int     `json:"out_height,omitempty"`
	Format   string  `json:"format"`
	Error    string  `json:"error,omitempty"`
	Result   string  `json:"result,omitempty"` // URL of the image once done
}

// status reports j.
func (j *job) status() Status {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := Status{ID: j.id, State: j.state, Done: j.done, Total: j.total,
		Model: j.req.opts.Model, Scale: j.req.opts.Scale, Size: sizeText(j.req.opts), Steps: j.req.opts.Steps, Seed: j.req.opts.Seed,
		Width: j.inW, Height: j.inH, OutW: j.outW, OutH: j.outH, Format: j.req.format}
	if j.total > 0 {
		st.Progress = float64(j.done) / float64(j.total)
	}
	if j.state == StateDone {
		st.Progress, st.Result = 1, "/v1/jobs/"+j.id+"/result"
	}
	if j.err != nil {
		st.Error = j.err.Error()
	}
	return st
}

// setState moves j to state.
func (j *job) setState(state string) {
	j.mu.Lock()
	j.state = state
	j.mu.Unlock()
}

// admit parses an upscale request, takes a queue slot (503 when the queue
// is full) and decodes the image; the caller releases the slot with
// s.release once the job has finished.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, parent context.Context) (*job, error) {
	req, err := parseRequest(r.URL.Query())
	if err != nil {
		return nil, err
	}
	if s.ctx.Err() != nil {
		return nil, errorf(http.StatusServiceUnavailable, "the server is shutting down")
	}
	select {
	case s.slots <- struct{}{}:
	default:
		return nil, errorf(http.StatusServiceUnavailable, "busy: %d jobs are running or queued, the limit; retry later", cap(s.slots))
	}
	in, err := s.readImage(w, r)
	if err == nil {
		err = checkSize(req, in.Image.W, in.Image.H)
	}
	if err != nil {
		<-s.slots
		return nil, err
	}
	ctx, cancel := context.WithTimeout(parent, s.opts.Timeout)
	return &job{req: req, in: in, inW: in.Image.W, inH: in.Image.H, ctx: ctx, cancel: cancel, state: StateQueued}, nil
}

// execute runs j: it waits for the model (or the end of j's context),
// upscales with progress and encodes the result, then releases j's queue
// slot. Its error is j.err.
func (s *Server) execute(j *job) {
	defer func() {
		j.cancel()
		j.mu.Lock()
		j.in = nil // free the pixels
		j.mu.Unlock()
		<-s.slots
	}()
	start := time.Now()
	err := s.work(j)
	j.mu.Lock()
	j.finished = time.Now()
	switch {
	case err == nil:
		j.state = StateDone
	case errors.Is(err, context.Canceled):
		j.state, j.err = StateCanceled, err
	default:
		j.state, j.err = StateFailed, err
	}
	line := fmt.Sprintf("%dx%d %s %s: %s in %.1fs", j.inW, j.inH, sizeText(j.req.opts), j.req.opts.Model, j.state, time.Since(start).Seconds())
	if j.err != nil {
		line += " (" + j.err.Error() + ")"
	}
	j.mu.Unlock()
	if s.opts.Logf != nil {
		s.opts.Logf("%s", line)
	}
	s.mu.Lock()
	s.sweepLocked()
	s.mu.Unlock()
}

// work is execute's upscale and encode.
func (s *Server) work(j *job) error {
	up, err := s.upscaler(j.req.opts)
	if err != nil {
		return err
	}
	select {
	case s.run <- struct{}{}:
	case <-j.ctx.Done():
		return j.ctx.Err()
	}
	s.mu.Lock()
	s.running++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
		<-s.run
	}()
	j.setState(StateRunning)
	sampling := j.req.opts
	sampling.Model, sampling.Scale, sampling.Backend, sampling.Target = "", 0, "", cascade.Target{} // up's own
	if err := up.CheckSize("image", j.in.Image.W, j.in.Image.H); err != nil {
		if errors.Is(err, srcascade.ErrOutputTooLarge) {
			return err // 413
		}
		return &httpError{http.StatusBadRequest, err} // a size the model cannot make of this image
	}
	out, err := up.UpscaleWith(j.ctx, j.in, sampling, func(done, total int) {
		j.mu.Lock()
		j.done, j.total = done, total
		j.mu.Unlock()
	})
	if err != nil {
		if j.ctx.Err() != nil {
			return j.ctx.Err()
		}
		return err
	}
	var buf bytes.Buffer
	if err := data.Encode(&buf, out, data.EncodeOptions{Format: j.req.format, Comment: comment(j.req)}); err != nil {
		return fmt.Errorf("encode %s: %w", j.req.format, err)
	}
	j.mu.Lock()
	j.result, j.outW, j.outH = buf.Bytes(), out.Image.W, out.Image.H
	j.mu.Unlock()
	return nil
}

// comment is the request recorded in the output file.
func comment(req request) string {
	o := req.opts
	return fmt.Sprintf("srcascade serve %s; model %s; seed %d; steps %d; strength %g", sizeText(o), o.Model, o.Seed, o.Steps, o.Strength)
}

// contentType is the MIME type of format.
func contentType(format string) string {
	if format == "jpeg" {
		return "image/jpeg"
	}
	return "image/png"
}

// upscale is POST /v1/upscale: the job runs in the request, bound to its
// context (a client that goes away cancels it), and the answer is the image.
func (s *Server) upscale(w http.ResponseWriter, r *http.Request) {
	j, err := s.admit(w, r, r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	s.execute(j)
	if j.err != nil {
		writeError(w, j.err)
		return
	}
	w.Header().Set("Content-Type", contentType(j.req.format))
	w.Header().Set("Content-Length", strconv.Itoa(len(j.result)))
	w.Header().Set("X-Srcascade-Model", j.req.opts.Model)
	_, _ = w.Write(j.result)
}

// createJob is POST /v1/jobs: the job runs in the background (until done,
// Options.Timeout, DELETE or Close); the answer is 202 with its status.
func (s *Server) createJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.admit(w, r, s.ctx)
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	s.nextID++
	j.id = strconv.FormatUint(s.nextID, 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	s.jobs[j.id] = j
	s.sweepLocked()
	s.mu.Unlock()
	go s.execute(j)
	w.Header().Set("Location", "/v1/jobs/"+j.id)
	writeJSON(w, http.StatusAccepted, j.status())
}

// sweepLocked drops finished jobs older than Options.Keep, and the oldest
// finished ones beyond DefaultMaxJobs. s.mu is held.
func (s *Server) sweepLocked() {
	type ended struct {
		id    string
		at    time.Time
		bytes int
	}
	var finished []ended
	total := 0
	for id, j := range s.jobs {
		j.mu.Lock()
		f, n := j.finished, len(j.result)
		j.mu.Unlock()
		switch {
		case f.IsZero():
		case time.Since(f) > s.opts.Keep:
			delete(s.jobs, id)
		default:
			finished = append(finished, ended{id, f, n})
			total += n
		}
	}
	sort.Slice(finished, func(a, b int) bool { return finished[a].at.Before(finished[b].at) })
	for len(finished) > DefaultMaxJobs || total > MaxResultBytes {
		delete(s.jobs, finished[0].id)
		total -= finished[0].bytes
		finished = finished[1:]
	}
}

// findJob returns the job of the request's {id}, or a 404.
func (s *Server) findJob(r *http.Request) (*job, error) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, errorf(http.StatusNotFound, "job %q: no such job (finished jobs are kept %s)", id, s.opts.Keep)
	}
	return j, nil
}

// jobStatus is GET /v1/jobs/{id}.
func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, j.status())
}

// jobResult is GET /v1/jobs/{id}/result: the image of a done job; 409 for
// one not done (with its state), the job's error for a failed one.
func (s *Server) jobResult(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r)
	if err != nil {
		writeError(w, err)
		return
	}
	j.mu.Lock()
	state, result, jerr := j.state, j.result, j.err
	j.mu.Unlock()
	switch {
	case state == StateDone:
		w.Header().Set("Content-Type", contentType(j.req.format))
		w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=\"upscaled_%s.%s\"", sizeText(j.req.opts), map[string]string{"png": "png", "jpeg": "jpg"}[j.req.format]))
		_, _ = w.Write(result)
	case jerr != nil:
		writeError(w, jerr)
	default:
		writeError(w, errorf(http.StatusConflict, "job %s is %s: no result yet", j.id, state))
	}
}

// cancelJob is DELETE /v1/jobs/{id}: it stops the job (queued or running)
// and answers its status.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r)
	if err != nil {
		writeError(w, err)
		return
	}
	j.cancel()
	writeJSON(w, http.StatusOK, j.status())
}
