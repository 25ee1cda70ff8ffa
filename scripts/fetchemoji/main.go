// Command fetchemoji turns an unpacked emoji-datasource-google npm package
// into a class-labelled image folder for `srcascade train --stage base`:
// OUT/<category-slug>/<short_name>.png, each 64x64 RGBA emoji composited
// on white and written as 8-bit RGB. scripts/fetch-emoji.sh runs it; see
// there for why RGB.
//
// usage: go run ./scripts/fetchemoji [-skin-tones] [-components] PACKAGE_DIR OUT_DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/srcascade/srcascade/train"
)

// emoji is the part of an emoji.json entry used here.
type emoji struct {
	ShortName    string `json:"short_name"`
	Image        string `json:"image"`
	Category     string `json:"category"`
	HasImgGoogle bool   `json:"has_img_google"`
	SkinVariants map[string]struct {
		Image        string `json:"image"`
		HasImgGoogle bool   `json:"has_img_google"`
	} `json:"skin_variations"`
}

func main() {
	skin := flag.Bool("skin-tones", false, "also write the skin-tone variants (NAME-1f3fb.png ...)")
	components := flag.Bool("components", false, "also write the \"Component\" category (the bare skin-tone swatches)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: fetchemoji [-skin-tones] [-components] PACKAGE_DIR OUT_DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *skin, *components); err != nil {
		fmt.Fprintln(os.Stderr, "fetchemoji:", err)
		os.Exit(1)
	}
}

func run(pkg, out string, skin, components bool) error {
	raw, err := os.ReadFile(filepath.Join(pkg, "emoji.json"))
	if err != nil {
		return err
	}
	var list []emoji
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(pkg, "emoji.json"), err)
	}
	imgDir := filepath.Join(pkg, "img", "google", "64")
	counts := map[string]int{}
	missing := 0
	for _, e := range list {
		if e.Category == "Component" && !components {
			continue
		}
		type job struct{ file, name string }
		var jobs []job
		if e.HasImgGoogle {
			jobs = append(jobs, job{e.Image, e.ShortName})
		}
		if skin {
			keys := make([]string, 0, len(e.SkinVariants))
			for k := range e.SkinVariants {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if v := e.SkinVariants[k]; v.HasImgGoogle {
					jobs = append(jobs, job{v.Image, e.ShortName + "-" + strings.ToLower(k)})
				}
			}
		}
		class := train.ClassSlug(e.Category, 0)
		for _, j := range jobs {
			src := filepath.Join(imgDir, j.file)
			if _, err := os.Stat(src); err != nil {
				fmt.Fprintf(os.Stderr, "fetchemoji: %s (%s): no image %s, skipped\n", j.name, e.Category, src)
				missing++
				continue
			}
			if err := composite(src, filepath.Join(out, class, j.name+".png")); err != nil {
				return err
			}
			counts[class]++
		}
	}
	classes := make([]string, 0, len(counts))
	total := 0
	for c, n := range counts {
		classes = append(classes, c)
		total += n
	}
	sort.Strings(classes)
	for _, c := range classes {
		fmt.Printf("%6d  %s\n", counts[c], c)
	}
	fmt.Printf("%6d  images in %d classes under %s", total, len(classes), out)
	if missing > 0 {
		fmt.Printf(" (%d without an image, skipped)", missing)
	}
	fmt.Println()
	return nil
}

// composite writes the image at src over opaque white as 8-bit RGB PNG
// (colour type 2: Go's encoder writes an opaque RGBA image without alpha).
func composite(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	canvas := image.NewRGBA(img.Bounds())
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(canvas, canvas.Bounds(), img, img.Bounds().Min, draw.Over)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	w, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(w, canvas); err != nil {
		w.Close()
		return fmt.Errorf("%s: %w", dst, err)
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
