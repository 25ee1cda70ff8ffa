//go:build nophoto

package pretrained

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/srcascade/srcascade/cascade"
	"github.com/srcascade/srcascade/data"
)

// TestNoPhotoReadsFolder (go test -tags nophoto ./pretrained): the photo
// models are read from SRCASCADE_WEIGHTS's folder, and a folder without
// them gives an error that says where the binary looked and how to point it.
func TestNoPhotoReadsFolder(t *testing.T) {
	t.Setenv(WeightsDirEnv, ".") // this package's folder holds sr3-x2/
	m, err := Open("sr3-x2", "go")
	if err != nil {
		t.Fatalf("Open(sr3-x2) from the folder: %v", err)
	}
	dir, err := Open("./sr3-x2", "go") // the same files, as a model folder
	if err != nil {
		t.Fatal(err)
	}
	img := data.NewImage(16, 12, 3)
	for i := range img.Pix {
		img.Pix[i] = float32(i%7)/7 - 0.5
	}
	opts := cascade.Options{Scale: 2}
	a, errA := m.Upscale(context.Background(), img, opts, nil)
	b, errB := dir.Upscale(context.Background(), img, opts, nil)
	if errA != nil || errB != nil || m.Name() != "sr3-x2" || !slices.Equal(a.Pix, b.Pix) {
		t.Errorf("built-in sr3-x2 read from the folder (%v, %v): name %s, or output unlike the folder's model", errA, errB, m.Name())
	}
	t.Setenv(WeightsDirEnv, t.TempDir())
	_, err = Open("sr3-x2", "go")
	if err == nil || !strings.Contains(err.Error(), "nophoto") || !strings.Contains(err.Error(), WeightsDirEnv) {
		t.Errorf("Open(sr3-x2) from an empty folder: %v, want where it looked and %s", err, WeightsDirEnv)
	}
}

// TestMain runs the package's tests in a nophoto build with the photo
// models read from this package's folder, so that every test of the
// built-in models checks the folder-read ones too.
func TestMain(m *testing.M) {
	if os.Getenv(WeightsDirEnv) == "" {
		here, err := filepath.Abs(".")
		if err != nil {
			panic(err)
		}
		os.Setenv(WeightsDirEnv, here)
	}
	os.Exit(m.Run())
}
