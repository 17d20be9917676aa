//go:build linux

package validate

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/manifest"
	"golang.org/x/sys/unix"
)

// On Linux the listing and the SKILL.md reads use system calls directly: each folder is opened relative
// to the tree's root (openat) and its entries' types come from getdents, and neither kind of file goes
// through the runtime poller (no fcntl or epoll calls per file). On a 5,000-skill tree this halves the
// time spent in the kernel compared with os.Open and File.ReadDir.

// osTree is the listed tree's root, open for the length of the listing.
type osTree struct {
	root string
	fd   int
}

func openTree(root string) (*osTree, error) {
	fd, err := open(unix.AT_FDCWD, root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: root, Err: err}
	}
	return &osTree{root: root, fd: fd}, nil
}

func (t *osTree) close() { unix.Close(t.fd) }

func (t *osTree) reader() dirReader { return &linuxReader{t: t, buf: make([]byte, 32<<10)} }

type linuxReader struct {
	t   *osTree
	buf []byte
}

func open(dirfd int, p string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, p, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func (r *linuxReader) read(rel string, emit func(string, fs.FileMode)) error {
	p := rel
	if p == "" {
		p = "."
	}
	fd, err := open(r.t.fd, p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW)
	if err != nil {
		return &fs.PathError{Op: "open", Path: filepath.Join(r.t.root, filepath.FromSlash(rel)), Err: err}
	}
	defer unix.Close(fd)
	for {
		n, err := unix.Getdents(fd, r.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "readdirent", Path: filepath.Join(r.t.root, filepath.FromSlash(rel)), Err: err}
		}
		if n <= 0 {
			return nil
		}
		var ferr error
		parseDirents(r.buf[:n], func(name []byte, typ uint8) {
			if ferr != nil {
				return
			}
			mode, ok := direntMode(typ)
			if !ok { // the file system does not record types: ask
				var st unix.Stat_t
				if err := unix.Fstatat(fd, string(name), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
					ferr = &fs.PathError{Op: "lstat", Path: filepath.Join(r.t.root, filepath.FromSlash(rel), string(name)), Err: err}
					return
				}
				mode = statMode(st.Mode)
			}
			emit(string(name), mode)
		})
		if ferr != nil {
			return ferr
		}
	}
}

// parseDirents calls fn for each entry of a getdents64 buffer but . and .., and stops at the first
// record that does not fit. The layout is struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen;
// u8 d_type; char d_name[]; } with d_name NUL-terminated inside d_reclen.
func parseDirents(b []byte, fn func(name []byte, typ uint8)) {
	for len(b) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < 19 || reclen > len(b) {
			return
		}
		name := b[19:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		typ := b[18]
		b = b[reclen:]
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		fn(name, typ)
	}
}

func direntMode(t uint8) (fs.FileMode, bool) {
	switch t {
	case unix.DT_REG:
		return 0, true
	case unix.DT_DIR:
		return fs.ModeDir, true
	case unix.DT_LNK:
		return fs.ModeSymlink, true
	case unix.DT_FIFO:
		return fs.ModeNamedPipe, true
	case unix.DT_SOCK:
		return fs.ModeSocket, true
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case unix.DT_BLK:
		return fs.ModeDevice, true
	}
	return 0, false
}

func statMode(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	}
	return fs.ModeDevice
}

// readFile reads the file at p to its end or to manifest.MaxFileSize+1 bytes into buf. size is the
// file's real size when it was cut short, else 0. O_NONBLOCK keeps a FIFO swapped in after the listing
// from blocking the read.
func readFile(p string, buf []byte) (data []byte, size int64, err error) {
	fd, err := open(unix.AT_FDCWD, p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK)
	if err != nil {
		return buf, 0, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	const limit = manifest.MaxFileSize + 1
	if cap(buf) == 0 {
		buf = make([]byte, 0, 32<<10)
	}
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):min(cap(buf), limit)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf, 0, &fs.PathError{Op: "read", Path: p, Err: err}
		}
		if n == 0 {
			return buf, 0, nil
		}
		buf = buf[:len(buf)+n]
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil {
		size = st.Size
	}
	return buf, size, nil
}
