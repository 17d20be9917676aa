package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestWatchSignals: the first signal cancels; the process is ended when the command does not return
// within the grace or a second signal comes, and never when it returns in time.
func TestWatchSignals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signals []os.Signal
		returns bool // the command returns after the first signal
		die     os.Signal
	}{
		{"blocked command ends after the grace", []os.Signal{syscall.SIGTERM}, false, syscall.SIGTERM},
		{"second signal ends at once", []os.Signal{os.Interrupt, syscall.SIGTERM}, false, syscall.SIGTERM},
		{"a command that returns is not killed", []os.Signal{syscall.SIGTERM}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan os.Signal, 2)
			done := make(chan struct{})
			cancelled := make(chan struct{})
			died := make(chan os.Signal, 1)
			grace := 200 * time.Millisecond
			if len(tc.signals) > 1 || tc.returns {
				grace = time.Hour // only the second signal or the return may end the watch
			}
			finished := make(chan struct{})
			go func() {
				watchSignals(ch, done, func(os.Signal) { close(cancelled) }, grace, func(s os.Signal) { died <- s })
				close(finished)
			}()
			ch <- tc.signals[0]
			select {
			case <-cancelled:
			case <-time.After(5 * time.Second):
				t.Fatal("the first signal did not cancel")
			}
			if tc.returns {
				close(done)
			}
			for _, s := range tc.signals[1:] {
				ch <- s
			}
			select {
			case <-finished:
			case <-time.After(5 * time.Second):
				t.Fatal("the watch never ended")
			}
			var got os.Signal
			select {
			case got = <-died:
			default:
			}
			if got != tc.die {
				t.Fatalf("died with %v, want %v", got, tc.die)
			}
		})
	}
}
