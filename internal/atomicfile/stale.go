package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
)

// tempPattern matches the names of Write's temporary files, capturing the
// writer's process ID: ".<name>.pid<PID>.<random>.tmp".
var tempPattern = regexp.MustCompile(`^\..+\.pid([0-9]+)\.[0-9]+\.tmp$`)

// tempPrefix starts the temporary file names of this process for base.
func tempPrefix(base string) string {
	return "." + base + ".pid" + strconv.Itoa(os.Getpid()) + "."
}

// swept holds the folders this process has cleaned of stale temporary
// files (Write cleans each folder once).
var swept sync.Map

// sweepOnce runs CleanStale on dir the first time this process writes
// there. Errors are ignored: cleaning is a courtesy, the write goes on.
func sweepOnce(dir string) {
	key := dir
	if abs, err := filepath.Abs(dir); err == nil {
		key = abs
	}
	if _, done := swept.LoadOrStore(key, true); done {
		return
	}
	_, _ = CleanStale(dir)
}

// CleanStale removes from dir the temporary files that writers killed
// mid-write (kill -9, a crash, a power cut) left behind, and returns their
// paths. Write calls it on the first write of a process into each folder,
// so a later run over the same folder cleans up after an earlier one.
//
// A temporary file is removed only when it is provably stale: its name is
// Write's (".<name>.pid<PID>.<random>.tmp"), the process PID that wrote it
// is gone, and no process holds the lock every writer keeps on its
// temporary file while it writes (so a writer in another PID namespace, or
// on another machine sharing the folder, is safe too). The temporary files
// of running writers, this process's included, and every other hidden
// file are kept. On platforms without file locks (not unix) nothing is
// removed.
func CleanStale(dir string) (removed []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("clean stale temporary files: %w", err)
	}
	for _, e := range entries {
		m := tempPattern.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if removeUnlocked(path) {
			removed = append(removed, path)
		}
	}
	return removed, nil
}
