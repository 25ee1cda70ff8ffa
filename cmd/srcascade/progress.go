package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// progress reports a batch on stderr: a one-line bar redrawn in place on a
// terminal (images done/total, current image and its sub-progress, ETA), one
// log line per image otherwise, nothing with -q. Failures and warnings are
// printed in every mode but quiet's, where the final summary lists them.
// It is safe for concurrent use.
type progress struct {
	statusLine
	total   int
	done    int
	began   time.Time
	current string  // image in the model step
	frac    float64 // its sub-progress, 0..1
	stepped bool    // a step reported progress: the network has compiled
	shown   float64 // images' worth the bar shows: it never goes back
	task    bool    // one named task (generate): no image counter
}

// newProgress makes the reporter for e's stderr.
func newProgress(e *env, quiet bool) *progress {
	p := &progress{}
	p.statusLine = newStatusLine(e, quiet, p.statusText)
	return p
}

// terminalWidth is $COLUMNS, else 80.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	return 80
}

// start begins a batch of total images.
func (p *progress) start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done, p.began, p.shown = total, 0, p.now(), 0
	p.redraw(true)
}

// skipped reports an input whose output exists.
func (p *progress) skipped(j job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet || p.tty {
		return // the summary counts them
	}
	fmt.Fprintf(p.w, "skip %s: %s exists\n", j.in, j.out)
}

// begin says that the model starts on name.
func (p *progress) begin(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current, p.frac = name, 0
	p.redraw(true)
}

// step is the cascade.Progress of the current image.
func (p *progress) step(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total > 0 {
		p.frac = min(1, max(0, float64(done)/float64(total)))
	}
	p.stepped = p.stepped || done > 0
	p.shown = max(p.shown, float64(p.done)+p.frac)
	p.redraw(false)
}

// end says that the model step of the current image is over (its output
// may still be waiting to be written).
func (p *progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current, p.frac = "", 0
	p.redraw(true)
}

// finish reports one image's outcome.
func (p *progress) finish(r result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.status == statusCanceled {
		return
	}
	p.done++
	if p.quiet {
		return
	}
	p.clear()
	switch {
	case r.status == statusFailed:
		fmt.Fprintf(p.w, "FAILED %s\n", errorLine(r))
	case !p.tty && r.note != "":
		fmt.Fprintf(p.w, "[%d/%d] %s: %s\n", p.done, p.total, r.in, r.note)
	case !p.tty:
		fmt.Fprintf(p.w, "[%d/%d] %s -> %s (%dx%d, %.2fs)\n", p.done, p.total, r.in, r.out, r.inW, r.inH, r.seconds)
	}
	p.redraw(true)
}

// statusText is the status line: the bar once a batch has started, else "".
func (p *progress) statusText(now time.Time) string {
	if p.total == 0 {
		return ""
	}
	return p.barLine(now)
}

// barLine renders "[=====>    ] 3/10 name 45% ETA 1m20s" to fit the width.
func (p *progress) barLine(now time.Time) string {
	// The bar counts finished images and the current one's share, and
	// never goes back (an image whose model step ended is being written).
	frac := min(1, max(p.shown, float64(p.done))/float64(p.total))
	const barW = 20
	filled := int(frac * barW)
	bar := strings.Repeat("=", filled)
	if filled < barW {
		bar += ">" + strings.Repeat(" ", barW-filled-1)
	}
	line := fmt.Sprintf("[%s] %d/%d", bar, p.done, p.total)
	if p.task {
		line = fmt.Sprintf("[%s]", bar)
	}
	if eta := p.eta(now); eta != "" {
		line += "  ETA " + eta
	}
	if p.current != "" {
		cur := fmt.Sprintf("  %s %d%%", p.current, int(p.frac*100))
		if !p.stepped {
			// The first call compiles the network (~25 s for sr3-x4).
			cur = fmt.Sprintf("  %s compiling", p.current)
		}
		if room := p.width - 1 - utf8.RuneCountInString(line); room > 10 {
			cur = truncateLeft(cur, room)
			line += cur
		}
	}
	return line
}

// eta estimates the time left from the average time per image so far,
// counting the share of the current image that is done (tile steps of the
// model), so a single large image has an ETA too.
func (p *progress) eta(now time.Time) string {
	progressed := float64(p.done)
	if p.current != "" {
		progressed += p.frac
	}
	if progressed <= 0 || p.done >= p.total {
		return ""
	}
	el := now.Sub(p.began)
	left := time.Duration(float64(el) * (float64(p.total) - progressed) / progressed)
	return formatDuration(left)
}

// formatDuration writes d as 45s, 3m20s or 2h05m.
func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
}

// truncateLeft keeps the last n runes of s, marking the cut with "…".
func truncateLeft(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "  …" + string(r[len(r)-(n-3):])
}

// outputsWhere says where the written outputs are, for the summary: ": FILE"
// for one, ", into FOLDER/" (their common folder) for several, "" for none.
func outputsWhere(results []result) string {
	var outs []string
	for _, r := range results {
		if r.status == statusDone && r.out != "" {
			outs = append(outs, r.out)
		}
	}
	switch len(outs) {
	case 0:
		return ""
	case 1:
		return ": " + outs[0]
	}
	common := filepath.Dir(outs[0])
	for _, o := range outs[1:] {
		for d := filepath.Dir(o); !within(d, common); {
			parent := filepath.Dir(common)
			if parent == common {
				break
			}
			common = parent
		}
	}
	return ", into " + strings.TrimSuffix(common, string(filepath.Separator)) + string(filepath.Separator)
}

// within reports whether path is dir or inside it (lexically).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// errorLine is a failure as the log and summary show it: the error, which
// names the file; prefixed by the input when it does not.
func errorLine(r result) string {
	msg := r.err.Error()
	if !strings.Contains(msg, r.in) {
		msg = r.in + ": " + msg
	}
	return msg
}

// summarize prints the end-of-run summary to w and returns the command's
// error: nil, a *failedError (exit 1) or errInterrupted (exit 130).
func summarize(w io.Writer, quiet bool, results []result, skipped int, elapsed time.Duration, interrupted bool) error {
	var done, canceled int
	failed := errorsOf(results)
	for _, r := range results {
		switch r.status {
		case statusDone:
			done++
		case statusCanceled, statusPending:
			canceled++
		}
	}
	if !quiet || len(failed) > 0 {
		parts := []string{fmt.Sprintf("%d upscaled", done)}
		if skipped > 0 {
			parts = append(parts, fmt.Sprintf("%d skipped (output exists; --overwrite to redo)", skipped))
		}
		if len(failed) > 0 {
			parts = append(parts, fmt.Sprintf("%d failed", len(failed)))
		}
		if canceled > 0 {
			parts = append(parts, fmt.Sprintf("%d not done (interrupted)", canceled))
		}
		fmt.Fprintf(w, "%s in %s%s\n", strings.Join(parts, ", "), formatDuration(elapsed), outputsWhere(results))
	}
	if len(failed) > 0 {
		fmt.Fprintln(w, "failed:")
		for _, r := range failed {
			fmt.Fprintf(w, "  %s\n", errorLine(r))
		}
	}
	switch {
	case interrupted:
		return errInterrupted
	case len(failed) > 0:
		return &failedError{failed: len(failed), total: len(results) + skipped}
	}
	return nil
}
