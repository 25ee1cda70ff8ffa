//go:build !nophoto

package pretrained

import (
	"embed"
	"io/fs"
)

// photoEmbedded holds the photo models' inference files (EMA weights,
// stored as float16 and widened to float32 when opened, and config). Each
// model's folder also has MODEL_CARD.md (how it was trained, its scores)
// and train.json (the run's options); the training states (optimizer
// moments) are not shipped, so training on from a built-in model starts
// from its weights with a fresh optimizer. The emoji models' files are
// embedded by emoji.go, left out with the build tag noemoji; the build tag
// nophoto reads these from a folder instead (photo_disk.go).
//
// Embedded files sit in the binary's read-only data: the operating system
// maps them in, and a model's pages are read from disk only when Open
// copies its weights out (see BENCHMARKS.md, "Binary size and start-up").
//
//go:embed sr3-x4-real/config.json sr3-x4-real/model.safetensors
//go:embed sr3-x4/config.json sr3-x4/model.safetensors sr3-x2/config.json sr3-x2/model.safetensors
var photoEmbedded embed.FS

// photoWeights are the photo models' files: embedded in this build.
var photoWeights fs.FS = photoEmbedded

// photoWeightsHint adds nothing to a missing file's error: the files are
// embedded.
func photoWeightsHint() string { return "" }
