package train

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"testing"
)

// batchDigest is a SHA-256 of a batch's HR and LR values, bit for bit.
func batchDigest(b *Batch) string {
	h := sha256.New()
	var buf [4]byte
	for _, vs := range [][]float32{b.HR, b.LR} {
		for _, v := range vs {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			h.Write(buf[:])
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

// TestBatchesUnchanged pins batches bit for bit to the digests recorded
// before the Real-ESRGAN degradations were added (commit 71f228c): the
// clean protocol and the older blur/noise/JPEG degradations must keep
// making exactly the batches they made, so clean training reproduces
// today's models. The digests are of amd64 (the resize's SIMD path); other
// architectures round differently in the last bit.
func TestBatchesUnchanged(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("digests recorded on amd64, this is %s", runtime.GOARCH)
	}
	dir := t.TempDir()
	writePNG(t, dir, "a.png", randomRGBA(90, 70, 1))
	writePNG(t, dir, "b.png", smoothRGBA(64, 80, 2))
	for _, tc := range []struct {
		name string
		deg  DegradeOptions
		want []string
	}{
		{"clean", DegradeOptions{}, []string{"fe765bf10576c39c", "112e21a71ae66770", "76d46f80479d960f"}},
		{"realworld", RealWorldDegrade(), []string{"451638cca99f4a06", "b4310f2863a46082", "7ebcb4fdff8917c1"}},
	} {
		ds := loadT(t, DataOptions{HRDir: dir, Scale: 4, Patch: 32, Batch: 3, Seed: 11, Degrade: tc.deg}, nil)
		for i, want := range tc.want {
			if got := batchDigest(batchT(t, ds, int64(i))); got != want {
				t.Errorf("%s batch %d: digest %s, want %s", tc.name, i, got, want)
			}
		}
	}
}
