package install

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/remote"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/streams"
)

type originKind int

const (
	fromGit originKind = iota
	fromBuiltin
	fromLocal
)

// origin says exactly where one folder came from: enough to fetch the same bytes again.
type origin struct {
	kind   originKind
	repo   string // clone URL
	ref    string // full ref name the commit was resolved from, "" when pinned by commit
	commit string
	path   string // folder in the repo, or the bundled skill's name
	dir    string // local folder, absolute
}

func (o origin) key() string {
	switch o.kind {
	case fromGit:
		return "git " + o.repo + "@" + o.commit + ":" + o.path
	case fromBuiltin:
		return "builtin " + o.path
	default:
		return "local " + o.dir
	}
}

// String is the origin as users read it in messages and plans.
func (o origin) String() string {
	switch o.kind {
	case fromGit:
		p := o.path
		if p == "" {
			p = "."
		}
		return fmt.Sprintf("%s@%s:%s", o.repo, short(o.commit), p)
	case fromBuiltin:
		return registry.BuiltinName + ":" + o.path
	default:
		return o.dir
	}
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// world adapts the outside (git servers through the run's session, the bundled registry, local disk) for
// one run.
type world struct {
	ctx     context.Context
	io      *streams.IO
	limits  Limits
	git     *remote.Session
	builtin *registry.Builtin
	regs    *registry.Set
}

func newWorld(ctx context.Context, io *streams.IO, lim Limits) (*world, error) {
	lim = lim.withDefaults()
	git := remote.New(io, gitfetch.Limits{MaxFileSize: lim.MaxFileSize, MaxTotalBytes: lim.MaxTotalSize, MaxFiles: lim.MaxFiles})
	return &world{ctx: ctx, io: io, limits: lim, git: git, builtin: registry.NewBuiltin()}, nil
}

func (w *world) listRefs(repo string) (map[string]string, error) { return w.git.ListRefs(w.ctx, repo) }

// pin resolves a git source to the commit it names now.
func (w *world) pin(s *source.Source) (origin, error) {
	o := origin{kind: fromGit, repo: s.Repo}
	if isCommit(s.Ref) && len(s.TreeRest) == 0 {
		o.commit, o.path = s.Ref, s.Path
		return o, nil
	}
	ref, commit, err := w.git.Resolve(w.ctx, s)
	if err != nil {
		return o, err
	}
	o.ref, o.commit, o.path = ref, commit, s.Path
	return o, nil
}

func isCommit(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// fetchGit fetches every path of one repo@commit in one batch; see remote.Session.Fetch.
func (w *world) fetchGit(repo, commit string, paths []string) (map[string]*snapshot.Folder, []string, error) {
	return w.git.Fetch(w.ctx, repo, commit, paths)
}

// skillsIn lists the skill folders of repo@commit (trees only).
func (w *world) skillsIn(repo, commit string) ([]string, error) {
	return w.git.Skills(w.ctx, repo, commit)
}

// local reads a folder from disk with the same caps as a fetch.
func (w *world) local(dir string) (*snapshot.Folder, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", dir)
	}
	return readFolder(dir, w.limits)
}

// load fetches the folder an origin names, for reinstalling from the lock and for update.
func (w *world) load(o origin) (*snapshot.Folder, error) {
	switch o.kind {
	case fromBuiltin:
		f, ok := w.builtin.Folder(o.path)
		if !ok {
			return nil, fmt.Errorf("%s: no bundled skill of that name in this skillctl", o.path)
		}
		return f, nil
	case fromLocal:
		return w.local(o.dir)
	}
	got, _, err := w.fetchGit(o.repo, o.commit, []string{o.path})
	if err != nil {
		return nil, err
	}
	f := got[o.path]
	if f == nil {
		return nil, fmt.Errorf("%s: no folder %s at commit %s", o.repo, o.path, short(o.commit))
	}
	return f, nil
}

func baseName(p string) string {
	if p == "" {
		return ""
	}
	return path.Base(p)
}

func absDir(d string) string {
	a, err := filepath.Abs(d)
	if err != nil {
		return d
	}
	return a
}
