package train

import (
	"context"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/srcascade/srcascade/sr3"
)

// degradedSource is fakeSource with every item's degradation strength set
// to level.
type degradedSource struct {
	fakeSource
	level float32
}

func (s *degradedSource) Next(ctx context.Context) (*Batch, error) {
	b, err := s.fakeSource.Next(ctx)
	if err != nil {
		return nil, err
	}
	b.Degradation = make([]float32, b.N)
	for i := range b.Degradation {
		b.Degradation[i] = s.level
	}
	return b, nil
}

// lastLoss runs four steps of cfg on batches whose degradation strength
// is level and returns the last step's loss (a fresh network's output
// layer starts at zero, so the level shows only once it has moved).
func lastLoss(t *testing.T, cfg sr3.Config, level float32) float64 {
	t.Helper()
	opt := tinyOptions(t, t.TempDir(), 4)
	src := &degradedSource{fakeSource: fakeSource{batch: 2, patch: 16, scale: 2, seed: 1}, level: level}
	loss := 0.0
	if err := Run(context.Background(), opt, cfg, src, nil, func(p Progress) {
		if p.Event == "step" {
			loss = p.Loss
		}
	}); err != nil {
		t.Fatal(err)
	}
	return loss
}

// TestRunDenoiseFeedsTheStrength: a model with a denoise control sees each
// item's degradation strength as its level (the same batch at strength 0
// and 1 gives another loss); a CDM-augmented one does not (its level is
// the augmentation noise, none here).
func TestRunDenoiseFeedsTheStrength(t *testing.T) {
	cfg := tinyTrainConfig()
	cfg.Dropout = 0
	cfg.CondAug, cfg.Denoise = true, true
	if a, b := lastLoss(t, cfg, 0), lastLoss(t, cfg, 1); a == b {
		t.Errorf("denoise model: loss %g at strength 0 and at strength 1: the strength does not reach the network", a)
	}
	cfg.Denoise = false
	if a, b := lastLoss(t, cfg, 0), lastLoss(t, cfg, 1); a != b {
		t.Errorf("CDM model: loss %g at strength 0, %g at strength 1: the strength leaked into its level", a, b)
	}
}

// TestWarmStart: the init weights land in the store, the level embedding
// the init lacks starts at zero, and a weight of another shape is refused
// naming it.
func TestWarmStart(t *testing.T) {
	b, err := loopBackend()
	if err != nil {
		t.Fatal(err)
	}
	clean := tinyTrainConfig()
	m, err := sr3.New(clean, b, 3)
	if err != nil {
		t.Fatal(err)
	}
	init := m.Weights()
	cfg := clean
	cfg.CondAug, cfg.Denoise = true, true
	store := model.NewStore()
	if err := warmStart(store, cfg, b, 1, "tiny", init); err != nil {
		t.Fatal(err)
	}
	zeros := 0
	for v := range store.IterVariables() {
		name := strings.TrimPrefix(v.Path(), "/")
		got := tensors.MustCopyFlatData[float32](v.MustValue())
		if w, ok := init[name]; ok {
			want := tensors.MustCopyFlatData[float32](w)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s[%d] = %g, the init has %g", name, i, got[i], want[i])
				}
			}
			continue
		}
		if !strings.HasPrefix(name, condEmbedPrefix) {
			t.Errorf("variable %s is neither an init weight nor the level embedding", name)
		}
		for _, x := range got {
			if x != 0 {
				t.Fatalf("%s starts at %g, want 0", name, x)
			}
		}
		zeros++
	}
	if zeros != 2 {
		t.Errorf("%d level-embedding variables, want 2 (weights and biases)", zeros)
	}

	wider := clean
	wider.BaseChannels = 16
	wider.GroupNormGroups = 4
	if err := warmStart(model.NewStore(), wider, b, 1, "tiny", init); err == nil || !strings.Contains(err.Error(), "tiny") ||
		!strings.Contains(err.Error(), "architecture differs") {
		t.Errorf("warm start of a wider network: %v, want an error naming the init and the differing architecture", err)
	}
}
