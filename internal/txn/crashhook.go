//go:build skillctl_crashhook && unix

package txn

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// With the skillctl_crashhook build tag (never in a release build), SKILLCTL_CRASH_AFTER_STEP=N makes the
// process kill itself with SIGKILL right after the Nth step of a transaction (see apply), naming the step
// on stderr first. internal/crashtest builds the binary this way to kill -9 it at every step in turn.
func init() {
	at, err := strconv.Atoi(os.Getenv("SKILLCTL_CRASH_AFTER_STEP"))
	if err != nil || at < 1 {
		return
	}
	n := 0
	afterStep = func(step string) {
		n++
		if n == at {
			fmt.Fprintf(os.Stderr, "crashhook: SIGKILL after step %d (%s)\n", n, step)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			for {
				time.Sleep(time.Second) // the signal is on its way: run nothing more of the change
			}
		}
	}
}
