//go:build unix

package localfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestRawIO: createFile writes exactly the bytes with exactly the mode whatever the umask, refuses a path
// that exists (a link included, never followed); readFile reads them back, refuses to follow a link,
// and returns at once from a FIFO put where a file was (no writer ever comes).
func TestRawIO(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	p := filepath.Join(dir, "run.sh")
	if err := createFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("mode %v (%v), want 0755 under umask 077", fi.Mode(), err)
	}
	if got, err := readFile(p, 3); err != nil || string(got) != "#!/bin/sh\n" {
		t.Fatalf("readFile = %q, %v", got, err)
	}
	outside := filepath.Join(t.TempDir(), "target")
	os.WriteFile(outside, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(outside, link)
	if err := createFile(link, []byte("x"), 0o644); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("createFile through a link: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Fatal("createFile wrote through a link")
	}
	if _, err := readFile(link, 4); err == nil {
		t.Fatal("readFile followed a link")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := readFile(fifo, 10); done <- err }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("readFile waited on a FIFO")
	}
}
