//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// lockTemp takes the writer's lock on its temporary file f; the kernel
// drops it when the process dies. A file system without locks leaves the
// file unlocked, and CleanStale then relies on the PID alone.
func lockTemp(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// processAlive reports whether a process pid exists (signal 0 reaches it,
// or exists but belongs to another user).
func processAlive(pid int) bool {
	if pid <= 0 {
		return true // not a process ID: never stale
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// removeUnlocked removes path if no process holds its lock, holding the
// lock itself while it removes it, and reports whether it did.
func removeUnlocked(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false // a writer holds it (or locks are not possible here)
	}
	return os.Remove(path) == nil
}
