//go:build unix

package localfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadProjectFileSpecial: a FIFO with no writer and an endless device are refused at once, whether
// named directly or through a link the project carries; none of them may block or grow memory.
func TestReadProjectFileSpecial(t *testing.T) {
	root := t.TempDir()
	fifo := filepath.Join(root, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	os.MkdirAll(filepath.Join(root, ".skillctl"), 0o755)
	os.Symlink("/dev/zero", filepath.Join(root, ".skillctl", "registries.json"))
	os.Symlink(fifo, filepath.Join(root, "skills.lock"))
	for _, tc := range []struct{ p, problem string }{
		{fifo, "named pipe"},
		{filepath.Join(root, "skills.lock"), "named pipe"},
		{"/dev/zero", "is a device"},
		{filepath.Join(root, ".skillctl", "registries.json"), "is a device"},
		{"/dev/null", "is a device"},
	} {
		if _, err := os.Stat(tc.p); err != nil {
			t.Logf("%s: %v; skipped", tc.p, err)
			continue
		}
		done := make(chan error, 1)
		go func() {
			_, err := ReadProjectFile(root, tc.p, 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			var pe *ProjectError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("%s: %v, want %q", tc.p, err, tc.problem)
			}
		case <-time.After(5 * time.Second):
			// Unblock the reader so the test binary can end, then fail.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			t.Fatalf("%s: still reading after 5s", tc.p)
		}
	}
}
