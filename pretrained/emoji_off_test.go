//go:build noemoji

package pretrained

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoEmojiLeftOut (go test -tags noemoji ./pretrained): the emoji
// models are neither listed nor embedded, and asking for one says the
// binary was built without it.
func TestNoEmojiLeftOut(t *testing.T) {
	for _, m := range List() {
		if strings.HasPrefix(m.Name, "emoji") {
			t.Errorf("%s listed in a noemoji build", m.Name)
		}
	}
	if _, err := weights.ReadFile("emoji-x2/model.safetensors"); err == nil {
		t.Error("emoji-x2's weights are embedded in a noemoji build")
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SRCASCADE_WEIGHTS", here) // where a nophoto build finds sr3-x2, below
	t.Chdir(t.TempDir())                // here, emoji-x2/ is the model's source folder, a checkpoint
	_, err = Open("emoji-x2", "go")
	if !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), "built without it") {
		t.Errorf("Open(emoji-x2): %v, want it to say the build left it out", err)
	}
	_, err = OpenBase(DefaultBase, "go")
	if !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), "built without it") {
		t.Errorf("OpenBase(%s): %v, want it to say the build left it out", DefaultBase, err)
	}
	if _, err := Open("sr3-x2", "go"); err != nil {
		t.Errorf("sr3-x2 in a noemoji build: %v", err)
	}
}
