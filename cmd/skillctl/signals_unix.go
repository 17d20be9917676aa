//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// redeliver ends the process by the signal's default action, so the shell sees how it ended.
func redeliver(s os.Signal) {
	signal.Reset(s)
	if ss, ok := s.(syscall.Signal); ok {
		_ = syscall.Kill(os.Getpid(), ss)
	}
}
