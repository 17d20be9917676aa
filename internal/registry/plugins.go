package registry

import (
	"context"
	"fmt"

	"path"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// External is where a marketplace plugin that lives in another repository is, as the marketplace file
// says: searching never fetches it; info or install of the plugin does (see expand).
type External struct {
	Repo   string   `json:"repo"`
	Path   string   `json:"path,omitempty"`
	Ref    string   `json:"ref,omitempty"`
	SHA    string   `json:"sha,omitempty"`
	Skills []string `json:"skills,omitempty"`
}

// Fetches is what installing the plugin fetches, written as a source install accepts:
// REPO[//PATH][#SHA or #REF].
func (x *External) Fetches() string {
	ref := x.Ref
	if x.SHA != "" {
		ref = x.SHA
	}
	return source.GitText(x.Repo, x.Path, ref)
}

// expand fetches the skill list of the external plugin e of idx: its repository pinned (the
// marketplace's sha, else one ref request), its skill folders listed (trees only) and their SKILL.md
// files read in one batch. The list is cached by repository, folder and commit, so a plugin pinned by sha
// costs no request the second time. The answer is the plugin's skills as candidates, named by their
// frontmatter and grouped under the plugin's name (PLUGIN/SKILL picks one).
func (s *Set) expand(ctx context.Context, idx *Index, e Entry) ([]Candidate, error) {
	x := e.External
	memo := idx.Registry + "\x00" + e.Name
	if c, ok := s.expanded[memo]; ok {
		return c, nil
	}
	fail := func(err error) error {
		return fmt.Errorf("plugin %s of registry %s, in %s: %w", e.Name, idx.Registry, x.Fetches(), err)
	}
	at, err := s.pinPlugin(ctx, x)
	if err != nil {
		return nil, fail(err)
	}
	key := cacheKey("plugin\x00"+x.Repo, x.Path+"\x00"+strings.Join(x.Skills, "\x00"), at.commit)
	pi, ok := s.readIndex(key)
	if !ok {
		dirs, err := s.git.Skills(ctx, x.Repo, at.commit)
		if err != nil {
			return nil, fail(err)
		}
		pi = &Index{Registry: idx.Registry, Repo: x.Repo, Ref: at.ref, Commit: at.commit, key: key}
		var all []int
		for i, held := range ownerOf(dirs, pluginClaims(x.Path, x.Skills, 0)) {
			if held < 0 {
				continue
			}
			d := dirs[i]
			en := Entry{Name: path.Base(d), Author: e.Name, Path: d}
			if d == "" {
				en.Name = strings.TrimSuffix(path.Base(x.Repo), ".git")
			}
			all = append(all, len(pi.Entries))
			pi.Entries = append(pi.Entries, en)
		}
		s.heads(ctx, pi, x.Repo, at.commit, all)
		sortEntries(pi.Entries)
		if err := pi.bounded(); err != nil {
			return nil, fail(err)
		}
		s.writeIndex(pi)
	}
	var out []Candidate
	for _, en := range pi.Entries {
		out = append(out, Candidate{Registry: idx.Registry, Name: en.Name, Author: e.Name, Path: en.Path,
			Description: en.Description, Category: e.Category, Repo: x.Repo, Ref: at.ref, Commit: at.commit})
	}
	s.expanded[memo] = out
	return out, nil
}

// pluginAnswer is what asking for an external plugin by its name gives: its one skill, or an error that
// lists its skills (each installed as PLUGIN/SKILL) or says it has none.
func pluginAnswer(plugin, registry string, skills []Candidate) ([]Candidate, error) {
	switch len(skills) {
	case 0:
		return nil, clierr.WithHint(fmt.Errorf("plugin %s of registry %s has no skills (it may hold only commands, agents, hooks or MCP servers)", plugin, registry),
			"skillctl search "+textsafe.ShellWord(plugin))
	case 1:
		return skills, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %s of registry %s has %d skills; install them by name", plugin, registry, len(skills))
	var hints []string
	for _, c := range skills {
		fmt.Fprintf(&b, "\n  %s: %s", c.Name, c.Origin())
		hints = append(hints, "skillctl install "+textsafe.ShellWord(plugin+"/"+c.Name))
	}
	return nil, clierr.WithHint(fmt.Errorf("%s", b.String()), hints...)
}
