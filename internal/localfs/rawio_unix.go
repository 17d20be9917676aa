//go:build unix

package localfs

import (
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// The files of a skill folder are small and many (a 700-skill install writes 2,754 and reads them back).
// os.OpenFile registers each with the runtime's poller, which a regular file refuses: an fstat, an
// epoll_ctl and fcntl calls per open, more system calls than the write itself. These two go to the system
// directly: open, write or read, close.

// createFile creates p (which must not exist, and is never followed if it is a link) holding data, with
// exactly perm, whatever the umask.
func createFile(p string, data []byte, perm os.FileMode) error {
	fd, err := openRetry(p, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, uint32(perm))
	if err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: err}
	}
	for len(data) > 0 && err == nil {
		var n int
		n, err = unix.Write(fd, data)
		switch {
		case err == unix.EINTR:
			err = nil
		case err != nil: // n is -1
		case n == 0:
			err = io.ErrShortWrite
		default:
			data = data[n:]
		}
	}
	if err == nil {
		err = unix.Fchmod(fd, uint32(perm)) // the umask must not strip the executable bit
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: p, Err: err}
	}
	return nil
}

// readFile reads the regular file p, of about size bytes, never through a link and never waiting on a
// FIFO or device swapped in after the caller looked.
func readFile(p string, size int64) ([]byte, error) {
	fd, err := openRetry(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0) // a FIFO swapped in fails, never blocks
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, size+1) // one more byte, to see the end in the first read
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: p, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func openRetry(p string, flags int, perm uint32) (int, error) {
	for {
		fd, err := unix.Open(p, flags, perm)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
