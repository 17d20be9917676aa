package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
)

// Marketplace is what skillctl reads of a Claude Code .claude-plugin/marketplace.json: the plugins and
// where each one's files are. Everything else in the file is ignored.
type Marketplace struct {
	PluginRoot string
	Plugins    []Plugin
}

// Plugin is one plugins[] entry. A relative source is a folder of the marketplace's own repository
// (Path, with Repo empty); the object forms name another repository: "github" (Repo is the GitHub
// repository's clone URL), "url" (a git URL) and "git-subdir" (a git URL and a folder in it), each with
// an optional ref or sha. Skills, when given, restricts the plugin to those folders (relative to Path).
type Plugin struct {
	Name        string
	Description string
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
	for i, msg := range raw.Plugins {
		m.Plugins = append(m.Plugins, parsePlugin(i, msg, m.PluginRoot))
	}
	return m, nil
}

func parsePlugin(i int, msg json.RawMessage, root string) Plugin {
	var e struct {
		Name        any             `json:"name"`
		Description any             `json:"description"`
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
	p.Description, _ = e.Description.(string)
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
	if p.SHA != "" && !isHex40(p.SHA) {
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
	if err != nil || src.Kind != source.Git {
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

func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// marketplaceEntries lists the skill folders of every plugin: those of the registry's own repository
// from one tree listing, and each other repository's from its own (one ref request and its trees). A
// plugin that cannot be read is left out with a note, and the index is then not cached, so it is tried
// again next time.
func (s *Set) marketplaceEntries(ctx context.Context, idx *Index, base string, m *Marketplace, log io.Writer) ([]Entry, error) {
	listings := map[string][]string{}
	list := func(repo, commit string) ([]string, error) {
		k := repo + "@" + commit
		if l, ok := listings[k]; ok {
			return l, nil
		}
		l, err := gitfetch.Skills(ctx, s.remote(repo, log), commit)
		if err != nil {
			return nil, err
		}
		listings[k] = l
		return l, nil
	}
	seen := map[string]bool{}
	var out []Entry
	for _, p := range m.Plugins {
		if p.Problem != "" {
			fmt.Fprintf(log, "skillctl: registry %s: plugin %s: %s; skipping it\n", idx.Registry, p.Name, p.Problem)
			continue
		}
		at := pinned{idx.Repo, idx.Ref, idx.Commit}
		root := p.Path
		if p.Repo == "" {
			root = path.Join(base, p.Path)
			if root == "." {
				root = ""
			}
		} else {
			var err error
			if at, err = s.pinPlugin(ctx, p, log); err != nil {
				fmt.Fprintf(log, "skillctl: registry %s: plugin %s: %v; skipping it\n", idx.Registry, p.Name, err)
				idx.key = ""
				continue
			}
			if p.SHA == "" {
				// Resolved from another repository's moving ref: the marketplace's commit does not pin
				// it, so an index cached under that commit would go stale. Build it afresh each time.
				idx.key = ""
			}
		}
		dirs, err := list(at.repo, at.commit)
		if err != nil {
			if p.Repo == "" {
				return nil, err
			}
			fmt.Fprintf(log, "skillctl: registry %s: plugin %s: %v; skipping it\n", idx.Registry, p.Name, err)
			idx.key = ""
			continue
		}
		var picked []string
		if len(p.Skills) == 0 {
			picked = under(dirs, root)
		} else {
			for _, sk := range p.Skills {
				picked = append(picked, under(dirs, path.Join(root, sk))...)
			}
		}
		for _, d := range picked {
			k := at.repo + "@" + at.commit + ":" + d
			if seen[k] {
				continue
			}
			seen[k] = true
			e := Entry{Name: path.Base(d), Author: p.Name, Path: d}
			if d == "" {
				e.Name = strings.TrimSuffix(path.Base(at.repo), ".git")
			}
			if d == root && p.Description != "" {
				e.Description = strings.Join(strings.Fields(p.Description), " ")
			}
			if p.Repo != "" {
				e.Repo, e.Ref, e.Commit = at.repo, at.ref, at.commit
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// pinned is a repository at a commit, with the ref the commit was resolved from.
type pinned struct{ repo, ref, commit string }

// pinPlugin resolves a plugin in another repository to a commit: its sha when given (no request), else
// its ref or the default branch (one ref request).
func (s *Set) pinPlugin(ctx context.Context, p Plugin, log io.Writer) (pinned, error) {
	out := pinned{repo: p.Repo, ref: p.Ref}
	if p.SHA != "" {
		out.commit = p.SHA
		if out.ref == "" {
			out.ref = p.SHA
		}
		return out, nil
	}
	refs, err := s.listRefs(ctx, p.Repo, log)
	if err != nil {
		return out, err
	}
	src := source.Source{Kind: source.Git, Raw: p.Repo, Repo: p.Repo, Ref: p.Ref}
	ref, commit, err := src.ResolveRef(refs)
	if err != nil {
		return out, err
	}
	out.ref, out.commit = ref, commit
	return out, nil
}
