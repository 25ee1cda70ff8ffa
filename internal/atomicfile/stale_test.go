package atomicfile

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// helperEnv names the folder a helper writer process writes into.
const helperEnv = "ATOMICFILE_TEST_WRITER_DIR"

// TestHelperWriter is not a test: run by startWriter in a child process,
// it starts writing DIR/big.bin and never finishes, as a run that is
// killed mid-write.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	Write(filepath.Join(dir, "big.bin"), func(w io.Writer) error {
		w.Write(make([]byte, 1<<20))
		w.(interface{ Flush() error }).Flush()
		os.WriteFile(filepath.Join(dir, "started"), nil, 0o644)
		select {} // killed here
	})
}

// startWriter starts a child process that is writing dir/big.bin and
// returns once its temporary file exists.
func startWriter(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			os.Remove(filepath.Join(dir, "started"))
			return cmd
		}
		if i > 1000 {
			t.Fatal("the writer process did not start writing")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// temps lists the temporary files in dir.
func temps(t *testing.T, dir string) []string {
	var out []string
	for _, n := range entries(t, dir) {
		if IsTemp(n) {
			out = append(out, n)
		}
	}
	return out
}

// TestStaleTempsCleaned kills a writer mid-write (kill -9, as a crash or
// an out-of-memory kill does) and checks that the next write into the same
// folder removes its orphaned temporary file, while the temporary file of
// a writer that is still running (another process, or this one) is kept,
// and so are hidden files that are not provably ours.
func TestStaleTempsCleaned(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("stale temporary files are only recognised on unix")
	}
	dir := t.TempDir()
	killed := startWriter(t, dir)
	orphan := temps(t, dir)
	if len(orphan) != 1 {
		t.Fatalf("temporary files %q, want one", orphan)
	}
	killed.Process.Kill()
	killed.Wait()

	running := startWriter(t, dir)
	live := slices.DeleteFunc(temps(t, dir), func(n string) bool { return n == orphan[0] })
	if len(live) != 1 {
		t.Fatalf("temporary files of the running writer: %q", live)
	}
	foreign := []string{".notes.tmp", ".a.png.123456.tmp", ".b.png.pid1.x.tmp"}
	for _, n := range foreign {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A write of this process is in progress while another file is written.
	inFill := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- WriteFile(filepath.Join(dir, "slow.txt"), nil)
	}()
	go func() {
		done <- Write(filepath.Join(dir, "own.txt"), func(w io.Writer) error {
			close(inFill)
			<-release
			return nil
		})
	}()
	<-inFill
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	removed, err := CleanStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	names := entries(t, dir)
	if slices.Contains(names, orphan[0]) {
		t.Errorf("the killed writer's %s is still there after a later write: %q", orphan[0], names)
	}
	if !slices.Contains(names, live[0]) {
		t.Errorf("the running writer's %s was removed", live[0])
	}
	for _, n := range append(foreign, "own.txt", "slow.txt") {
		if !slices.Contains(names, n) {
			t.Errorf("%s was removed", n)
		}
	}
	if len(removed) != 0 {
		t.Errorf("CleanStale after the write removed %q, want nothing left to remove", removed)
	}

	// Once the running writer dies too, its file is stale.
	running.Process.Kill()
	running.Wait()
	removed, err = CleanStale(dir)
	if err != nil || len(removed) != 1 || filepath.Base(removed[0]) != live[0] {
		t.Errorf("CleanStale = %q, %v; want [%s]", removed, err, live[0])
	}
	if got := temps(t, dir); len(got) != len(foreign) {
		t.Errorf("temporary files left: %q, want only %q", got, foreign)
	}
	if !strings.HasPrefix(live[0], ".big.bin.pid") {
		t.Errorf("temporary name %s does not carry the writer's PID", live[0])
	}
}
