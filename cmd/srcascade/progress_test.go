package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable clock for the progress reporter.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&env{stderr: &buf}, false)
	p.start(3)
	p.skipped(job{in: "s.png", out: "s_x4.png"})
	p.begin("a.png")
	p.step(1, 2)
	p.finish(result{job: job{in: "a.png", out: "a_x4.png"}, status: statusDone, inW: 10, inH: 20, seconds: 1.5})
	p.finish(result{job: job{in: "b.png"}, status: statusFailed, err: errors.New("b.png: decode png: file is truncated")})
	p.finish(result{job: job{in: "c.png"}, status: statusFailed, err: errors.New("boom")})
	p.close()
	want := "skip s.png: s_x4.png exists\n" +
		"[1/3] a.png -> a_x4.png (10x20, 1.50s)\n" +
		"FAILED b.png: decode png: file is truncated\n" +
		"FAILED c.png: boom\n"
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestProgressQuiet(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&env{stderr: &buf, tty: true, width: 80}, true)
	p.start(2)
	p.logf("warning: x")
	p.begin("a.png")
	p.finish(result{job: job{in: "a.png"}, status: statusFailed, err: errors.New("bad")})
	p.close()
	if buf.Len() != 0 {
		t.Errorf("quiet progress wrote %q", buf.String())
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgress(&env{stderr: &buf, tty: true, width: 60}, false)
	p.now = clock.now
	p.start(4)
	if line := p.barLine(clock.t); line != "[>                   ] 0/4" {
		t.Errorf("bar = %q before any image", line)
	}
	clock.t = clock.t.Add(10 * time.Second)
	p.finish(result{job: job{in: "a.png"}, status: statusDone})
	p.begin("some/long/folder/name/b.png")
	clock.t = clock.t.Add(10 * time.Second)
	p.step(1, 2)
	line := p.barLine(clock.t)
	// 1.5 of 4 images (the current one half done) in 20 s: 2.5 left at
	// 13.3 s each; the bar shows the 1.5.
	if !strings.HasPrefix(line, "[=======>            ] 1/4  ETA 33s") {
		t.Errorf("bar = %q", line)
	}
	if !strings.HasSuffix(line, "b.png 50%") || len([]rune(line)) > 59 {
		t.Errorf("bar %q should end with the current image and fit in 59 columns", line)
	}
	out := buf.String()
	if !strings.Contains(out, "\r") || !strings.Contains(out, "\x1b[K") {
		t.Errorf("terminal output %q should redraw in place", out)
	}
	p.logf("warning: %s", "w")
	if !strings.Contains(buf.String(), "\r\x1b[Kwarning: w\n") {
		t.Errorf("messages should clear the bar first: %q", buf.String())
	}
	p.end()
	if line := p.barLine(clock.t); strings.Contains(line, "b.png") {
		t.Errorf("bar %q still shows the image after its model step ended", line)
	}
	p.close()
	if !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Errorf("close should erase the bar: %q", buf.String())
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 59 * time.Second: "59s", 61 * time.Second: "1m01s", 3599 * time.Second: "59m59s", 7500 * time.Second: "2h05m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	ok := result{job: job{in: "a.png"}, status: statusDone}
	bad := result{job: job{in: "b.png"}, status: statusFailed, err: errors.New("b.png: decode image: empty file")}
	cut := result{job: job{in: "c.png"}, status: statusCanceled}

	var buf bytes.Buffer
	if err := summarize(&buf, false, []result{ok}, 2, time.Second, false); err != nil {
		t.Errorf("all done: %v", err)
	}
	if want := "1 upscaled, 2 skipped (output exists; --overwrite to redo) in 1s\n"; buf.String() != want {
		t.Errorf("summary %q, want %q", buf.String(), want)
	}

	buf.Reset()
	err := summarize(&buf, true, []result{ok, bad}, 0, time.Second, false)
	var fe *failedError
	if !errors.As(err, &fe) || fe.failed != 1 || fe.total != 2 {
		t.Errorf("one failure: %v", err)
	}
	if !strings.Contains(buf.String(), "failed:\n  b.png: decode image: empty file\n") {
		t.Errorf("quiet summary must still list failures: %q", buf.String())
	}

	buf.Reset()
	if err := summarize(&buf, false, []result{ok, cut}, 0, time.Second, true); !errors.Is(err, errInterrupted) {
		t.Errorf("interrupted: %v", err)
	}
	if !strings.Contains(buf.String(), "1 not done (interrupted)") {
		t.Errorf("summary %q should count the unfinished", buf.String())
	}
}

// TestProgressETASingleImage checks that one large image gets an ETA from
// its own progress (tile steps done), before any image has finished.
func TestProgressETASingleImage(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgress(&env{stderr: &buf, tty: true, width: 80}, false)
	p.now = clock.now
	p.start(1)
	p.begin("big.png")
	if line := p.barLine(clock.t); strings.Contains(line, "ETA") {
		t.Errorf("bar = %q: an ETA before any progress", line)
	}
	clock.t = clock.t.Add(10 * time.Second)
	p.step(1, 4)
	// A quarter in 10 s: 30 s left.
	if line := p.barLine(clock.t); !strings.Contains(line, "0/1  ETA 30s") || !strings.HasSuffix(line, "big.png 25%") {
		t.Errorf("bar = %q", line)
	}
}
