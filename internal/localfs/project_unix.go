//go:build unix

package localfs

import "syscall"

// openFlags keep opening a project file from blocking (a FIFO with no writer) or from making a terminal
// the controlling one; ReadProjectFile refuses anything but a regular file before and after the open.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
