package cascade

import "github.com/srcascade/srcascade/sr3"

// samplerStage is a learned stage that resolves its sampler settings for
// the options of a call (SR3Stage).
type samplerStage interface {
	SamplerConfig(opts Options) (sr3.SamplerConfig, error)
}

// unwrapper is an Upscaler built around another one (Rescaled).
type unwrapper interface{ Unwrap() Upscaler }

// Leaves lists the stages that do the work of up, in order: the stages of
// a Pipeline (recursively) and the upscaler inside a wrapper such as
// Rescaled; up itself otherwise.
func Leaves(up Upscaler) []Upscaler {
	switch u := up.(type) {
	case *Pipeline:
		var out []Upscaler
		for _, s := range u.stages {
			out = append(out, Leaves(s)...)
		}
		return out
	case *Sized:
		var out []Upscaler
		for _, m := range u.models {
			out = append(out, Leaves(m)...)
		}
		return out
	case unwrapper:
		return Leaves(u.Unwrap())
	}
	return []Upscaler{up}
}

// UnusedOptions names the fields of opts that are set (not zero) but that
// no stage of up reads, so that changing them changes nothing: all of
// Seed, Steps, Sampler, Eta, Strength, Tile, CondNoise, Deblock, Prefilter and TTA when up
// has no learned stage (bicubic); Sampler and Eta when every learned stage takes
// one step (the one-step estimate is the same for both samplers); Eta
// when no learned stage samples with DDIM (DDPM ignores it); Denoise when
// no stage has a denoise control (sr3.Config.Denoise). A stage whose
// settings do not resolve is taken to read everything (its error comes
// when it runs). Scale and Generated are never named.
func UnusedOptions(up Upscaler, opts Options) []string {
	var learned []sr3.SamplerConfig
	denoise := false
	for _, s := range Leaves(up) {
		if d, ok := s.(interface{ TakesDenoise() bool }); ok && d.TakesDenoise() {
			denoise = true
		}
		ss, ok := s.(samplerStage)
		if !ok {
			continue
		}
		sc, err := ss.SamplerConfig(opts)
		if err != nil {
			return nil
		}
		learned = append(learned, sc)
	}
	var unused []string
	add := func(name string, set bool) {
		if set {
			unused = append(unused, name)
		}
	}
	add("Denoise", opts.Denoise != nil && !denoise)
	if len(learned) == 0 {
		add("Seed", opts.Seed != 0)
		add("Steps", opts.Steps != 0)
		add("Sampler", opts.Sampler != "")
		add("Eta", opts.Eta != 0)
		add("Strength", opts.Strength != 0)
		add("Tile", opts.Tile != 0)
		add("CondNoise", opts.CondNoise != nil)
		add("Deblock", opts.Deblock != 0)
		add("Prefilter", opts.Prefilter != 0)
		add("TTA", opts.TTA)
		return unused
	}
	multiStep, ddim := false, false
	for _, sc := range learned {
		if sc.Steps > 1 {
			multiStep = true
			ddim = ddim || sc.Kind == sr3.DDIM
		}
	}
	add("Sampler", opts.Sampler != "" && !multiStep)
	add("Eta", opts.Eta != 0 && !ddim)
	return unused
}
