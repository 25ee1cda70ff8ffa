package data

import (
	"runtime"
	"testing"
)

// benchmarkResize resizes a synthetic 4000x3000 RGB image to w x h and
// reports output megapixels per second.
//
// The heap is grown by an untimed resize and collected (untimed) after each
// one, so that every timed resize writes into memory the process already
// holds, as in a batch run. On this VM the first touch of fresh memory (2.3
// GB of output for the x4 upscale) can cost more than the resize itself, and
// varies from run to run with the load on the machine.
func benchmarkResize(b *testing.B, w, h int) {
	img := smoothImage(4000, 3000, 3)
	Resize(img, w, h)
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		out := Resize(img, w, h)
		if out.W != w {
			b.Fatal("wrong size")
		}
		b.StopTimer()
		out = nil
		runtime.GC()
		b.StartTimer()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(w*h)*float64(b.N)/1e6/sec, "MP/s")
	b.ReportMetric(float64(img.W*img.H)*float64(b.N)/1e6/sec, "inMP/s")
}

// BenchmarkResizeUp4 is the x4 bicubic upscale of 4000x3000 RGB to 16000x12000.
func BenchmarkResizeUp4(b *testing.B) { benchmarkResize(b, 16000, 12000) }

// BenchmarkResizeDown4 is the antialiased 1/4 downscale of 4000x3000 RGB to 1000x750.
func BenchmarkResizeDown4(b *testing.B) { benchmarkResize(b, 1000, 750) }
