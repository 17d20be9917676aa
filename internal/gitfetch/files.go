package gitfetch

import (
	"context"
	"errors"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// ReadFiles returns many files of commit at once (every SKILL.md of a registry): the trees on their paths
// one level per request for all paths together, then every blob in one request. A path that is absent,
// not a regular file, under an unsafe name, or larger than maxFile is left out of the answer rather than
// failing the rest. All blobs together may not exceed r.Limits.MaxTotalBytes, enforced while the pack
// streams in (*LimitError past it), so a caller can set that as its budget and fall back when it is
// spent. The blobs are not written to the object cache: the caller keeps what it derives from them.
func ReadFiles(ctx context.Context, r Remote, commit string, files []string, maxFile int64) (map[string][]byte, error) {
	f, err := newFetcher(&r, commit)
	if err != nil {
		return nil, err
	}
	defer f.close()
	if maxFile <= 0 || maxFile > f.lim.MaxFileSize {
		maxFile = f.lim.MaxFileSize
	}
	var paths []string
	seen := map[string]bool{}
	for _, p := range files {
		c := cleanPath(p)
		if c != "" && snapshot.ValidPath(c) && !seen[c] {
			seen[c] = true
			paths = append(paths, c)
		}
	}
	sort.Strings(paths)
	found, err := f.resolveSome(ctx, paths)
	if err != nil {
		return nil, err
	}
	var wants []plumbing.Hash
	wanted := map[plumbing.Hash]bool{}
	for _, e := range found {
		if !wanted[e.Hash] && !f.st.has(e.Hash) {
			wanted[e.Hash] = true
			wants = append(wants, e.Hash)
		}
	}
	sort.Slice(wants, func(i, j int) bool { return wants[i].String() < wants[j].String() })
	for attempt := 0; len(wants) > 0 && attempt < 3; attempt++ {
		if f.strat == stratFull {
			// The server cannot filter: the whole commit, fetched already or now, holds the blobs.
			if !f.gotAll {
				if err := f.fetchAllTrees(ctx); err != nil {
					return nil, err
				}
			}
			break
		}
		pol := packPolicy{maxBlob: maxFile, maxOther: maxFile, maxInflated: f.lim.MaxTotalBytes, maxObjects: len(wants) + 64, skipOversize: true}
		fr := fetchReq{wants: wants, pol: pol, budget: f.lim.MaxTotalBytes + f.lim.MaxTotalBytes/8 + 1<<20}
		if !f.noBlobLimit {
			fr.filter = packp.FilterBlobLimit(uint64(maxFile)+1, packp.BlobLimitPrefixNone)
		}
		err := f.request(ctx, fr)
		if err == nil {
			break
		}
		if !errors.Is(err, errRetryStrategy) {
			return nil, err
		}
	}
	out := map[string][]byte{}
	for p, e := range found {
		if o, ok := f.st.get(e.Hash); ok && o.typ == plumbing.BlobObject && int64(len(o.data)) <= maxFile {
			out[p] = o.data
		}
	}
	// Keep the commit and the root tree only, as Skills does: the caller caches what it read.
	keep := map[plumbing.Hash]bool{f.commit: true}
	if c, ok := f.st.get(f.commit); ok {
		if root, err := commitTree(c.data); err == nil {
			keep[root] = true
		}
	}
	for h := range f.st.used {
		if !keep[h] {
			delete(f.st.used, h)
		}
	}
	return out, nil
}

// resolveSome is resolve for paths that may be missing: it returns the regular files among paths (no
// symlinks, submodules or unsafe names on the way), fetching the commit and the trees on the paths one
// level per request for all paths at once.
func (f *fetcher) resolveSome(ctx context.Context, paths []string) (map[string]treeEntry, error) {
	for round := 0; ; round++ {
		out := map[string]treeEntry{}
		need := map[plumbing.Hash]bool{}
		needCommit := false
		for _, p := range paths {
			e, missing, err := f.walk(p)
			var nf *NotFoundError
			var ee *EntryError
			switch {
			case errors.As(err, &nf), errors.As(err, &ee):
			case err != nil:
				return nil, err
			case missing == f.commit:
				needCommit = true
			case !missing.IsZero():
				need[missing] = true
			case e.Mode == modeFile || e.Mode == modeExec || e.Mode == modeOldFile:
				out[p] = e
			}
		}
		if !needCommit && len(need) == 0 {
			return out, nil
		}
		if f.gotAll || round > maxDepth+2 {
			return nil, &RemoteError{URL: redact(f.r.URL), Err: errors.New("server did not send the objects asked for")}
		}
		if _, err := f.session(ctx); err != nil {
			return nil, err
		}
		var err error
		pol, budget := f.treePolicy()
		switch {
		case f.strat != stratTreeWalk:
			err = f.fetchAllTrees(ctx)
		case needCommit:
			err = f.request(ctx, fetchReq{wants: []plumbing.Hash{f.commit}, depth: 1, filter: packp.FilterTreeDepth(1), pol: pol, budget: budget})
		default:
			wants := make([]plumbing.Hash, 0, len(need))
			for h := range need {
				wants = append(wants, h)
			}
			sort.Slice(wants, func(i, j int) bool { return wants[i].String() < wants[j].String() })
			err = f.request(ctx, fetchReq{wants: wants, filter: packp.FilterTreeDepth(0), pol: pol, budget: budget})
		}
		if err != nil && !errors.Is(err, errRetryStrategy) {
			return nil, err
		}
	}
}
