// Command compactcheck measures what storing a model's weights in fewer
// bits does to its outputs: it upscales the LR images of the benchmark
// protocol (modcrop, MATLAB bicubic downscale, as srcascade eval does) with
// a reference model (-ref, e.g. the float32 weights) and with each model
// given as an argument (e.g. `srcascade models compact` copies of it), the
// same seed and sampling for all, and prints per model: the largest and
// mean absolute difference of the outputs from the reference's, before
// 8-bit rounding, in 8-bit levels; the Y-PSNR of its output against the
// reference's (8-bit rounded, shave = scale); the share of 8-bit output
// values that differ; and each model's benchmark Y-PSNR against the HR
// images (as srcascade eval reports it).
//
// usage: go run ./scripts/compactcheck -ref F32_DIR -s 4 [-steps N] [-seed 1] -bench FOLDER MODEL_DIR...
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
	"github.com/srcascade/srcascade/pretrained"
)

// stats accumulates one model's comparison over the images.
type stats struct {
	maxDiff, sumDiff  float64
	values, changed   int
	psnrVsRef, psnrHR float64
	worstVsRef        float64
	images            int
}

func main() {
	ref := flag.String("ref", "", "reference model `DIR` (or built-in name), e.g. the float32 weights")
	scale := flag.Int("s", 4, "`SCALE`")
	steps := flag.Int("steps", 0, "sampler `STEPS` (0 = the model's default, 1 = one-step estimate)")
	seed := flag.Int64("seed", 1, "noise `SEED`")
	bench := flag.String("bench", "", "benchmark `FOLDER` of HR images (e.g. ../shared/data/bench/Set5)")
	flag.Parse()
	if *ref == "" || *bench == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*ref, flag.Args(), *bench, cascade.Options{Scale: *scale, Steps: *steps, Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "compactcheck:", err)
		os.Exit(1)
	}
}

func run(refName string, models []string, bench string, opts cascade.Options) error {
	files, err := filepath.Glob(filepath.Join(bench, "*.png"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no PNG images in %s", bench)
	}
	slices.Sort(files)
	ref, err := pretrained.Open(refName, "")
	if err != nil {
		return err
	}
	ups := make([]cascade.Upscaler, len(models))
	for i, m := range models {
		if ups[i], err = pretrained.Open(m, ""); err != nil {
			return err
		}
	}
	ctx := context.Background()
	all := make([]stats, len(models))
	refPSNR := 0.0
	for _, f := range files {
		d, err := data.DecodeFile(f, data.Limits{})
		if err != nil {
			return err
		}
		hr, lr, err := data.BenchmarkPair(d.Image, opts.Scale)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		want, err := cascade.UpscaleImage(ctx, ref, lr, opts, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		want8 := data.Quantize(want)
		refPSNR += data.PSNRY(hr, want8, opts.Scale)
		for i, up := range ups {
			got, err := cascade.UpscaleImage(ctx, up, lr, opts, nil)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", f, models[i], err)
			}
			got8 := data.Quantize(got)
			s := &all[i]
			for j := range got.Pix {
				diff := math.Abs(float64(got.Pix[j]-want.Pix[j])) * 127.5 // [-1,1] -> 8-bit levels
				s.maxDiff = max(s.maxDiff, diff)
				s.sumDiff += diff
				if got8.Pix[j] != want8.Pix[j] {
					s.changed++
				}
			}
			s.values += len(got.Pix)
			p := data.PSNRY(want8, got8, opts.Scale)
			s.psnrVsRef += min(p, 100) // identical images give +Inf; count them as 100 dB
			if s.images == 0 || p < s.worstVsRef {
				s.worstVsRef = p
			}
			s.psnrHR += data.PSNRY(hr, got8, opts.Scale)
			s.images++
		}
		fmt.Fprintf(os.Stderr, "%s done\n", filepath.Base(f))
	}
	n := float64(len(files))
	fmt.Printf("x%d, steps %d, seed %d, %d images of %s; reference %s: Y-PSNR %.4f dB\n", opts.Scale, opts.Steps, opts.Seed, len(files), bench, refName, refPSNR/n)
	fmt.Println("| model | max abs diff (8-bit levels) | mean abs diff | 8-bit values changed | Y-PSNR vs reference, mean (worst image) | Y-PSNR vs HR |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for i, s := range all {
		fmt.Printf("| %s | %.4f | %.5f | %.3f%% | %.2f (%.2f) dB | %.4f dB |\n", models[i], s.maxDiff, s.sumDiff/float64(s.values),
			100*float64(s.changed)/float64(s.values), s.psnrVsRef/n, s.worstVsRef, s.psnrHR/n)
	}
	return nil
}
