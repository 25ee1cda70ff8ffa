//go:build !noemoji

package pretrained

import (
	"embed"

	"github.com/srcascade/srcascade/cascade"
)

// emojiWeights holds the emoji models' inference files: the base model
// `srcascade generate` samples with by default and its x2 cascade stage
// (18 MB together). Build with -tags noemoji for a binary without them.
//
//go:embed emoji-x2/config.json emoji-x2/model.safetensors
//go:embed emoji-base16/config.json emoji-base16/model.safetensors emoji-base16/classes.json
var emojiWeights embed.FS

func init() {
	weights = append(weights, emojiWeights)
	registry = append(registry, entry{
		info: Info{
			Name:        "emoji-x2",
			Kind:        KindSR,
			Scales:      []int{2, 4, 8},
			Params:      emojiX2Params,
			TrainedOn:   emojiTrainedOn,
			Description: emojiX2Description,
		},
		open: func(backend string) (cascade.Upscaler, error) { return openEmbedded("emoji-x2", "emoji-x2", backend) },
	})
	bases = append(bases, baseEntry{
		info: Info{
			Name:        "emoji-base16",
			Kind:        KindBase,
			Params:      emojiBaseParams,
			TrainedOn:   emojiTrainedOn,
			Description: emojiBaseDescription,
			ImageSize:   16,
			Cascade:     "emoji-x2+emoji-x2",
		},
		dir: "emoji-base16",
	})
}
