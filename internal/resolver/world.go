package resolver

import (
	"context"
	"time"

	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Transport is what the resolver asks of git servers. *gitfetch.Client is the real one; the resolver's tests give
// a fake that serves refs and trees from a text case, so every rule of resolution is tested offline.
type Transport interface {
	// ListRefs returns full ref name → commit for the refs under prefixes (all when none are given).
	ListRefs(ctx context.Context, repo string, prefixes ...string) (map[string]string, error)
	// Fetch returns the folders of repo@commit; a path that is not there is in missing, not an error.
	Fetch(ctx context.Context, repo, commit string, paths []string) (found map[string]*snapshot.Folder, missing []string, err error)
	// Beside returns the skill files of the folders beside each of paths (the folders of path.Dir(p), p's
	// own included) in repo@commit, keyed by folder path, as far as the walk to the paths brings them in
	// the requests it makes anyway; a folder missing from the answer is only unknown.
	Beside(ctx context.Context, repo, commit string, paths []string) (map[string][]byte, error)
	// FetchAt is Fetch for several commits of repo at once (want: commit → paths), keyed by commit then
	// path, in the requests of one commit (a restore of a lock pinned at several commits).
	FetchAt(ctx context.Context, repo string, want map[string][]string) (found map[string]map[string]*snapshot.Folder, missing map[string][]string, err error)
	// Skills lists the folders of repo@commit that hold a skill file, "" for the root.
	Skills(ctx context.Context, repo, commit string) ([]string, error)
	// CommitTime is when repo's commit was committed, from the commit object itself.
	CommitTime(ctx context.Context, repo, commit string) (time.Time, error)
	// Get fetches one file over http(s) that is not a repository (a site's index, an artifact), at most
	// max bytes.
	Get(ctx context.Context, url string, max int64) ([]byte, error)
	// GetServed is Get that also returns the URL the body was served from after redirects, in the
	// site's terms (a site's index resolves its relative URLs against it).
	GetServed(ctx context.Context, url string, max int64) (data []byte, served string, err error)
}

// Names is what the resolver asks of the registries. *registry.Set is the real one.
type Names interface {
	Names() []string // the configured registries, in the order they answer
	Lookup(ctx context.Context, name, author, reg string) ([]registry.Candidate, error)
	LookupAll(ctx context.Context, name, author string) ([]registry.Candidate, error)
}

// Bundled is the skills shipped inside skillctl. *registry.Builtin is the real one.
type Bundled interface {
	Folder(name string) (*snapshot.Folder, bool)
}

// World is everything a resolver reads besides folders on this machine.
type World struct {
	Git     Transport
	Bundled Bundled
	// Names loads the registries; it is called once, on the first name lookup, so a run that never
	// looks a name up never reads the configuration.
	Names func() (Names, error)
}
