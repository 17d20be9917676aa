package registry

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/manifest"
)

// The frontmatter budget: a git registry without an index file has every skill's SKILL.md fetched in one
// batch (names and descriptions to search), when it fits. Past it the registry is searched by folder
// names only. See BENCHMARKS.md for what a 5,000-skill repository costs.
const (
	// maxHeadSkills is the most skills one batch asks for.
	maxHeadSkills = 20000
	// headBudget bounds the SKILL.md bytes one batch may bring, inflated.
	headBudget = 64 << 20
	// maxHead is the largest SKILL.md read for its frontmatter; a bigger one keeps its folder name.
	maxHead = 256 << 10
)

// head is what a SKILL.md says of itself: its name when that is a valid one ("" otherwise) and its
// description, on one line.
func head(data []byte) (name, description string) {
	sk, _ := manifest.Check(manifest.Input{Data: data}, manifest.Mode{})
	if sk == nil {
		return "", ""
	}
	if manifest.ValidName(sk.Name) {
		name = sk.Name
	}
	return name, strings.Join(strings.Fields(sk.Description), " ")
}

// nameFromHead gives e the name and description its SKILL.md declares. The folder's name stays when
// the frontmatter has no valid name: one name per skill, the one install will give it.
func nameFromHead(e *Entry, data []byte) {
	name, desc := head(data)
	if name != "" {
		e.Name = name
	}
	if desc != "" {
		e.Description = desc
	}
}

// readHeads reads the SKILL.md of the entries at, all in repo at commit, in one batch and names them
// from it. When it cannot, the entries keep their folder names and it says why (namesOnly), and whether
// the next run may do better (retry: the batch failed; a registry over the budget stays over it).
func (s *Set) readHeads(ctx context.Context, repo, commit string, es []Entry, at []int) (namesOnly string, retry bool) {
	if len(at) == 0 {
		return "", false
	}
	if len(at) > maxHeadSkills {
		return fmt.Sprintf("%d skills, more than the %d one batch reads", len(at), maxHeadSkills), false
	}
	files := make([]string, 0, 2*len(at))
	for _, i := range at {
		files = append(files, path.Join(es[i].Path, "SKILL.md"), path.Join(es[i].Path, "skill.md"))
	}
	got, err := s.git.ReadFiles(ctx, repo, commit, files, maxHead, headBudget)
	if err != nil {
		var le *gitfetch.LimitError
		if errors.As(err, &le) {
			return fmt.Sprintf("their SKILL.md files are over the %d MiB budget", headBudget>>20), false
		}
		return fmt.Sprintf("SKILL.md files not fetched: %v", err), true
	}
	for _, i := range at {
		data, ok := got[path.Join(es[i].Path, "SKILL.md")]
		if !ok {
			data = got[path.Join(es[i].Path, "skill.md")]
		}
		if data != nil {
			nameFromHead(&es[i], data)
		}
	}
	return "", false
}

// heads names the entries at (all of repo at commit) from their SKILL.md files, or records in idx why
// it could not. A failed batch leaves idx uncached so that the next run tries again.
func (s *Set) heads(ctx context.Context, idx *Index, repo, commit string, at []int) {
	why, retry := s.readHeads(ctx, repo, commit, idx.Entries, at)
	if why != "" {
		idx.NamesOnly = why
	}
	if retry {
		idx.key = ""
	}
}
