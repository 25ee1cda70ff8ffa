package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// requestPrefix starts the record of the request every upscale output
// carries (a PNG tEXt Comment, a JPEG COM segment; data.EncodeOptions).
const requestPrefix = "srcascade upscale"

// request is the record of what makes an output of this command line: the
// model (a checkpoint folder by its absolute path), scale and sampling
// options, and the JPEG quality of a JPEG. An existing output is skipped
// only when it carries the same record.
func (o *upscaleOptions) request(format string) string {
	m := o.Model
	model := m.Model
	if st, err := os.Stat(model); err == nil && st.IsDir() {
		model = absPath(model)
	}
	sampler, cond := m.Sampler, "auto"
	if sampler == "" {
		sampler = "default"
	}
	if m.CondNoise != nil {
		cond = fmt.Sprintf("%g", *m.CondNoise)
	}
	if !o.ModelGiven && o.Target != (cascade.Target{}) {
		model = "default"
	}
	r := fmt.Sprintf("%s %s; model %s; seed %d; steps %d; sampler %s; eta %g; strength %g; tile %d; cond-noise %s",
		requestPrefix, o.sizeTag(), model, m.Seed, m.Steps, sampler, m.Eta, m.Strength, m.Tile, cond)
	if m.Denoise != nil {
		r += fmt.Sprintf("; denoise %g", *m.Denoise)
	}
	if m.Deblock != 0 {
		r += "; deblock " + cascade.DeblockString(m.Deblock)
	}
	if m.Prefilter != 0 {
		r += "; prefilter " + cascade.PrefilterString(m.Prefilter)
	}
	if m.Consistency {
		r += "; consistency"
	}
	if m.TTA {
		r += "; tta"
	}
	if format == "jpeg" {
		r += fmt.Sprintf("; jpeg quality %d", o.Quality)
	}
	return sanitizeComment(r)
}

// sanitizeComment replaces what a file comment cannot hold (see
// data.EncodeOptions.Comment) with '?', and cuts it to data.MaxComment.
func sanitizeComment(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	if len(b) > data.MaxComment {
		b = b[:data.MaxComment]
	}
	return string(b)
}

// existingOutput is what to do with an output file that exists.
type existingOutput int

const (
	outputSame    existingOutput = iota // made by the same request: skip it
	outputOther                         // made by another srcascade request: redo it
	outputForeign                       // not made by srcascade upscale: keep it
)

// classifyOutput reads the request recorded in the existing output path
// and compares it with want; other is the record found, if any.
func classifyOutput(path, want string) (kind existingOutput, other string) {
	rec, ok, err := data.ReadComment(path)
	switch {
	case err != nil || !ok || !strings.HasPrefix(rec, requestPrefix):
		return outputForeign, ""
	case rec == want:
		return outputSame, rec
	}
	return outputOther, rec
}
