package registry

import (
	"context"
	"fmt"

	"path"
	"strings"

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

// pluginAnswer is what asking for a plugin by its name gives (a marketplace's plugin, in its own
// repository or another): its one skill, or a *PluginError that lists its skills or says it has none.
func pluginAnswer(plugin, registry string, skills []Candidate) ([]Candidate, error) {
	if len(skills) == 1 {
		return skills, nil
	}
	return nil, &PluginError{Plugin: plugin, Registry: registry, Skills: skills}
}

// PluginError is a plugin asked for by its name where a skill was expected: it holds several skills (or
// none). The resolver installs them all when asked to (install --all); otherwise the error lists them
// with the command that picks each.
type PluginError struct {
	Plugin, Registry string
	Skills           []Candidate
	// Run is the command line the hints start with, the one the user ran; "" means "skillctl install".
	Run string
}

func (e *PluginError) Error() string {
	if len(e.Skills) == 0 {
		return fmt.Sprintf("plugin %s of registry %s has no skills (it may hold only commands, agents, hooks or MCP servers)", e.Plugin, e.Registry)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %s of registry %s has %d skills, not one:", e.Plugin, e.Registry, len(e.Skills))
	for _, c := range e.Skills {
		fmt.Fprintf(&b, "\n  %s: %s", c.Name, c.Origin())
	}
	return b.String()
}

// Hints: install --all for every skill, when install is what ran; then the command that picks each.
func (e *PluginError) Hints() []string {
	if len(e.Skills) == 0 {
		return []string{"skillctl search " + textsafe.ShellWord(e.Plugin)}
	}
	run := e.Run
	if run == "" {
		run = "skillctl install"
	}
	var hints []string
	if run == "skillctl install" {
		hints = append(hints, fmt.Sprintf("%s %s --all   # all %d", run, textsafe.ShellWord(e.Plugin+"@"+e.Registry), len(e.Skills)))
	}
	for _, c := range e.Skills {
		hints = append(hints, run+" "+textsafe.ShellWord(e.Plugin+"/"+c.Name))
	}
	return hints
}
