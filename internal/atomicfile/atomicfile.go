// Package atomicfile is skillctl's one way to replace a file: write a temporary file beside it, then
// rename it over the old one, so a reader or a crash sees the old file or the new one, never half of one.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with data, durably: the temporary file is synced before the rename and the folder
// after it, so the new file survives a power cut once Write returns. For files a person relies on: the
// lock, the registries configuration, a transaction's journal. The folder must exist.
func Write(path string, data []byte, perm os.FileMode) error {
	return write(path, perm, true, bytesOf(data))
}

// WriteCache replaces path with data atomically but without syncing: for derived data (cached objects and
// indexes) that is checked when read and rebuilt when damaged, where a sync per file would cost more than
// losing the file.
func WriteCache(path string, data []byte, perm os.FileMode) error {
	return write(path, perm, false, bytesOf(data))
}

// WriteCacheFrom is WriteCache for data too large to hold whole: fill writes it, and when fill fails
// nothing is left behind.
func WriteCacheFrom(path string, perm os.FileMode, fill func(io.Writer) error) error {
	return write(path, perm, false, fill)
}

func bytesOf(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}

func write(path string, perm os.FileMode, durable bool, fill func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if durable {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if !durable {
		return nil
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: some file systems refuse to sync a folder
		d.Close()
	}
	return nil
}
