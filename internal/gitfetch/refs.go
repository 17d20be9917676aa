package gitfetch

import (
	"context"
	"fmt"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
)

func (s *Session) readFile(ctx context.Context, commit, file string) ([]byte, error) {
	f, err := s.newFetcher(commit)
	if err != nil {
		return nil, err
	}
	file = cleanPath(file)
	if !snapshot.ValidPath(file) {
		return nil, &NotFoundError{Path: file, Commit: f.commit.String()}
	}
	found, err := f.resolve(ctx, []string{file})
	if err != nil {
		return nil, err
	}
	e := found[file]
	switch e.Mode {
	case modeFile, modeExec, modeOldFile:
	default:
		return nil, &NotFoundError{Path: file, Commit: f.commit.String()}
	}
	for attempt := 0; ; attempt++ {
		if o, ok := f.st.get(e.Hash); ok {
			if int64(len(o.data)) > f.lim.MaxFileSize {
				break
			}
			return o.data, nil
		}
		if _, over := f.s.oversize[e.Hash]; over || attempt > 1 {
			break
		}
		if err := s.ready(ctx); err != nil {
			return nil, err
		}
		if s.strat == stratFull {
			if f.gotAll {
				break
			}
			if err := f.fetchAllTrees(ctx); err != nil {
				return nil, err
			}
			continue
		}
		pol := packPolicy{maxBlob: f.lim.MaxFileSize, maxOther: f.lim.MaxFileSize, maxInflated: f.lim.MaxFileSize, maxObjects: 1}
		err := f.request(ctx, fetchReq{wants: []plumbing.Hash{e.Hash}, pol: pol, budget: f.lim.MaxFileSize + f.lim.MaxFileSize/4 + 1<<20})
		if err != nil && err != errRetryStrategy {
			if le, ok := err.(*LimitError); ok {
				le.Path = file
				le.Problem = fmt.Sprintf("file is larger than the %s limit", humanBytes(f.lim.MaxFileSize))
			}
			return nil, err
		}
	}
	return nil, &LimitError{Path: file, Problem: fmt.Sprintf("file is larger than the %s limit, or missing from the server's answer", humanBytes(f.lim.MaxFileSize))}
}

func (s *Session) skills(ctx context.Context, commit string) ([]string, error) {
	f, err := s.newFetcher(commit)
	if err != nil {
		return nil, err
	}
	if dirs, ok := s.listed[f.commit]; ok {
		return dirs, nil
	}
	if s.r.Cache != nil {
		if dirs, ok := s.r.Cache.getSkills(f.commit); ok {
			s.listed[f.commit] = dirs
			return dirs, nil
		}
	}
	// A listing walks every tree of the repository (12,000 in a 5,000-skill marketplace); writing each
	// to the object cache cost seconds and tens of MB for objects a later fetch of a few folders mostly
	// does not need. The listing itself is cached by commit.
	defer f.keepCommitOnly()
	return s.listSkills(ctx, f)
}

// listSkills walks every tree of f's commit, fetching them all in one more request when the store lacks
// one, and remembers the sorted answer for the session and in the cache: the one place a listing is kept.
func (s *Session) listSkills(ctx context.Context, f *fetcher) ([]string, error) {
	for attempt := 0; ; attempt++ {
		dirs, missing, err := f.skillDirs()
		if err != nil {
			return nil, err
		}
		if missing.IsZero() {
			sort.Strings(dirs)
			s.listed[f.commit] = dirs
			if s.r.Cache != nil {
				if err := s.r.Cache.putSkills(f.commit, dirs); err != nil {
					s.note("cache: not updated, continuing without it: %v", err)
				}
			}
			return dirs, nil
		}
		if f.gotAll || attempt > 0 {
			return nil, &RemoteError{URL: s.w.where(), Err: fmt.Errorf("server did not send tree %s", short(missing.String()))}
		}
		if err := s.ready(ctx); err != nil {
			return nil, err
		}
		if err := f.fetchAllTrees(ctx); err != nil {
			return nil, err
		}
	}
}

// skillDirs walks every tree of the commit in the store; it stops at the first missing tree.
func (f *fetcher) skillDirs() ([]string, plumbing.Hash, error) {
	_, missing, err := f.walk("", nil)
	if err != nil || !missing.IsZero() {
		return nil, missing, err
	}
	c, _ := f.st.get(f.commit)
	root, _ := commitTree(c.data)
	var dirs []string
	visited := 0
	var visit func(h plumbing.Hash, dir string, depth int) (plumbing.Hash, error)
	visit = func(h plumbing.Hash, dir string, depth int) (plumbing.Hash, error) {
		if depth > maxDepth {
			return plumbing.ZeroHash, nil
		}
		entries, missing, err := f.tree(h, dir)
		if err != nil || !missing.IsZero() {
			return missing, err
		}
		// Trees are shared by hash, so a few objects can describe exponentially many paths (a "tree
		// bomb"); count every entry walked, not every object, and stop far above any real repository.
		if visited += len(entries); visited > maxListEntries {
			return plumbing.ZeroHash, &LimitError{Path: orRoot(dir), Problem: fmt.Sprintf("the repository has more than %d files and folders to list", maxListEntries)}
		}
		var skillFiles map[string]uint32 // the entries spelled as a skill file, by name: their modes
		for _, e := range entries {
			if entryProblem(e) != "" {
				continue
			}
			if e.Mode == modeTree {
				if m, err := visit(e.Hash, path.Join(dir, e.Name), depth+1); err != nil || !m.IsZero() {
					return m, err
				}
			} else if manifest.IsFileName(e.Name) {
				if skillFiles == nil {
					skillFiles = map[string]uint32{}
				}
				skillFiles[e.Name] = e.Mode
			}
		}
		// manifest's case rule picks the file by name; a link there is no skill.
		if name := manifest.SkillFile(func(n string) bool { _, ok := skillFiles[n]; return ok }); name != "" && skillFiles[name] != modeLink {
			dirs = append(dirs, dir)
		}
		return plumbing.ZeroHash, nil
	}
	m, err := visit(root, "", 0)
	if !m.IsZero() || err != nil {
		return nil, m, err
	}
	return dirs, plumbing.ZeroHash, nil
}
