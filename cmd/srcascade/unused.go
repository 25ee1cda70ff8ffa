package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/srcascade/srcascade"
	"github.com/srcascade/srcascade/cascade"
)

// optionFlags are the flags of the cascade.Options fields that
// cascade.UnusedOptions names.
var optionFlags = map[string]string{
	"Seed": "--seed", "Steps": "--steps", "Sampler": "--sampler", "Eta": "--eta",
	"Strength": "--strength", "Tile": "--tile", "CondNoise": "--cond-noise",
	"Denoise": "--denoise", "Deblock": "--deblock", "Prefilter": "--prefilter", "TTA": "--tta",
}

// unusedWarning is the warning about the model flags given that change
// nothing for up (cascade.UnusedOptions), or "" when every one matters.
func (m modelOptions) unusedWarning(up cascade.Upscaler) string {
	opts := m.cascadeOptions()
	if opts.Seed == srcascade.DefaultSeed { // --seed's default: not taken as set
		opts.Seed = 0
	}
	names := cascade.UnusedOptions(up, opts)
	flags := make([]string, len(names))
	for i, n := range names {
		flags[i] = optionFlags[n]
	}
	if m.Backend != "" && !cascade.HasLearnedStage(up) {
		flags = append(flags, "--backend")
	}
	if len(flags) == 0 {
		return ""
	}
	var why string
	switch {
	case !cascade.HasLearnedStage(up):
		why = fmt.Sprintf("model %s has no network, no sampler and no noise", up.Name())
	case slices.Contains(names, "Sampler"):
		why = "with one step (--steps 1) every sampler gives the same one-step estimate"
	default:
		why = fmt.Sprintf("eta is for --sampler ddim, and model %s samples with DDPM here", up.Name())
	}
	return doNothing(flags, why)
}

// doNothing words the warning that flags change nothing, and why.
func doNothing(flags []string, why string) string {
	verb := "does"
	if len(flags) > 1 {
		verb = "do"
	}
	return fmt.Sprintf("%s %s nothing: %s", strings.Join(flags, ", "), verb, why)
}
