package data

import (
	"strings"
	"testing"
)

// sheetWhite is the white of a Sheet's background.
const sheetWhite = float32(1)

func TestSheetLayoutAndPanels(t *testing.T) {
	const w, h, zoom = 30, 20, 2
	a := randomImage(w, h, 3, 1)
	b := Quantize(randomImage(w, h, 3, 2))
	g := randomImage(w, h, 1, 3) // grey
	rows := [][]SheetPanel{
		{{Image: a, Caption: "LR\n28.43 dB"}, {Image: b, Caption: "bicubic"}, {Image: g}},
		{{Image: b, Caption: "x"}, {Image: g, Caption: "three\nlines\nhere"}, {Image: a, Caption: ""}},
	}
	sheet, err := Sheet(rows, zoom)
	if err != nil {
		t.Fatal(err)
	}
	// Captions fit in 60 px (8 characters of 7 px): the documented size.
	capH := SheetCaptionGap + 3*SheetLineHeight
	wantW := 3*zoom*w + 4*SheetMargin
	wantH := 2*(zoom*h+capH) + 3*SheetMargin
	if sheet.W != wantW || sheet.H != wantH || sheet.C != 3 {
		t.Fatalf("sheet is %s, want %dx%dx3", sheet, wantW, wantH)
	}
	// Every panel pixel is copied exactly, enlarged by nearest neighbour.
	cellH := zoom*h + capH
	for r, row := range rows {
		for c, p := range row {
			x0, y0 := SheetMargin+c*(zoom*w+SheetMargin), SheetMargin+r*(cellH+SheetMargin)
			for y := range zoom * h {
				for x := range zoom * w {
					for ch := range 3 {
						want := p.Image.At(x/zoom, y/zoom, min(ch, p.Image.C-1))
						if got := sheet.At(x0+x, y0+y, ch); got != want {
							t.Fatalf("panel (%d,%d) pixel (%d,%d) channel %d = %v, want %v", r, c, x, y, ch, got, want)
						}
					}
				}
			}
		}
	}
	// Margins are white; a caption has dark pixels under its panel and an
	// empty caption none.
	for _, pt := range [][2]int{{0, 0}, {wantW - 1, wantH - 1}, {SheetMargin + zoom*w + 1, SheetMargin + 5}} {
		for ch := range 3 {
			if v := sheet.At(pt[0], pt[1], ch); v != sheetWhite {
				t.Errorf("margin pixel %v channel %d = %v, want white", pt, ch, v)
			}
		}
	}
	dark := func(x0, y0, x1, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if sheet.At(x, y, 0) < 0 {
					n++
				}
			}
		}
		return n
	}
	capTop := SheetMargin + zoom*h
	if n := dark(SheetMargin, capTop, SheetMargin+zoom*w, capTop+capH); n < 20 {
		t.Errorf("caption of panel (0,0) has %d dark pixels, want text", n)
	}
	x2 := SheetMargin + 2*(zoom*w+SheetMargin)
	if n := dark(x2, capTop, x2+zoom*w, capTop+capH); n != 0 {
		t.Errorf("panel (0,2) without caption has %d dark pixels under it", n)
	}
	// The third line of "three\nlines\nhere" is drawn in the third line's band.
	x1, y1 := SheetMargin+zoom*w+SheetMargin, 2*SheetMargin+cellH+zoom*h+SheetCaptionGap+2*SheetLineHeight
	if n := dark(x1, y1, x1+zoom*w, y1+SheetLineHeight); n < 10 {
		t.Errorf("third caption line has %d dark pixels, want text", n)
	}
}

// TestSheetWideCaption: a caption longer than the panel widens every cell,
// the panels centred; no caption at all leaves no caption band.
func TestSheetWideCaption(t *testing.T) {
	p := randomImage(10, 10, 3, 4)
	caption := strings.Repeat("w", 20) // 140 px
	sheet, err := Sheet([][]SheetPanel{{{Image: p, Caption: caption}, {Image: p}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cellW := 20 * SheetCharWidth
	if wantW, wantH := 2*cellW+3*SheetMargin, 10+SheetCaptionGap+SheetLineHeight+2*SheetMargin; sheet.W != wantW || sheet.H != wantH {
		t.Errorf("sheet is %dx%d, want %dx%d", sheet.W, sheet.H, wantW, wantH)
	}
	x0 := SheetMargin + (cellW-10)/2
	if got, want := sheet.At(x0, SheetMargin, 1), p.At(0, 0, 1); got != want {
		t.Errorf("centred panel's first pixel = %v, want %v", got, want)
	}
	sheet, err = Sheet([][]SheetPanel{{{Image: p}}, {{Image: p}}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if sheet.W != 30+2*SheetMargin || sheet.H != 60+3*SheetMargin {
		t.Errorf("uncaptioned sheet is %dx%d, want %dx%d", sheet.W, sheet.H, 30+2*SheetMargin, 60+3*SheetMargin)
	}
}

func TestSheetErrors(t *testing.T) {
	a, b := NewImage(4, 4, 3), NewImage(5, 4, 3)
	bad := &Image{W: 4, H: 4, C: 3, Pix: make([]float32, 7)}
	for _, tt := range []struct {
		name string
		rows [][]SheetPanel
		zoom int
		want string
	}{
		{"none", nil, 1, "no panels"},
		{"empty row", [][]SheetPanel{{}}, 1, "no panels"},
		{"zoom", [][]SheetPanel{{{Image: a}}}, 0, "zoom 0"},
		{"ragged", [][]SheetPanel{{{Image: a}, {Image: a}}, {{Image: a}}}, 1, "row 2 has 1 panels, row 1 has 2"},
		{"size", [][]SheetPanel{{{Image: a}, {Image: b}}}, 1, "panel (1,2) is 5x4, panel (1,1) is 4x4"},
		{"nil", [][]SheetPanel{{{Image: a}}, {{}}}, 1, "panel (2,1) has no image"},
		{"malformed", [][]SheetPanel{{{Image: a}, {Image: bad}}}, 1, "panel (1,2) is a malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sheet(tt.rows, tt.zoom)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sheet error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestEnlargeNearest(t *testing.T) {
	img := randomImage(3, 2, 3, 9)
	if EnlargeNearest(img, 1) != img {
		t.Error("EnlargeNearest by 1 should return the image itself")
	}
	big := EnlargeNearest(img, 4)
	if big.W != 12 || big.H != 8 || big.C != 3 {
		t.Fatalf("EnlargeNearest by 4 is %s, want 12x8x3", big)
	}
	for y := range big.H {
		for x := range big.W {
			for c := range 3 {
				if got, want := big.At(x, y, c), img.At(x/4, y/4, c); got != want {
					t.Fatalf("pixel (%d,%d,%d) = %v, want %v", x, y, c, got, want)
				}
			}
		}
	}
}
