package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/srcascade/srcascade/train"
)

// trainProgress reports a training run on stderr: on a terminal a bar
// redrawn in place (step/steps, smoothed loss, steps/s, patches/s, ETA,
// last validation PSNR against bicubic); otherwise a log line at the first
// step, then at most every trainLogInterval, and at the last step. Each
// validation, sample sheet (base stages) and checkpoint gets a log line in
// both modes; -q prints nothing. It is safe for concurrent use.
type trainProgress struct {
	statusLine
	batch    int
	interval time.Duration

	loss     lossSmoother
	last     train.Progress // the latest step event
	steps    int            // step events seen
	ckpt     int            // step of the last checkpoint written; -1 none
	val, bic float64        // last validation PSNR and its bicubic baseline (NaN: none)
	near     float64        // last sample sheet's distance to the training images (NaN: none)
	out      string         // checkpoint folder, for the sample sheet's log line
	lastLine time.Time      // last step log line (off a terminal)
}

// newTrainProgress makes the reporter for e's stderr; batch converts steps
// per second into patches per second.
func newTrainProgress(e *env, quiet bool, batch int) *trainProgress {
	p := &trainProgress{batch: batch, interval: trainLogInterval, ckpt: -1, val: math.NaN(), bic: math.NaN(), near: math.NaN()}
	p.statusLine = newStatusLine(e, quiet, p.statusText)
	return p
}

// lossSmoother is a bias-corrected exponential moving average of the loss
// (as TensorBoard's smoothing), over roughly the last 20 steps.
type lossSmoother struct {
	avg, weight float64
}

const lossBeta = 0.95

func (s *lossSmoother) add(x float64) {
	s.avg = lossBeta*s.avg + (1-lossBeta)*x
	s.weight = lossBeta*s.weight + (1 - lossBeta)
}

func (s *lossSmoother) value() float64 {
	if s.weight == 0 {
		return math.NaN()
	}
	return s.avg / s.weight
}

// event is the train.Run progress callback.
func (p *trainProgress) event(ev train.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !math.IsNaN(ev.ValPSNR) && ev.ValPSNR != 0 {
		p.val, p.bic = ev.ValPSNR, ev.BicubicPSNR
	}
	switch ev.Event {
	case "step":
		p.last = ev
		p.steps++
		p.loss.add(ev.Loss)
		if p.quiet {
			return
		}
		if p.tty {
			p.redraw(p.steps == 1 || ev.Step == ev.Steps)
			return
		}
		now := p.now()
		if p.steps == 1 || ev.Step == ev.Steps || now.Sub(p.lastLine) >= p.interval {
			p.lastLine = now
			fmt.Fprintln(p.w, p.stepLine(ev, ""))
		}
	case "validation":
		p.line(fmt.Sprintf("step %d/%d: validation Y-PSNR %s", ev.Step, ev.Steps, formatPSNRs(ev.ValPSNR, ev.BicubicPSNR)))
	case "samples":
		p.near = ev.Nearest
		p.line(samplesLine(ev, p.out))
	case "checkpoint":
		p.ckpt = ev.Step
		p.line(fmt.Sprintf("step %d/%d: checkpoint saved in %s", ev.Step, ev.Steps, ev.Checkpoint))
	}
}

// stepLine renders the state after a step: "step 120/20000  loss 0.0831
// 3.12 steps/s  25 patches/s  ETA 1h46m  val 27.91 dB (bicubic 27.10,
// +0.81)", after prefix (the bar). On a terminal the line is fitted to the
// width: fields are dropped by priority (patches/s first, then steps/s,
// the validation, the ETA), keeping their order.
func (p *trainProgress) stepLine(ev train.Progress, prefix string) string {
	type field struct {
		text string
		prio int // lower is kept first
	}
	fields := []field{{fmt.Sprintf("%sstep %d/%d", prefix, ev.Step, ev.Steps), 0}}
	if l := p.loss.value(); !math.IsNaN(l) {
		fields = append(fields, field{fmt.Sprintf("loss %.4f", l), 1})
	}
	if ev.StepsPerSec > 0 {
		fields = append(fields, field{fmt.Sprintf("%s steps/s", formatRate(ev.StepsPerSec)), 4},
			field{fmt.Sprintf("%s patches/s", formatRate(ev.StepsPerSec*float64(p.batch))), 5})
	}
	if ev.Step < ev.Steps && ev.ETA > 0 {
		fields = append(fields, field{"ETA " + formatDuration(ev.ETA), 2})
	}
	if !math.IsNaN(p.val) {
		v := "val " + formatPSNRs(p.val, p.bic)
		if p.tty && !math.IsNaN(p.bic) {
			v = fmt.Sprintf("val %.2f dB (%+.2f)", p.val, p.val-p.bic) // the gain over bicubic, as in the log lines
		}
		fields = append(fields, field{v, 3})
	}
	keep := make([]bool, len(fields))
	width := -2
	for prio := 0; prio <= 5; prio++ {
		for i, f := range fields {
			if f.prio != prio {
				continue
			}
			w := width + 2 + len([]rune(f.text))
			if p.tty && i > 0 && w > p.width-1 {
				continue
			}
			keep[i], width = true, w
		}
	}
	var parts []string
	for i, f := range fields {
		if keep[i] {
			parts = append(parts, f.text)
		}
	}
	return strings.Join(parts, "  ")
}

// formatPSNRs writes "27.91 dB (bicubic 27.10, +0.81)".
func formatPSNRs(v, bicubic float64) string {
	if math.IsNaN(bicubic) {
		return fmt.Sprintf("%.2f dB", v)
	}
	return fmt.Sprintf("%.2f dB (bicubic %.2f, %+.2f)", v, bicubic, v-bicubic)
}

// formatRate writes a rate with three significant digits: 0.123, 3.12, 24.8, 312.
func formatRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	case r >= 1:
		return fmt.Sprintf("%.2f", r)
	}
	return fmt.Sprintf("%.3f", r)
}

// statusText is the status line: the bar and the latest step's fields once a
// step has run, else "".
func (p *trainProgress) statusText(time.Time) string {
	if p.steps == 0 {
		return ""
	}
	return p.stepLine(p.last, bar(p.last.Step, p.last.Steps)+" ")
}

// bar is a 16-character bar: "[====>         ]".
func bar(done, total int) string {
	const barW = 14
	filled := 0
	if total > 0 {
		filled = min(barW, done*barW/total)
	}
	b := strings.Repeat("=", filled)
	if filled < barW {
		b += ">" + strings.Repeat(" ", barW-filled-1)
	}
	return "[" + b + "]"
}

// lastStep is the step of the latest step event, -1 before any.
func (p *trainProgress) lastStep() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.steps == 0 {
		return -1
	}
	return p.last.Step
}

// lastCheckpoint is the step of the latest checkpoint written, -1 before any.
func (p *trainProgress) lastCheckpoint() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ckpt
}

// nearest returns the last sample sheet's mean distance to the nearest
// training image (base stages); NaN without one.
func (p *trainProgress) nearest() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.near
}

// validation returns the last validation PSNR and its bicubic baseline
// (when this run validated), formatted; "" without validation.
func (p *trainProgress) validation() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if math.IsNaN(p.val) {
		return ""
	}
	return formatPSNRs(p.val, p.bic)
}
