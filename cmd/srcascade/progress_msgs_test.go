package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgressSingleImageBarFills is issue 12's item 13: the bar of a
// single image fills with its own progress (it stayed empty at 0/1 while
// the percentage climbed), and never goes back when the image ends.
func TestProgressSingleImageBarFills(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgress(&env{stderr: &bytes.Buffer{}, tty: true, width: 80}, false)
	p.now = clock.now
	p.start(1)
	p.begin("big.png")
	p.step(1, 2)
	if line := p.barLine(clock.t); !strings.HasPrefix(line, "[==========>         ] 0/1") {
		t.Errorf("half of the only image: bar = %q", line)
	}
	p.step(2, 2)
	p.end() // encoding: the image is not finished yet
	if line := p.barLine(clock.t); !strings.HasPrefix(line, "[====================] 0/1") {
		t.Errorf("after the model step, before the write: bar = %q, want it full, not back to empty", line)
	}
}

// TestProgressSaysCompiling: before the first step of the run reports
// progress (the network compiles on its first call, ~25 s), the bar says
// so instead of sitting at 0%; later images show their percentage.
func TestProgressSaysCompiling(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgress(&env{stderr: &bytes.Buffer{}, tty: true, width: 100}, false)
	p.now = clock.now
	p.start(2)
	p.begin("a.png")
	if line := p.barLine(clock.t); !strings.Contains(line, "a.png compiling") {
		t.Errorf("first image before any step: bar = %q, want it to say compiling", line)
	}
	p.step(1, 4)
	if line := p.barLine(clock.t); !strings.HasSuffix(line, "a.png 25%") {
		t.Errorf("bar = %q", line)
	}
	p.end()
	p.finish(result{job: job{in: "a.png"}, status: statusDone})
	p.begin("b.png")
	if line := p.barLine(clock.t); !strings.HasSuffix(line, "b.png 0%") {
		t.Errorf("second image: bar = %q, want 0%% (compiled already)", line)
	}
}

// TestProgressTask: a single task with its own name (generate's "9
// images") shows no 0/1 image counter.
func TestProgressTask(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgress(&env{stderr: &bytes.Buffer{}, tty: true, width: 80}, false)
	p.now = clock.now
	p.task = true
	p.start(1)
	p.begin("9 images")
	p.step(1, 4)
	if line := p.barLine(clock.t); strings.Contains(line, "0/1") || !strings.Contains(line, "9 images 25%") {
		t.Errorf("bar = %q, want no 0/1 and the task's progress", line)
	}
}

// TestSummarizeNamesOutputs: the summary says where the results went: the
// file for one image, the common folder for several.
func TestSummarizeNamesOutputs(t *testing.T) {
	var buf bytes.Buffer
	one := []result{{job: job{in: "a.png", out: "a_x4.png"}, status: statusDone}}
	if err := summarize(&buf, false, one, 0, time.Second, false); err != nil {
		t.Fatal(err)
	}
	if want := "1 upscaled in 1s: a_x4.png\n"; buf.String() != want {
		t.Errorf("summary %q, want %q", buf.String(), want)
	}
	buf.Reset()
	out := filepath.Join("photos_x4", "sub")
	many := []result{
		{job: job{in: "photos/a.png", out: filepath.Join("photos_x4", "a.png")}, status: statusDone},
		{job: job{in: "photos/sub/b.png", out: filepath.Join(out, "b.png")}, status: statusDone},
	}
	if err := summarize(&buf, false, many, 0, time.Second, false); err != nil {
		t.Fatal(err)
	}
	if want := "2 upscaled in 1s, into " + "photos_x4" + string(filepath.Separator) + "\n"; buf.String() != want {
		t.Errorf("summary %q, want %q", buf.String(), want)
	}
}
