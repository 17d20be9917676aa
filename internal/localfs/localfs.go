// Package localfs moves skill folders between the disk and memory. Reading keeps symlinks as links and
// the executable bit as a mode, exactly as git records them, so a folder hashes the same whether it came
// from a repository, the cache or the disk; writing only ever creates a fresh folder.
package localfs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Limits bound what Read accepts; here a zero field means no bound (callers pass limits.Default or
// their flags' values).
type Limits = limits.Limits

// Read loads dir: regular files with their executable bit, symlinks as links (never followed), .git
// folders skipped; anything else (a device, a socket, a FIFO) is an error, as is crossing a limit, which is
// checked before a file is read.
func Read(dir string, lim Limits) (*snapshot.Folder, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", dir)
	}
	f := &snapshot.Folder{}
	var total int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if lim.MaxFiles > 0 && len(f.Files) >= lim.MaxFiles {
			return fmt.Errorf("%s: more than %d files", dir, lim.MaxFiles)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			f.Files = append(f.Files, snapshot.File{Path: rel, Mode: snapshot.Symlink, Data: []byte(filepath.ToSlash(t))})
		case info.Mode().IsRegular():
			if lim.MaxFileSize > 0 && info.Size() > lim.MaxFileSize {
				return fmt.Errorf("%s: %d bytes, over the per-file limit of %d", p, info.Size(), lim.MaxFileSize)
			}
			if total += info.Size(); lim.MaxTotalSize > 0 && total > lim.MaxTotalSize {
				return fmt.Errorf("%s: over the total size limit of %d bytes", dir, lim.MaxTotalSize)
			}
			data, err := readFile(p, info.Size())
			if err != nil {
				return err
			}
			mode := snapshot.Regular
			if info.Mode()&0o111 != 0 {
				mode = snapshot.Executable
			}
			f.Files = append(f.Files, snapshot.File{Path: rel, Mode: mode, Data: data})
		default:
			return fmt.Errorf("%s: not a regular file or symlink", p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.Sort()
	return f, nil
}

// ReadInstalled reads a skill folder skillctl installed, to compare it with the lock: the one rule for
// every command that does (install's checks for local edits, list, verify, audit). No cap applies: the
// folder was checked against the caps when it was written, perhaps with caps the user raised, and a cap hit
// here would make an intact skill look edited (verify and audit would disagree about it, and an install
// could overwrite an edited one without --force).
func ReadInstalled(dir string) (*snapshot.Folder, error) { return Read(dir, Limits{}) }

// Write creates dir and writes f into it. dir must not exist, so nothing is ever written through a link
// that was already there. Files are not synced one by one: a caller that publishes what it wrote (a
// rename, a journal) calls Sync on the folder above first, once for everything it staged.
func Write(dir string, f *snapshot.Folder) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	made := map[string]bool{dir: true}
	for _, fl := range f.Files {
		if !snapshot.ValidPath(fl.Path) {
			return fmt.Errorf("unsafe path %q", fl.Path)
		}
		p := filepath.Join(dir, filepath.FromSlash(fl.Path))
		if parent := filepath.Dir(p); !made[parent] {
			if err := os.MkdirAll(parent, 0o755); err != nil {
				return err
			}
			made[parent] = true
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
			if err := createFile(p, fl.Data, perm); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unsupported mode %s", fl.Path, fl.Mode)
		}
	}
	return nil
}

// SkillFile names the skill file of the folder dir by manifest's case rule ("" when it has none), from
// one listing of the folder: probing a name would make a case-insensitive disk answer for any spelling.
// It reads no file, so it is the cheap question to ask before Read.
func SkillFile(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	names := make(map[string]bool, 2)
	for _, e := range entries {
		if !e.IsDir() && manifest.IsFileName(e.Name()) {
			names[e.Name()] = true
		}
	}
	return manifest.SkillFile(func(n string) bool { return names[n] })
}

// Matches checks that dir, just written by Write, holds exactly f as a listing: the same paths (byte for
// byte: a disk that folds case or normalizes names fails here), each of the same kind and executable bit,
// files of the same size and links to the same target. Contents are not read back: they are the bytes
// Write was given, and the hash of what is installed is checked from the disk by verify. This is the
// check a transaction makes of every folder it stages, where reading 2,754 files back for a 700-skill
// install cost an eighth of its time.
func Matches(dir string, f *snapshot.Folder) error {
	want := make(map[string]snapshot.File, len(f.Files))
	for _, fl := range f.Files {
		want[fl.Path] = fl
	}
	seen := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		w, ok := want[rel]
		if !ok {
			return fmt.Errorf("%s: on disk but not written (does this disk fold or normalize names?)", rel)
		}
		seen++
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch w.Mode {
		case snapshot.Symlink:
			t, err := os.Readlink(p)
			if err != nil || info.Mode()&fs.ModeSymlink == 0 || filepath.ToSlash(t) != string(w.Data) {
				return fmt.Errorf("%s: not the link written", rel)
			}
		case snapshot.Regular, snapshot.Executable:
			exec := info.Mode()&0o111 != 0
			if !info.Mode().IsRegular() || info.Size() != int64(len(w.Data)) || exec != (w.Mode == snapshot.Executable) {
				return fmt.Errorf("%s: not the file written (%v, %d bytes)", rel, info.Mode(), info.Size())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if seen != len(want) {
		return fmt.Errorf("%d of %d files on disk (does this disk fold or normalize names?)", seen, len(want))
	}
	return nil
}
