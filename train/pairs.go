package train

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/srcascade/srcascade/data"
)

// listImages walks dir recursively (data.WalkImages: symlinks to files
// and folders followed, loops not) and returns the image files under it as
// slash-separated paths relative to dir, sorted. Hidden files and folders
// (names starting with '.') and non-image files are left out. A subfolder
// or symlink that cannot be read is an error: training would silently lack
// its images.
func listImages(ctx context.Context, dir string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tree, err := data.WalkImages(dir, true, nil)
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	if len(tree.Unreadable) > 0 {
		return nil, fmt.Errorf("listing images in %s: %w", dir, tree.Unreadable[0])
	}
	out := make([]string, len(tree.Files))
	for i, f := range tree.Files {
		out[i] = filepath.ToSlash(f)
	}
	sort.Strings(out)
	return out, nil
}

// Pair is one LR/HR file pair, paths relative to their folders.
type Pair struct {
	HR, LR string
}

// pairKey is the matching key of an HR file: its relative path without the
// extension.
func pairKey(rel string) string {
	return strings.TrimSuffix(rel, path.Ext(rel))
}

// lrPairKey is the matching key of an LR file: its relative path without
// the extension and without a trailing "x<scale>" on the stem (DIV2K names
// its LR files 0001x4.png for 0001.png).
func lrPairKey(rel string, scale int) string {
	k := pairKey(rel)
	return strings.TrimSuffix(k, "x"+strconv.Itoa(scale))
}

// MatchPairs matches HR and LR files (relative paths, as listed under their
// folders) by relative path without extension, so sub/a.png pairs with
// sub/a.jpg: formats may differ (lossless HR, JPEG LR is common). An LR
// stem may also carry a trailing "x<scale>" (DIV2K: 0001x4.png pairs with
// 0001.png). Each HR file must have exactly one LR file and the reverse;
// otherwise the error lists every unmatched and ambiguous file.
func MatchPairs(hrFiles, lrFiles []string, scale int) ([]Pair, error) {
	hrByKey := map[string][]string{}
	for _, f := range hrFiles {
		k := pairKey(f)
		hrByKey[k] = append(hrByKey[k], f)
	}
	lrByKey := map[string][]string{}
	for _, f := range lrFiles {
		k := pairKey(f)
		if _, ok := hrByKey[k]; !ok {
			k = lrPairKey(f, scale)
		}
		lrByKey[k] = append(lrByKey[k], f)
	}
	var problems []string
	var pairs []Pair
	keys := make([]string, 0, len(hrByKey))
	for k := range hrByKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		hrs, lrs := hrByKey[k], lrByKey[k]
		sort.Strings(hrs)
		sort.Strings(lrs)
		switch {
		case len(hrs) > 1:
			problems = append(problems, fmt.Sprintf("HR %s: ambiguous, same name with different extensions", strings.Join(hrs, ", ")))
		case len(lrs) == 0:
			problems = append(problems, fmt.Sprintf("HR %s: no LR file named %s.*", hrs[0], k))
		case len(lrs) > 1:
			problems = append(problems, fmt.Sprintf("HR %s: several LR files match (%s)", hrs[0], strings.Join(lrs, ", ")))
		default:
			pairs = append(pairs, Pair{HR: hrs[0], LR: lrs[0]})
		}
	}
	var orphans []string
	for k, lrs := range lrByKey {
		if _, ok := hrByKey[k]; !ok {
			orphans = append(orphans, lrs...)
		}
	}
	sort.Strings(orphans)
	for _, f := range orphans {
		problems = append(problems, fmt.Sprintf("LR %s: no HR file named %s.*", f, lrPairKey(f, scale)))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("matching LR and HR files by name: %d problem(s):\n%s", len(problems), listLines(problems, 50))
	}
	return pairs, nil
}

// listLines formats up to max lines, indented, and says how many were left out.
func listLines(lines []string, max int) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i == max {
			fmt.Fprintf(&b, "  ... and %d more", len(lines)-max)
			break
		}
		b.WriteString("  " + l)
	}
	return b.String()
}
