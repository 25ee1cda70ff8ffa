package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// statusLine is what the batch and the training progress reporters share:
// the stream they write to and, on a terminal, one status line redrawn in
// place, with log lines printed above it. -q (quiet) silences both. The
// reporters embed it, lock mu in their own methods, and give render.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	quiet bool
	width int
	now   func() time.Time
	// render returns the status line at now, or "" while there is none
	// (nothing started yet). It is called with mu held.
	render func(now time.Time) string

	drawn    bool      // a status line is on screen
	lastDraw time.Time // when it was drawn
}

// newStatusLine is the status line on e's stderr.
func newStatusLine(e *env, quiet bool, render func(time.Time) string) statusLine {
	return statusLine{w: e.stderr, tty: e.tty, quiet: quiet, width: e.width, now: time.Now, render: render}
}

// logf prints a message line (above the status line on a terminal).
func (s *statusLine) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line(fmt.Sprintf(format, args...))
}

// line prints a log line above the status line; mu is held.
func (s *statusLine) line(text string) {
	if s.quiet {
		return
	}
	s.clear()
	fmt.Fprintln(s.w, text)
	s.redraw(true)
}

// close removes the status line.
func (s *statusLine) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
}

// clear erases the status line (terminal only); mu is held.
func (s *statusLine) clear() {
	if s.drawn {
		fmt.Fprint(s.w, "\r\x1b[K")
		s.drawn = false
	}
}

// redraw draws the status line (terminal only), at most every 100 ms
// unless force; mu is held.
func (s *statusLine) redraw(force bool) {
	if !s.tty || s.quiet {
		return
	}
	now := s.now()
	if !force && now.Sub(s.lastDraw) < 100*time.Millisecond {
		return
	}
	text := s.render(now)
	if text == "" {
		return
	}
	s.lastDraw = now
	fmt.Fprint(s.w, "\r"+text+"\x1b[K")
	s.drawn = true
}
