package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// Client is one command's access to git servers: one object cache, one Session per repository (so two
// parts of a run, a registry's index and the resolver say, never ask a server the same question twice
// or disagree about what a ref points at), one network deadline, one set of fetch limits and one writer
// for the fetcher's notes. It offers refs and fetches only: which commit a source's ref names is decided
// by its caller (source.ResolveRef). It is safe for concurrent use. The zero value is not usable; call
// NewClient.
type Client struct {
	base  Remote // what every repository's Remote shares: Log, Cache, Limits, Timeout
	cache *Cache
	bud   *budget

	mirrors   []mirror // SKILLCTL_MIRROR
	mirrorErr error

	mu sync.Mutex
	m  map[string]*Session
}

// NewClient opens the default object cache (a cache that cannot be opened is a note on log, not a
// failure: the run only gets slower) and returns a client whose fetches are capped by lim and whose
// notes go to log (nil: none).
func NewClient(log io.Writer, lim Limits) *Client {
	c := &Client{bud: newBudget(Deadline()), m: map[string]*Session{}}
	if dir := DefaultCacheDir(); dir != "" {
		cache, err := OpenCache(dir)
		if err != nil {
			if log != nil {
				fmt.Fprintf(log, "cache: %v; continuing without it\n", err)
			}
		} else {
			c.cache = cache
		}
	}
	c.base = Remote{Log: log, Cache: c.cache, Limits: lim.WithDefaults()}
	c.mirrors, c.mirrorErr = mirrorsFromEnv()
	return c
}

// Cache is the object cache, or nil when there is none.
func (c *Client) Cache() *Cache { return c.cache }

// session returns the session with repo, opening it on first use (no network until it is asked for
// something). It talks to repo's mirror when SKILLCTL_MIRROR names one (see MirrorVar), and credentials
// are found for the host it talks to, as WithEnvToken does.
func (c *Client) session(repo string) (*Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[repo]; ok {
		return s, nil
	}
	if c.mirrorErr != nil {
		return nil, c.mirrorErr
	}
	r := c.base
	r.URL = rewrite(c.mirrors, repo)
	r = r.WithEnvToken()
	s, err := open(r, c.bud)
	if err != nil {
		return nil, err
	}
	c.m[repo] = s
	return s, nil
}

// Close ends every session: idle connections are closed and fetched objects written to the cache.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = map[string]*Session{}
}

// ListRefs returns repo's refs under prefixes (all branches, tags and HEAD when none are given): full
// ref name → commit, asked of the server once per set of prefixes in a run.
func (c *Client) ListRefs(ctx context.Context, repo string, prefixes ...string) (map[string]string, error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, err
	}
	return s.Refs(ctx, prefixes...)
}

// Fetch fetches every path of one repo@commit in one batch. Paths that do not exist are returned in
// missing rather than failing the batch, so a caller can probe for sibling folders.
func (c *Client) Fetch(ctx context.Context, repo, commit string, paths []string) (found map[string]*snapshot.Folder, missing []string, err error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, nil, err
	}
	want := append([]string(nil), paths...)
	sort.Strings(want)
	for len(want) > 0 {
		got, err := s.Fetch(ctx, commit, want)
		var nf *NotFoundError
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

// FetchAt is Fetch for several commits of repo at once (want: commit → paths), keyed by commit, then by
// path as given: their paths walk the trees together and their folders come in one batch (see
// Session.FetchAt). A path that is not in its commit is in missing under that commit.
func (c *Client) FetchAt(ctx context.Context, repo string, want map[string][]string) (found map[string]map[string]*snapshot.Folder, missing map[string][]string, err error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, nil, err
	}
	return s.FetchAt(ctx, want)
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

// Skills lists the skill folders of repo@commit (trees only), once per run (see Session.Skills).
func (c *Client) Skills(ctx context.Context, repo, commit string) ([]string, error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, err
	}
	return s.Skills(ctx, commit)
}

// ReadFile reads one file of repo@commit.
func (c *Client) ReadFile(ctx context.Context, repo, commit, path string) ([]byte, error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, err
	}
	return s.ReadFile(ctx, commit, path)
}

// ReadFiles reads the files of repo@commit that exist, each capped at maxFile bytes and all of them at
// budget, in one batch (see Session.ReadFiles).
func (c *Client) ReadFiles(ctx context.Context, repo, commit string, files []string, maxFile, budget int64) (map[string][]byte, error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, err
	}
	return s.ReadFiles(ctx, commit, files, maxFile, budget)
}

// Beside returns the skill files of the folders beside each of paths in repo@commit, as far as the walk
// to them brings them (see Session.Beside).
func (c *Client) Beside(ctx context.Context, repo, commit string, paths []string) (map[string][]byte, error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, err
	}
	return s.Beside(ctx, commit, paths)
}

// SkillFiles lists the skill folders of repo@commit and reads their SKILL.md files with the same fetch
// (see Session.SkillFiles); the listing is remembered for the run like Skills'.
func (c *Client) SkillFiles(ctx context.Context, repo, commit string, maxFile, budget int64) ([]string, map[string][]byte, error) {
	s, err := c.session(repo)
	if err != nil {
		return nil, nil, err
	}
	return s.SkillFiles(ctx, commit, maxFile, budget)
}
