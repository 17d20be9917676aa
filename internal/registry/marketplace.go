package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Marketplace is what skillctl reads of a Claude Code .claude-plugin/marketplace.json: the plugins, where
// each one's files are, and the plugins renamed (old name → new name; "" for one withdrawn). Everything
// else in the file is ignored.
type Marketplace struct {
	PluginRoot string
	Plugins    []Plugin
	Renames    map[string]string
	// Repeated are the names more than one usable plugin gave (each once, in file order): the first plugin
	// keeps the name and the Dropped others are left out, so that one name is one plugin.
	Repeated []string
	Dropped  int
}

// Plugin is one plugins[] entry. A relative source is a folder of the marketplace's own repository
// (Path, with Repo empty); the object forms name another repository: "github" (Repo is the GitHub
// repository's clone URL), "url" (a git URL) and "git-subdir" (a git URL and a folder in it), each with
// an optional ref or sha. Skills, when given, restricts the plugin to those folders (relative to Path).
type Plugin struct {
	Name        string
	Description string
	Category    string
	Author      string // author.name (or a plain author string)
	Repo        string
	Path        string
	Ref, SHA    string
	Skills      []string
	Problem     string // why this entry cannot be used; the rest of the file still can
}

// ParseMarketplace reads a marketplace.json defensively: an entry of an unknown shape becomes a Plugin
// with Problem set instead of failing the file, because one odd entry should not hide a whole
// marketplace. Only invalid JSON or a missing plugins list is an error.
func ParseMarketplace(data []byte) (*Marketplace, error) {
	var raw struct {
		Metadata struct {
			PluginRoot any `json:"pluginRoot"`
		} `json:"metadata"`
		PluginRoot any               `json:"pluginRoot"`
		Plugins    []json.RawMessage `json:"plugins"`
		Renames    map[string]any    `json:"renames"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if raw.Plugins == nil {
		return nil, errors.New("no plugins list")
	}
	m := &Marketplace{}
	root, _ := raw.Metadata.PluginRoot.(string)
	if root == "" {
		root, _ = raw.PluginRoot.(string)
	}
	if root != "" {
		if p, ok := relPath(root); ok {
			m.PluginRoot = p
		}
	}
	taken := map[string]bool{}
	repeated := map[string]bool{}
	for i, msg := range raw.Plugins {
		p := parsePlugin(i, msg, m.PluginRoot)
		if p.Problem == "" && taken[p.Name] {
			if !repeated[p.Name] {
				repeated[p.Name] = true
				m.Repeated = append(m.Repeated, p.Name)
			}
			m.Dropped++
			continue
		}
		if p.Problem == "" {
			taken[p.Name] = true
		}
		m.Plugins = append(m.Plugins, p)
	}
	for old, v := range raw.Renames {
		switch nw := v.(type) {
		case string:
			if old != "" && nw != old {
				if m.Renames == nil {
					m.Renames = map[string]string{}
				}
				m.Renames[old] = nw
			}
		case nil:
			if m.Renames == nil {
				m.Renames = map[string]string{}
			}
			m.Renames[old] = ""
		}
	}
	return m, nil
}

func parsePlugin(i int, msg json.RawMessage, root string) Plugin {
	var e struct {
		Name        any             `json:"name"`
		Description any             `json:"description"`
		Category    any             `json:"category"`
		Author      any             `json:"author"`
		Source      json.RawMessage `json:"source"`
		Skills      any             `json:"skills"`
	}
	if err := json.Unmarshal(msg, &e); err != nil {
		return Plugin{Name: fmt.Sprintf("plugins[%d]", i), Problem: "not an object"}
	}
	p := Plugin{}
	p.Name, _ = e.Name.(string)
	if p.Name == "" {
		p.Name = fmt.Sprintf("plugins[%d]", i)
	}
	// A plugin name is printed in notes and used as AUTHOR in AUTHOR/NAME: one carrying control or format
	// characters, a separator or spaces could forge output or pass for another, so it names nothing.
	// Every skill of the plugin carries its name as author, so a long one would be repeated as often.
	if len(p.Name) > limits.MaxIndexName {
		return Plugin{Name: fmt.Sprintf("plugins[%d]", i), Problem: fmt.Sprintf("name %.40q... is longer than %d bytes", p.Name, limits.MaxIndexName)}
	}
	if textsafe.Escape(p.Name) != p.Name || strings.ContainsAny(p.Name, "/\\ ") {
		return Plugin{Name: fmt.Sprintf("plugins[%d]", i), Problem: fmt.Sprintf("name %q is not a plugin name", p.Name)}
	}
	p.Description, _ = e.Description.(string)
	p.Category, _ = e.Category.(string)
	switch a := e.Author.(type) {
	case string:
		p.Author = a
	case map[string]any:
		p.Author, _ = a["name"].(string)
	}
	switch v := e.Skills.(type) {
	case string:
		p.Skills = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				p.Skills = append(p.Skills, s)
			}
		}
	}
	for j, s := range p.Skills {
		c, ok := relPath(s)
		if !ok {
			p.Problem = fmt.Sprintf("skills path %q leaves the plugin", s)
			return p
		}
		p.Skills[j] = c
	}
	var rel string
	if json.Unmarshal(e.Source, &rel) == nil {
		c, ok := relPath(rel)
		if !ok {
			p.Problem = fmt.Sprintf("source %q is not a relative path inside the repository", rel)
			return p
		}
		if root != "" && !strings.HasPrefix(rel, "./") && !strings.HasPrefix(rel, "../") {
			// pluginRoot is prepended to a bare relative source, as Claude Code does.
			c, ok = relPath(path.Join(root, c))
		}
		p.Path = c
		if !ok {
			p.Problem = "source leaves the repository"
		}
		return p
	}
	var obj struct {
		Source string `json:"source"`
		Repo   string `json:"repo"`
		URL    string `json:"url"`
		Path   string `json:"path"`
		Ref    string `json:"ref"`
		SHA    string `json:"sha"`
	}
	if json.Unmarshal(e.Source, &obj) != nil {
		p.Problem = "source is neither a path nor an object"
		return p
	}
	p.Ref, p.SHA = obj.Ref, strings.ToLower(obj.SHA)
	if p.SHA != "" && !source.IsCommit(p.SHA) {
		p.Problem = fmt.Sprintf("sha %q is not a 40-hex commit", obj.SHA)
		return p
	}
	var spec string
	switch obj.Source {
	case "github":
		spec = obj.Repo
		if strings.Count(spec, "/") != 1 {
			p.Problem = fmt.Sprintf("github source %q is not OWNER/REPO", obj.Repo)
			return p
		}
	case "url":
		spec = obj.URL
		if obj.Path != "" { // not in Claude Code's documentation, but marketplaces write it
			c, ok := relPath(obj.Path)
			if !ok {
				p.Problem = fmt.Sprintf("url path %q is not a relative path", obj.Path)
				return p
			}
			p.Path = c
		}
	case "git-subdir":
		spec = obj.URL
		if spec == "" {
			spec = obj.Repo
		}
		c, ok := relPath(obj.Path)
		if !ok {
			p.Problem = fmt.Sprintf("git-subdir path %q is not a relative path", obj.Path)
			return p
		}
		p.Path = c
	default:
		p.Problem = fmt.Sprintf("source type %q is not supported (github, url, git-subdir or a relative path)", obj.Source)
		return p
	}
	src, err := source.Parse(spec)
	// Only https (and http): a marketplace file must not make skillctl log in over SSH with the user's keys.
	if err != nil || src.Kind != source.Git || !strings.HasPrefix(src.Repo, "http") {
		p.Problem = fmt.Sprintf("%s source %q is not a git repository URL", obj.Source, spec)
		return p
	}
	p.Repo = src.Repo
	if src.Path != "" && p.Path == "" {
		p.Path = src.Path
	}
	if p.Ref == "" && src.Ref != "" && src.TreeRest == nil {
		p.Ref = src.Ref
	}
	return p
}

// relPath cleans a relative path from a marketplace file ("./plugins/x/" is "plugins/x", "./" is the
// root ""); false for anything absolute or leaving the repository.
func relPath(p string) (string, bool) {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return "", false
	}
	c := path.Clean("./" + p)
	if c == "." {
		return "", true
	}
	return c, snapshot.ValidPath(c)
}

// marketplaceEntries indexes a marketplace from its file and its own repository alone: the skill folders
// of every plugin in the marketplace's repository (one tree listing), and one entry per plugin in another
// repository, described by the file (name, description, category, author, source) and fetched only when
// that plugin is asked for by info or install (see expand). Plugins the file describes in a way skillctl
// cannot use are left out, said in one note; so are plugins repeating an earlier plugin's name.
func (s *Set) marketplaceEntries(ctx context.Context, idx *Index, base string, m *Marketplace) ([]Entry, error) {
	if len(m.Plugins) > limits.MaxIndexEntries {
		return nil, fmt.Errorf("marketplace.json lists %d plugins, more than the %d an index may hold", len(m.Plugins), limits.MaxIndexEntries)
	}
	var list *skillList
	for _, p := range m.Plugins {
		if p.Problem == "" && p.Repo == "" {
			var err error
			if list, err = s.listSkills(ctx, idx.Repo, idx.Commit); err != nil {
				return nil, err
			}
			idx.NamesOnly = list.namesOnly
			break
		}
	}
	out, plugins, notes := marketplaceIndex(m, base, strings.TrimSuffix(path.Base(idx.Repo), ".git"), list)
	for _, n := range notes {
		s.note("registry %s: %s", idx.Registry, n)
	}
	idx.Plugins = plugins
	return out, nil
}

// marketplaceIndex is marketplaceEntries without the network: the entries of m, given the listing of the
// marketplace's own repository (nil when no plugin lives there), the texts its plugins there share, and
// what to tell the user. Each plugin's text is kept once (its skills point at it by author, their plugin's
// name) and renames stay a map on the index, so the index is no larger than the file and the listing it
// was built from; the work is linear in them too (see ownerOf).
func marketplaceIndex(m *Marketplace, base, repoName string, list *skillList) ([]Entry, map[string]PluginText, []string) {
	var out []Entry
	var skipped, notes []string
	var claims []claim
	var plugins map[string]PluginText
	roots := make([]string, len(m.Plugins))
	for i, p := range m.Plugins {
		switch {
		case p.Problem != "":
			skipped = append(skipped, p.Name+" ("+p.Problem+")")
		case p.Repo != "":
			out = append(out, Entry{Name: p.Name, Path: p.Path, Description: oneLine(p.Description), Category: p.Category,
				Maker: p.Author, External: &External{Repo: p.Repo, Path: p.Path, Ref: p.Ref, SHA: p.SHA, Skills: p.Skills}})
		case list != nil:
			if plugins == nil {
				plugins = map[string]PluginText{}
			}
			plugins[p.Name] = PluginText{Category: p.Category, Maker: p.Author} // every plugin: its name is asked for (match)
			roots[i] = path.Join(base, p.Path)
			if roots[i] == "." {
				roots[i] = ""
			}
			claims = append(claims, pluginClaims(roots[i], p.Skills, i)...)
		}
	}
	if list != nil {
		var own []int
		for i, pi := range ownerOf(list.dirs, claims) {
			if pi < 0 {
				continue
			}
			p := m.Plugins[pi]
			dir := list.dirs[i]
			e := Entry{Name: path.Base(dir), Author: p.Name, Path: dir}
			if dir == "" {
				e.Name = repoName
			}
			if dir == roots[pi] {
				e.Description = oneLine(p.Description)
			}
			own = append(own, len(out))
			out = append(out, e)
		}
		list.name(out, own)
	}
	if len(skipped) > 0 {
		notes = append(notes, "skipping "+countedList(skipped, "plugin", 3))
	}
	if m.Dropped > 0 {
		notes = append(notes, fmt.Sprintf("keeping only the first plugin of each name: %d left out, %s", m.Dropped, countedList(m.Repeated, "name", 3)))
	}
	return out, plugins, notes
}

// claim is a plugin's folder (or one of its skills paths) in the marketplace's repository: it holds the
// skill folders at or below it.
type claim struct {
	dir    string
	plugin int
}

// pluginClaims are the folders plugin i holds: its root, or its skills paths below the root when it
// names them.
func pluginClaims(root string, skills []string, i int) []claim {
	if len(skills) == 0 {
		return []claim{{root, i}}
	}
	out := make([]claim, 0, len(skills))
	for _, sk := range skills {
		d := path.Join(root, sk)
		if d == "." {
			d = ""
		}
		out = append(out, claim{d, i})
	}
	return out
}

// ownerOf gives each folder of dirs to the first plugin, in file order, with a claim holding it (-1 for
// none), as Claude Code lists a folder under one plugin. Claims on the same folder count once, and a
// folder is held by at most one claim per level of its depth, so the work is O(dirs × depth + claims ×
// log dirs), however many plugins repeat a path.
func ownerOf(dirs []string, claims []claim) []int {
	order := make([]int, len(dirs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return dirs[order[a]] < dirs[order[b]] })
	sorted := make([]string, len(dirs))
	for i, j := range order {
		sorted[i] = dirs[j]
	}
	out := make([]int, len(dirs))
	for i := range out {
		out[i] = -1
	}
	give := func(lo, hi, plugin int) {
		for k := lo; k < hi; k++ {
			if out[order[k]] < 0 {
				out[order[k]] = plugin
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range claims { // in file order, so the first plugin claiming a folder gets it
		if seen[c.dir] {
			continue
		}
		seen[c.dir] = true
		if c.dir == "" {
			give(0, len(sorted), c.plugin)
			continue
		}
		// The folder itself, then the run of folders below it ("d/..." sort together, after "d-x").
		if k := sort.SearchStrings(sorted, c.dir); k < len(sorted) && sorted[k] == c.dir {
			give(k, k+1, c.plugin)
		}
		give(sort.SearchStrings(sorted, c.dir+"/"), sort.SearchStrings(sorted, c.dir+"0"), c.plugin)
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// countedList is "N things: a; b; c and K more", naming at most max of items.
func countedList(items []string, thing string, max int) string {
	n := len(items)
	if n != 1 {
		thing += "s"
	}
	shown := items
	if n > max {
		shown = items[:max]
	}
	out := fmt.Sprintf("%d %s: %s", n, thing, strings.Join(shown, "; "))
	if n > max {
		out += fmt.Sprintf("; and %d more", n-max)
	}
	return out
}

// pinned is a repository at a commit, with the ref the commit was resolved from.
type pinned struct{ repo, ref, commit string }

// pinPlugin resolves a plugin in another repository to a commit: its sha when given (no request), else
// its ref or the default branch (one ref request).
func (s *Set) pinPlugin(ctx context.Context, x *External) (pinned, error) {
	out := pinned{repo: x.Repo, ref: x.Ref}
	if x.SHA != "" {
		out.commit = x.SHA
		if out.ref == "" {
			out.ref = x.SHA
		}
		return out, nil
	}
	refs, err := s.git.ListRefs(ctx, x.Repo)
	if err != nil {
		return out, err
	}
	src := source.Source{Kind: source.Git, Raw: x.Repo, Repo: x.Repo, Ref: x.Ref}
	ref, commit, err := src.ResolveRef(refs)
	if err != nil {
		return out, err
	}
	out.ref, out.commit = ref, commit
	return out, nil
}
