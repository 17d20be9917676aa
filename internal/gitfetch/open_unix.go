//go:build !windows

package gitfetch

import "syscall"

// openFlags keeps a read from following a link swapped in after the Lstat walk and from blocking on a FIFO.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
