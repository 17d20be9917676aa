//go:build !unix

package main

import "github.com/rogpeppe/go-internal/testscript"

// mkfifo FILE: named pipes are a Unix test; scripts skip on other systems.
func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("mkfifo: no named pipes here; skip the script with [windows]")
}
