package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// strategy is how objects are asked for; each is slower and more widely allowed than the one before.
type strategy int

const (
	stratUnknown  strategy = iota
	stratTreeWalk          // filter tree:1 one level at a time, then the folders with blob:limit
	stratBlobless          // filter blob:none for all trees of the commit, then the folders
	stratFull              // depth 1, no filter: the whole commit
)

// maxDepth bounds folder nesting; deeper trees are refused rather than walked.
const maxDepth = 128

// maxListEntries bounds the tree entries a repository listing walks: the largest marketplace known has
// about 50,000 files and folders; a listing past this is refused as hostile or absurd.
const maxListEntries = limits.MaxListEntries

// fetcher is one operation against one commit through a Session.
type fetcher struct {
	s        *Session
	lim      Limits
	commit   plumbing.Hash
	st       *store
	gotAll   bool                   // every tree of the commit has been asked for (blob-less or full fetch done)
	complete map[plumbing.Hash]bool // trees known to have every object under them (missingUnder)
	others   map[plumbing.Hash]bool // other commits wanted in the same requests (fetchAt)
	asked    map[plumbing.Hash]bool // trees a folder request brought with its size filter: what they lack is oversize
}

func (s *Session) newFetcher(commit string) (*fetcher, error) {
	if len(commit) != 40 || !plumbing.IsHash(commit) {
		return nil, fmt.Errorf("%s: not a full commit hash", commit)
	}
	return &fetcher{
		s: s, lim: s.r.Limits.WithDefaults(), commit: plumbing.NewHash(strings.ToLower(commit)), st: s.st,
	}, nil
}

// ready learns, once per session, what the server allows and picks the first strategy that fits.
func (s *Session) ready(ctx context.Context) error {
	if s.strat != stratUnknown {
		return nil
	}
	if u, ok := s.w.(interface{ unprobed() bool }); ok && u.unprobed() {
		s.strat = stratTreeWalk // GitHub's shape until the server's answer says otherwise (request)
		return nil
	}
	var filter, reach bool
	err := s.net(ctx, func(ctx context.Context) error {
		var err error
		if filter, err = s.w.filter(ctx); err != nil {
			return err
		}
		reach, err = s.w.reachable(ctx)
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case !reach:
		s.strat, s.tipsOnly = stratFull, true
		s.note("%s: serves only branch and tag tips; fetching whole commits at depth 1", s.w.where())
	case filter:
		s.strat = stratTreeWalk
	default:
		s.strat = stratFull
		s.note("%s: no partial fetch offered (no filter capability); fetching the whole commit at depth 1", s.w.where())
	}
	return nil
}

// request fetches wants under the current strategy; a refusal moves to the next strategy and reports
// errRetryStrategy so the caller re-plans. A refused want of the commit itself is reported as what it
// is: a commit the server does not have, or one it will not serve because it is not a tip.
func (f *fetcher) request(ctx context.Context, fr fetchReq) error {
	s := f.s
	if err := s.ready(ctx); err != nil {
		return err
	}
	if s.tipsOnly && !s.w.isTip(f.commit) {
		return &TipsOnlyError{URL: s.w.where(), Commit: f.commit.String()}
	}
	var res packResult
	err := s.net(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.w.fetch(ctx, fr, f.st.add)
		return err
	})
	if err == nil {
		for h, n := range res.oversize {
			s.oversize[h] = n
		}
		s.deltasOnOversize += res.deltasOnOversize
		return nil
	}
	if errors.Is(err, errNotV2) {
		// The guess of GitHub's shape was wrong and the wire has read what the server offers: choose again.
		s.strat = stratUnknown
		if err := s.ready(ctx); err != nil {
			return err
		}
		return errRetryStrategy
	}
	var le *LimitError
	if fr.deep && errors.As(err, &le) {
		// Too many trees at the paths' parents' level (refused at the pack's header, or cut off at
		// deepBudget): a pack is kept only whole, so nothing of it was. Ask again with one level below the
		// root, as for a few folders.
		s.noDeep = true
		return errRetryStrategy
	}
	var rf *refusedError
	if !errors.As(err, &rf) {
		return err
	}
	h, ours := f.notOurRef(rf.msg)
	if fr.deep && !strings.Contains(rf.msg, "blob:limit") && !ours {
		// A server that caps the tree depth it walks (uploadpackfilter.tree.maxDepth) refuses the deeper
		// walk, not the combined filter: only the deeper walk is given up.
		s.noDeep = true
		s.note("%s: refused the trees down to the folders' level (%s); asking one level below the root", s.w.where(), rf.msg)
		return errRetryStrategy
	}
	if ours {
		if s.tipsOnly {
			return &TipsOnlyError{URL: s.w.where(), Commit: h.String()}
		}
		return &MissingCommitError{URL: s.w.where(), Commit: h.String()}
	}
	namesFilter := strings.Contains(rf.msg, "filter") || strings.Contains(rf.msg, "blob:limit")
	if fr.ahead && !namesFilter {
		return err
	}
	sizeFilter := strings.HasPrefix(string(fr.filter), "blob:limit")
	combined := strings.HasPrefix(string(fr.filter), "combine:")
	// A combined filter's refusal names the part refused: blob:limit inside one (Beside's) is the blob
	// size filter's refusal, not the combination's. A refusal that names no filter (a want refused) is
	// not the size filter's either.
	sizeRefused := sizeFilter && namesFilter || combined && strings.Contains(rf.msg, "blob:limit")
	switch {
	case s.strat == stratTreeWalk && combined && !sizeRefused && !s.noCombine:
		s.noCombine = true
		s.note("%s: refused a combined filter (%s); walking from the root tree one level at a time", s.w.where(), rf.msg)
	case s.strat != stratFull && sizeRefused && !s.noBlobLimit:
		s.noBlobLimit = true
		s.note("%s: refused the blob size filter (%s); fetching folders unfiltered, stopping at any file over the limit", s.w.where(), rf.msg)
	case sizeFilter && !namesFilter && !strings.Contains(rf.msg, "not our ref") && !s.askedAgain:
		// A refusal that names neither a filter nor a want: the server failed this walk, maybe for a
		// moment (a pack-objects killed under load). It is asked again, once a session, before anything
		// changes; refused again, it moves on as any refusal does.
		s.askedAgain = true
		return errRetryStrategy
	case s.strat == stratTreeWalk && strings.Contains(rf.msg, "filter"):
		s.strat = stratBlobless
		s.note("%s: refused the tree filter (%s); fetching all trees without blobs", s.w.where(), rf.msg)
	case s.strat < stratFull:
		s.strat = stratFull
		s.note("%s: refused a partial fetch (%s); fetching the whole commit at depth 1", s.w.where(), rf.msg)
	default:
		return &RemoteError{URL: s.w.where(), Err: rf}
	}
	return errRetryStrategy
}

// commitRequest asks for commits (wants) for a walk to paths. A commit comes with its root tree and, when
// every path goes deeper than that, the trees one level down (never a blob), so the walk to
// skills/AUTHOR/NAME takes one request fewer; the cost is the root's other subtrees, one level of names,
// which a marketplace keeps few. When the paths span deepParents parent folders or more (a list installed
// at once, a restore), it brings every tree down to their parents' level too (at most four levels): for
// skills/AUTHOR/NAME every author's listing, which costs less than the round trip it saves once that many
// authors are asked for, and the folders come in the next request. That pack is bounded by deepObjects
// (refused at its header past it) and deepBudget (cut off past it, after up to that many bytes), and a
// refusal or either bound has the commit asked for again as above (request). A path at the root
// asks for the root alone; a server that refuses combined filters gets tree:1 from then on.
func (s *Session) commitRequest(wants []plumbing.Hash, paths []string, pol packPolicy, budget int64) fetchReq {
	fr := fetchReq{wants: wants, depth: 1, filter: packp.FilterTreeDepth(1), pol: pol, budget: budget}
	if s.noCombine || len(paths) == 0 {
		return fr
	}
	least := maxDepth
	parents := map[string]bool{}
	for _, p := range paths {
		c := cleanPath(p)
		n := 0
		if c != "" {
			n = strings.Count(c, "/") + 1
		}
		least = min(least, n)
		parents[path.Dir(c)] = true
	}
	if least < 2 {
		return fr
	}
	k := 2
	if least >= 3 && len(parents) >= deepParents && !s.noDeep {
		k = min(least, 4)
		fr.deep = true
		fr.pol.maxObjects = deepObjects
		fr.pol.maxInflated = min(fr.pol.maxInflated, deepInflated)
		fr.budget = min(fr.budget, deepBudget)
	}
	fr.filter = packp.FilterCombine(packp.FilterTreeDepth(uint64(k)), packp.FilterBlobNone())
	return fr
}

// How far commitRequest's deeper walk goes: the parents a batch must span to be worth it, and what the
// pack of trees may hold (a marketplace of 5,800 skills under some 600 authors is a few hundred KB).
var (
	deepParents        = 8
	deepObjects        = 8192
	deepBudget   int64 = 4 << 20  // on the wire
	deepInflated int64 = 64 << 20 // trees as inflated (a pack of deltas can inflate far past its size)
)

// notOurRef reports whether a refusal is git's "not our ref" for one of f's commits, and which.
func (f *fetcher) notOurRef(msg string) (plumbing.Hash, bool) {
	h, ok := notOurRef(msg)
	return h, ok && (h == f.commit || f.others[h])
}

// notOurRef finds the object named in git's "not our ref HASH" refusal.
func notOurRef(msg string) (plumbing.Hash, bool) {
	_, rest, ok := strings.Cut(msg, "not our ref ")
	if !ok || len(rest) < 40 || !plumbing.IsHash(rest[:40]) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(strings.ToLower(rest[:40])), true
}

// fileCap is the largest single file a fetch can accept: one file cannot exceed the total either.
func (f *fetcher) fileCap() int64 { return min(f.lim.MaxFileSize, f.lim.MaxTotalSize) }

// fileFlag is the option that raises fileCap: the total's when the total is the smaller.
func (f *fetcher) fileFlag() string {
	if f.lim.MaxTotalSize < f.lim.MaxFileSize {
		return "--max-total-size"
	}
	return "--max-file-size"
}

var errRetryStrategy = errors.New("strategy changed")

// walkPolicy is for requests that bring trees only, or a whole commit.
func (f *fetcher) treePolicy() (packPolicy, int64) {
	big := 10 * f.lim.MaxTotalSize
	return packPolicy{maxBlob: f.lim.MaxFileSize, maxOther: max(f.lim.MaxFileSize, 16<<20), maxInflated: big, blobFlag: "--max-file-size"}, big
}

// fetchAllTrees brings every tree of the commit (blob-less), or the whole commit (full).
func (f *fetcher) fetchAllTrees(ctx context.Context) error {
	for {
		var fr fetchReq
		pol, budget := f.treePolicy()
		switch f.s.strat {
		case stratTreeWalk, stratBlobless:
			fr = fetchReq{wants: []plumbing.Hash{f.commit}, depth: 1, filter: packp.FilterBlobNone(), pol: pol, budget: budget}
		default:
			pol.skipOversize = true
			fr = fetchReq{wants: []plumbing.Hash{f.commit}, depth: 1, pol: pol, budget: budget}
		}
		err := f.request(ctx, fr)
		if errors.Is(err, errRetryStrategy) {
			continue
		}
		if err == nil {
			f.gotAll = true
			if fr.filter == "" {
				f.s.fullAt[f.commit] = true
			}
		}
		return err
	}
}

// resolve finds the entry each path names, fetching the commit and the trees on the paths one level per
// request for all paths at once; the trees on the way are parsed once per round and shared by every path
// (thousands of SKILL.md paths cross the same few upper trees). Entries are checked on the way: a missing
// path or an unsafe entry fails the whole call, unless some is set (see resolveSome).
func (f *fetcher) resolve(ctx context.Context, paths []string) (map[string]treeEntry, error) {
	return f.resolvePaths(ctx, paths, false)
}

func (f *fetcher) resolvePaths(ctx context.Context, paths []string, some bool) (map[string]treeEntry, error) {
	for round := 0; ; round++ {
		out := map[string]treeEntry{}
		need := map[plumbing.Hash]bool{}
		needCommit := false
		trees := map[plumbing.Hash]map[string]treeEntry{}
		for _, p := range paths {
			e, missing, err := f.walk(p, trees)
			var nf *NotFoundError
			var ee *EntryError
			switch {
			case some && (errors.As(err, &nf) || errors.As(err, &ee)):
			case err != nil:
				return nil, err
			case missing == f.commit:
				needCommit = true
			case !missing.IsZero():
				need[missing] = true
			case !some || regular(e.Mode):
				out[p] = e
			}
		}
		if !needCommit && len(need) == 0 {
			return out, nil
		}
		if err := f.fetchMissing(ctx, round, paths, needCommit, need); err != nil {
			return nil, err
		}
	}
}

// fetchMissing asks for what one round of a path walk lacked: the commit and its root tree, or the trees
// it named, all in one request; a server past its strategy is retried by the caller's next round.
func (f *fetcher) fetchMissing(ctx context.Context, round int, paths []string, needCommit bool, need map[plumbing.Hash]bool) error {
	if f.gotAll || round > maxDepth+2 {
		return &RemoteError{URL: f.s.w.where(), Err: errors.New("server did not send the objects asked for")}
	}
	if err := f.s.ready(ctx); err != nil {
		return err
	}
	var err error
	pol, budget := f.treePolicy()
	switch {
	case f.s.strat != stratTreeWalk:
		err = f.fetchAllTrees(ctx)
	case needCommit:
		err = f.request(ctx, f.s.commitRequest([]plumbing.Hash{f.commit}, paths, pol, budget))
	default:
		wants := make([]plumbing.Hash, 0, len(need))
		for h := range need {
			wants = append(wants, h)
		}
		sort.Slice(wants, func(i, j int) bool { return wants[i].String() < wants[j].String() })
		err = f.request(ctx, fetchReq{wants: wants, filter: packp.FilterTreeDepth(0), pol: pol, budget: budget})
	}
	if err != nil && !errors.Is(err, errRetryStrategy) {
		return err
	}
	return nil
}

// walk follows p from the commit through the store. It returns the entry p names (a root path gives a
// tree entry for the root tree), or the first missing object on the way. trees holds the trees parsed so
// far by hash (nil: none kept), so the paths of a batch parse each shared tree once.
func (f *fetcher) walk(p string, trees map[plumbing.Hash]map[string]treeEntry) (treeEntry, plumbing.Hash, error) {
	c, ok := f.st.get(f.commit)
	if !ok {
		return treeEntry{}, f.commit, nil
	}
	if c.typ != plumbing.CommitObject {
		return treeEntry{}, plumbing.ZeroHash, fmt.Errorf("%s is not a commit", f.commit)
	}
	root, err := commitTree(c.data)
	if err != nil {
		return treeEntry{}, plumbing.ZeroHash, err
	}
	cur := treeEntry{Mode: modeTree, Hash: root}
	if p == "" {
		return cur, plumbing.ZeroHash, nil
	}
	if trees == nil {
		trees = map[plumbing.Hash]map[string]treeEntry{}
	}
	els := strings.Split(p, "/")
	for i, el := range els {
		if cur.Mode != modeTree {
			return treeEntry{}, plumbing.ZeroHash, &NotFoundError{Path: p, Commit: f.commit.String()}
		}
		byName, missing, err := f.byName(cur.Hash, strings.Join(els[:i], "/"), trees)
		if err != nil || !missing.IsZero() {
			return treeEntry{}, missing, err
		}
		e, ok := byName[el]
		if !ok {
			return treeEntry{}, plumbing.ZeroHash, &NotFoundError{Path: p, Commit: f.commit.String()}
		}
		if prob := entryProblem(e); prob != "" {
			return treeEntry{}, plumbing.ZeroHash, &EntryError{Path: strings.Join(els[:i+1], "/"), Problem: prob}
		}
		cur = e
	}
	return cur, plumbing.ZeroHash, nil
}

// byName returns tree h's entries by name, parsed once per trees (the memo of one walk), or h as missing.
// A forged tree naming one entry twice: the first counts, wherever a tree is read by name.
func (f *fetcher) byName(h plumbing.Hash, where string, trees map[plumbing.Hash]map[string]treeEntry) (map[string]treeEntry, plumbing.Hash, error) {
	if m, ok := trees[h]; ok {
		return m, plumbing.ZeroHash, nil
	}
	entries, missing, err := f.tree(h, where)
	if err != nil || !missing.IsZero() {
		return nil, missing, err
	}
	m := make(map[string]treeEntry, len(entries))
	for _, e := range entries {
		if _, dup := m[e.Name]; !dup {
			m[e.Name] = e
		}
	}
	trees[h] = m
	return m, plumbing.ZeroHash, nil
}

// tree returns the parsed tree h, or h as missing.
func (f *fetcher) tree(h plumbing.Hash, where string) ([]treeEntry, plumbing.Hash, error) {
	o, ok := f.st.get(h)
	if !ok {
		return nil, h, nil
	}
	if o.typ != plumbing.TreeObject {
		return nil, plumbing.ZeroHash, fmt.Errorf("%s: expected a tree, got a %s", orRoot(where), o.typ)
	}
	entries, err := parseTree(o.data)
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("%s: %w", orRoot(where), err)
	}
	return entries, plumbing.ZeroHash, nil
}

func orRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

func (s *Session) fetchFolders(ctx context.Context, commit string, paths []string) (map[string]*snapshot.Folder, error) {
	f, err := s.newFetcher(commit)
	if err != nil {
		return nil, err
	}
	clean := make([]string, 0, len(paths))
	seen := map[string]bool{}
	for _, p := range paths {
		c := cleanPath(p)
		if c != "" && !snapshot.ValidPath(c) {
			return nil, &EntryError{Path: p, Problem: "not a valid folder path"}
		}
		if !seen[c] {
			seen[c] = true
			clean = append(clean, c)
		}
	}
	sort.Strings(clean)
	found, err := f.resolve(ctx, clean)
	if err != nil {
		return nil, err
	}
	for _, p := range clean {
		if found[p].Mode != modeTree {
			return nil, &NotFoundError{Path: p, Commit: f.commit.String()}
		}
	}
	folders, err := f.folders(ctx, clean, found)
	if err != nil {
		return nil, err
	}
	out := map[string]*snapshot.Folder{}
	for _, p := range paths {
		out[p] = folders[cleanPath(p)]
	}
	return out, nil
}

// fetchAt fetches the folders of several commits (want: commit → paths), keyed by commit then path as
// given. On GitHub's shape the commits walk their paths together, one level per request for all of them,
// and every folder comes in one batch: a lock whose skills were pinned at different commits of one
// repository costs the requests of one commit. Anything else (another strategy, a path that is not
// there, a refusal) is fetched commit by commit, which says exactly what went wrong where.
func (s *Session) fetchAt(ctx context.Context, want map[string][]string) (map[string]map[string]*snapshot.Folder, error) {
	commits := make([]string, 0, len(want))
	for c := range want {
		commits = append(commits, c)
	}
	sort.Strings(commits)
	if len(commits) > 1 {
		if err := s.ready(ctx); err != nil {
			return nil, err
		}
		if s.strat == stratTreeWalk {
			s.walkTogether(ctx, commits, want) // only brings objects into the store; errors show below
		}
	}
	out := map[string]map[string]*snapshot.Folder{}
	for _, c := range commits {
		got, err := s.fetchFolders(ctx, c, want[c])
		if err != nil {
			return nil, err
		}
		out[c] = got
	}
	return out, nil
}

// walkTogether brings into the store, in as few requests as one commit needs, the commits, the trees on
// every path and the folders under them. A path that is not there is passed over; anything else not
// plain (a refusal, a changed strategy, a broken object) stops it. The fetch of each commit then meets
// what went wrong again and reports it.
func (s *Session) walkTogether(ctx context.Context, commits []string, want map[string][]string) {
	var fs []*fetcher
	others := map[plumbing.Hash]bool{}
	for _, c := range commits {
		f, err := s.newFetcher(c)
		if err != nil {
			return
		}
		fs = append(fs, f)
		others[f.commit] = true
	}
	lead := fs[0]
	lead.others = others
	pol, budget := lead.treePolicy()
	found := make([]map[string]treeEntry, len(fs))
	for round := 0; ; round++ {
		var needCommits []plumbing.Hash
		need := map[plumbing.Hash]bool{}
		for i, f := range fs {
			found[i] = map[string]treeEntry{}
			trees := map[plumbing.Hash]map[string]treeEntry{}
			for _, p := range want[commits[i]] {
				e, missing, err := f.walk(cleanPath(p), trees)
				var nf *NotFoundError
				var ee *EntryError
				switch {
				case errors.As(err, &nf) || errors.As(err, &ee):
					// Not there, or refused: the commit's own fetch says so; the other paths go on.
				case err != nil:
					return
				case missing == f.commit:
					needCommits = append(needCommits, f.commit)
				case !missing.IsZero():
					need[missing] = true
				default:
					found[i][p] = e
				}
			}
		}
		if len(needCommits) == 0 && len(need) == 0 {
			break
		}
		if round > maxDepth+2 {
			return
		}
		fr := fetchReq{wants: sortedHashes(need), filter: packp.FilterTreeDepth(0), pol: pol, budget: budget}
		if len(needCommits) > 0 {
			var paths []string // of the commits asked for: another commit's paths bring none of its trees
			for i, f := range fs {
				if slices.Contains(needCommits, f.commit) {
					paths = append(paths, want[commits[i]]...)
				}
			}
			fr = s.commitRequest(needCommits, paths, pol, budget)
		}
		err := lead.request(ctx, fr)
		if errors.Is(err, errRetryStrategy) && s.strat == stratTreeWalk {
			continue // asked otherwise next round (a deeper walk given up, a filter refused)
		}
		if err != nil || s.strat != stratTreeWalk {
			return
		}
	}
	// Every folder of every commit that lacks an object, in one request.
	var incomplete []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	for i, f := range fs {
		for _, e := range found[i] {
			if e.Mode == modeTree && !seen[e.Hash] && f.missingUnder(e.Hash, 0) {
				seen[e.Hash] = true
				incomplete = append(incomplete, e.Hash)
			}
		}
	}
	if len(incomplete) == 0 {
		return
	}
	sort.Slice(incomplete, func(i, j int) bool { return incomplete[i].String() < incomplete[j].String() })
	lead.request(ctx, lead.folderRequest(incomplete, len(incomplete)))
}

func sortedHashes(set map[plumbing.Hash]bool) []plumbing.Hash {
	out := make([]plumbing.Hash, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// folders makes sure every object under the folders is present, with one request for all that are
// incomplete, then assembles them.
func (f *fetcher) folders(ctx context.Context, paths []string, found map[string]treeEntry) (map[string]*snapshot.Folder, error) {
	for attempt := 0; ; attempt++ {
		wants, seen := map[plumbing.Hash]bool{}, map[plumbing.Hash]bool{}
		lacking := 0 // folders that lack something: what the request's bounds are counted in
		for _, p := range paths {
			if f.missingUnder(found[p].Hash, 0) {
				lacking++
				f.frontier(found[p].Hash, 0, wants, seen)
			}
		}
		incomplete := sortedHashes(wants)
		if len(incomplete) == 0 || f.s.strat == stratFull && f.s.fullAt[f.commit] || attempt > 2 {
			break
		}
		if err := f.s.ready(ctx); err != nil {
			return nil, err
		}
		if f.s.strat == stratFull { // the session just learnt the server cannot filter
			if err := f.fetchAllTrees(ctx); err != nil {
				return nil, err
			}
			continue
		}
		fr := f.folderRequest(incomplete, lacking)
		err := f.request(ctx, fr)
		if err != nil && !errors.Is(err, errRetryStrategy) {
			var le *LimitError
			if errors.As(err, &le) && le.Path == "" {
				le.Path = strings.Join(paths, ", ")
			}
			return nil, err
		}
		if err == nil && fr.filter != "" {
			// What is still missing under these trees was filtered out for its size: asking again would
			// bring the same answer, and assemble says so.
			if f.asked == nil {
				f.asked = map[plumbing.Hash]bool{}
			}
			for _, h := range incomplete {
				f.asked[h] = true
			}
		}
		if f.s.strat == stratFull {
			if err := f.fetchAllTrees(ctx); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]*snapshot.Folder{}
	for _, p := range paths {
		folder := &snapshot.Folder{Tree: found[p].Hash.String()}
		if err := f.assemble(folder, found[p].Hash, p, "", 0, &folderCount{}); err != nil {
			return nil, err
		}
		folder.Sort()
		out[p] = folder
	}
	return out, nil
}

// folderRequest asks for the trees and blobs under the folder trees wants, blobs over the size cap
// filtered out by the server when it can. The caps are per folder (each requested folder is one skill),
// so a request for folders of them may bring each one's share: the pack is bounded at folders times one
// folder's, and assemble holds each folder to its own.
func (f *fetcher) folderRequest(wants []plumbing.Hash, folders int) fetchReq {
	lim := f.lim
	fileCap := f.fileCap()
	n := int64(max(folders, 1))
	treeSlack := int64(1<<20 + 64*lim.MaxFiles) // the folders' trees ride along with the blobs
	// The caps are per folder, so a batch may hold n folders' worth, but never more than batchCeiling
	// (or one folder's, if larger): the pack is held in memory until it ends, and a restore of hundreds
	// of folders must not let a server send hundreds of times the cap.
	ceiling := max(lim.MaxTotalSize+treeSlack, batchCeiling)
	fr := fetchReq{
		wants: wants,
		pol: packPolicy{
			maxBlob:     fileCap,
			maxOther:    treeSlack,
			maxInflated: min(times(n, lim.MaxTotalSize+treeSlack), ceiling), // exact totals are checked by assemble
			maxObjects:  int(min(times(n, int64(2*lim.MaxFiles+64)), max(int64(2*lim.MaxFiles+64), batchObjects))),

			blobFlag:     f.fileFlag(),
			objectsFlag:  "--max-files",
			inflatedFlag: "--max-total-size",
		},
		budget: min(times(n, lim.MaxTotalSize+lim.MaxTotalSize/8+treeSlack), ceiling+ceiling/8),
	}
	if !f.s.noBlobLimit {
		fr.filter = packp.FilterBlobLimit(uint64(fileCap)+1, packp.BlobLimitPrefixNone)
	}
	return fr
}

// frontier adds to wants the trees to ask for so that everything under tree h is present: h itself when
// it or one of its own files is missing (asked for with the folder request's filter, which keeps the size
// rule for every file), else its missing subtrees and the frontiers of those present. A folder whose
// skill file came ahead of it (Beside) so costs its subfolders, not its files again. A tree already asked
// for with the filter (f.asked) is not asked again.
func (f *fetcher) frontier(h plumbing.Hash, depth int, wants, seen map[plumbing.Hash]bool) {
	if depth > maxDepth || f.complete[h] || seen[h] || f.asked[h] {
		return // a shared subtree is looked at once, so a tree bomb costs its objects, not its paths
	}
	seen[h] = true
	entries, missing, err := f.tree(h, "")
	if err != nil || !missing.IsZero() {
		wants[h] = true // a broken tree is asked for whole, and assemble reports what is wrong with it
		return
	}
	for _, e := range entries {
		if e.Mode != modeTree && e.Mode != modeGitlink && !f.st.has(e.Hash) {
			wants[h] = true
			return
		}
	}
	for _, e := range entries {
		if e.Mode != modeTree {
			continue
		}
		if !f.st.has(e.Hash) {
			wants[e.Hash] = true
		} else if f.missingUnder(e.Hash, depth+1) {
			f.frontier(e.Hash, depth+1, wants, seen)
		}
	}
}

// missingUnder reports whether any object under tree h is absent. Gitlinks are not objects of this
// repository and do not count; assemble refuses them.
func (f *fetcher) missingUnder(h plumbing.Hash, depth int) bool {
	if depth > maxDepth {
		return false // assemble reports the depth
	}
	if f.complete[h] {
		return false // shared subtrees are checked once, so a tree bomb costs its objects, not its paths
	}
	entries, missing, err := f.tree(h, "")
	if err != nil {
		return false // assemble reports it
	}
	if !missing.IsZero() {
		return true
	}
	for _, e := range entries {
		switch e.Mode {
		case modeTree:
			if f.missingUnder(e.Hash, depth+1) {
				return true
			}
		case modeGitlink:
		default:
			if !f.st.has(e.Hash) {
				return true
			}
		}
	}
	if f.complete == nil {
		f.complete = map[plumbing.Hash]bool{}
	}
	f.complete[h] = true
	return false
}

// What one folder request may bring however many folders it asks for (folderRequest): far above what
// any batch of skills holds (700 marketplace skills are 22 MB and 3,500 objects), far below what would
// exhaust a CI runner's memory.
const (
	batchCeiling = 256 << 20
	batchObjects = 1 << 18
)

// times is n*x, or the largest int64 past it: a bound that overflows bounds nothing smaller.
func times(n, x int64) int64 {
	if x > 0 && n > math.MaxInt64/x {
		return math.MaxInt64
	}
	return n * x
}

// folderCount is what assemble has counted of one requested folder: the caps are per folder (one
// skill), however many folders a fetch brings together.
type folderCount struct {
	files, dirs int
	total       int64
}

// assemble adds the files under tree h (folder path base, relative dir rel) to folder, enforcing the
// entry rules and the limits on the one requested folder it counts in n.
func (f *fetcher) assemble(folder *snapshot.Folder, h plumbing.Hash, base, rel string, depth int, n *folderCount) error {
	where := path.Join(base, rel)
	if depth > maxDepth {
		return &LimitError{Path: where, Problem: fmt.Sprintf("folders nested deeper than %d levels", maxDepth)}
	}
	entries, missing, err := f.tree(h, where)
	if err != nil {
		return err
	}
	if !missing.IsZero() {
		return &RemoteError{URL: f.s.w.where(), Err: fmt.Errorf("%s: server did not send tree %s", orRoot(where), short(missing.String()))}
	}
	// Folders count too: empty or shared subtrees add no files, but each is a path to walk and write.
	if n.dirs++; n.dirs > f.lim.MaxFiles {
		return &LimitError{Path: orRoot(base), Problem: fmt.Sprintf("more than %d folders", f.lim.MaxFiles), Flag: "--max-files"}
	}
	for _, e := range entries {
		full := path.Join(where, e.Name)
		if prob := entryProblem(e); prob != "" {
			return &EntryError{Path: full, Problem: prob}
		}
		relPath := path.Join(rel, e.Name)
		if !snapshot.ValidPath(relPath) {
			return &EntryError{Path: full, Problem: "unsafe file name"}
		}
		if e.Mode == modeTree {
			if err := f.assemble(folder, e.Hash, base, relPath, depth+1, n); err != nil {
				return err
			}
			continue
		}
		o, ok := f.st.get(e.Hash)
		if why := f.st.whyMissing(e.Hash); !ok && why != nil && !errors.Is(why, errTooLarge) {
			return &RemoteError{URL: f.s.w.where(), Err: fmt.Errorf("%s: %w", full, why)}
		}
		if !ok {
			// The folder request filters out blobs over the size limit, and a full fetch drops them.
			if _, over := f.s.oversize[e.Hash]; over || f.s.strat != stratFull {
				return &LimitError{Path: full, Problem: fmt.Sprintf("file is larger than the %s limit", humanBytes(f.fileCap())), Flag: f.fileFlag()}
			}
			if f.s.deltasOnOversize > 0 {
				return &LimitError{Path: full, Problem: fmt.Sprintf("file is larger than the %s limit, or stored by the server as a change to one that is", humanBytes(f.fileCap())), Flag: f.fileFlag()}
			}
			return &RemoteError{URL: f.s.w.where(), Err: fmt.Errorf("%s: server did not send blob %s", full, short(e.Hash.String()))}
		}
		if o.typ != plumbing.BlobObject {
			return fmt.Errorf("%s: expected a blob, got a %s", full, o.typ)
		}
		if int64(len(o.data)) > f.fileCap() {
			return &LimitError{Path: full, Problem: fmt.Sprintf("file is larger than the %s limit", humanBytes(f.fileCap())), Flag: f.fileFlag()}
		}
		n.files++
		n.total += int64(len(o.data))
		if n.files > f.lim.MaxFiles {
			return &LimitError{Path: orRoot(base), Problem: fmt.Sprintf("more than %d files", f.lim.MaxFiles), Flag: "--max-files"}
		}
		if n.total > f.lim.MaxTotalSize {
			return &LimitError{Path: orRoot(base), Problem: fmt.Sprintf("files total more than the %s limit", humanBytes(f.lim.MaxTotalSize)), Flag: "--max-total-size"}
		}
		mode := snapshot.Regular
		switch e.Mode {
		case modeExec:
			mode = snapshot.Executable
		case modeLink:
			mode = snapshot.Symlink
		}
		folder.Files = append(folder.Files, snapshot.File{Path: relPath, Mode: mode, Data: o.data})
	}
	return nil
}
