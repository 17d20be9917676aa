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
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Name is the lockfile's default file name, in the project root.
const Name = "skills.lock"

// Version is the format version this build writes and reads.
const Version = 1

// MaxSize bounds what Parse reads: a lock is small, so anything larger is not one.
const MaxSize = 8 << 20

// maxField bounds each text field of an entry: a source is at most 2,048 bytes, a path less than PATH_MAX.
const maxField = 4096

// Lock is the whole file.
type Lock struct {
	Version int     `json:"version"`
	Skills  []Entry `json:"skills"`
}

// Entry is one installed skill. Dir is the target folder relative to the lock's folder, slash-separated;
// the skill lives at Dir/Name.
type Entry struct {
	Name     string `json:"name"`
	Dir      string `json:"dir"`
	Source   string `json:"source"`
	Registry string `json:"registry,omitempty"` // see From; with Repo, the registry whose lookup of Source found it
	Repo     string `json:"repo,omitempty"`
	Ref      string `json:"ref,omitempty"`
	Version  string `json:"version,omitempty"` // the release Ref tags (semver), when the skill came from one
	Commit   string `json:"commit,omitempty"`
	Path     string `json:"path,omitempty"`
	Tree     string `json:"tree,omitempty"`
	// URL is an artifact fetched over http(s) (FromWeb), Digest its "sha256:HEX" ("" for the files of a
	// site's earlier index form, which Hash pins), Index the site's index that listed it under Path.
	URL          string      `json:"url,omitempty"`
	Digest       string      `json:"digest,omitempty"`
	Index        string      `json:"index,omitempty"`
	Hash         string      `json:"hash"`
	Dependencies []string    `json:"dependencies,omitempty"`
	Requested    bool        `json:"requested"`
	Placements   []Placement `json:"placements,omitempty"`
}

// Where an entry's files come from, by the fields it records (Entry.From): the one reading of an entry's
// kind, so a registry that happens to be called "local" cannot turn a repository into a folder.
const (
	FromRepo    = "repo"    // Repo at Commit, folder Path; Registry, if set, names the registry that found it
	FromFolder  = "folder"  // no Repo, Registry "local": Path is a folder of this machine
	FromBundled = "bundled" // no Repo, Registry "builtin": Path is the bundled skill's name
	FromWeb     = "web"     // no Repo, a URL: an artifact over http(s), from a site's Index when set
)

// From says where the entry's files come from: FromRepo, FromWeb, FromFolder or FromBundled.
func (s *Entry) From() string {
	switch {
	case s.Repo != "":
		return FromRepo
	case s.URL != "":
		return FromWeb
	case s.Registry == "local":
		return FromFolder
	}
	return FromBundled
}

// Placement is another folder where an installed skill appears, for an agent that does not read Dir: a
// link to Dir/Name (relative, or a junction with an absolute target where links need privileges) or a
// real copy of it. Dir follows the rules of Skill.Dir.
type Placement struct {
	Dir  string `json:"dir"`
	Mode string `json:"mode"`
}

// Placement modes.
const (
	ModeLink     = "link"
	ModeJunction = "junction"
	ModeCopy     = "copy"
)

// lowerHex reports whether s is prefix followed by n lowercase hexadecimal digits: a content hash or a
// digest (64).
func lowerHex(s, prefix string, n int) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if c := rest[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// recordedCommit is a commit or tree hash as a lock records it: source.IsCommit's rule, in lowercase.
func recordedCommit(h string) bool { return source.IsCommit(h) && h == strings.ToLower(h) }

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
// entries and malformed hashes are errors: a lock that is not understood must never be rewritten. A lock
// git left mid-merge is a *ConflictError holding both sides (merge.go), each checked as a lock.
func Parse(file string, data []byte) (*Lock, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: file, Problem: fmt.Sprintf("too large (%d bytes); a lock is at most %d", len(data), MaxSize)}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &Error{File: file, Line: lineOf(data, int64(bytes.IndexByte(data, 0)), nil), Problem: "not a valid lock: a NUL byte"}
	}
	if hasConflict(data) {
		return nil, parseConflict(file, data)
	}
	return parse(file, data)
}

// parse is Parse of a lock without conflict markers, already within MaxSize and free of NUL bytes.
func parse(file string, data []byte) (*Lock, error) {
	if err := checkKeys(data); err != nil {
		return nil, &Error{File: file, Problem: "not a valid lock: " + err.Error()}
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
			return nil, &Error{File: file, Problem: fmt.Sprintf("skills[%d] (%s): %v", i, textsafe.Escape(s.Name), err)}
		}
		k := s.Dir + "/" + s.Name
		if seen[k] {
			return nil, &Error{File: file, Problem: fmt.Sprintf("skill %s is listed twice for %s", s.Name, textsafe.Escape(s.Dir))}
		}
		seen[k] = true
	}
	return &l, nil
}

// releaseOf reports whether ref is the release tag of version: refs/tags/VERSION or refs/tags/PATH/VERSION.
func releaseOf(ref, version string) bool {
	v, ok := semver.TagVersion(ref)
	return ok && v.String() == version
}

// lockKeys are the keys a lock may use, spelled exactly as Marshal writes them.
var lockKeys = map[string]bool{
	"version": true, "skills": true, "name": true, "dir": true, "source": true, "registry": true, "repo": true,
	"ref": true, "commit": true, "path": true, "tree": true, "hash": true, "dependencies": true, "requested": true,
	"placements": true, "mode": true, "url": true, "digest": true, "index": true,
}

// webURL accepts an http(s) URL with a host and no user information.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// checkKeys refuses what encoding/json would quietly accept: a key given twice in one object (the last one
// wins) and a key in another case ("HASH" sets hash). Either lets a lock show a reviewer one value and
// install another.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]bool
		expect bool // the next token of this object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // syntax errors are reported, with their line, by the decoder that follows
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if k, ok := tok.(string); ok {
				if !lockKeys[k] {
					return fmt.Errorf("unknown field %q", k)
				}
				if top.keys[k] {
					return fmt.Errorf("field %q is given twice in one object", k)
				}
				top.keys[k] = true
				top.expect = false
				continue
			}
		}
		if top != nil && top.object {
			top.expect = true // a value ends here, or the object closes below
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, expect: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expect = true
			}
		}
	}
}

func (s *Entry) check() error {
	// Every field is machine-written and printed: a control or format character (an escape sequence, a
	// bidi override, a zero-width space) or invalid UTF-8 can only come from an edit meant to mislead.
	for _, f := range []struct{ field, v string }{
		{"name", s.Name}, {"dir", s.Dir}, {"source", s.Source}, {"registry", s.Registry}, {"repo", s.Repo},
		{"ref", s.Ref}, {"version", s.Version}, {"commit", s.Commit}, {"path", s.Path}, {"tree", s.Tree}, {"hash", s.Hash},
		{"url", s.URL}, {"digest", s.Digest}, {"index", s.Index},
	} {
		if textsafe.Escape(f.v) != f.v {
			return fmt.Errorf("%s %q holds control, invisible or bidirectional characters or invalid UTF-8", f.field, f.v)
		}
		if len(f.v) > maxField {
			return fmt.Errorf("%s is %d bytes long; a lock field is at most %d", f.field, len(f.v), maxField)
		}
	}
	switch {
	case !manifest.ValidName(s.Name):
		return fmt.Errorf("invalid name %q", s.Name)
	case !validDir(s.Dir):
		return fmt.Errorf("invalid dir %q: want a clean relative path inside the project, or an absolute one", s.Dir)
	case s.Source == "":
		return errors.New("missing source")
	case !lowerHex(s.Hash, "sha256-", 64):
		return fmt.Errorf("invalid hash %q: want sha256- and 64 hex digits", s.Hash)
	case s.Commit != "" && !recordedCommit(s.Commit):
		return fmt.Errorf("invalid commit %q: want 40 hex digits", s.Commit)
	case s.Tree != "" && !recordedCommit(s.Tree):
		return fmt.Errorf("invalid tree %q: want 40 hex digits", s.Tree)
	case s.From() == FromFolder && !validDir(s.Path):
		return fmt.Errorf("invalid local path %q", s.Path)
	case s.From() != FromFolder && s.Path != "" && !snapshot.ValidPath(s.Path):
		return fmt.Errorf("invalid path %q", s.Path)
	case s.Registry != "" && s.Registry != "local" && !manifest.ValidName(s.Registry):
		return fmt.Errorf("invalid registry %q", s.Registry)
	case s.Version != "" && !releaseOf(s.Ref, s.Version):
		return fmt.Errorf("version %q is not the release tag %q makes: a version is recorded beside its tag refs/tags/[PATH/]VERSION", s.Version, s.Ref)
	case s.Repo != "" && s.Commit == "":
		return errors.New("a skill from a repository must record its commit")
	case s.Repo == "" && s.Registry == "" && s.Commit != "":
		return errors.New("a commit without a repository")
	case strings.Contains(s.Repo, "@") && !sshLogin(s.Repo):
		return fmt.Errorf("repo %q carries user information; credentials never belong in a lock", s.Repo)
	case s.URL != "" && (s.Repo != "" || !webURL(s.URL)):
		return fmt.Errorf("url %q: want an http(s) URL without credentials, and no repo beside it", s.URL)
	case s.Index != "" && !webURL(s.Index):
		return fmt.Errorf("index %q: want an http(s) URL without credentials", s.Index)
	case s.Digest != "" && !lowerHex(s.Digest, "sha256:", 64):
		return fmt.Errorf("invalid digest %q: want sha256: and 64 hex digits", s.Digest)
	case (s.Digest != "" || s.Index != "") && s.URL == "":
		return errors.New("a digest or an index without a url")
	case s.URL != "" && s.Digest == "" && s.Index == "":
		return errors.New("an artifact named directly must record its digest")
	}
	for _, d := range s.Dependencies {
		if !manifest.ValidName(d) {
			return fmt.Errorf("invalid dependency name %q", d)
		}
	}
	seen := map[string]bool{s.Dir: true}
	for _, p := range s.Placements {
		switch {
		case textsafe.Escape(p.Dir) != p.Dir:
			return fmt.Errorf("placement dir %q holds control, invisible or bidirectional characters or invalid UTF-8", p.Dir)
		case !validDir(p.Dir):
			return fmt.Errorf("invalid placement dir %q", p.Dir)
		case p.Mode != ModeLink && p.Mode != ModeJunction && p.Mode != ModeCopy:
			return fmt.Errorf("placement %s: invalid mode %q: want link, junction or copy", p.Dir, p.Mode)
		case seen[p.Dir]:
			return fmt.Errorf("placement %s is listed twice (or is the skill's own folder)", p.Dir)
		case strings.HasPrefix(p.Dir, "/") != strings.HasPrefix(s.Dir, "/"):
			// A project's skill is placed only inside the project, a user-level one only outside it: a
			// cloned lock must not be able to plant links anywhere else on the machine.
			return fmt.Errorf("placement %s: must be inside the project exactly when %s is", p.Dir, s.Dir)
		}
		seen[p.Dir] = true
	}
	return nil
}

// sshLogin reports whether repo's only user information is an SSH login name, which installs over SSH
// record (ssh://git@host/owner/repo.git): a name says who logs in, never a secret. A password, or user
// information in any other scheme, is still refused.
func sshLogin(repo string) bool {
	u, err := url.Parse(repo)
	if err != nil || u.Scheme != "ssh" || u.User == nil || strings.Contains(u.Host, "@") {
		return false
	}
	_, hasPassword := u.User.Password()
	return !hasPassword && source.SSHUserOK(u.User.Username()) && strings.Count(repo, "@") == 1
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

// LocalDir is the folder a "local" entry's files are read from, for a lock whose folder is root: what
// update and restore read and what list shows. A cloned lock may name any folder of this machine (an
// absolute path, or a path through a symlink the project carries), and restoring from it would copy that
// folder into the project, so the folder must lie inside root and be reached through real folders only;
// anything else is refused with a hint to install the skill again from the folder, named by the user.
func (s *Entry) LocalDir(root string) (string, error) {
	if s.From() != FromFolder {
		return "", fmt.Errorf("%s: not a local skill", s.Name)
	}
	p := filepath.FromSlash(s.Path)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p = filepath.Clean(p)
	hint := fmt.Sprintf("if you trust that folder, install the skill from it by naming it: skillctl install %s --dir %s", textsafe.ShellWord(p), textsafe.ShellWord(s.Dir))
	if !localfs.Inside(root, p) {
		return p, clierr.WithHint(fmt.Errorf("%s: the lock names the local folder %s, outside the project; skillctl copies local skills only from inside it",
			s.Name, textsafe.Escape(p)), hint)
	}
	if err := localfs.CheckProjectPath(root, p); err != nil {
		var pe *localfs.ProjectError
		if errors.As(err, &pe) {
			err = pe // this hint replaces the generic one
		}
		return p, clierr.WithHint(fmt.Errorf("%s: the lock's local folder: %w", s.Name, err), hint)
	}
	return p, nil
}

// Reads is what restoring or updating e reads, for a lock whose folder is root, and whether that is
// allowed: a local entry's folder (LocalDir); a repository on this machine (file://) only inside the
// project, by the same rule, since fetching it copies this machine's files as surely as a folder does;
// any other repository as it is recorded. list shows this, so what is shown is what will be read.
func (s *Entry) Reads(root string) (string, error) {
	switch {
	case s.From() == FromFolder:
		return s.LocalDir(root)
	case strings.HasPrefix(strings.ToLower(s.Repo), "file:"):
		u, err := url.Parse(s.Repo)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return s.Repo, fmt.Errorf("%s: the lock names the repository %s, not a folder of this machine skillctl can check", s.Name, textsafe.Escape(s.Repo))
		}
		p := filepath.Clean(filepath.FromSlash(u.Path))
		src := source.GitText(s.Repo, s.Path, "")
		hint := fmt.Sprintf("if you trust that repository, install the skill from it by naming it: skillctl install %s --dir %s", textsafe.ShellWord(src), textsafe.ShellWord(s.Dir))
		if !localfs.Inside(root, p) {
			return s.Repo, clierr.WithHint(fmt.Errorf("%s: the lock names the repository %s on this machine, outside the project; skillctl fetches from this machine only inside it",
				s.Name, textsafe.Escape(p)), hint)
		}
		if err := localfs.CheckProjectPath(root, p); err != nil {
			var pe *localfs.ProjectError
			if errors.As(err, &pe) {
				err = pe
			}
			return s.Repo, clierr.WithHint(fmt.Errorf("%s: the lock's repository: %w", s.Name, err), hint)
		}
		return s.Repo, nil
	case s.Repo != "":
		return s.Repo, nil
	case s.URL != "":
		return s.URL, nil
	}
	return s.Registry, nil
}

// Normalize sorts skills by dir and name and each skill's dependencies, the order Marshal writes.
func (l *Lock) Normalize() {
	l.Version = Version
	for i := range l.Skills {
		sort.Strings(l.Skills[i].Dependencies)
		ps := l.Skills[i].Placements
		sort.Slice(ps, func(a, b int) bool { return ps[a].Dir < ps[b].Dir })
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
	c.Skills = append([]Entry(nil), l.Skills...)
	if c.Skills == nil {
		c.Skills = []Entry{}
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
func (l *Lock) Find(dir, name string) *Entry {
	for i := range l.Skills {
		if l.Skills[i].Dir == dir && l.Skills[i].Name == name {
			return &l.Skills[i]
		}
	}
	return nil
}

// Put adds or replaces the entry for s.Dir/s.Name.
func (l *Lock) Put(s Entry) {
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

// PlacedIn returns the entries with a placement in dir (stored elsewhere), sorted by name.
func (l *Lock) PlacedIn(dir string) []Entry {
	var out []Entry
	for _, s := range l.Skills {
		for _, p := range s.Placements {
			if p.Dir == dir {
				out = append(out, s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// In returns the entries installed in dir, sorted by name.
func (l *Lock) In(dir string) []Entry {
	var out []Entry
	for _, s := range l.Skills {
		if s.Dir == dir {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Read loads the lock at path. A missing file is an empty lock. The lock is a file of the project and
// follows localfs.ReadProjectFile's rule (a regular file, never a FIFO or device, at most MaxSize bytes);
// a symlink is refused outright, since writing through it would change a file outside the project.
func Read(path string) (*Lock, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{Version: Version}, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, &Error{File: path, Problem: symlinkProblem}
	}
	pf, err := localfs.ReadProjectFile(filepath.Dir(path), path, MaxSize)
	var pe *localfs.ProjectError
	switch {
	case errors.As(err, &pe):
		return nil, &Error{File: path, Problem: pe.Problem}
	case err != nil:
		return nil, err
	case pf.Link != "": // replaced by a link since the Lstat above
		return nil, &Error{File: path, Problem: symlinkProblem}
	}
	return Parse(path, pf.Data)
}

const symlinkProblem = "is a symbolic link; skillctl reads and writes only a regular lock file"
