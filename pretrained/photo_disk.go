//go:build nophoto

package pretrained

import (
	"io/fs"
	"os"
	"slices"
	"strings"
)

// WeightsDirEnv names the environment variable that gives a binary built
// with -tags nophoto the folder holding the photo models' folders
// (sr3-x4-real/, sr3-x4/, sr3-x2/, as in the repository's pretrained/);
// unset, it is ./pretrained. Such a binary is 24 MB smaller, for copying
// to a machine that has the repository (a lent GPU machine takes at most
// 64 MiB of tree and binary together).
const WeightsDirEnv = "SRCASCADE_WEIGHTS"

// photoWeights are the photo models' files: read from WeightsDirEnv's
// folder when a model is opened, so the variable may be set after start.
var photoWeights fs.FS = diskWeights{}

// diskWeights is the folder WeightsDirEnv names, looked up at each Open;
// only the photo models' folders in it are read.
type diskWeights struct{}

// photoDirs are the photo models' folders.
var photoDirs = []string{"sr3-x4-real", "sr3-x4", "sr3-x2"}

// Open opens the named file of a photo model's folder of the weights folder.
func (diskWeights) Open(name string) (fs.File, error) {
	dir, _, _ := strings.Cut(name, "/")
	if !slices.Contains(photoDirs, dir) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return os.DirFS(weightsDir()).Open(name)
}

// weightsDir is WeightsDirEnv's folder, or ./pretrained.
func weightsDir() string {
	if d := os.Getenv(WeightsDirEnv); d != "" {
		return d
	}
	return "pretrained"
}

// photoWeightsHint says where this build looks for the photo models.
func photoWeightsHint() string {
	return " (this binary was built with -tags nophoto and reads the photo models from " + weightsDir() +
		"; set " + WeightsDirEnv + " to the repository's pretrained/ folder)"
}
