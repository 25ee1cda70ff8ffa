// Package meminfo tells how much memory the process can use: the
// machine's available memory (Linux /proc/meminfo MemAvailable), lowered
// to what a cgroup limit leaves (containers), with a fixed fallback where
// neither can be read.
package meminfo

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Fallback is what Available reports where the system does not say: a
// modest machine's free memory.
const Fallback int64 = 4 << 30

// Files read by Available; tests point them elsewhere.
var (
	procMeminfo   = "/proc/meminfo"
	cgroupMax     = "/sys/fs/cgroup/memory.max"
	cgroupCurrent = "/sys/fs/cgroup/memory.current"
)

// Available returns the bytes of memory available to a new allocation
// now, and whether the system said so (false: Fallback was returned).
func Available() (int64, bool) {
	avail, ok := memAvailable()
	if limit, ok2 := cgroupLeft(); ok2 && (!ok || limit < avail) {
		avail, ok = limit, true
	}
	if !ok {
		return Fallback, false
	}
	return avail, true
}

// memAvailable reads MemAvailable (kB) from /proc/meminfo.
func memAvailable() (int64, bool) {
	f, err := os.Open(procMeminfo)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := bytes.CutPrefix(s.Bytes(), []byte("MemAvailable:"))
		if !ok {
			continue
		}
		fields := strings.Fields(string(rest))
		if len(fields) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 || kb > 1<<50 {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// cgroupLeft is a cgroup v2 memory limit less what the group uses, when
// there is a limit.
func cgroupLeft() (int64, bool) {
	limit, ok := readInt(cgroupMax)
	if !ok {
		return 0, false // "max" (no limit) or no cgroup v2
	}
	used, _ := readInt(cgroupCurrent)
	return max(limit-used, 0), true
}

// readInt reads a file holding one decimal number.
func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil && v >= 0
}

// Format renders bytes for a message: "1.5 GB", "300 MB".
func Format(b int64) string {
	switch {
	case b >= 1e9:
		return strconv.FormatFloat(float64(b)/1e9, 'f', 1, 64) + " GB"
	case b >= 1e6:
		return strconv.FormatInt(b/1e6, 10) + " MB"
	}
	return strconv.FormatInt(b/1e3, 10) + " kB"
}
