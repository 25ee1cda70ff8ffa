package train

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The training curve: loss (left axis, logarithmic when it spans more than
// a factor of 10) and validation Y-PSNR with the bicubic baseline (right
// axis) against the step, drawn with the standard image packages.

const (
	plotW, plotH                           = 900, 460
	marginL, marginR, marginT, marginB int = 78, 78, 34, 48
)

var (
	colLoss    = color.RGBA{31, 100, 200, 255}
	colLossRaw = color.RGBA{170, 200, 240, 255}
	colPSNR    = color.RGBA{210, 60, 40, 255}
	colBicubic = color.RGBA{120, 120, 120, 255}
	colAxis    = color.RGBA{40, 40, 40, 255}
	colGrid    = color.RGBA{225, 225, 225, 255}
)

// plotCurve draws the history as a PNG.
func plotCurve(h History, title string) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	x0, x1 := marginL, plotW-marginR
	y0, y1 := marginT, plotH-marginB // y0 top, y1 bottom

	maxStep := 1
	for _, p := range h.Loss {
		maxStep = max(maxStep, p.Step)
	}
	for _, p := range h.PSNR {
		maxStep = max(maxStep, p.Step)
	}
	xOf := func(step int) int { return x0 + int(math.Round(float64(step)/float64(maxStep)*float64(x1-x0))) }

	// Loss axis.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range h.Loss {
		if p.Value > 0 && !math.IsInf(p.Value, 0) {
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		}
	}
	logScale := hi/lo > 10
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	tr := func(v float64) float64 { return v }
	if logScale {
		tr = math.Log10
	}
	lossLo, lossHi := tr(lo), tr(hi)
	if lossHi-lossLo < 1e-12 {
		lossLo, lossHi = lossLo-0.5, lossHi+0.5
	}
	pad := 0.05 * (lossHi - lossLo)
	lossLo, lossHi = lossLo-pad, lossHi+pad
	yLoss := func(v float64) int {
		return y1 - int(math.Round((tr(v)-lossLo)/(lossHi-lossLo)*float64(y1-y0)))
	}

	// PSNR axis.
	pLo, pHi := math.Inf(1), math.Inf(-1)
	for _, p := range h.PSNR {
		pLo, pHi = math.Min(pLo, p.Value), math.Max(pHi, p.Value)
	}
	if h.Bicubic > 0 {
		pLo, pHi = math.Min(pLo, h.Bicubic), math.Max(pHi, h.Bicubic)
	}
	hasPSNR := !math.IsInf(pLo, 1)
	if hasPSNR {
		if pHi-pLo < 0.5 {
			mid := (pHi + pLo) / 2
			pLo, pHi = mid-0.25, mid+0.25
		}
		pp := 0.08 * (pHi - pLo)
		pLo, pHi = pLo-pp, pHi+pp
	}
	yPSNR := func(v float64) int { return y1 - int(math.Round((v-pLo)/(pHi-pLo)*float64(y1-y0))) }

	// Grid and ticks.
	for i := 0; i <= 5; i++ {
		y := y1 - i*(y1-y0)/5
		plotHLine(img, x0, x1, y, colGrid)
		f := lossLo + float64(i)/5*(lossHi-lossLo)
		if logScale {
			f = math.Pow(10, f)
		}
		plotLabel(img, x0-6, y+4, fmt.Sprintf("%.3g", f), colLoss, alignRight)
		if hasPSNR {
			plotLabel(img, x1+6, y+4, fmt.Sprintf("%.2f", pLo+float64(i)/5*(pHi-pLo)), colPSNR, alignLeft)
		}
	}
	tick := niceStep(float64(maxStep) / 6)
	for v := 0.0; v <= float64(maxStep)+1e-9; v += tick {
		x := xOf(int(math.Round(v)))
		plotVLine(img, x, y0, y1, colGrid)
		plotLabel(img, x, y1+16, fmt.Sprintf("%d", int(math.Round(v))), colAxis, alignCenter)
	}
	plotHLine(img, x0, x1, y1, colAxis)
	plotVLine(img, x0, y0, y1, colAxis)
	plotVLine(img, x1, y0, y1, colAxis)

	// Curves.
	if h.Bicubic > 0 && hasPSNR {
		y := yPSNR(h.Bicubic)
		for x := x0; x < x1; x += 10 {
			plotHLine(img, x, min(x+5, x1), y, colBicubic)
		}
	}
	plotPolyline(img, h.Loss, xOf, yLoss, colLossRaw)
	plotPolyline(img, smooth(h.Loss, max(1, len(h.Loss)/25)), xOf, yLoss, colLoss)
	if hasPSNR {
		plotPolyline(img, h.PSNR, xOf, yPSNR, colPSNR)
		for _, p := range h.PSNR {
			plotDot(img, xOf(p.Step), yPSNR(p.Value), colPSNR)
		}
	}

	// Labels.
	plotLabel(img, plotW/2, 20, title, colAxis, alignCenter)
	lossName := "loss (light: raw, dark: smoothed)"
	if logScale {
		lossName = "loss, log scale (light: raw, dark: smoothed)"
	}
	plotLabel(img, x0, y1+36, lossName, colLoss, alignLeft)
	if hasPSNR {
		plotLabel(img, x1, y1+36, "validation Y-PSNR (dB), dashed: bicubic", colPSNR, alignRight)
	}
	plotLabel(img, plotW/2, y1+36, "step", colAxis, alignCenter)

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// niceStep returns the smallest 1, 2 or 5 times a power of ten >= v.
func niceStep(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// smooth is the centred moving average of the points' values over 2k+1
// points (fewer at the ends).
func smooth(pts []Point, k int) []Point {
	out := make([]Point, len(pts))
	for i := range pts {
		lo, hi := max(0, i-k), min(len(pts)-1, i+k)
		sum := 0.0
		for j := lo; j <= hi; j++ {
			sum += pts[j].Value
		}
		out[i] = Point{Step: pts[i].Step, Value: sum / float64(hi-lo+1)}
	}
	return out
}

type plotAlign int

const (
	alignLeft plotAlign = iota
	alignCenter
	alignRight
)

// plotLabel draws text with its baseline at y, anchored at x.
func plotLabel(img *image.RGBA, x, y int, text string, c color.Color, a plotAlign) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13}
	w := d.MeasureString(text).Round()
	switch a {
	case alignCenter:
		x -= w / 2
	case alignRight:
		x -= w
	}
	d.Dot = fixed.P(x, y)
	d.DrawString(text)
}

func plotHLine(img *image.RGBA, xa, xb, y int, c color.RGBA) {
	for x := xa; x <= xb; x++ {
		img.SetRGBA(x, y, c)
	}
}

func plotVLine(img *image.RGBA, x, ya, yb int, c color.RGBA) {
	for y := ya; y <= yb; y++ {
		img.SetRGBA(x, y, c)
	}
}

func plotDot(img *image.RGBA, x, y int, c color.RGBA) {
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			if dx*dx+dy*dy <= 5 {
				img.SetRGBA(x+dx, y+dy, c)
			}
		}
	}
}

// plotPolyline joins the points with 2-pixel-wide segments.
func plotPolyline(img *image.RGBA, pts []Point, xOf func(int) int, yOf func(float64) int, c color.RGBA) {
	for i := 1; i < len(pts); i++ {
		plotSegment(img, xOf(pts[i-1].Step), yOf(pts[i-1].Value), xOf(pts[i].Step), yOf(pts[i].Value), c)
	}
	if len(pts) == 1 {
		plotDot(img, xOf(pts[0].Step), yOf(pts[0].Value), c)
	}
}

// plotSegment draws a line with Bresenham's algorithm, two pixels wide.
func plotSegment(img *image.RGBA, xa, ya, xb, yb int, c color.RGBA) {
	dx, dy := plotAbs(xb-xa), -plotAbs(yb-ya)
	sx, sy := plotSign(xb-xa), plotSign(yb-ya)
	e := dx + dy
	for {
		img.SetRGBA(xa, ya, c)
		img.SetRGBA(xa, ya+1, c)
		if xa == xb && ya == yb {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			xa += sx
		}
		if e2 <= dx {
			e += dx
			ya += sy
		}
	}
}

func plotAbs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func plotSign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
