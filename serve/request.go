package serve

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
)

// scales are the scales a request may ask for.
var scales = []int{2, 3, 4, 8}

// params are the query parameters of an upscale request.
var params = []string{"scale", "outscale", "width", "height", "model", "steps", "seed", "strength", "denoise", "deblock", "prefilter", "tta", "format"}

// request is a parsed upscale request: the options, resolved, and the
// output format ("png" or "jpeg").
type request struct {
	opts   srcascade.Options
	format string
}

// parseRequest reads the query of an upscale or job request. Every
// problem is a 400 naming the parameter.
func parseRequest(q url.Values) (request, error) {
	var req request
	for k := range q {
		if !slices.Contains(params, k) {
			return req, errorf(http.StatusBadRequest, "unknown parameter %q (parameters: %s)", k, strings.Join(params, ", "))
		}
	}
	var err error
	if v := q.Get("scale"); v != "" {
		if req.opts.Scale, err = strconv.Atoi(v); err != nil || !slices.Contains(scales, req.opts.Scale) {
			return req, errorf(http.StatusBadRequest, "scale=%q: must be 2, 3, 4 or 8", v)
		}
	}
	if req.opts.Target, err = parseTarget(q); err != nil {
		return req, err
	}
	if req.opts.Target != (cascade.Target{}) && req.opts.Scale != 0 {
		return req, errorf(http.StatusBadRequest, "scale with outscale/width/height: ask for one size")
	}
	if v := q.Get("steps"); v != "" {
		if req.opts.Steps, err = strconv.Atoi(v); err != nil || req.opts.Steps < 0 || req.opts.Steps > sr3.MaxSteps {
			return req, errorf(http.StatusBadRequest, "steps=%q: must be 0 (the model's default) to %d", v, sr3.MaxSteps)
		}
	}
	if v := q.Get("seed"); v != "" {
		if req.opts.Seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return req, errorf(http.StatusBadRequest, "seed=%q: must be an integer", v)
		}
	}
	if v := q.Get("strength"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return req, errorf(http.StatusBadRequest, "strength=%q: must be between 0 (the model's default) and 1", v)
		}
		req.opts.Strength = f
	}
	if req.opts.Denoise, err = parseSetting(q, "denoise", cascade.ParseDenoise); err != nil {
		return req, err
	}
	if req.opts.Deblock, err = parseSetting(q, "deblock", cascade.ParseDeblock); err != nil {
		return req, err
	}
	if req.opts.Prefilter, err = parseSetting(q, "prefilter", cascade.ParsePrefilter); err != nil {
		return req, err
	}
	switch v := strings.ToLower(q.Get("tta")); v {
	case "", "0", "false", "off":
	case "1", "true", "on":
		req.opts.TTA = true
	default:
		return req, errorf(http.StatusBadRequest, "tta=%q: must be 1 (average the image's mirror images: 4x the time) or 0", q.Get("tta"))
	}
	switch v := strings.ToLower(q.Get("format")); v {
	case "", "png":
		req.format = "png"
	case "jpg", "jpeg":
		req.format = "jpeg"
	default:
		return req, errorf(http.StatusBadRequest, "format=%q: must be png or jpg", q.Get("format"))
	}
	req.opts.Model = q.Get("model")
	if req.opts.Model != "" {
		// Only built-in models: a request must not open folders on the
		// server's disk.
		parts := strings.Split(req.opts.Model, pretrained.ChainSep)
		if len(parts) > MaxChain {
			return req, errorf(http.StatusBadRequest, "model=%q: a chain of %d models; at most %d", req.opts.Model, len(parts), MaxChain)
		}
		for _, part := range parts {
			if !slices.Contains(pretrained.Names(), part) {
				return req, errorf(http.StatusBadRequest, "model=%q: %q is not a built-in super-resolution model (%s; see GET /v1/models)",
					req.opts.Model, part, strings.Join(pretrained.Names(), ", "))
			}
		}
	}
	req.opts = req.opts.Resolved()
	return req, nil
}

// parseSetting reads the parameter name as the CLI's flag of that name
// does (parse, one of cascade's Parse* functions), in any case ("AUTO",
// "Off"); absent is automatic (T's zero value).
func parseSetting[T any](q url.Values, name string, parse func(string) (T, error)) (T, error) {
	var zero T
	v := q.Get(name)
	if v == "" {
		return zero, nil
	}
	x, err := parse(strings.ToLower(v))
	if err != nil {
		return zero, errorf(http.StatusBadRequest, "%s=%q: %v", name, v, err)
	}
	return x, nil
}

// parseTarget reads outscale (any factor >= 1, e.g. 3.5), width and
// height (pixels; one alone keeps the aspect ratio) into a Target, as
// the CLI's --outscale, --width and --height (srcascade.Options.Target).
func parseTarget(q url.Values) (cascade.Target, error) {
	var t cascade.Target
	if v := q.Get("outscale"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 1 {
			return t, errorf(http.StatusBadRequest, "outscale=%q: must be a factor of 1 or more, such as 3.5", v)
		}
		t.Factor = f
	}
	for _, side := range []struct {
		name string
		to   *int
	}{{"width", &t.Width}, {"height", &t.Height}} {
		if v := q.Get(side.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return t, errorf(http.StatusBadRequest, "%s=%q: must be a number of pixels above 0", side.name, v)
			}
			*side.to = n
		}
	}
	if t != (cascade.Target{}) {
		if err := t.Check(); err != nil {
			return t, errorf(http.StatusBadRequest, "outscale/width/height: %v", err)
		}
	}
	return t, nil
}

// checkSize refuses, before the image is queued, an output of req's size
// above srcascade.MaxOutputPixels (413) or a size that cannot be asked of
// a w x h image (400).
func checkSize(req request, w, h int) error {
	t := req.opts.Target
	if t == (cascade.Target{}) {
		return srcascade.CheckOutputSize("image", w, h, req.opts.Scale)
	}
	ow, oh, err := t.Size(w, h, 0)
	if err != nil {
		return errorf(http.StatusBadRequest, "image: %v", err)
	}
	if int64(ow)*int64(oh) > srcascade.MaxOutputPixels {
		return fmt.Errorf("image: %dx%d to %s would be %dx%d, above the %d MP limit: %w",
			w, h, t, ow, oh, srcascade.MaxOutputPixels/1_000_000, srcascade.ErrOutputTooLarge)
	}
	return nil
}

// sizeText is the size req asks, as logs and file names write it: "x4",
// "x3.5", "w1920", "1920x1080".
func sizeText(o srcascade.Options) string {
	if o.Target != (cascade.Target{}) {
		return o.Target.String()
	}
	return "x" + strconv.Itoa(o.Scale)
}

// readImage decodes the request body, bounded by the server's limits: a
// body above MaxBodyBytes or an image above MaxPixels (from its header,
// before the pixels are decoded) is a 413, an unreadable image a 400.
func (s *Server) readImage(w http.ResponseWriter, r *http.Request) (*data.Decoded, error) {
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, errorf(http.StatusRequestEntityTooLarge, "request body of %d bytes: above the limit of %d bytes", r.ContentLength, s.opts.MaxBodyBytes)
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	d, err := data.Decode(body, data.Limits{MaxPixels: s.opts.MaxPixels})
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, errorf(http.StatusRequestEntityTooLarge, "request body above the limit of %d bytes", s.opts.MaxBodyBytes)
	case errors.Is(err, data.ErrTooLarge):
		return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Errorf("%w (the server takes at most %d pixels)", err, s.opts.MaxPixels)}
	case err != nil:
		return nil, &httpError{http.StatusBadRequest, err}
	}
	return d, nil
}
