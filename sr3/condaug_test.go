package sr3

import (
	"errors"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// condAugModel is a tiny model trained-looking (random weights) with CDM
// conditioning augmentation.
func condAugModel(t *testing.T) *Model {
	t.Helper()
	cfg := tinyConfig()
	cfg.CondAug = true
	m, err := New(cfg, goBackend(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	randomizeModel(t, m)
	return m
}

func TestCondAugLevelChangesPrediction(t *testing.T) {
	m := condAugModel(t)
	if m.store.GetVariable("/unet/cond_embed/weights") == nil {
		t.Fatal("no cond_embed weights: the augmentation level is not wired into the UNet")
	}
	n, h, w := 2, 8, 8
	xt := flat(randTensor(5, n, h, w, 3))
	cond := flat(randTensor(6, n, h, w, 3))
	levels := []float32{0.3, 0.9}
	zero, err := m.PredictNoise(xt, cond, n, h, w, levels, nil)
	if err != nil {
		t.Fatal(err)
	}
	explicitZero, err := m.PredictNoise(xt, cond, n, h, w, levels, []float32{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxAbsDiff(t, zero, explicitZero); d != 0 {
		t.Fatalf("nil conditioning levels differ from explicit zeros by %g", d)
	}
	aug, err := m.PredictNoise(xt, cond, n, h, w, levels, []float32{0, 0.2})
	if err != nil {
		t.Fatal(err)
	}
	per := h * w * 3
	if d, _ := maxAbsDiff(t, zero[:per], aug[:per]); d != 0 {
		t.Fatalf("item 0 kept level 0 but its prediction moved by %g: items are not independent", d)
	}
	if d, _ := maxAbsDiff(t, zero[per:], aug[per:]); d < 1e-4 {
		t.Fatalf("item 1's conditioning level 0 -> 0.2 moved the prediction by only %g: the level is ignored", d)
	}
	if _, err := m.PredictNoise(xt, cond, n, h, w, levels, []float32{0}); err == nil {
		t.Fatal("one conditioning level for a batch of 2 was accepted")
	}
	if _, err := m.PredictNoise(xt, cond, n, h, w, levels, []float32{0, 1.5}); err == nil {
		t.Fatal("conditioning level 1.5 was accepted")
	}
}

func TestNoCondAugRefusesLevel(t *testing.T) {
	m := testModel(t)
	n, h, w := 1, 8, 8
	xt := flat(randTensor(5, n, h, w, 3))
	cond := flat(randTensor(6, n, h, w, 3))
	if _, err := m.PredictNoise(xt, cond, n, h, w, []float32{0.5}, []float32{0}); err != nil {
		t.Fatalf("level 0 on a model without cond_aug: %v", err)
	}
	_, err := m.PredictNoise(xt, cond, n, h, w, []float32{0.5}, []float32{0.1})
	if !errors.Is(err, ErrNoCondAug) {
		t.Fatalf("level 0.1 on a model without cond_aug: got %v, want ErrNoCondAug", err)
	}
	if _, err := m.EpsFunc(cond, n, h, w, 0.1); !errors.Is(err, ErrNoCondAug) {
		t.Fatalf("EpsFunc with level 0.1 on a model without cond_aug: got %v, want ErrNoCondAug", err)
	}
}

func TestCondAugConfig(t *testing.T) {
	c := tinyConfig()
	c.CondNoise = 0.05
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "cond_noise") {
		t.Fatalf("cond_noise without cond_aug: %v", err)
	}
	c.CondAug = true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.CondNoise = 1.5
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "cond_noise") {
		t.Fatalf("cond_noise 1.5: %v", err)
	}
}

// TestCondAugGradient checks the gradient through the augmentation
// embedding against finite differences, with the level a function of the
// input so it is exercised.
func TestCondAugGradient(t *testing.T) {
	cfg := tinyConfig()
	cfg.CondAug = true
	checkGradient(t, "unet+cond_aug", []int{1, 8, 8, 3}, func(s *model.Scope, x *graph.Node) *graph.Node {
		g := x.Graph()
		cond := graph.Cos(x)
		level := graph.Const(g, []float32{0.6})
		aug := graph.Reshape(graph.Sigmoid(graph.ReduceAllMean(x)), 1)
		return UNet(s, cfg, UNetInputs{Noisy: x, Cond: cond, NoiseLevel: level, CondLevel: aug})
	})
}
