package recovery

import (
	"errors"
	"io/fs"
	"testing"
)

func TestCatchReturnsNilWithoutPanic(t *testing.T) {
	ran := false
	if err := Catch(func() { ran = true }); err != nil || !ran {
		t.Fatalf("Catch = %v, ran = %v; want nil, true", err, ran)
	}
}

func TestCatchKeepsPanickedError(t *testing.T) {
	err := Catch(func() { panic(fs.ErrNotExist) })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Catch = %v; want the panicked error itself", err)
	}
}

func TestCatchFormatsOtherValues(t *testing.T) {
	err := Catch(func() { panic(42) })
	if err == nil || err.Error() != "42" {
		t.Fatalf("Catch = %v; want error \"42\"", err)
	}
}
