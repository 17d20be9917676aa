package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/manifest"
)

// The frontmatter budget: a git registry without an index file has every skill's SKILL.md fetched in one
// batch (names and descriptions to search), when the files fit it. Past it the registry is searched by
// folder names only. See BENCHMARKS.md for what a 5,200-skill repository costs (24 MB of SKILL.md).
const (
	// defaultHeadBudget bounds the SKILL.md bytes one batch may bring, inflated; SKILLCTL_INDEX_BUDGET
	// sets another.
	defaultHeadBudget = 64 << 20
	// maxHead is the largest SKILL.md read for its frontmatter; a bigger one keeps its folder name.
	maxHead = 256 << 10
)

// headBudget is SKILLCTL_INDEX_BUDGET when it is a byte count (a number, optionally with a K, M or G
// suffix, powers of 1024; 0 turns the batch off), else defaultHeadBudget.
func headBudget() int64 {
	v := strings.TrimSpace(os.Getenv("SKILLCTL_INDEX_BUDGET"))
	if v == "" {
		return defaultHeadBudget
	}
	mult := int64(1)
	switch strings.ToUpper(v[len(v)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	}
	if mult > 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return defaultHeadBudget
	}
	return n * mult
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// overBudget is why a registry's skills keep their folder names.
func overBudget(budget int64) string {
	if budget == 0 {
		return "SKILLCTL_INDEX_BUDGET is 0"
	}
	return fmt.Sprintf("its SKILL.md files are over the %s budget (SKILLCTL_INDEX_BUDGET)", humanSize(budget))
}

// skillList is a repository's skill folders at one commit and, when they fit the budget, their SKILL.md
// files by path; namesOnly says why not.
type skillList struct {
	dirs      []string
	files     map[string][]byte
	namesOnly string
}

// listSkills lists the skill folders of repo at commit and reads their SKILL.md files in the same go
// (gitfetch.Session.SkillFiles: the trees once, the files in one more request).
func (s *Set) listSkills(ctx context.Context, repo, commit string) (*skillList, error) {
	budget := headBudget()
	if budget == 0 {
		dirs, err := s.git.Skills(ctx, repo, commit)
		if err != nil {
			return nil, err
		}
		return &skillList{dirs: dirs, namesOnly: overBudget(0)}, nil
	}
	dirs, files, err := s.git.SkillFiles(ctx, repo, commit, maxHead, budget)
	var le *gitfetch.LimitError
	switch {
	case err == nil:
		return &skillList{dirs: dirs, files: files}, nil
	case errors.As(err, &le) && dirs != nil:
		return &skillList{dirs: dirs, namesOnly: overBudget(budget)}, nil
	}
	return nil, err
}

// name names the entries at from their SKILL.md files in l.
func (l *skillList) name(es []Entry, at []int) {
	for _, i := range at {
		file := manifest.SkillFile(func(n string) bool { _, ok := l.files[path.Join(es[i].Path, n)]; return ok })
		if data := l.files[path.Join(es[i].Path, file)]; file != "" && data != nil {
			nameFromHead(&es[i], data)
		}
	}
}

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
// from it (a plugin's few skills, where listing the whole repository's files would cost more). When it cannot, the entries keep their folder names and it says why (namesOnly), and whether
// the next run may do better (retry: the batch failed; a registry over the budget stays over it).
func (s *Set) readHeads(ctx context.Context, repo, commit string, es []Entry, at []int) (namesOnly string, retry bool) {
	if len(at) == 0 {
		return "", false
	}
	budget := headBudget()
	if budget == 0 {
		return overBudget(0), false
	}
	files := make([]string, 0, 2*len(at))
	for _, i := range at {
		files = append(files, path.Join(es[i].Path, manifest.FileName), path.Join(es[i].Path, manifest.LowerFileName))
	}
	got, err := s.git.ReadFiles(ctx, repo, commit, files, maxHead, budget)
	if err != nil {
		var le *gitfetch.LimitError
		if errors.As(err, &le) {
			return overBudget(budget), false
		}
		return fmt.Sprintf("SKILL.md files not fetched: %v", err), true
	}
	(&skillList{files: got}).name(es, at)
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
