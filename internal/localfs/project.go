package localfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// A cloned project is untrusted input: its skills.lock, its .skillctl folder and anything else it carries
// may be a symlink out of the project, a FIFO that never answers, a device that never ends, or a file far
// larger than any real one. The functions here are the one rule every reader and writer of such a file
// follows:
//
//   - read: only a regular file, checked before it is opened (so opening a device has no effect) and again
//     on the open descriptor (so a swap in between is caught), opened without blocking (a FIFO cannot hang
//     the open), and read through a size cap; a symlink on the way is followed but reported, so the
//     caller can say so or refuse;
//   - write: only when no component from the project root down to the file is a symlink, so nothing is
//     written outside the project through a link the project carries.

// ProjectFile is a file read from a project.
type ProjectFile struct {
	Data []byte
	// Link is the first symbolic link on the way from the project root to the file (the file itself
	// included), as the path to that link; "" when the file was reached through real folders only.
	Link string
}

// ProjectError is a project file or folder refused for what it is, not for what it holds.
type ProjectError struct {
	Path    string
	Problem string
}

func (e *ProjectError) Error() string { return textsafe.Escape(e.Path) + ": " + e.Problem }

// ReadProjectFile reads name, a file of the project rooted at root, under the rule above. A missing file
// is an error matching fs.ErrNotExist; a file over max bytes, anything but a regular file, and a symlink
// that leads nowhere are *ProjectError.
func ReadProjectFile(root, name string, max int64) (*ProjectFile, error) {
	link, err := firstLink(root, name)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(name)
	if err != nil {
		if link != "" && errors.Is(err, fs.ErrNotExist) {
			return nil, &ProjectError{Path: name, Problem: "is reached through the symbolic link " + textsafe.Escape(link) + ", which leads nowhere"}
		}
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &ProjectError{Path: name, Problem: notRegular(fi.Mode())}
	}
	if fi.Size() > max {
		return nil, tooLarge(name, max)
	}
	f, err := os.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ofi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !ofi.Mode().IsRegular() || !os.SameFile(fi, ofi) {
		return nil, &ProjectError{Path: name, Problem: "changed while it was being opened; run the command again"}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, tooLarge(name, max)
	}
	return &ProjectFile{Data: data, Link: link}, nil
}

func tooLarge(name string, max int64) error {
	return &ProjectError{Path: name, Problem: fmt.Sprintf("larger than %d bytes; no real one is this large", max)}
}

func notRegular(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "is a folder, not a regular file"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO), not a regular file; skillctl does not read from one"
	case m&fs.ModeDevice != 0:
		return "is a device, not a regular file; skillctl does not read from one"
	case m&fs.ModeSocket != 0:
		return "is a socket, not a regular file"
	}
	return "is not a regular file"
}

// firstLink returns the first component of name below root that is a symbolic link, or "". Components
// that do not exist end the walk: nothing below them can be a link.
func firstLink(root, name string) (string, error) {
	rel, ok := relInside(root, name)
	if !ok {
		// Not below root: only the file itself is the project's to judge.
		if fi, err := os.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return name, nil
		}
		return "", nil
	}
	p := filepath.Clean(root)
	for _, el := range strings.Split(rel, string(filepath.Separator)) {
		if el == "." {
			continue
		}
		p = filepath.Join(p, el)
		fi, err := os.Lstat(p)
		if err != nil {
			return "", nil
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return p, nil
		}
	}
	return "", nil
}

// Inside reports whether p is root or lies below it, comparing cleaned paths only (no file is read).
func Inside(root, p string) bool {
	_, ok := relInside(root, p)
	return ok
}

func relInside(root, p string) (string, bool) {
	if filepath.IsAbs(root) != filepath.IsAbs(p) {
		var err error
		if root, err = filepath.Abs(root); err != nil {
			return "", false
		}
		if p, err = filepath.Abs(p); err != nil {
			return "", false
		}
	}
	rel, err := filepath.Rel(filepath.Clean(root), filepath.Clean(p))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// CheckProjectPath is the rule for writing or deleting p, a file or folder of the project rooted at root,
// and for reading a folder the project names (a local skill): p must lie inside root, and no component from
// root down to p that exists may be a symbolic link, nor anything but a folder on the way. A missing
// component ends the check: what is missing is created as a real folder when written.
func CheckProjectPath(root, p string) error {
	return checkPath(root, p, true)
}

// CheckWrite is the one path check before skillctl writes into or deletes from dir, a folder it manages
// for the project rooted at root (a target, an agent's folder for placements, a stage's parent, the parent
// of a new skill): every command and recovery calls it, through install's Target.checkFolder or directly.
// Inside the project it is CheckProjectPath, and dir itself must be a folder (or missing). A folder outside
// the project was named by the user (--dir, --global, an agent's user-level folder): its parents are the
// user's own and may be links (/tmp is one on macOS), but dir itself must be a real folder, so a link put
// in its place is never written through.
//
// Entries inside dir (a skill's folder, a placement, a stage) are renamed or deleted as entries: a link
// among them is moved or deleted itself, never followed (os.Rename and os.RemoveAll do not follow a last
// component), so checking dir is enough.
func CheckWrite(root, dir string) error {
	inside := Inside(root, dir)
	if !inside {
		root = filepath.Dir(filepath.Clean(dir))
	}
	if err := checkPath(root, dir, inside); err != nil {
		return err
	}
	if fi, err := os.Lstat(dir); err == nil && !fi.IsDir() {
		return &ProjectError{Path: dir, Problem: "is not a folder"}
	}
	return nil
}

func checkPath(root, p string, project bool) error {
	rel, ok := relInside(root, p)
	if !ok {
		return clierr.WithHint(&ProjectError{Path: p, Problem: "is outside the project " + textsafe.Escape(root)},
			"skillctl reads and writes only inside the project; name another place on the command line if you mean it")
	}
	cur := filepath.Clean(root)
	els := strings.Split(rel, string(filepath.Separator))
	for i, el := range els {
		if el == "." {
			continue
		}
		cur = filepath.Join(cur, el)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if !project {
				return clierr.WithHint(&ProjectError{Path: cur, Problem: "is a symbolic link; skillctl writes into and deletes from only a real folder"},
					"replace the link with a folder, or pass the real path with --dir")
			}
			return clierr.WithHint(&ProjectError{Path: cur, Problem: "is a symbolic link inside the project; skillctl does not write, delete or read a project's files through one"},
				"replace the link with a real folder or file (it may point outside the project), then run the command again")
		}
		if i < len(els)-1 && !fi.IsDir() {
			return &ProjectError{Path: cur, Problem: "is not a folder"}
		}
	}
	return nil
}
