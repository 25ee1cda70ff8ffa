//go:build !unix

package atomicfile

import "os"

// lockTemp does nothing where there are no flock locks.
func lockTemp(*os.File) {}

// processAlive reports every process as alive: without file locks no
// temporary file can be proved stale here.
func processAlive(int) bool { return true }

// removeUnlocked removes nothing (see processAlive).
func removeUnlocked(string) bool { return false }
