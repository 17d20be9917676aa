package gitfetch

import (
	"context"
	"errors"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// ReadFiles returns many files of commit at once (the SKILL.md files of a plugin): the trees on their
// paths one level per request for all paths together, then every blob in one request. A path that is
// absent, not a regular file, under an unsafe name, or larger than maxFile is left out of the answer
// rather than failing the rest. All blobs together may not exceed maxTotal bytes (0: r.Limits'
// MaxTotalSize), enforced while the pack streams in (*LimitError past it), so a caller can set its
// budget and fall back when it is spent. The blobs are not written to the object cache: the caller keeps
// what it derives from them.
func (s *Session) ReadFiles(ctx context.Context, commit string, files []string, maxFile, maxTotal int64) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	f, err := s.newFetcher(commit)
	if err != nil {
		return nil, err
	}
	defer f.keepCommitOnly()
	return f.readFiles(ctx, files, maxFile, maxTotal)
}

// SkillFiles is Skills and ReadFiles of every skill's SKILL.md (or skill.md) in one go: the trees
// fetched for the listing are the ones the files are found in, so the repository's trees cross the wire
// once, and the files come in one more request. files is keyed by the file's path ("DIR/SKILL.md").
// maxFile and maxTotal are as for ReadFiles; when the files do not fit maxTotal, the listing is still
// returned, with files nil and a *LimitError.
func (s *Session) SkillFiles(ctx context.Context, commit string, maxFile, maxTotal int64) (dirs []string, files map[string][]byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	f, err := s.newFetcher(commit)
	if err != nil {
		return nil, nil, err
	}
	defer f.keepCommitOnly()
	// Always walk: the trees fetched for the listing are the ones the files are found in.
	if dirs, err = s.listSkills(ctx, f); err != nil {
		return nil, nil, err
	}
	paths := make([]string, 0, 2*len(dirs))
	for _, d := range dirs {
		paths = append(paths, path.Join(d, manifest.FileName), path.Join(d, manifest.LowerFileName))
	}
	files, err = f.readFiles(ctx, paths, maxFile, maxTotal)
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return dirs, nil, err
		}
		return nil, nil, err
	}
	return dirs, files, nil
}

// readFiles is ReadFiles on an open fetcher.
func (f *fetcher) readFiles(ctx context.Context, files []string, maxFile, maxTotal int64) (map[string][]byte, error) {
	if maxFile <= 0 || maxFile > f.lim.MaxFileSize {
		maxFile = f.lim.MaxFileSize
	}
	if maxTotal <= 0 {
		maxTotal = f.lim.MaxTotalSize
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
		if f.s.strat == stratFull {
			// The server cannot filter: the whole commit, fetched already or now, holds the blobs.
			if !f.gotAll {
				if err := f.fetchAllTrees(ctx); err != nil {
					return nil, err
				}
			}
			break
		}
		// Blobs named by hash are sent whatever their size (a filter does not apply to them), so maxFile
		// is enforced by dropping bigger ones as they stream in, and the total by the budget.
		pol := packPolicy{maxBlob: maxFile, maxOther: maxFile, maxInflated: maxTotal, maxObjects: len(wants) + 64, skipOversize: true}
		fr := fetchReq{wants: wants, pol: pol, budget: maxTotal + maxTotal/8 + 1<<20}
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
	return out, nil
}

// keepCommitOnly keeps the commit and its root tree for the object cache: a listing or a batch walks
// thousands of trees and blobs whose writing would cost more than refetching the few a later fetch needs.
func (f *fetcher) keepCommitOnly() {
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
}

// resolveSome is resolve for paths that may be missing: it returns the regular files among paths (no
// symlinks, submodules or unsafe names on the way) and leaves the rest out.
func (f *fetcher) resolveSome(ctx context.Context, paths []string) (map[string]treeEntry, error) {
	return f.resolvePaths(ctx, paths, true)
}
