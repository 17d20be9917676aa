package gitfetch

import (
	"context"
	"errors"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"

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
	return s.readOnly(commit, func(f *fetcher) (map[string][]byte, error) { return f.readFiles(ctx, files, maxFile, maxTotal) })
}

// readOnly runs read on a fetcher of commit under the session's lock, for a batch of files whose caller
// keeps what it derives from them: only the commit and its root tree are left for the object cache.
func (s *Session) readOnly(commit string, read func(f *fetcher) (map[string][]byte, error)) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	f, err := s.newFetcher(commit)
	if err != nil {
		return nil, err
	}
	defer f.keepCommitOnly()
	return read(f)
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

// What Beside's requests may bring. The folders beside a marketplace skill are its author's other
// skills, a few to a few dozen. The first request asks for each author folder whole, its files of at most
// besideWholeFile bytes (or the file size limit, if lower): the SKILL.md, scripts and short references a
// skill is mostly made of, so that a skill and the siblings it depends on are all there before anything
// else is asked, and only their larger files (assets, long references) are left for the folders' fetch.
// It is bounded, per author folder asked, at besideWholeObjects objects (refused at the pack's header),
// besideWholeBudget bytes on the wire (cut off there) and besideWholeInflated bytes inflated: a fraction
// of what a round trip costs on a CI job's link, spent in the rare case to save one in the common one.
// Past any, the second request asks for the folders' top-level files alone, each at most besideMaxFile
// bytes, which hold their skill files, refused past besideMaxObjects or besideBudget; the parent is then
// asked for alone, as before.
const (
	besideWholeObjects  = 512
	besideWholeFile     = 16 << 10
	besideWholeBudget   = 256 << 10
	besideWholeInflated = 2 << 20
	besideMaxObjects    = 256
	besideMaxFile       = 64 << 10
	besideBudget        = 1 << 20
)

// Beside returns the skill files (manifest.SkillFile) of the folders beside each of paths: every folder
// of path.Dir(p), p's own included, keyed by the folder's path. It walks to the paths' parents as Fetch
// does; the request that would bring a parent alone instead brings the whole parent (blob:limit), or,
// past its bounds, the parent with its folders' top-level files (combine:tree:2+blob:limit)
// (besideRequest). So a resolver reads its siblings' depends-on before it fetches, and the fetch of a
// skill and the siblings it needs asks for nothing more, or only for their larger files. A parent already
// known, a root-level path, a server without blob size filters, or an author folder past both requests'
// bounds gives what the store holds. An error is one the fetch that follows would meet the same way (the
// walk to the parents, the network, the deadline). Names that are unsafe, or files that are not regular,
// are left out. The files are not written to the object cache.
func (s *Session) Beside(ctx context.Context, commit string, paths []string) (map[string][]byte, error) {
	return s.readOnly(commit, func(f *fetcher) (map[string][]byte, error) { return f.beside(ctx, paths) })
}

func (f *fetcher) beside(ctx context.Context, paths []string) (map[string][]byte, error) {
	var clean, parents []string
	seen := map[string]bool{}
	for _, p := range paths {
		c := cleanPath(p)
		if c == "" || !snapshot.ValidPath(c) || !strings.Contains(c, "/") {
			continue
		}
		clean = append(clean, c)
		if d := path.Dir(c); !seen[d] {
			seen[d] = true
			parents = append(parents, d)
		}
	}
	sort.Strings(parents)
	asked := false
	for round := 0; len(parents) > 0; round++ {
		need := map[plumbing.Hash]bool{}
		var last []plumbing.Hash
		needCommit := false
		trees := map[plumbing.Hash]map[string]treeEntry{}
		for _, d := range parents {
			e, missing, err := f.walk(d, trees)
			switch {
			case err != nil: // not there, or unsafe on the way: Fetch says so
			case missing == f.commit:
				needCommit = true
			case !missing.IsZero():
				need[missing] = true
			case e.Mode == modeTree && !f.st.has(e.Hash) && !slices.Contains(last, e.Hash):
				last = append(last, e.Hash)
			}
		}
		if needCommit || len(need) > 0 {
			if err := f.fetchMissing(ctx, round, clean, needCommit, need); err != nil {
				return nil, err
			}
			continue
		}
		if len(last) == 0 || asked {
			break
		}
		asked = true
		if err := f.s.ready(ctx); err != nil {
			return nil, err
		}
		sort.Slice(last, func(i, j int) bool { return last[i].String() < last[j].String() })
		if err := f.besideRequest(ctx, last); err != nil {
			return nil, err
		}
	}
	return f.skillFilesUnder(parents), nil
}

// besideRequest asks for the parents whole, then, past the bounds of that, for their folders' top-level
// files. A pack is kept only whole. A request past its bounds (a *LimitError) gives way to the next; a
// filter the server refused has the session learn so, and the request is asked again if the session
// still allows it (an answer that the server speaks v0, not v2), else gives way too. Any other refusal
// (a server that cannot walk the folder: a corrupt or hostile tree in a sibling) ends Beside with
// nothing learnt, so the skill's own fetch is not held to it; anything else (the network, the deadline,
// a credential) is what the fetch that follows would meet too, so it is said now.
func (f *fetcher) besideRequest(ctx context.Context, parents []plumbing.Hash) error {
	n := int64(len(parents))
	for _, whole := range []bool{true, false} {
		for try := 0; try < 2; try++ {
			if f.s.strat != stratTreeWalk || f.s.noBlobLimit || !whole && f.s.noCombine {
				break
			}
			var fr fetchReq
			if whole {
				maxFile := min(besideWholeFile, f.fileCap())
				fr = fetchReq{
					wants:  parents,
					filter: packp.FilterBlobLimit(uint64(maxFile)+1, packp.BlobLimitPrefixNone),
					pol:    packPolicy{maxBlob: maxFile, maxOther: 1 << 20, maxInflated: n * besideWholeInflated, maxObjects: int(n) * besideWholeObjects},
					budget: n * besideWholeBudget,
				}
			} else {
				maxFile := min(besideMaxFile, f.fileCap())
				fr = fetchReq{
					wants:  parents,
					filter: packp.FilterCombine(packp.FilterTreeDepth(2), packp.FilterBlobLimit(uint64(maxFile)+1, packp.BlobLimitPrefixNone)),
					pol:    packPolicy{maxBlob: maxFile, maxOther: 1 << 20, maxInflated: 4 << 20, maxObjects: besideMaxObjects},
					budget: besideBudget,
				}
			}
			fr.ahead = true
			err := f.request(ctx, fr)
			var le *LimitError
			switch {
			case err == nil || errors.Is(err, errRefused):
				return nil
			case errors.As(err, &le):
				try = 2 // past its bounds: the next request
			case !errors.Is(err, errRetryStrategy):
				return err
			}
		}
	}
	return nil
}

// skillFilesUnder reads, from the store only, the skill file of every folder of the folders dirs: at most
// besideMaxObjects folders each, and each tree read once however many entries name it (a forged author
// folder naming one folder thousands of times costs one read of it).
func (f *fetcher) skillFilesUnder(dirs []string) map[string][]byte {
	out := map[string][]byte{}
	trees := map[plumbing.Hash]map[string]treeEntry{}
	files := map[plumbing.Hash][]byte{} // by folder tree: its skill file, nil when none was read
	for _, d := range dirs {
		e, missing, err := f.walk(d, trees)
		if err != nil || !missing.IsZero() || e.Mode != modeTree {
			continue
		}
		entries, missing, err := f.tree(e.Hash, d)
		if err != nil || !missing.IsZero() {
			continue
		}
		named, folders := map[string]bool{}, 0
		for _, c := range entries {
			dir := path.Join(d, c.Name)
			if named[c.Name] || c.Mode != modeTree || !snapshot.ValidPath(dir) {
				continue
			}
			named[c.Name] = true // the first entry of a name counts, as for every walk (byName)
			if folders++; folders > besideMaxObjects {
				break
			}
			data, ok := files[c.Hash]
			if !ok {
				data = f.skillFileOf(c.Hash, dir, trees)
				files[c.Hash] = data
			}
			if data != nil {
				out[dir] = data
			}
		}
	}
	return out
}

// skillFileOf is the skill file of folder tree h (manifest.SkillFile) when it is a regular file of at most
// besideMaxFile bytes in the store, else nil.
func (f *fetcher) skillFileOf(h plumbing.Hash, dir string, trees map[plumbing.Hash]map[string]treeEntry) []byte {
	byName, missing, err := f.byName(h, dir, trees)
	if err != nil || !missing.IsZero() {
		return nil
	}
	name := manifest.SkillFile(func(n string) bool { x, ok := byName[n]; return ok && x.Mode != modeTree })
	x := byName[name]
	if name == "" || !regular(x.Mode) {
		return nil
	}
	if o, ok := f.st.get(x.Hash); ok && o.typ == plumbing.BlobObject && len(o.data) <= besideMaxFile {
		return o.data
	}
	return nil
}
