package data

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Layout of a Sheet, in sheet pixels.
const (
	SheetMargin     = 8  // white space around the sheet and between cells
	SheetCaptionGap = 3  // between a panel and the first line of its caption
	SheetLineHeight = 13 // one caption line of basicfont.Face7x13
	SheetCharWidth  = 7  // one caption character of basicfont.Face7x13
)

// SheetPanel is one cell of a Sheet: an image and the caption under it.
type SheetPanel struct {
	Image *Image
	// Caption is drawn under the image, one line per "\n"-separated part,
	// in the 7x13 bitmap font (printable ASCII and Latin-1; other runes
	// show as a box). "" leaves the space empty.
	Caption string
}

// Sheet composes rows of same-size panels into one RGB image on white, the
// layout of a side-by-side comparison: every panel enlarged zoom times by
// nearest neighbour (so pixels stay sharp squares), its caption in black
// under it, SheetMargin pixels around the sheet and between cells.
//
// All cells have the same size. A cell is as wide as the enlarged panel or
// as its longest caption line (SheetCharWidth a character), whichever is
// wider, the panel centred in it; it is as tall as the enlarged panel plus,
// when any caption has text, SheetCaptionGap and SheetLineHeight for each
// line of the caption with the most lines. So a sheet of R rows of C panels
// of w x h, zoom z, captions of at most L lines that fit in z*w, is
// C*z*w + (C+1)*SheetMargin wide and R*(z*h + SheetCaptionGap +
// L*SheetLineHeight) + (R+1)*SheetMargin high.
//
// Panel values are copied exactly; grey panels are drawn as grey RGB. It is
// an error when there are no rows, rows differ in length or are empty,
// panels differ in size or are malformed, or zoom is below 1.
func Sheet(rows [][]SheetPanel, zoom int) (*Image, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return nil, errors.New("sheet: no panels")
	}
	if zoom < 1 {
		return nil, fmt.Errorf("sheet: zoom %d: must be at least 1", zoom)
	}
	first := rows[0][0].Image
	if first == nil {
		return nil, errors.New("sheet: panel (1,1) has no image")
	}
	cols := len(rows[0])
	lines := 0
	textW := 0
	for r, row := range rows {
		if len(row) != cols {
			return nil, fmt.Errorf("sheet: row %d has %d panels, row 1 has %d", r+1, len(row), cols)
		}
		for c, p := range row {
			m := p.Image
			if m == nil {
				return nil, fmt.Errorf("sheet: panel (%d,%d) has no image", r+1, c+1)
			}
			if err := validateImage(m); err != nil || (m.C != 1 && m.C != 3) {
				return nil, fmt.Errorf("sheet: panel (%d,%d) is a malformed %s image with %d values", r+1, c+1, m, len(m.Pix))
			}
			if m.W != first.W || m.H != first.H {
				return nil, fmt.Errorf("sheet: panel (%d,%d) is %dx%d, panel (1,1) is %dx%d", r+1, c+1, m.W, m.H, first.W, first.H)
			}
			if p.Caption == "" {
				continue
			}
			parts := strings.Split(p.Caption, "\n")
			lines = max(lines, len(parts))
			for _, s := range parts {
				textW = max(textW, font.MeasureString(basicfont.Face7x13, s).Ceil())
			}
		}
	}
	panelW, panelH := zoom*first.W, zoom*first.H
	cellW := max(panelW, textW)
	captionH := 0
	if lines > 0 {
		captionH = SheetCaptionGap + lines*SheetLineHeight
	}
	cellH := panelH + captionH
	sheetW := cols*cellW + (cols+1)*SheetMargin
	sheetH := len(rows)*cellH + (len(rows)+1)*SheetMargin

	// The captions are drawn on an 8-bit canvas, which then becomes the
	// float image the panels are copied into.
	canvas := image.NewRGBA(image.Rect(0, 0, sheetW, sheetH))
	draw.Draw(canvas, canvas.Bounds(), image.White, image.Point{}, draw.Src)
	face := basicfont.Face7x13
	for r, row := range rows {
		for c, p := range row {
			if p.Caption == "" {
				continue
			}
			x0, y0 := cellOrigin(r, c, cellW, cellH)
			cell := canvas.SubImage(image.Rect(x0, y0, x0+cellW, y0+cellH)).(*image.RGBA)
			d := &font.Drawer{Dst: cell, Src: image.Black, Face: face}
			for i, s := range strings.Split(p.Caption, "\n") {
				top := y0 + panelH + SheetCaptionGap + i*SheetLineHeight
				d.Dot = fixed.P(x0, top+face.Ascent)
				d.DrawString(s)
			}
		}
	}
	out := fromGoImage(canvas, false).Image
	for r, row := range rows {
		for c, p := range row {
			x0, y0 := cellOrigin(r, c, cellW, cellH)
			pasteZoomed(out, p.Image, x0+(cellW-panelW)/2, y0, zoom)
		}
	}
	return out, nil
}

// cellOrigin is the top-left corner of cell (r, c) of a Sheet.
func cellOrigin(r, c, cellW, cellH int) (x, y int) {
	return SheetMargin + c*(cellW+SheetMargin), SheetMargin + r*(cellH+SheetMargin)
}

// pasteZoomed copies src, enlarged zoom times by nearest neighbour, into the
// RGB image dst with its top-left corner at (x0, y0); grey becomes R=G=B.
func pasteZoomed(dst, src *Image, x0, y0, zoom int) {
	for y := range src.H * zoom {
		out := dst.Pix[((y0+y)*dst.W+x0)*3:][:src.W*zoom*3]
		in := src.Pix[(y/zoom)*src.W*src.C:][:src.W*src.C]
		for x := range src.W * zoom {
			p := in[(x/zoom)*src.C:]
			if src.C == 1 {
				out[3*x], out[3*x+1], out[3*x+2] = p[0], p[0], p[0]
			} else {
				out[3*x], out[3*x+1], out[3*x+2] = p[0], p[1], p[2]
			}
		}
	}
}

// EnlargeNearest returns img enlarged factor times in each direction by
// nearest neighbour: every pixel becomes a factor x factor square. A factor
// of 1 returns img itself; it panics on a factor below 1.
func EnlargeNearest(img *Image, factor int) *Image {
	if factor < 1 {
		panic(fmt.Sprintf("data.EnlargeNearest: factor %d", factor))
	}
	if factor == 1 {
		return img
	}
	c := img.C
	out := NewImage(img.W*factor, img.H*factor, c)
	for y := range out.H {
		in := img.Pix[(y/factor)*img.W*c:][:img.W*c]
		row := out.Pix[y*out.W*c:][:out.W*c]
		for x := range out.W {
			copy(row[x*c:(x+1)*c], in[(x/factor)*c:])
		}
	}
	return out
}
