// Package lockfile reads and writes skills.lock, the record that makes an install reproducible: for every
// installed skill, where it came from (source as given, repository, ref, commit, path), the folder's git tree
// hash and the content hash of the files on disk. The file is deterministic: sorted, no timestamps, so two
// installs of the same thing write the same bytes and a diff shows only real changes.
package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// Name is the lockfile's default file name, in the project root.
const Name = "skills.lock"

// Version is the format version this build writes and reads.
const Version = 1

// MaxSize bounds what Parse reads: a lock is small, so anything larger is not one.
const MaxSize = 8 << 20

// Lock is the whole file.
type Lock struct {
	Version int     `json:"version"`
	Skills  []Skill `json:"skills"`
}

// Skill is one installed skill. Dir is the target folder relative to the lock's folder, slash-separated;
// the skill lives at Dir/Name.
type Skill struct {
	Name         string   `json:"name"`
	Dir          string   `json:"dir"`
	Source       string   `json:"source"`
	Registry     string   `json:"registry,omitempty"`
	Repo         string   `json:"repo,omitempty"`
	Ref          string   `json:"ref,omitempty"`
	Commit       string   `json:"commit,omitempty"`
	Path         string   `json:"path,omitempty"`
	Tree         string   `json:"tree,omitempty"`
	Hash         string   `json:"hash"`
	Dependencies []string `json:"dependencies,omitempty"`
	Requested    bool     `json:"requested"`
}

var (
	hexCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)
	hashRE    = regexp.MustCompile(`^sha256-[0-9a-f]{64}$`)
	nameRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Error is a problem with the lock file itself, positioned where JSON allows.
type Error struct {
	File    string
	Line    int
	Problem string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Problem)
}

// Parse decodes and checks a lock. file names it in errors. Unknown fields, a wrong version, duplicate
// entries and malformed hashes are errors: a lock that is not understood must never be rewritten.
func Parse(file string, data []byte) (*Lock, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: file, Problem: fmt.Sprintf("too large (%d bytes); a lock is at most %d", len(data), MaxSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l Lock
	if err := dec.Decode(&l); err != nil {
		return nil, &Error{File: file, Line: lineOf(data, dec.InputOffset(), err), Problem: "not a valid lock: " + jsonProblem(err)}
	}
	if dec.More() {
		return nil, &Error{File: file, Line: lineOf(data, dec.InputOffset(), nil), Problem: "not a valid lock: data after the end of the document"}
	}
	if l.Version != Version {
		return nil, &Error{File: file, Problem: fmt.Sprintf("version %d is not supported (this skillctl reads version %d)", l.Version, Version)}
	}
	seen := map[string]bool{}
	for i, s := range l.Skills {
		if err := s.check(); err != nil {
			return nil, &Error{File: file, Problem: fmt.Sprintf("skills[%d] (%s): %v", i, s.Name, err)}
		}
		k := s.Dir + "/" + s.Name
		if seen[k] {
			return nil, &Error{File: file, Problem: fmt.Sprintf("skill %s is listed twice for %s", s.Name, s.Dir)}
		}
		seen[k] = true
	}
	return &l, nil
}

func (s *Skill) check() error {
	switch {
	case !nameRE.MatchString(s.Name) || len(s.Name) > 64:
		return fmt.Errorf("invalid name %q", s.Name)
	case !validDir(s.Dir):
		return fmt.Errorf("invalid dir %q: want a clean relative path inside the project, or an absolute one", s.Dir)
	case s.Source == "":
		return errors.New("missing source")
	case !hashRE.MatchString(s.Hash):
		return fmt.Errorf("invalid hash %q: want sha256- and 64 hex digits", s.Hash)
	case s.Commit != "" && !hexCommit.MatchString(s.Commit):
		return fmt.Errorf("invalid commit %q: want 40 hex digits", s.Commit)
	case s.Tree != "" && !hexCommit.MatchString(s.Tree):
		return fmt.Errorf("invalid tree %q: want 40 hex digits", s.Tree)
	case s.Registry == "local" && !validDir(s.Path):
		return fmt.Errorf("invalid local path %q", s.Path)
	case s.Registry != "local" && s.Path != "" && !snapshot.ValidPath(s.Path):
		return fmt.Errorf("invalid path %q", s.Path)
	case s.Repo != "" && s.Commit == "":
		return errors.New("a skill from a repository must record its commit")
	case s.Repo == "" && s.Registry == "" && s.Commit != "":
		return errors.New("a commit without a repository")
	case strings.Contains(s.Repo, "@"):
		return fmt.Errorf("repo %q carries user information; credentials never belong in a lock", s.Repo)
	}
	for _, d := range s.Dependencies {
		if !nameRE.MatchString(d) {
			return fmt.Errorf("invalid dependency name %q", d)
		}
	}
	return nil
}

// validDir accepts "." , a clean relative path that stays inside the project, or a clean absolute path
// (a user-level target such as ~/.claude/skills, recorded by --global).
func validDir(d string) bool {
	if d == "." || snapshot.ValidPath(d) {
		return true
	}
	return strings.HasPrefix(d, "/") && path.Clean(d) == d && !strings.ContainsAny(d, "\x00\n\r")
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func lineOf(data []byte, off int64, err error) int {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// Normalize sorts skills by dir and name and each skill's dependencies, the order Marshal writes.
func (l *Lock) Normalize() {
	l.Version = Version
	for i := range l.Skills {
		sort.Strings(l.Skills[i].Dependencies)
	}
	sort.Slice(l.Skills, func(i, j int) bool {
		a, b := l.Skills[i], l.Skills[j]
		if a.Dir != b.Dir {
			return a.Dir < b.Dir
		}
		return a.Name < b.Name
	})
}

// Marshal is the canonical encoding: normalized, two-space indented, ending in a newline.
func (l *Lock) Marshal() []byte {
	c := *l
	c.Skills = append([]Skill(nil), l.Skills...)
	if c.Skills == nil {
		c.Skills = []Skill{}
	}
	c.Normalize()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(&c) // cannot fail: plain strings, bools and ints
	return buf.Bytes()
}

// Find returns the entry for name installed in dir, or nil.
func (l *Lock) Find(dir, name string) *Skill {
	for i := range l.Skills {
		if l.Skills[i].Dir == dir && l.Skills[i].Name == name {
			return &l.Skills[i]
		}
	}
	return nil
}

// Put adds or replaces the entry for s.Dir/s.Name.
func (l *Lock) Put(s Skill) {
	if e := l.Find(s.Dir, s.Name); e != nil {
		*e = s
		return
	}
	l.Skills = append(l.Skills, s)
}

// Remove deletes the entry for dir/name, reporting whether there was one.
func (l *Lock) Remove(dir, name string) bool {
	for i := range l.Skills {
		if l.Skills[i].Dir == dir && l.Skills[i].Name == name {
			l.Skills = append(l.Skills[:i], l.Skills[i+1:]...)
			return true
		}
	}
	return false
}

// In returns the entries installed in dir, sorted by name.
func (l *Lock) In(dir string) []Skill {
	var out []Skill
	for _, s := range l.Skills {
		if s.Dir == dir {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Read loads the lock at path. A missing file is an empty lock; a symlink is refused, since writing through
// it would change a file outside the project.
func Read(path string) (*Lock, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{Version: Version}, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, &Error{File: path, Problem: "is a symbolic link; skillctl reads and writes only a regular lock file"}
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{File: path, Problem: "is not a regular file"}
	}
	if fi.Size() > MaxSize {
		return nil, &Error{File: path, Problem: fmt.Sprintf("too large (%d bytes); a lock is at most %d", fi.Size(), MaxSize)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Write replaces the lock at path atomically: a temporary file beside it, synced, then renamed, so a crash
// leaves either the old lock or the new one, never a torn file.
func Write(path string, l *Lock) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return &Error{File: path, Problem: "is a symbolic link; skillctl reads and writes only a regular lock file"}
	}
	return WriteFileAtomic(path, l.Marshal(), 0o644)
}

// WriteFileAtomic writes data to path through a synced temporary file in the same folder and a rename.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // best effort: some file systems refuse to sync a directory
	return nil
}
