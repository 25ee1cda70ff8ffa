package train

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSmokeTrainPhotos loads a real photo folder and measures batch
// throughput. It runs only when SRCASCADE_TRAIN_PHOTOS names the folder
// (made by scripts/fetch-train-photos.sh), e.g.
//
//	SRCASCADE_TRAIN_PHOTOS=/work/data/train-photos go test ./train -run SmokeTrainPhotos -v
func TestSmokeTrainPhotos(t *testing.T) {
	dir := os.Getenv("SRCASCADE_TRAIN_PHOTOS")
	if dir == "" {
		t.Skip("SRCASCADE_TRAIN_PHOTOS not set")
	}
	for _, tc := range []struct {
		name string
		opt  DataOptions
	}{
		{"clean", DataOptions{}},
		{"realworld degradations", DataOptions{Degrade: RealWorldDegrade()}},
		{"full resolution in 512 MiB", DataOptions{DownscaleHR: 1, MemoryBudget: 512 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.opt
			opt.HRDir, opt.Scale, opt.Patch, opt.Batch, opt.Seed = dir, 4, 64, 8, 1
			var logged []string
			start := time.Now()
			src, err := NewSource(context.Background(), opt, func(s string) { logged = append(logged, s) })
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			load := time.Since(start)
			st := src.(*PatchSource).Dataset().Stats()
			t.Logf("load %.1fs: %s", load.Seconds(), st)
			for _, l := range logged {
				if strings.HasPrefix(l, "skipping") {
					t.Log(l)
				}
			}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			t.Logf("Go heap in use after load: %.0f MiB; peak RSS so far: %s", float64(ms.HeapInuse)/(1<<20), peakRSS())

			ctx := context.Background()
			for range 4 { // warm up, fill the prefetch buffer
				if _, err := src.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			n, start := 0, time.Now()
			for time.Since(start) < 5*time.Second {
				if _, err := src.Next(ctx); err != nil {
					t.Fatal(err)
				}
				n++
			}
			el := time.Since(start).Seconds()
			t.Logf("batch 8, patch 64, x4, %d workers: %d batches in %.1fs = %.1f batches/s (%.0f patches/s)",
				runtime.GOMAXPROCS(0), n, el, float64(n)/el, float64(8*n)/el)
		})
	}
}

// peakRSS reads the process's peak resident set size (Linux).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}
