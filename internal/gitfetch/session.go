package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// Session is one command's conversation with one repository, opened by the command's Client. It learns
// the server's protocol and capabilities once, answers every ref question and skill listing it can from
// what it already asked (the one memo of refs and listings), keeps its HTTP connections alive between
// requests, and holds the objects fetched so far in memory, so the ref lookups, folder fetches,
// dependency lookups and registry indexes of one command share them. Its methods may be called from
// several goroutines; they run one at a time.
type Session struct {
	mu  sync.Mutex
	r   Remote
	w   wire
	st  *store
	bud *budget

	strat       strategy
	tipsOnly    bool           // only branch and tag tips may be wanted (a v0 server without reachable wants)
	noBlobLimit bool           // the server refuses blob:limit: folders come unfiltered, oversize blobs stop the stream
	noCombine   bool           // the server refuses a combined filter: a commit comes with its root tree alone (tree:1)
	noDeep      bool           // a commit with the trees down to its paths' parents brought too many: one level from then on
	writes      sync.WaitGroup // this session's cache writes in the background (flush)
	said        map[string]bool
	refCache    map[string]map[string]string // answers by query (sorted prefixes)
	listed      map[plumbing.Hash][]string   // skill folders by commit (Skills, SkillFiles)
	// What whole-commit fetches (stratFull) learnt, whichever operation asked: the blobs they dropped for
	// their size, and the commits they brought, so a later operation on the same commit neither takes a
	// dropped blob for the server's fault nor stops short of the fetch that would bring its files.
	oversize         map[plumbing.Hash]int64
	fullAt           map[plumbing.Hash]bool
	deltasOnOversize int  // deltas those fetches dropped with their oversize blobs (packResult)
	askedAgain       bool // a folder request the server failed for no reason it named was asked again
}

// wire is how a Session reaches a repository: smart HTTP (protocol v2, or v0), SSH, or a local
// repository read directly.
type wire interface {
	// refs answers ref names starting with any of prefixes ("" or none: every ref) mapped to the commit
	// they peel to, "HEAD" included when asked.
	refs(ctx context.Context, prefixes []string) (map[string]string, error)
	// filter reports whether the server accepts partial-clone filters; it may ask the server.
	filter(ctx context.Context) (bool, error)
	// fetch runs one negotiation for fr and hands every object of the answer to put.
	fetch(ctx context.Context, fr fetchReq, put func(plumbing.Hash, object)) (packResult, error)
	// reachable reports whether objects other than advertised tips may be wanted.
	reachable(ctx context.Context) (bool, error)
	// isTip reports whether h is an advertised ref's commit (asked only when reachable is false).
	isTip(h plumbing.Hash) bool
	// where names the repository in messages, without credentials.
	where() string
	close()
}

// budget is the network time a command may still spend, shared by all its sessions (see Deadline).
type budget struct {
	mu    sync.Mutex
	total time.Duration
	left  time.Duration
}

func newBudget(d time.Duration) *budget { return &budget{total: d, left: d} }

// run calls do with ctx bounded by what is left of the budget and takes the time it spent off it.
func (b *budget) run(ctx context.Context, do func(ctx context.Context) error) error {
	b.mu.Lock()
	left := b.left
	b.mu.Unlock()
	if left <= 0 {
		return errDeadline
	}
	cctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()
	t0 := time.Now()
	err := do(cctx)
	b.mu.Lock()
	b.left -= time.Since(t0)
	b.mu.Unlock()
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return errDeadline
	}
	return err
}

var errDeadline = errors.New("overall network deadline reached")

// DefaultDeadlineFactor times the idle timeout is the overall network time a command may spend, unless
// SKILLCTL_DEADLINE holds another duration: with the default 60 s idle timeout, 5 minutes.
const DefaultDeadlineFactor = 5

// Deadline is the overall network time of one command: SKILLCTL_DEADLINE when it is a positive duration,
// else DefaultDeadlineFactor times the idle timeout (SKILLCTL_TIMEOUT). It counts only time spent waiting
// on servers, so a prompt does not use it up; a server that trickles bytes, resetting the idle timeout
// forever, cannot hold a command past it.
func Deadline() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("SKILLCTL_DEADLINE")); err == nil && d > 0 {
		return d
	}
	return DefaultDeadlineFactor * envTimeout()
}

// DeadlineError is a command's network work stopped by its overall deadline.
type DeadlineError struct {
	URL, Host string
	Limit     time.Duration
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("fetch %s: %s is too slow: gave up at the overall network deadline of %v", e.URL, e.Host, e.Limit)
}

func (e *DeadlineError) Hints() []string {
	return []string{"set SKILLCTL_DEADLINE (e.g. SKILLCTL_DEADLINE=15m) to wait longer for a slow server"}
}

func open(r Remote, b *budget) (*Session, error) {
	s := &Session{r: r, bud: b, st: newStore(r.Cache), said: map[string]bool{}, refCache: map[string]map[string]string{}, listed: map[plumbing.Hash][]string{}, oversize: map[plumbing.Hash]int64{}, fullAt: map[plumbing.Hash]bool{}}
	w, err := newWire(s)
	if err != nil {
		return nil, err
	}
	s.w = w
	return s, nil
}

// Close closes idle connections and writes what was fetched to the cache, waiting for the write.
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.close()
	s.flush()
	s.writes.Wait()
}

// cacheWrites are the cache writes handed to the background by every session of the process: one at a
// time, in the order handed over, as the cache was written before; Wait waits for all of them.
var cacheWrites struct {
	mu sync.Mutex
	wg sync.WaitGroup
}

// Wait returns once every cache write handed to the background is done. A command calls it before it
// exits (cmd/skillctl's Main), so what it fetched is in the cache for the next run.
func Wait() { cacheWrites.wg.Wait() }

// flush hands what was fetched since the last flush to the cache, in the background: packing and writing
// it (a tenth of a cold install's CPU) overlaps the review and the transaction that follow a fetch. The
// objects stay in memory for this session either way. A failing cache costs speed, not correctness, so an
// error is only a note.
func (s *Session) flush() {
	objs := s.st.take()
	if objs == nil {
		return
	}
	cache, log := s.st.cache, s.r.logf
	s.writes.Add(1)
	cacheWrites.wg.Add(1)
	go func() {
		defer cacheWrites.wg.Done()
		defer s.writes.Done()
		cacheWrites.mu.Lock()
		err := cache.putAll(objs)
		cacheWrites.mu.Unlock()
		if err != nil {
			log("cache: not updated, continuing without it: %v", err)
		}
	}()
}

// URL is the repository's clone URL.
func (s *Session) URL() string { return s.r.URL }

// note logs a line once per session.
func (s *Session) note(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if s.said[line] {
		return
	}
	s.said[line] = true
	s.r.logf("%s", line)
}

// net runs one network exchange under the command's deadline, turning its expiry into a DeadlineError.
func (s *Session) net(ctx context.Context, do func(ctx context.Context) error) error {
	err := s.bud.run(ctx, do)
	if errors.Is(err, errDeadline) {
		return &DeadlineError{URL: s.w.where(), Host: hostOf(s.w.where()), Limit: s.bud.total}
	}
	return err
}

func hostOf(u string) string {
	rest := u
	if _, r, ok := strings.Cut(u, "://"); ok {
		rest = r
	}
	h, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(h, "@"); at >= 0 {
		h = h[at+1:]
	}
	return h
}

// Refs returns the refs whose full names start with one of prefixes ("HEAD" for HEAD), mapped to the
// commits they name, annotated tags peeled. With protocol v2 the server answers only those; with v0 it
// sends every ref once per session and the rest are filtered here. No prefixes means every branch, tag
// and HEAD (never refs/pull/*, which GitHub has by thousands).
func (s *Session) Refs(ctx context.Context, prefixes ...string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(prefixes) == 0 {
		prefixes = []string{"HEAD", "refs/heads/", "refs/tags/"}
	}
	p := append([]string(nil), prefixes...)
	sort.Strings(p)
	key := strings.Join(p, "\n")
	if m, ok := s.refCache[key]; ok {
		return m, nil
	}
	var m map[string]string
	err := s.net(ctx, func(ctx context.Context) error {
		var err error
		m, err = s.w.refs(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.refCache[key] = m
	return m, nil
}

// Fetch returns the folders at paths ("" is the repository root) of commit, keyed by the paths as given.
// All folders come from the same few requests; with everything in the cache, no request at all. Entries
// that are unsafe to install fail the whole fetch with *EntryError, a missing folder with *NotFoundError,
// and anything over r.Limits with *LimitError.
func (s *Session) Fetch(ctx context.Context, commit string, paths []string) (map[string]*snapshot.Folder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	return s.fetchFolders(ctx, commit, paths)
}

// FetchAt returns the folders of several commits (want: commit → paths), keyed by commit and then by
// path as given. On GitHub's shape the commits walk their paths together, one level per request for all
// of them, and every folder comes in one batch. A path that is not in its commit is in missing under
// that commit rather than failing the rest; other errors are Fetch's.
func (s *Session) FetchAt(ctx context.Context, want map[string][]string) (map[string]map[string]*snapshot.Folder, map[string][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	w := map[string][]string{}
	for c, paths := range want {
		w[c] = append([]string(nil), paths...)
		sort.Strings(w[c])
	}
	missing := map[string][]string{}
	for len(w) > 0 {
		got, err := s.fetchAt(ctx, w)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			return got, missing, err
		}
		c := ""
		for k := range w {
			if strings.EqualFold(k, nf.Commit) {
				c = k
			}
		}
		rest := without(w[c], nf.Path)
		if c == "" || len(rest) == len(w[c]) {
			return nil, nil, err // not a path asked for: say it rather than ask again
		}
		missing[c] = append(missing[c], nf.Path)
		if w[c] = rest; len(w[c]) == 0 {
			delete(w, c)
		}
	}
	return map[string]map[string]*snapshot.Folder{}, missing, nil
}

// ReadFile returns one file of commit (a marketplace index, a lone SKILL.md), fetching the trees on its
// path and the blob alone. A file over Limits.MaxFileSize is a *LimitError.
func (s *Session) ReadFile(ctx context.Context, commit, file string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	return s.readFile(ctx, commit, file)
}

// Skills lists the folders of commit that hold a skill file (manifest.SkillFile), sorted, "" for the
// root. It fetches trees only, never blobs, and remembers the answer per commit. Folders under unsafe
// names or submodules are left out: they could not be installed anyway.
func (s *Session) Skills(ctx context.Context, commit string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	return s.skills(ctx, commit)
}

// MissingCommitError is a commit the repository does not have (or that no branch or tag reaches, which
// a server is entitled to treat the same). No fallback fetch is tried: there is nothing to fall back to.
type MissingCommitError struct {
	URL, Commit string
}

func (e *MissingCommitError) Error() string {
	return fmt.Sprintf("fetch %s: commit %s is not in the repository (or not reachable from its branches and tags)", e.URL, e.Commit)
}

func (e *MissingCommitError) Hints() []string {
	return []string{"check the commit hash, or name a branch or tag instead"}
}

// TipsOnlyError is a server that lets clients fetch only the commits at branch and tag tips, asked for an
// older commit by hash.
type TipsOnlyError struct {
	URL, Commit string
}

func (e *TipsOnlyError) Error() string {
	return fmt.Sprintf("fetch %s: the server only serves branch and tag tips, and commit %s is not one", e.URL, e.Commit)
}

func (e *TipsOnlyError) Hints() []string {
	return []string{"name the branch or tag that points at the commit, or ask the server's owner to set uploadpack.allowReachableSHA1InWant"}
}
