//go:build !unix

package localfs

import "os"

// createFile creates p (which must not exist) holding data, with perm.
func createFile(p string, data []byte, perm os.FileMode) error {
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	if err == nil {
		err = w.Chmod(perm)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// readFile reads the regular file p.
func readFile(p string, _ int64) ([]byte, error) { return os.ReadFile(p) }
