//go:build !linux

package main

import "github.com/rogpeppe/go-internal/testscript"

// onterminal needs Linux's pseudo-terminals; scripts that use it check [pty] first.
func cmdOnTerminal(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("onterminal: no pseudo-terminal on this platform")
}

func ptyWorks() bool { return false }
