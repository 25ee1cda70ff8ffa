package meminfo

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAvailable reads fake /proc/meminfo and cgroup files: MemAvailable,
// lowered by a cgroup limit, and the fallback when nothing can be read.
func TestAvailable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := [3]string{procMeminfo, cgroupMax, cgroupCurrent}
	t.Cleanup(func() { procMeminfo, cgroupMax, cgroupCurrent = old[0], old[1], old[2] })

	procMeminfo = write("meminfo", "MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    8000000 kB\n")
	cgroupMax = write("max", "max\n")
	cgroupCurrent = write("cur", "0\n")
	if got, ok := Available(); !ok || got != 8000000<<10 {
		t.Errorf("MemAvailable 8000000 kB: got %d, %v", got, ok)
	}
	cgroupMax = write("max", "2000000000\n")
	cgroupCurrent = write("cur", "500000000\n")
	if got, ok := Available(); !ok || got != 1500000000 {
		t.Errorf("cgroup limit 2 GB, 0.5 GB used: got %d, %v", got, ok)
	}
	procMeminfo, cgroupMax = filepath.Join(dir, "none"), filepath.Join(dir, "none")
	if got, ok := Available(); ok || got != Fallback {
		t.Errorf("nothing readable: got %d, %v; want the fallback", got, ok)
	}
	if Format(1_500_000_000) != "1.5 GB" || Format(300_000_000) != "300 MB" {
		t.Errorf("Format: %s, %s", Format(1_500_000_000), Format(300_000_000))
	}
}
