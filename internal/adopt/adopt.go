// Package adopt reads what other skill installers leave in a project or a home folder (vercel's
// skills-lock.json and its global .skill-lock.json, gh skill's provenance in SKILL.md frontmatter,
// Microsoft APM's apm.yml and apm.lock.yaml, dotagents' agents.toml) into one list of entries skillctl can
// resolve and compare with the disk. It is pure: the caller reads the files (under the rules for untrusted
// project files) and hands their bytes here. Every file is hostile input: each parser is bounded (the
// caller's size cap, MaxEntries) and fuzzed, and no text it returns is printed unescaped.
package adopt

import (
	"fmt"
	"path"
	"strings"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// MaxEntries bounds the skills one file may list: far above any real project's, far below what would
// make an import slow.
const MaxEntries = 10_000

// MaxFileSize bounds each file read: the largest real lock is a few KiB.
const MaxFileSize = 4 << 20

// Hash kinds: what the other installer recorded of a skill's folder.
const (
	HashVercel = "vercel" // computedHash: VercelHash of the installed folder
	HashTree   = "tree"   // the git tree hash of the repository's folder
	HashFiles  = "files"  // per-file SHA-256 of the installed files (APM)
)

// Entry is one skill another installer recorded.
type Entry struct {
	Name   string // the installed folder's name
	Format string // the file it came from, as the user would name it (skills-lock.json)
	Repo   string // the repository: a URL, or OWNER/REPO on github.com
	Ref    string // branch or tag; "" for the default branch
	Commit string // 40 hex when the file pins one
	Path   string // the skill's folder in the repository, "" for its root
	// Find: the file does not say which folder of the repository holds the skill; it is the skill
	// folder called Name (resolver.SkillFolder).
	Find bool
	Dir  string // the folder it is installed in (one subfolder per skill), slash-separated, relative to the project root or home
	// HashKind and Hash are what the installer recorded of the folder ("" when nothing); Files holds
	// HashFiles' per-file SHA-256, by path relative to the skill's folder.
	HashKind string
	Hash     string
	Files    map[string]string
	// Skip says why the entry cannot be imported (a local folder, a kind of source skillctl does not
	// fetch); "" when it can.
	Skip string
}

// Source is the entry in skillctl's source grammar (source.Parse): REPO[//PATH][#REF], the commit when
// the file pins one, so the folder compared is the one the other installer wrote.
func (e Entry) Source() string {
	s := e.Repo
	if !strings.Contains(s, "://") && !strings.Contains(s, "@") {
		s = "https://github.com/" + s
	}
	if e.Path != "" {
		s += "//" + e.Path
	}
	switch {
	case e.Commit != "":
		s += "#" + e.Commit
	case e.Ref != "":
		s += "#" + e.Ref
	}
	return s
}

// check refuses an entry whose fields could not be one skill's: a name that is not a skill name, a
// folder that leaves the repository, a source the grammar refuses. The problem is returned as Skip.
func (e *Entry) check() {
	if e.Skip != "" {
		return
	}
	switch {
	case !manifest.ValidName(e.Name):
		e.Skip = "not a skill name"
	case e.Repo == "":
		e.Skip = "no repository"
	case e.Path != "" && !snapshot.ValidPath(e.Path):
		e.Skip = "its folder in the repository is not a clean relative path"
	case e.Commit != "" && !source.IsCommit(e.Commit):
		e.Skip = "its commit is not 40 hexadecimal digits"
	case !snapshot.ValidPath(e.Dir):
		e.Skip = "its install folder is not a clean relative path"
	}
	if e.Skip != "" {
		return
	}
	src, err := source.Parse(e.Source())
	switch {
	case err != nil:
		e.Skip = "its source is not one skillctl reads: " + err.Error()
	case src.Kind != source.Git:
		// A path written with an @ is kept as it is (a user@host address), and reads as a folder.
		e.Skip = "its source is a " + src.Kind.String() + " source, not a repository"
	case strings.HasPrefix(src.Repo, "file:"):
		// A project's file chooses no folder of this machine to copy into the project.
		e.Skip = "its repository is on this machine; if you trust it, install it by naming it: skillctl install " + textsafe.ShellWord(e.Source())
	}
}

// skillFolder is the folder of a path that names a SKILL.md (any case), or the path itself.
func skillFolder(p string) string {
	p = strings.Trim(p, "/")
	if strings.EqualFold(path.Base(p), "SKILL.md") {
		p = path.Dir(p)
	}
	if p == "." {
		return ""
	}
	return p
}

func tooMany(format string, n int) error {
	return fmt.Errorf("%s: %d skills; at most %d are read", format, n, MaxEntries)
}
