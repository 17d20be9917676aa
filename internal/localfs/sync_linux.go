package localfs

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system that holds dir, once.
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
