package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
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

// world adapts the outside (git servers, the cache, the bundled registry, local disk) for one run. It
// remembers refs and repository listings so each is asked for at most once per run.
type world struct {
	ctx     context.Context
	log     io.Writer
	limits  Limits
	cache   *gitfetch.Cache
	builtin *registry.Builtin
	refs    map[string]map[string]string
	listing map[string][]string
	notes   *notes
	regs    *registry.Set
}

func newWorld(ctx context.Context, log io.Writer, lim Limits) (*world, error) {
	if log == nil {
		log = io.Discard
	}
	w := &world{ctx: ctx, log: log, limits: lim.withDefaults(), builtin: registry.NewBuiltin(),
		refs: map[string]map[string]string{}, listing: map[string][]string{}}
	w.notes = &notes{w: log, seen: map[string]bool{}}
	if dir := gitfetch.DefaultCacheDir(); dir != "" {
		c, err := gitfetch.OpenCache(dir)
		if err != nil {
			fmt.Fprintf(w.log, "skillctl: cache: %v; continuing without it\n", err)
		} else {
			w.cache = c
		}
	}
	return w, nil
}

// remote builds the connection settings for repo; see gitfetch.Remote.WithEnvToken for where a token
// may go.
func (w *world) remote(repo string) gitfetch.Remote {
	return gitfetch.Remote{URL: repo, Log: w.notes, Cache: w.cache, Limits: gitfetch.Limits{
		MaxFileSize: w.limits.MaxFileSize, MaxTotalBytes: w.limits.MaxTotalSize, MaxFiles: w.limits.MaxFiles}}.WithEnvToken()
}

// notes puts the CLI's "skillctl: " before each line the fetcher logs, so its notes follow the message
// grammar, and says each note once per run: every fetch of a run would otherwise repeat the same
// fallback. The fetcher writes one whole line per call.
type notes struct {
	w    io.Writer
	seen map[string]bool
}

func (n *notes) Write(b []byte) (int, error) {
	if n.seen[string(b)] {
		return len(b), nil
	}
	n.seen[string(b)] = true
	if _, err := io.WriteString(n.w, "skillctl: "); err != nil {
		return 0, err
	}
	return n.w.Write(b)
}

// listRefs asks repo for its refs once per run.
func (w *world) listRefs(repo string) (map[string]string, error) {
	if r, ok := w.refs[repo]; ok {
		return r, nil
	}
	r, err := gitfetch.ListRefs(w.ctx, w.remote(repo))
	if err != nil {
		return nil, err
	}
	w.refs[repo] = r
	return r, nil
}

// pin resolves a git source to the commit it names now.
func (w *world) pin(s *source.Source) (origin, error) {
	o := origin{kind: fromGit, repo: s.Repo}
	if isCommit(s.Ref) && len(s.TreeRest) == 0 {
		o.commit, o.path = s.Ref, s.Path
		return o, nil
	}
	refs, err := w.listRefs(s.Repo)
	if err != nil {
		return o, err
	}
	ref, commit, err := s.ResolveRef(refs)
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

// fetchGit fetches every path of one repo@commit in one batch. Paths that do not exist are returned in
// missing rather than failing the batch, so sibling lookups can probe.
func (w *world) fetchGit(repo, commit string, paths []string) (found map[string]*snapshot.Folder, missing []string, err error) {
	want := append([]string(nil), paths...)
	sort.Strings(want)
	for len(want) > 0 {
		got, err := gitfetch.Fetch(w.ctx, w.remote(repo), commit, want)
		var nf *gitfetch.NotFoundError
		if errors.As(err, &nf) {
			missing = append(missing, nf.Path)
			want = without(want, nf.Path)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		return got, missing, nil
	}
	return map[string]*snapshot.Folder{}, missing, nil
}

func without(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// skillsIn lists the skill folders of repo@commit (trees only, cached by commit).
func (w *world) skillsIn(repo, commit string) ([]string, error) {
	k := repo + "@" + commit
	if l, ok := w.listing[k]; ok {
		return l, nil
	}
	l, err := gitfetch.Skills(w.ctx, w.remote(repo), commit)
	if err != nil {
		return nil, err
	}
	w.listing[k] = l
	return l, nil
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
