package resolver

import (
	"fmt"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/registry"
)

// Kind says which sort of place a folder came from.
type Kind int

const (
	Git     Kind = iota // a folder of a git repository at a commit
	Builtin             // a skill bundled with skillctl
	Local               // a folder on this machine
	Web                 // an artifact over http(s): one a site's index lists (Index set), or named directly
)

// Origin says exactly where one folder came from: enough to fetch the same bytes again.
type Origin struct {
	Kind Kind
	Repo string // clone URL
	Ref  string // full ref name the commit was resolved from; "" when pinned by commit
	// Version is the release Ref tags (v1.2.0) when the skill came from a release (semver.Releases):
	// the lock records it, update moves within its major, outdated compares it.
	Version string
	Commit  string
	Path    string // folder in the repository, the bundled skill's name, or the folder inside a local registry
	Dir     string // local folder, absolute

	// Web. URL is the artifact (for an index's earlier form, the folder its files are under), Digest its
	// "sha256:HEX" ("" for that earlier form, whose files the lock's content hash pins), Type the index's
	// type (wellknown.SkillMD, Archive, Files); Index is the index that listed it, Path its name there.
	URL, Digest, Type, Index string
}

// Key identifies the folder: two origins with one key are the same files.
func (o Origin) Key() string {
	switch o.Kind {
	case Git:
		return "git " + o.Repo + "@" + o.Commit + ":" + o.Path
	case Builtin:
		return "builtin " + o.Path
	case Web:
		return "web " + o.URL + " " + o.Digest
	}
	return "local " + o.Dir
}

// module is what makes two origins versions of one skill (depgraph.Node.Module): a repository's folder,
// whatever its commit; "" (the key) for anything else.
func (o Origin) module() string {
	if o.Kind == Git {
		return "git " + o.Repo + ":" + o.Path
	}
	return ""
}

// String is the origin as users read it in messages and plans: REPO@COMMIT:PATH, builtin:NAME or a folder.
func (o Origin) String() string {
	switch o.Kind {
	case Git:
		p := o.Path
		if p == "" {
			p = "."
		}
		return fmt.Sprintf("%s@%s:%s", o.Repo, Short(o.Commit), p)
	case Builtin:
		return registry.BuiltinName + ":" + o.Path
	case Web:
		if o.Digest != "" {
			return o.URL + "#" + o.Digest
		}
		return o.URL
	}
	return o.Dir
}

// home is where the dependencies of a skill from o are looked for, as "not found in HOME" says it.
func (o Origin) home() string {
	switch o.Kind {
	case Git:
		return fmt.Sprintf("%s@%s nor in any registry", o.Repo, Short(o.Commit))
	case Local:
		return filepath.Dir(o.Dir) + " nor in any registry"
	case Web:
		if o.Index != "" {
			return o.Index + " nor in any registry"
		}
	}
	return "any registry"
}

// Short abbreviates a commit hash for people; the lock and --json keep it whole.
func Short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
