package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/skillctl/skillctl/internal/clierr"
)

// AddOptions are the flags of 'skillctl registry add'.
type AddOptions struct {
	Name, URL string
	Project   bool // write the project file instead of the user's
	Stdout    io.Writer
}

// RunAdd records a registry. It does not contact it: a registry that is down today may be up tomorrow,
// and the first search or install says so if it is not.
func RunAdd(opts AddOptions) error {
	file := configFileFor(opts.Project)
	r, err := Add(file, opts.Name, opts.URL)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Stdout, "added registry %s %s (%s)\n", r.Name, r.URL, file)
	return nil
}

// RemoveOptions are the flags of 'skillctl registry remove'.
type RemoveOptions struct {
	Name    string
	Project bool
	Stdout  io.Writer
}

// RunRemove forgets a registry.
func RunRemove(opts RemoveOptions) error {
	file := configFileFor(opts.Project)
	if err := Remove(file, opts.Name); err != nil {
		return err
	}
	fmt.Fprintf(opts.Stdout, "removed registry %s (%s)\n", opts.Name, file)
	return nil
}

func configFileFor(project bool) string {
	if project {
		return ProjectConfigFile()
	}
	return UserConfigFile()
}

// ListOptions are the flags of 'skillctl registry list'.
type ListOptions struct {
	JSON   bool
	Stdout io.Writer
}

// registryJSON is one registry in 'registry list --json'; its shape is part of the CLI's interface.
type registryJSON struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Scope Scope  `json:"scope"`
}

// RunList prints the registries in lookup order, builtin last.
func RunList(opts ListOptions) error {
	s, err := Load()
	if err != nil {
		return err
	}
	regs := s.Registries()
	if opts.JSON {
		out := make([]registryJSON, len(regs))
		for i, r := range regs {
			out[i] = registryJSON{r.Name, r.URL, r.Scope}
		}
		return writeJSON(opts.Stdout, out)
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCOPE\tURL")
	for _, r := range regs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Scope, r.URL)
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// SearchOptions are the flags of 'skillctl search'.
type SearchOptions struct {
	Term           string
	JSON           bool
	Color          bool
	Stdout, Stderr io.Writer
}

// candidateJSON is one result of 'search --json'; its shape is part of the CLI's interface.
type candidateJSON struct {
	Name        string `json:"name"`
	Author      string `json:"author,omitempty"`
	Registry    string `json:"registry"`
	Path        string `json:"path"`
	Repo        string `json:"repo,omitempty"`
	Ref         string `json:"ref,omitempty"`
	Commit      string `json:"commit,omitempty"`
	Dir         string `json:"dir,omitempty"`
	Description string `json:"description,omitempty"`
	Category    string `json:"category,omitempty"`
	// External: a marketplace plugin in another repository, which installing fetches (Fetches, a
	// source install accepts); searching did not.
	External bool   `json:"external,omitempty"`
	Fetches  string `json:"fetches,omitempty"`
	Install  string `json:"install"`
}

// RunSearch prints the skills matching a term across registries. No match is an error in text mode (exit
// 1, like grep) and an empty list with --json.
func RunSearch(ctx context.Context, opts SearchOptions) error {
	s, err := Load()
	if err != nil {
		return err
	}
	found, err := s.Search(ctx, opts.Term, opts.Stderr)
	if err != nil {
		return err
	}
	picks := installCommands(found, func(name string) []Candidate {
		all, err := s.Listed(ctx, name, io.Discard) // the indexes were just built: no fetch
		if err != nil {
			return nil
		}
		return all
	})
	if opts.JSON {
		out := make([]candidateJSON, len(found))
		for i, c := range found {
			out[i] = candidateJSON{c.Name, c.Author, c.Registry, c.Path, c.Repo, c.Ref, c.Commit, c.Dir, c.Description, c.Category, c.External, c.Fetches, picks[i]}
		}
		return writeJSON(opts.Stdout, out)
	}
	if len(found) == 0 {
		return clierr.WithHint(fmt.Errorf("search %q: no skill matches in %s", opts.Term, strings.Join(s.Names(), ", ")),
			"skillctl search ''   # list every skill", "skillctl registry add NAME URL")
	}
	externals := 0
	// The columns are aligned first and the header painted after, so the colour codes never count as width.
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREGISTRY\tPATH\tDESCRIPTION")
	for _, c := range found {
		name := c.Name
		if c.Author != "" {
			name = c.Author + "/" + c.Name
		}
		where := c.Path
		if c.External {
			// What install would fetch, since search did not: the plugin's repository and folder.
			where = "external: " + c.Fetches
			externals++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(name), c.Registry, printable(where), printable(clip(c.Description, 72)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	out := buf.String()
	if opts.Color {
		head, rest, _ := strings.Cut(out, "\n")
		out = "\x1b[1m" + head + "\x1b[0m\n" + rest
	}
	if _, err := io.WriteString(opts.Stdout, out); err != nil {
		return err
	}
	if externals > 0 {
		fmt.Fprintf(opts.Stdout, "\nexternal: a plugin in another repository; info or install fetches the one shown (%d here)\n", externals)
	}
	return nil
}

// installCommands gives each match the shortest source that picks it alone, judged as install judges a
// bare name: against every skill of that name in the configured registries (the bundled one counts only
// when no configured registry has the name), not only against the matches, since a search by description
// or path can show one of several. all returns those skills; nil falls back to the matches.
func installCommands(found []Candidate, all func(name string) []Candidate) []string {
	pools := map[string][]Candidate{}
	out := make([]string, len(found))
	for i, c := range found {
		pool, ok := pools[c.Name]
		if !ok {
			cands := all(c.Name)
			if cands == nil {
				for _, x := range found {
					if x.Name == c.Name {
						cands = append(cands, x)
					}
				}
			}
			var configured []Candidate
			for _, x := range cands {
				if !x.Builtin() {
					configured = append(configured, x)
				}
			}
			pool = configured
			if len(pool) == 0 {
				pool = cands
			}
			pools[c.Name] = pool
		}
		at := -1
		for j, x := range pool {
			if x.Registry == c.Registry && x.Path == c.Path && x.Repo == c.Repo && x.Dir == c.Dir {
				at = j
			}
		}
		switch {
		case at < 0:
			out[i] = c.Name + "@" + c.Registry // outside the pool (a bundled skill others shadow)
		case len(pool) == 1:
			out[i] = c.Name
		default:
			hints := clierr.Hints(Ambiguous(c.Name, pool))
			out[i] = strings.TrimPrefix(hints[at], "skillctl install ")
		}
	}
	return out
}

// clip shortens s to n characters on a word boundary, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// printable keeps text from a registry (names, paths, descriptions written by strangers) from moving
// the cursor or recolouring the terminal: control characters become U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// CompleteRegistries lists registry names for shell completion, builtin excluded when removable is
// set (it cannot be removed).
func CompleteRegistries(removable bool) []string {
	s, err := Load()
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range s.Names() {
		if !removable || n != BuiltinName {
			out = append(out, n)
		}
	}
	return out
}

// CompleteSkill completes a skill argument cheaply, without the network: NAME@ completes registry
// names; otherwise the names of the bundled skills and of local-folder registries' skills.
func CompleteSkill(toComplete string) []string {
	s, err := Load()
	if err != nil {
		return nil
	}
	if name, _, ok := strings.Cut(toComplete, "@"); ok {
		var out []string
		for _, r := range s.Names() {
			out = append(out, name+"@"+r)
		}
		return out
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range s.Registries() {
		if r.Scope != ScopeBuiltin && !r.IsLocal() {
			continue
		}
		idx, err := s.Index(context.Background(), r.Name, io.Discard)
		if err != nil {
			continue
		}
		for _, e := range idx.Entries {
			if !seen[e.Name] && strings.HasPrefix(e.Name, toComplete) {
				seen[e.Name] = true
				out = append(out, e.Name)
			}
		}
	}
	return out
}
