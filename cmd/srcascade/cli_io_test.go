package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runCLIIO runs bin (the test binary when "") in dir with args, extra
// environment variables ("K=V") and stdin, and returns its output and
// exit code; stdout is kept as bytes (an image, with -o -).
func runCLIIO(t *testing.T, bin, dir string, env []string, stdin io.Reader, args ...string) (res cliResult, stdout []byte) {
	t.Helper()
	if bin == "" {
		bin = binary
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res = cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %s %s: %v", bin, strings.Join(args, " "), err)
	}
	return res, out.Bytes()
}
