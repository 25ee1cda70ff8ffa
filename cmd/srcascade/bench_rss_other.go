//go:build !unix

package main

// peakRSSMiB returns 0: the peak resident set size is not measured on
// this system.
func peakRSSMiB() float64 { return 0 }

// cpuSeconds returns 0: the process's CPU time is not measured on this
// system.
func cpuSeconds() float64 { return 0 }
