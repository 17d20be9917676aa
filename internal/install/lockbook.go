package install

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/wellknown"
)

// The lock's bookkeeping: how a resolved skill is recorded, how an entry leads back to its files, and how
// an entry compares with what is on disk and with what is about to replace it.

// lockEntry is a resolved skill as the lock records it.
func lockEntry(t Target, n *resolver.Resolved) lockfile.Entry {
	e := lockfile.Entry{Name: n.Name, Dir: t.Rel, Source: n.Source, Hash: n.Folder.Hash(), Requested: n.Requested}
	o := n.Origin
	switch o.Kind {
	case resolver.Git:
		e.Repo, e.Ref, e.Commit, e.Path, e.Tree = o.Repo, o.Ref, o.Commit, o.Path, n.Folder.Tree
		e.Version = o.Version // the release, beside its tag and commit: a restore fetches the commit, never the version again
		// The registry whose lookup found it, so the source text is read as it was (see sourceMismatch).
		e.Registry = n.Registry
	case resolver.Builtin:
		e.Registry, e.Path = registry.BuiltinName, o.Path
	case resolver.Local:
		e.Path = t.relative(o.Dir)
		e.Registry = "local"
	case resolver.Web:
		e.URL, e.Digest, e.Index, e.Path = o.URL, o.Digest, o.Index, o.Path
		e.Registry = n.Registry // a well-known registry's name lookup found it
	}
	e.Dependencies = append([]string(nil), n.Deps()...)
	sort.Strings(e.Dependencies)
	return e
}

// sameOrigin reports whether two lock entries come from the same place (any commit of it): one folder of
// one repository however its address is spelled (source.SameRepo), one local folder or one bundled skill.
func sameOrigin(a, b *lockfile.Entry) bool {
	if a.From() != b.From() {
		return false
	}
	switch a.From() {
	case lockfile.FromRepo:
		return source.SameRepo(a.Repo, b.Repo) && a.Path == b.Path // found through a registry or not
	case lockfile.FromWeb: // one skill of one site's index, or one artifact named directly
		return a.Index == b.Index && a.Path == b.Path && (a.Index != "" || a.URL == b.URL)
	}
	return a.Path == b.Path
}

// decide compares what is about to be installed with what the target and lock hold, and refuses to
// overwrite anything skillctl did not put there or that the user has edited, unless forced.
func decide(t Target, name string, next lockfile.Entry, prev *lockfile.Entry, force bool) (string, error) {
	dir := filepath.Join(t.Dir, name)
	onDisk := exists(dir)
	switch {
	case prev == nil && !onDisk:
		return "install", nil
	case prev == nil && onDisk:
		if force {
			return "replace", nil
		}
		return "", foreignFolder(t, name, "install")
	}
	if !sameOrigin(prev, &next) && !force {
		return "", clierr.WithHint(fmt.Errorf("%s: already installed from %s", name, describeEntry(prev)),
			"skillctl remove "+name+"  # then install again", "or replace it with --force")
	}
	if onDisk {
		cur, err := readInstalled(dir)
		if err != nil && !force {
			return "", clierr.WithHint(fmt.Errorf("%s: cannot read the installed copy to check it for local edits: %v", name, err),
				"skillctl verify", "or replace it anyway with --force")
		}
		if err == nil && cur.Hash() != prev.Hash && !force {
			return "", clierr.WithHint(fmt.Errorf("%s: has local edits (its files differ from skills.lock); not overwriting them", name),
				"skillctl verify  # to see which files changed", "or discard the edits with --force")
		}
		if err == nil && cur.Hash() == next.Hash {
			return "unchanged", nil
		}
	}
	if onDisk {
		return "replace", nil
	}
	return "install", nil
}

func describeEntry(e *lockfile.Entry) string {
	switch e.From() {
	case lockfile.FromRepo:
		return fmt.Sprintf("%s (%s)", e.Repo, e.Path)
	case lockfile.FromFolder:
		return e.Path
	case lockfile.FromWeb:
		return e.URL
	}
	return e.Registry
}

// entryOrigin is the one way from a lock entry back to the place its files come from (lockEntry is the
// way there): field by field, never through source text, so the full ref (refs/tags/v1, not v1) and
// the folder survive. Restore and verify Load it; update Follows its ref (resolver.Follow). A cloned
// lock may name any folder or repository of this machine: lockfile's Reads refuses those outside the
// project, so neither restore nor update copies them in.
func entryOrigin(t Target, e lockfile.Entry) (resolver.Origin, error) {
	reads, err := e.Reads(t.base())
	if err != nil {
		return resolver.Origin{}, err
	}
	switch e.From() {
	case lockfile.FromRepo:
		// A lock written before repositories had one spelling reads back in it.
		return resolver.Origin{Kind: resolver.Git, Repo: source.Canonical(e.Repo), Ref: e.Ref, Version: e.Version, Commit: e.Commit, Path: e.Path}, nil
	case lockfile.FromFolder:
		return resolver.Origin{Kind: resolver.Local, Dir: reads}, nil
	case lockfile.FromWeb:
		o := resolver.Origin{Kind: resolver.Web, URL: e.URL, Digest: e.Digest, Index: e.Index, Path: e.Path}
		if e.Index != "" && e.Digest == "" {
			o.Type = wellknown.Files // the earlier index form: the lock's hash pins its files
		}
		return o, nil
	}
	return resolver.Origin{Kind: resolver.Builtin, Path: e.Path}, nil
}

// stateOf compares one lock entry with the disk; the folder read is returned for callers that diff it.
func stateOf(t Target, e lockfile.Entry) (string, *snapshot.Folder) {
	dir := filepath.Join(t.Dir, e.Name)
	fi, err := os.Lstat(dir)
	if err != nil {
		return StateMissing, nil
	}
	if !fi.IsDir() {
		return StateModified, nil // something else sits where the skill belongs: never replaced silently
	}
	f, err := readInstalled(dir)
	if err != nil || f.Hash() != e.Hash {
		return StateModified, f
	}
	return StateOK, f
}

// untracked lists folders in the target that the lock does not know.
func untracked(t Target, lock *lockfile.Lock) []string {
	ents, _ := os.ReadDir(t.Dir)
	var out []string
	for _, e := range ents {
		if e.IsDir() && !isHidden(e.Name()) && lock.Find(t.Rel, e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// sourceMismatch reports a lock entry whose source text names another place than the one its files are
// fetched from. The source is what people read in a diff; the repository is what is installed, so a
// hand-edited lock must not be able to show one and install the other. The text is read by the one
// grammar (source.Readings), the way it was read at install: a registry's AUTHOR/NAME when the entry
// names the registry that found it, else the repository the text names.
func sourceMismatch(e lockfile.Entry) string {
	if e.From() == lockfile.FromWeb {
		return webMismatch(e)
	}
	if e.From() != lockfile.FromRepo {
		return ""
	}
	s, err := source.Parse(e.Source)
	if err != nil {
		return ""
	}
	rs := s.Readings(func(name string) bool { return name == e.Registry })
	read := rs[len(rs)-1]
	if e.Registry != "" {
		read = rs[0]
	}
	switch read.Kind {
	case source.Name:
		// A name (a dependency's, NAME, AUTHOR/NAME) names no repository; its registry, if written, must
		// be the one the entry records.
		if read.Registry != "" && e.Registry != "" && read.Registry != e.Registry {
			return fmt.Sprintf("the lock says source %s but records registry %s", e.Source, e.Registry)
		}
		return ""
	case source.Git:
		if source.SameRepo(read.Repo, e.Repo) {
			return ""
		}
		p := fmt.Sprintf("the lock says source %s but installs from %s", e.Source, e.Repo)
		if len(rs) > 1 {
			p += " (if a registry's AUTHOR/NAME installed it, install it again to record that registry)"
		}
		return p
	}
	return fmt.Sprintf("the lock says source %s, a folder, but installs from %s", e.Source, e.Repo)
}

// webMismatch is sourceMismatch for a web entry: its source names the site whose index it records, the
// artifact it records, or a name the registry it records looked up.
func webMismatch(e lockfile.Entry) string {
	s, err := source.Parse(e.Source)
	if err != nil {
		return ""
	}
	switch {
	case e.Registry != "" && s.Kind == source.Name && (s.Registry == "" || s.Registry == e.Registry):
		return ""
	case e.Index != "" && s.Kind == source.Site:
		if u, err := url.Parse(e.Index); err == nil && wellknown.Site(u) == s.URL {
			return ""
		}
	case e.Index != "" && s.Kind == source.Git && !s.Shorthand:
		// A URL with no repository behind it, read as its site's (resolver.siteInstead).
		u, err1 := url.Parse(e.Index)
		v, err2 := url.Parse(s.Repo)
		if err1 == nil && err2 == nil && wellknown.Site(u) == wellknown.Site(v) {
			return ""
		}
	case e.Index == "" && s.Kind == source.Artifact && s.URL == e.URL:
		return ""
	}
	return fmt.Sprintf("the lock says source %s but installs from %s", e.Source, e.URL)
}

func joinTarget(t Target, name string) string { return t.Dir + "/" + name }

// updateSources checks the names asked for and returns the origins update follows: every requested
// skill's, or those of the names given. It is the place the lock pins (the same repository and folder,
// following the same full ref; the same local folder; the same bundled skill), not the text the user
// once typed: that may be a bare name that resolved through a registry or as a related skill, or a path
// relative to another working folder, and reading it again could silently move the skill elsewhere.
func updateSources(t Target, lock *lockfile.Lock, names []string) ([]resolver.Origin, error) {
	want := map[string]bool{}
	for _, n := range names {
		e := lock.Find(t.Rel, n)
		if e == nil {
			return nil, notInstalled(t, lock, n, "update")
		}
		if !e.Requested {
			return nil, clierr.WithHint(fmt.Errorf("%s: installed as a dependency; it updates with the skill that needs it", n), "update that skill, or run 'skillctl update' for all")
		}
		want[n] = true
	}
	var out []resolver.Origin
	for _, e := range lock.In(t.Rel) {
		if e.Requested && (len(want) == 0 || want[e.Name]) {
			o, err := entryOrigin(t, e)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}
