// Command emojisr splits the class-labelled emoji folder that
// scripts/fetch-emoji.sh writes into the training sets of the emoji
// cascade (emoji-base16 -> emoji-x2 -> emoji-x2):
//
//	OUT/base/<class>/NAME.png  every emoji but the held-out ones, 64x64: the
//	                           base stage's --data (it trains at --size 16)
//	                           and generate's --nn folder
//	OUT/sr/NAME.png            the same emoji at 64x64, and NAME_32.png, each
//	                           shrunk to 32x32 by MATLAB-exact bicubic: the
//	                           x2 stage's --hr, so it learns both of its steps
//	                           in the cascade (16->32 and 32->64)
//	OUT/val/NAME.png           the held-out emoji (every -every'th in sorted
//	                           order, 64x64): the x2 stage's --val and
//	                           eval's test set; never trained on
//
// usage: go run ./scripts/emojisr [-every N] EMOJI_DIR OUT_DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/srcascade/srcascade/data"
)

func main() {
	every := flag.Int("every", 20, "hold out every `N`th emoji (sorted by class and name) for validation")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: emojisr [-every N] EMOJI_DIR OUT_DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 || *every < 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *every); err != nil {
		fmt.Fprintln(os.Stderr, "emojisr:", err)
		os.Exit(1)
	}
}

func run(in, out string, every int) error {
	files, err := filepath.Glob(filepath.Join(in, "*", "*.png"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no class folders of PNG images (run scripts/fetch-emoji.sh first)", in)
	}
	sort.Strings(files)
	for _, d := range []string{"sr", "val"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	var nBase, nVal int
	for i, f := range files {
		class := filepath.Base(filepath.Dir(f))
		name := strings.TrimSuffix(filepath.Base(f), ".png")
		d, err := data.DecodeFile(f, data.Limits{})
		if err != nil {
			return err
		}
		if d.Image.W != 64 || d.Image.H != 64 {
			return fmt.Errorf("%s: %dx%d, want 64x64", f, d.Image.W, d.Image.H)
		}
		if i%every == every-1 {
			// Class in the name: the same short name may appear in two classes.
			nVal++
			if err := data.EncodeFile(filepath.Join(out, "val", class+"_"+name+".png"), d, data.EncodeOptions{}); err != nil {
				return err
			}
			continue
		}
		nBase++
		if err := os.MkdirAll(filepath.Join(out, "base", class), 0o755); err != nil {
			return err
		}
		if err := data.EncodeFile(filepath.Join(out, "base", class, name+".png"), d, data.EncodeOptions{}); err != nil {
			return err
		}
		if err := data.EncodeFile(filepath.Join(out, "sr", class+"_"+name+".png"), d, data.EncodeOptions{}); err != nil {
			return err
		}
		small := &data.Decoded{Image: data.Quantize(data.Resize(d.Image, 32, 32)), Depth: 8, Format: "png"}
		if err := data.EncodeFile(filepath.Join(out, "sr", class+"_"+name+"_32.png"), small, data.EncodeOptions{}); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "%d emoji for training under %s (base/, and sr/ at 64x64 and 32x32), %d held out in %s\n",
		nBase, out, nVal, filepath.Join(out, "val"))
	return nil
}
