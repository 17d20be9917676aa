// Package remote is one run's access to git servers: one object cache, one memo of each repository's
// refs and skill listings, one set of fetch limits and one channel for the fetcher's notes. Every git
// request of a command goes through one Session, so two parts of a run (a registry's index and the
// resolver, say) never ask a server the same question twice or disagree about what a ref points at.
package remote

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
)

// Session is safe for concurrent use. The zero value is not usable; call New.
type Session struct {
	io     *streams.IO
	cache  *gitfetch.Cache
	limits limits.Limits
	pool   *gitfetch.Pool // one gitfetch session per repository: capabilities, refs and objects asked once

	mu      sync.Mutex
	listing map[string][]string
}

// New opens the default object cache (a cache that cannot be opened is a note, not a failure: the run
// only gets slower) and returns a session whose fetches are capped by lim.
func New(io *streams.IO, lim limits.Limits) *Session {
	lim = lim.WithDefaults()
	s := &Session{io: io, limits: lim, listing: map[string][]string{}}
	if dir := gitfetch.DefaultCacheDir(); dir != "" {
		c, err := gitfetch.OpenCache(dir)
		if err != nil {
			io.Note(fmt.Sprintf("cache: %v; continuing without it", err))
		} else {
			s.cache = c
		}
	}
	s.pool = gitfetch.NewPool(gitfetch.Remote{Log: io.NoteWriter(), Cache: s.cache, Limits: lim})
	return s
}

// IO is the streams notes go to.
func (s *Session) IO() *streams.IO { return s.io }

// Cache is the object cache, or nil when there is none.
func (s *Session) Cache() *gitfetch.Cache { return s.cache }

// git is the run's gitfetch session with repo (see gitfetch.Pool for where a token may go).
func (s *Session) git(repo string) (*gitfetch.Session, error) { return s.pool.Session(repo) }

// ListRefs returns repo's refs under prefixes (all branches, tags and HEAD when none are given): full
// ref name → commit. The run's gitfetch session with repo asks the server once per set of prefixes.
func (s *Session) ListRefs(ctx context.Context, repo string, prefixes ...string) (map[string]string, error) {
	g, err := s.git(repo)
	if err != nil {
		return nil, err
	}
	return g.Refs(ctx, prefixes...)
}

// Fetch fetches every path of one repo@commit in one batch. Paths that do not exist are returned in
// missing rather than failing the batch, so a caller can probe for sibling folders.
func (s *Session) Fetch(ctx context.Context, repo, commit string, paths []string) (found map[string]*snapshot.Folder, missing []string, err error) {
	want := append([]string(nil), paths...)
	sort.Strings(want)
	for len(want) > 0 {
		g, err := s.git(repo)
		if err != nil {
			return nil, nil, err
		}
		got, err := g.Fetch(ctx, commit, want)
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

// Skills lists the skill folders of repo@commit (trees only), once per run.
func (s *Session) Skills(ctx context.Context, repo, commit string) ([]string, error) {
	k := repo + "@" + commit
	s.mu.Lock()
	l, ok := s.listing[k]
	s.mu.Unlock()
	if ok {
		return l, nil
	}
	g, err := s.git(repo)
	if err != nil {
		return nil, err
	}
	l, err = g.Skills(ctx, commit)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.listing[k] = l
	s.mu.Unlock()
	return l, nil
}

// ReadFile reads one file of repo@commit.
func (s *Session) ReadFile(ctx context.Context, repo, commit, path string) ([]byte, error) {
	g, err := s.git(repo)
	if err != nil {
		return nil, err
	}
	return g.ReadFile(ctx, commit, path)
}

// ReadFiles reads the files of repo@commit that exist, each capped at maxFile bytes and all of them at
// budget, in one batch (see gitfetch.Session.ReadFiles).
func (s *Session) ReadFiles(ctx context.Context, repo, commit string, files []string, maxFile, budget int64) (map[string][]byte, error) {
	g, err := s.git(repo)
	if err != nil {
		return nil, err
	}
	return g.ReadFiles(ctx, commit, files, maxFile, budget)
}

// SkillFiles lists the skill folders of repo@commit and reads their SKILL.md files with the same fetch
// (see gitfetch.Session.SkillFiles); the listing is remembered for the run like Skills'.
func (s *Session) SkillFiles(ctx context.Context, repo, commit string, maxFile, budget int64) ([]string, map[string][]byte, error) {
	g, err := s.git(repo)
	if err != nil {
		return nil, nil, err
	}
	dirs, files, err := g.SkillFiles(ctx, commit, maxFile, budget)
	if dirs != nil {
		s.mu.Lock()
		s.listing[repo+"@"+commit] = dirs
		s.mu.Unlock()
	}
	return dirs, files, err
}
