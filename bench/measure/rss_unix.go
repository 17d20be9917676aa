//go:build unix

package main

import (
	"os"
	"syscall"
)

// maxRSS is the kernel's ru_maxrss for the finished child (KiB on Linux), or 0 when not reported.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
