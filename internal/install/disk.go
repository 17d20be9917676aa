package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// readFolder loads a folder from disk as a snapshot: regular files with their executable bit, symlinks as
// links (never followed), nothing else. It is how local sources are read and how installed skills are
// hashed for list and verify, so a skill hashes the same on disk as it did when fetched.
func readFolder(dir string, lim Limits) (*snapshot.Folder, error) {
	lim = lim.withDefaults()
	f := &snapshot.Folder{}
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel := filepath.ToSlash(p[len(dir)+1:])
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		var fl snapshot.File
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fl = snapshot.File{Path: rel, Mode: snapshot.Symlink, Data: []byte(filepath.ToSlash(t))}
		case info.Mode().IsRegular():
			if info.Size() > lim.MaxFileSize {
				return fmt.Errorf("%s: %d bytes, over the per-file limit of %d", p, info.Size(), lim.MaxFileSize)
			}
			total += info.Size()
			if total > lim.MaxTotalSize {
				return fmt.Errorf("%s: over the total size limit of %d bytes", dir, lim.MaxTotalSize)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mode := snapshot.Regular
			if info.Mode()&0o111 != 0 {
				mode = snapshot.Executable
			}
			fl = snapshot.File{Path: rel, Mode: mode, Data: data}
		default:
			return fmt.Errorf("%s: not a regular file or symlink", p)
		}
		f.Files = append(f.Files, fl)
		if len(f.Files) > lim.MaxFiles {
			return fmt.Errorf("%s: more than %d files", dir, lim.MaxFiles)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.Sort()
	return f, nil
}

// readInstalled reads a skill folder skillctl wrote, to hash it against the lock. The install caps do not
// apply: the folder was checked when it was written, perhaps with caps the user raised, and a cap hit
// here would make an intact skill look edited (and let an edited one be overwritten without --force).
func readInstalled(dir string) (*snapshot.Folder, error) {
	return readFolder(dir, Limits{MaxFileSize: 1 << 62, MaxTotalSize: 1 << 62, MaxFiles: 1 << 30})
}

// writeFolder creates dir and writes f into it. dir must not exist: it is always a fresh staging folder,
// so nothing is ever written through a pre-existing link. Files are synced before the caller renames.
func writeFolder(dir string, f *snapshot.Folder) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for _, fl := range f.Files {
		if !snapshot.ValidPath(fl.Path) {
			return fmt.Errorf("unsafe path %q", fl.Path)
		}
		p := filepath.Join(dir, filepath.FromSlash(fl.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		switch fl.Mode {
		case snapshot.Symlink:
			if err := os.Symlink(filepath.FromSlash(string(fl.Data)), p); err != nil {
				return err
			}
		case snapshot.Regular, snapshot.Executable:
			perm := os.FileMode(0o644)
			if fl.Mode == snapshot.Executable {
				perm = 0o755
			}
			w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
			if err != nil {
				return err
			}
			_, err = w.Write(fl.Data)
			if err == nil {
				err = w.Sync()
			}
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Chmod(p, perm); err != nil { // the umask must not strip the executable bit
				return err
			}
		default:
			return fmt.Errorf("%s: unsupported mode %s", fl.Path, fl.Mode)
		}
	}
	return nil
}

// isHidden reports whether a target entry belongs to skillctl's own bookkeeping (staging folders).
func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}
