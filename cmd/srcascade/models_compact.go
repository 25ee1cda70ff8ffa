package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/srcascade/srcascade/pretrained"
	"github.com/srcascade/srcascade/sr3"
	"github.com/urfave/cli/v2"
)

// modelsCompactOptions is a parsed `srcascade models compact` command line.
type modelsCompactOptions struct {
	In, Out string
	DType   dtypes.DType
}

// modelsCompactCommand is `srcascade models compact`.
func modelsCompactCommand(set func(command)) *cli.Command {
	return &cli.Command{
		Name:      "compact",
		Usage:     "copy a model folder with its weights stored as 16-bit floats and without its training state",
		UsageText: "srcascade models compact [--dtype f16|bf16|f32] IN_DIR OUT_DIR",
		Description: `Copies the model folder IN_DIR (a checkpoint written by srcascade train) to
OUT_DIR with the weights (model.safetensors) stored as float16 (--dtype f16, the
default), bfloat16 (bf16) or float32 (f32), the other files as they are, and
without the training state (train_state.safetensors: the optimizer's moments,
three times the weights' size), which upscaling does not need. 16-bit weights
take half the space; they are widened back to float32 when loaded, so the model
computes in float32 with its weights rounded to 11 (f16) or 8 (bf16)
significant bits. This is how the built-in models are stored; their model
cards give the measured effect (float16: Set5 Y-PSNR unchanged at 4 decimals).

It prints how much the rounding moved the weights. A NaN or infinite weight, or
one beyond float16's range (65504; use bf16 then), is refused. OUT_DIR must be
a new or empty folder outside IN_DIR: nothing is replaced.

Examples:
  srcascade models compact runs/x4 runs/x4-f16
  srcascade models compact --dtype bf16 runs/x4 runs/x4-bf16
  srcascade upscale -m runs/x4-f16 photo.jpg`,
		Flags: []cli.Flag{&cli.StringFlag{Name: "dtype", Value: "f16", Usage: "store the weights as `DTYPE`: f16, bf16 or f32"}},
		Action: func(c *cli.Context) error {
			const cmd = "models compact"
			if c.NArg() != 2 {
				return usagef(cmd, "want two folders, IN_DIR and OUT_DIR (got %d arguments)", c.NArg())
			}
			dt, err := sr3.ParseWeightsDType(c.String("dtype"))
			if err != nil {
				return usagef(cmd, "--dtype: %v", err)
			}
			set(&modelsCompactOptions{In: c.Args().Get(0), Out: c.Args().Get(1), DType: dt})
			return nil
		},
	}
}

// run writes the compact copy and says what it did.
func (o *modelsCompactOptions) run(_ context.Context, e *env) error {
	r, err := pretrained.Compact(o.In, o.Out, o.DType)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s weights, %s (%s) -> %s (%s)\n", o.Out, formatCount(int64(r.Params)),
		formatBytes(r.InBytes), sr3.WeightsFile, formatBytes(r.OutBytes), strings.ToLower(r.DType.String()))
	if n := r.Narrowing; n.Values > 0 {
		fmt.Fprintf(e.stdout, "rounding: max error %.3g, mean %.3g, max relative %.3g; largest weight %.4g",
			n.MaxAbsError, n.MeanAbsError, n.MaxRelError, n.MaxAbs)
		if n.DType == dtypes.Float16 {
			fmt.Fprintf(e.stdout, "; %d below float16's normal range (2^-14), %d of them rounded to 0", n.Subnormal, n.Flushed)
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "copied: %s\n", strings.Join(r.Copied, ", "))
	if len(r.LeftOut) > 0 {
		fmt.Fprintf(e.stdout, "left out: %s\n", strings.Join(r.LeftOut, ", "))
	}
	return nil
}
