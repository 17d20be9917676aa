//go:build unix

package install

import (
	"fmt"
	"os"
	"syscall"
)

// lockDirs takes an exclusive advisory lock on each folder, in the order given, waiting for other skillctl
// processes. The caller passes paths sorted so two processes never wait on each other crosswise.
func lockDirs(dirs ...string) (unlock func(), err error) {
	var held []*os.File
	unlock = func() {
		for i := len(held) - 1; i >= 0; i-- {
			syscall.Flock(int(held[i].Fd()), syscall.LOCK_UN)
			held[i].Close()
		}
	}
	for _, d := range dirs {
		f, err := os.Open(d)
		if err != nil {
			unlock()
			return nil, err
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
			if err != syscall.EINTR {
				break
			}
		}
		if err != nil {
			f.Close()
			unlock()
			return nil, fmt.Errorf("%s: cannot lock: %w", d, err)
		}
		held = append(held, f)
	}
	return unlock, nil
}
