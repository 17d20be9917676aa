//go:build windows

package txn

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"unicode/utf16"

	"golang.org/x/sys/windows"
)

// makeJunction makes path a directory junction to target (an absolute folder): what Windows allows
// without the symbolic-link privilege. Paths with spaces need no quoting: the target is stored as UTF-16.
func makeJunction(target, path string) error {
	abs, err := filepath.Abs(target)
	if err != nil {
		return err
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(path)
		}
	}()
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	sub := utf16.Encode([]rune(`\??\` + abs))
	prn := utf16.Encode([]rune(abs))
	// REPARSE_DATA_BUFFER for a mount point: tag, data length, reserved, then the substitute and print
	// names' offsets and lengths in bytes, then both names, each NUL-terminated.
	pathBytes := (len(sub) + 1 + len(prn) + 1) * 2
	buf := make([]byte, 8+8+pathBytes)
	binary.LittleEndian.PutUint32(buf[0:], windows.IO_REPARSE_TAG_MOUNT_POINT)
	binary.LittleEndian.PutUint16(buf[4:], uint16(8+pathBytes))
	binary.LittleEndian.PutUint16(buf[8:], 0)
	binary.LittleEndian.PutUint16(buf[10:], uint16(len(sub)*2))
	binary.LittleEndian.PutUint16(buf[12:], uint16((len(sub)+1)*2))
	binary.LittleEndian.PutUint16(buf[14:], uint16(len(prn)*2))
	off := 16
	for _, c := range sub {
		binary.LittleEndian.PutUint16(buf[off:], c)
		off += 2
	}
	off += 2
	for _, c := range prn {
		binary.LittleEndian.PutUint16(buf[off:], c)
		off += 2
	}
	var n uint32
	if err := windows.DeviceIoControl(h, windows.FSCTL_SET_REPARSE_POINT, &buf[0], uint32(len(buf)), nil, 0, &n, nil); err != nil {
		return err
	}
	ok = true
	return nil
}

// removeLink deletes a symbolic link or junction itself; a directory junction is removed as a directory.
func removeLink(p string) error {
	if err := os.Remove(p); err != nil {
		return windows.RemoveDirectory(windows.StringToUTF16Ptr(p))
	}
	return nil
}
