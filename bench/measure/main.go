// Command measure runs one command and prints its wall time in milliseconds and its peak resident set
// size in KiB: "WALL_MS MAXRSS_KIB". The peak is the kernel's ru_maxrss for the child, which covers the
// largest single process in its tree (git clone's helpers included), not their sum.
//
// It exists because /usr/bin/time reports wall time in centiseconds only, too coarse for runs of 0.1 s.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: measure CMD [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stderr, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	fmt.Printf("%.1f %d\n", float64(wall.Microseconds())/1000, maxRSS(cmd.ProcessState))
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}
