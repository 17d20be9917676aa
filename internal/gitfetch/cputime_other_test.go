//go:build !unix

package gitfetch

import "time"

// cpuTime is unknown here: -1.
func cpuTime() time.Duration { return -1 }
