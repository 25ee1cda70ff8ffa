package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatchPairs(t *testing.T) {
	tests := []struct {
		name     string
		hr, lr   []string
		want     []Pair
		errHas   []string // every one must appear in the error
		errHasNo []string
	}{
		{
			name: "same names",
			hr:   []string{"a.png", "b.png"},
			lr:   []string{"a.png", "b.png"},
			want: []Pair{{"a.png", "a.png"}, {"b.png", "b.png"}},
		},
		{
			name: "extensions may differ",
			hr:   []string{"a.png", "sub/b.tiff"},
			lr:   []string{"a.jpg", "sub/b.webp"},
			want: []Pair{{"a.png", "a.jpg"}, {"sub/b.tiff", "sub/b.webp"}},
		},
		{
			name: "DIV2K x<scale> suffix",
			hr:   []string{"0001.png", "0002.png"},
			lr:   []string{"0001x4.png", "0002x4.png"},
			want: []Pair{{"0001.png", "0001x4.png"}, {"0002.png", "0002x4.png"}},
		},
		{
			name: "exact name wins over suffix rule",
			hr:   []string{"boxx4.png"},
			lr:   []string{"boxx4.jpg"},
			want: []Pair{{"boxx4.png", "boxx4.jpg"}},
		},
		{
			name:     "unmatched files on both sides are all named",
			hr:       []string{"a.png", "b.png", "c.png"},
			lr:       []string{"a.png", "d.png", "sub/c.png"},
			errHas:   []string{"4 problem", "HR b.png", "HR c.png", "LR d.png", "LR sub/c.png"},
			errHasNo: []string{"HR a.png"},
		},
		{
			name:   "same folder, same stem, two extensions is ambiguous",
			hr:     []string{"a.png", "a.jpg"},
			lr:     []string{"a.png"},
			errHas: []string{"a.jpg, a.png", "ambiguous"},
		},
		{
			name:   "two LR files for one HR",
			hr:     []string{"a.png"},
			lr:     []string{"a.png", "a.jpg"},
			errHas: []string{"HR a.png", "several LR files", "a.jpg, a.png"},
		},
		{
			name:   "sub-folders must correspond",
			hr:     []string{"x/a.png"},
			lr:     []string{"y/a.png"},
			errHas: []string{"HR x/a.png", "LR y/a.png"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MatchPairs(tc.hr, tc.lr, 4)
			if len(tc.errHas) > 0 {
				if err == nil {
					t.Fatalf("no error; pairs %v", got)
				}
				for _, s := range tc.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error does not name %q:\n%v", s, err)
					}
				}
				for _, s := range tc.errHasNo {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error names %q, which is fine:\n%v", s, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("pair %d: got %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestListLinesTruncates(t *testing.T) {
	lines := []string{"a", "b", "c", "d"}
	got := listLines(lines, 2)
	if got != "  a\n  b\n  ... and 2 more" {
		t.Fatalf("got %q", got)
	}
}

// TestLoadPairsErrors checks the errors of LoadDataset on LR/HR folders: a
// mis-sized pair is named with both files and sizes, and unmatched files
// are listed.
func TestLoadPairsErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, hr, lr string)
		errHas []string
	}{
		{
			name: "mis-sized pairs name both files and sizes",
			setup: func(t *testing.T, hr, lr string) {
				writePNG(t, hr, "good.png", randomRGBA(64, 48, 1))
				writePNG(t, lr, "good.png", randomRGBA(16, 12, 2))
				writePNG(t, hr, "wide.png", randomRGBA(66, 48, 3))
				writePNG(t, lr, "wide.png", randomRGBA(16, 12, 4))
				writePNG(t, hr, "sub/swapped.png", randomRGBA(64, 48, 5))
				writeJPEG(t, lr, "sub/swapped.jpg", randomRGBA(12, 16, 6))
			},
			errHas: []string{"2 pair(s)", "HR wide.png is 66x48, LR wide.png is 16x12 (want HR 64x48)",
				"HR sub/swapped.png is 64x48, LR sub/swapped.jpg is 12x16 (want HR 48x64)"},
		},
		{
			name: "unmatched",
			setup: func(t *testing.T, hr, lr string) {
				writePNG(t, hr, "a.png", randomRGBA(64, 48, 1))
				writePNG(t, lr, "b.png", randomRGBA(16, 12, 2))
			},
			errHas: []string{"HR a.png: no LR file", "LR b.png: no HR file"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hr, lr := t.TempDir(), t.TempDir()
			tc.setup(t, hr, lr)
			_, err := LoadDataset(context.Background(), DataOptions{HRDir: hr, LRDir: lr, Scale: 4, Patch: 16, Batch: 2, Workers: 1}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

// TestListImagesFollowsSymlinks checks that a symlinked subfolder of a
// training folder is read like any other (it was skipped silently).
func TestListImagesFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"hr/a.png", "more/b.png"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../more", filepath.Join(dir, "hr", "more")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	got, err := listImages(context.Background(), filepath.Join(dir, "hr"))
	if err != nil || strings.Join(got, " ") != "a.png more/b.png" {
		t.Errorf("listImages = %q, %v; want [a.png more/b.png]", got, err)
	}
}
