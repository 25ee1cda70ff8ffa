package train

import (
	"strings"
	"testing"

	"github.com/srcascade/srcascade/sr3"
)

// TestCheckMemory: the default run fits in 1 GB; a batch of a billion
// patches does not fit in any machine and is refused naming batch and
// patch; the estimate grows with the batch.
func TestCheckMemory(t *testing.T) {
	cfg := sr3.DefaultConfig(4)
	o := DefaultOptions()
	if err := CheckMemory(cfg, o, 1<<30); err != nil {
		t.Errorf("default run in 1 GB: %v", err)
	}
	big := o
	big.Batch = 1_000_000_000
	err := CheckMemory(cfg, big, 1<<40)
	if err == nil || !strings.Contains(err.Error(), "batch") || !strings.Contains(err.Error(), "patch") {
		t.Errorf("a billion patches in 1 TB: %v, want an error naming batch and patch", err)
	}
	o2 := o
	o2.Batch *= 2
	if a, b := EstimateMemory(cfg, o), EstimateMemory(cfg, o2); !(b > a) {
		t.Errorf("estimate does not grow with the batch: %d, %d", a, b)
	}
}

// TestOptionsBounded: batch and patch above their bounds are refused.
func TestOptionsBounded(t *testing.T) {
	o := DefaultOptions()
	o.Batch, o.Patch = MaxBatch+1, MaxPatch+1
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "batch") || !strings.Contains(err.Error(), "patch") {
		t.Errorf("Validate = %v, want batch and patch refused", err)
	}
}
