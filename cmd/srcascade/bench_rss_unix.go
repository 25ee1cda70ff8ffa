//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// peakRSSMiB returns the process's peak resident set size so far, in MiB
// (getrusage's ru_maxrss: KiB on Linux and the BSDs, bytes on macOS); 0
// where unavailable.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	kib := float64(ru.Maxrss)
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		kib /= 1024
	}
	return kib / 1024
}

// cpuSeconds returns the CPU time (user + system) the process has used so
// far, from getrusage; 0 where unavailable. Differences of it measure work
// independently of other load on the machine, unlike wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
