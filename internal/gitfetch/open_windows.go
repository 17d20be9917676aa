//go:build windows

package gitfetch

// openFlags is empty on Windows: it has no O_NOFOLLOW or FIFOs, and the Lstat walk with the Stat of the
// open file still refuses anything but a regular file.
const openFlags = 0
