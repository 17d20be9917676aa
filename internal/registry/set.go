package registry

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Set is the configured registries in lookup order: project, then user, then the bundled one. It
// remembers indexes for its lifetime, asks for refs and trees through the run's one git client, and
// tells the user what it skipped through the run's streams.
type Set struct {
	regs       []Registry // without builtin
	builtin    *Builtin
	io         *streams.IO
	git        *gitfetch.Client
	indexes    map[string]*Index
	expanded   map[string][]Candidate // external plugins fetched this run, by registry and plugin name
	unsearched []string               // registries Search could not read this run
}

// Candidate is one skill a lookup or search found.
type Candidate struct {
	Registry          string // registry name ("builtin" for the bundled one)
	Name, Author      string
	Path              string // folder inside the repo (or the bundled skill's name, or relative to a local registry)
	Repo, Ref, Commit string // git registries: clone URL, ref it was resolved from, commit
	Dir               string // local-folder registries: absolute folder of the skill
	Description       string
	Category          string // a marketplace plugin's category
	// External is a marketplace plugin in another repository, not fetched yet: Name is the plugin's,
	// Repo, Path, Ref and Commit (when the marketplace pins one) say where it is, and Fetches says so in
	// words. Looking its name up fetches it and answers with its skills.
	External bool
	Fetches  string
	// A well-known registry's skill: the artifact, its digest and type, and the site's index that lists it.
	URL, Digest, Type, Index string
}

// Builtin reports whether the candidate is a bundled skill.
func (c Candidate) Builtin() bool { return c.Registry == BuiltinName }

// Origin is where the candidate's files are, as messages show it: REPO@COMMIT:PATH, a folder, or
// builtin:NAME.
func (c Candidate) Origin() string {
	switch {
	case c.Builtin():
		return BuiltinName + ":" + c.Path
	case c.Dir != "":
		return c.Dir
	case c.URL != "":
		return c.URL
	}
	p := c.Path
	if p == "" {
		p = "."
	}
	return c.Repo + "@" + short(c.Commit) + ":" + p
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Load reads the user and project registries files (see ProjectFile and UserConfigFile). Notes go to io
// (nil: none); git is the run's client, nil opens one of its own with the default limits.
func Load(io *streams.IO, git *gitfetch.Client) (*Set, error) {
	return LoadFiles(UserConfigFile(), ProjectConfigFile(), io, git)
}

// LoadUser is Load without the project's file: the user's registries only (and the bundled one), for
// --global, whose installs no project may choose.
func LoadUser(io *streams.IO, git *gitfetch.Client) (*Set, error) {
	return LoadFiles(UserConfigFile(), "", io, git)
}

// LoadFiles is Load with explicit files; either may be "" or missing. On a name in both, the project's
// entry wins and the user's is not searched.
func LoadFiles(user, project string, io *streams.IO, git *gitfetch.Client) (*Set, error) {
	if git == nil {
		git = NewClient(io.NoteWriter(), limits.Default)
	}
	s := &Set{builtin: NewBuiltin(), io: io, git: git, indexes: map[string]*Index{}, expanded: map[string][]Candidate{}}
	seen := map[string]bool{}
	for _, f := range []struct {
		file  string
		scope Scope
	}{{project, ScopeProject}, {user, ScopeUser}} {
		if f.file == "" {
			continue
		}
		regs, link, err := readConfig(f.file, f.scope)
		if err != nil {
			return nil, err
		}
		if link != "" {
			s.note("%s is read through the symbolic link %s", f.file, link)
		}
		for _, r := range regs {
			if !seen[r.Name] {
				seen[r.Name] = true
				s.regs = append(s.regs, r)
			}
		}
	}
	return s, nil
}

// Names lists the registries in lookup order, builtin last.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.regs)+1)
	for _, r := range s.regs {
		out = append(out, r.Name)
	}
	return append(out, BuiltinName)
}

// Registries lists the configured registries in lookup order, builtin last.
func (s *Set) Registries() []Registry {
	out := append([]Registry(nil), s.regs...)
	return append(out, Registry{Name: BuiltinName, URL: "(bundled with skillctl)", Scope: ScopeBuiltin})
}

func (s *Set) find(name string) (*Registry, error) {
	for i := range s.regs {
		if s.regs[i].Name == name {
			return &s.regs[i], nil
		}
	}
	if name == BuiltinName {
		return &Registry{Name: BuiltinName, Scope: ScopeBuiltin}, nil
	}
	return nil, clierr.WithHint(fmt.Errorf("registry %s: not configured (registries: %s)", name, strings.Join(s.Names(), ", ")),
		"skillctl registry add "+name+" URL", "skillctl registry list")
}

// note tells the user something the run skipped or could not do; it is not an error.
func (s *Set) note(format string, args ...any) { s.io.Note(fmt.Sprintf(format, args...)) }

// Lookup finds skills called name (and by author when author != "") in registry reg ("" = all, in
// order). It returns every candidate from the first registry that has any, so an earlier registry shadows
// a later one; two candidates from that registry are an ambiguity the caller reports with Ambiguous. No
// candidate is not an error.
//
// A name must not depend on which servers answered: a registry that cannot be read (and has no cached
// index, see Index) fails the lookup with an *UnreachableError whenever it could change the answer, that
// is, when no registry before it has the name. It is never skipped in favour of a later registry's skill
// of that name (dependency confusion).
//
// A marketplace plugin in another repository is fetched here, and only here: asked for by its name, it
// answers with its one skill (or an error listing its skills); as AUTHOR in AUTHOR/NAME, with its skill
// called name. A name the marketplace renamed is looked up under its new name, with a note.
func (s *Set) Lookup(ctx context.Context, name, author, reg string) ([]Candidate, error) {
	return s.lookup(ctx, name, author, reg, false, true, true)
}

// LookupAll is Lookup across every registry, for telling a user that a name exists in several. Every
// registry could make the name ambiguous, so any that cannot be read fails it (*UnreachableError).
func (s *Set) LookupAll(ctx context.Context, name, author string) ([]Candidate, error) {
	return s.lookup(ctx, name, author, "", true, true, true)
}

// Listed is LookupAll from the indexes alone: an external plugin is a candidate under its own name and
// is not fetched, and a registry that cannot be read is skipped (Search has warned about it). Search
// uses it to tell which install command picks each match.
func (s *Set) Listed(ctx context.Context, name string) ([]Candidate, error) {
	return s.lookup(ctx, name, "", "", true, false, false)
}

// UnreachableError is a name lookup that could not consult every registry that could hold the name.
type UnreachableError struct {
	Name       string      // as looked up: NAME or AUTHOR/NAME
	Registries []string    // the registries that could not be read, in lookup order
	Found      []Candidate // what the registries that were read have under that name
	Errs       []error     // why each could not be read, in the order of Registries
	Picks      []string    // for each of Found, the source that asks its registry only (qualified)
	// Run is the command line the hints start with, the one the user ran ("skillctl info"); the
	// resolver sets it, and "" means "skillctl install".
	Run string
}

// Hints: the command that picks each skill found where the registries were read, asking only its
// registry; then waiting for the others.
func (e *UnreachableError) Hints() []string {
	run := e.Run
	if run == "" {
		run = "skillctl install"
	}
	var hints []string
	for i, c := range e.Found {
		hints = append(hints, run+" "+textsafe.ShellWord(e.Picks[i])+"   # only "+c.Registry+" is asked")
	}
	which := e.Registries[0]
	if len(e.Registries) > 1 {
		which = strings.Join(e.Registries, " and ")
	}
	lead := "try"
	if len(hints) > 0 {
		lead = "or try"
	}
	return append(hints, lead+" again once "+which+" can be reached; an index of it cached by an earlier run also counts")
}

func (e *UnreachableError) Error() string {
	if len(e.Registries) == 1 {
		return fmt.Sprintf("%s: registry %s could not be read, so %s may name a skill there: %v", e.Name, e.Registries[0], e.Name, e.Errs[0])
	}
	var why []string
	for i, r := range e.Registries {
		why = append(why, fmt.Sprintf("%s: %v", r, e.Errs[i]))
	}
	return fmt.Sprintf("%s: registries %s could not be read, so %s may name a skill there: %s",
		e.Name, strings.Join(e.Registries, ", "), e.Name, strings.Join(why, "; "))
}

func (e *UnreachableError) Unwrap() []error { return e.Errs }

func (s *Set) lookup(ctx context.Context, name, author, reg string, all, expand, strict bool) ([]Candidate, error) {
	names := s.Names()
	if reg != "" {
		if _, err := s.find(reg); err != nil {
			return nil, err
		}
		names = []string{reg}
	}
	var out []Candidate
	var failed, unreadErrs []error
	var unread []string
	for _, rn := range names {
		got, err := s.lookupIn(ctx, rn, name, author, expand)
		if err != nil {
			var pe *PluginError
			switch {
			case errors.As(err, &pe):
				return nil, pe // an answer about the plugin asked for, not a failure to skip
			case reg != "":
				return nil, err
			case !strict:
				s.note("registry %s: %v; skipping it", rn, err)
			default:
				unread, unreadErrs = append(unread, rn), append(unreadErrs, err)
			}
			failed = append(failed, fmt.Errorf("registry %s: %w", rn, err))
			continue
		}
		out = append(out, got...)
		if len(got) > 0 && !all {
			break // an earlier registry answered: the ones after it cannot change that
		}
	}
	out = oneEach(out)
	if len(unread) > 0 {
		q := name
		if author != "" {
			q = author + "/" + name
		}
		ue := &UnreachableError{Name: q, Registries: unread, Found: out, Errs: unreadErrs}
		for _, c := range out {
			ue.Picks = append(ue.Picks, s.qualified(ctx, c))
		}
		return nil, ue
	}
	if len(out) == 0 && len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	return out, nil
}

// qualified is a source that picks c by asking its registry only: NAME@REGISTRY when the registry has
// one skill of that name, else the exact folder.
func (s *Set) qualified(ctx context.Context, c Candidate) string {
	if idx, err := s.Index(ctx, c.Registry); err == nil {
		n := 0
		for _, e := range idx.Entries {
			if e.Name == c.Name {
				n++
			}
		}
		if n == 1 {
			return c.Name + "@" + c.Registry
		}
	}
	return exactSource(c)
}

// lookupIn is one registry's candidates for name, following the marketplace's renames.
func (s *Set) lookupIn(ctx context.Context, rn, name, author string, expand bool) ([]Candidate, error) {
	idx, err := s.Index(ctx, rn)
	if err != nil {
		return nil, err
	}
	got, err := s.match(ctx, idx, name, author, expand)
	if err == nil && len(got) == 0 {
		// A plugin the marketplace renamed: its old name (or old AUTHOR) finds it under the new one.
		old := name
		if author != "" {
			old = author
		}
		if nw, ok := idx.Renames[old]; ok {
			switch {
			case nw == "":
				s.note("registry %s: plugin %s was withdrawn from the marketplace", rn, old)
			case author == "":
				s.note("registry %s: plugin %s is now called %s", rn, old, nw)
				got, err = s.match(ctx, idx, nw, "", expand)
			default:
				s.note("registry %s: plugin %s is now called %s", rn, old, nw)
				got, err = s.match(ctx, idx, name, nw, expand)
			}
		}
	}
	return got, err
}

// oneEach drops a candidate that is the same skill as an earlier one: one repository added under two
// registry names (however each spells it) is one source, not an ambiguity. The first registry in lookup
// order names it.
func oneEach(cs []Candidate) []Candidate {
	var out []Candidate
next:
	for _, c := range cs {
		for _, o := range out {
			if sameSkill(o, c) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// sameSkill reports whether two candidates are one folder: the same bundled skill, the same local folder,
// or the same folder at the same commit of one repository (source.SameRepo, the one comparison of
// repositories). At two commits they are two versions, which is still a choice to make.
func sameSkill(a, b Candidate) bool {
	switch {
	case a.Builtin() || b.Builtin():
		return a.Builtin() && b.Builtin() && a.Path == b.Path
	case a.Dir != "" || b.Dir != "":
		return a.Dir != "" && filepath.Clean(a.Dir) == filepath.Clean(b.Dir)
	}
	return a.External == b.External && a.Path == b.Path && a.Commit == b.Commit && source.SameRepo(a.Repo, b.Repo)
}

// match is one registry's candidates for name (by author when given); see Lookup.
func (s *Set) match(ctx context.Context, idx *Index, name, author string, expand bool) ([]Candidate, error) {
	var got []Candidate
	entries := idx.Entries
	if author == "" { // only entries called name can match
		entries = make([]Entry, 0, len(idx.named(name)))
		for _, i := range idx.named(name) {
			entries = append(entries, idx.Entries[i])
		}
	}
	for _, e := range entries {
		if e.External == nil {
			if e.Name == name && (author == "" || strings.EqualFold(e.Author, author)) {
				got = append(got, idx.candidate(e))
			}
			continue
		}
		switch {
		case author == "" && e.Name == name && !expand:
			got = append(got, idx.candidate(e))
		case author == "" && e.Name == name:
			skills, err := s.expand(ctx, idx, e)
			if err != nil {
				return nil, err
			}
			one, err := pluginAnswer(e.Name, idx.Registry, skills)
			if err != nil {
				return nil, err
			}
			got = append(got, one...)
		case author != "" && strings.EqualFold(e.Name, author) && expand:
			skills, err := s.expand(ctx, idx, e)
			if err != nil {
				return nil, err
			}
			for _, c := range skills {
				if c.Name == name {
					got = append(got, c)
				}
			}
		}
	}
	if _, plugin := idx.Plugins[name]; len(got) == 0 && author == "" && expand && plugin {
		// No skill is called name, but a plugin of the marketplace's own repository is: its skills.
		var skills []Candidate
		for _, e := range idx.Entries {
			if e.External == nil && e.Author == name {
				skills = append(skills, idx.candidate(e))
			}
		}
		return pluginAnswer(name, idx.Registry, skills)
	}
	return got, nil
}

// Search finds skills whose name, author, path or description contains term (case-insensitive; "" lists
// everything) in every registry, the most relevant first (rank): an exact name, then a name starting with
// term, then one holding it, then a match elsewhere; ties in registry order, then by name.
func (s *Set) Search(ctx context.Context, term string) ([]Candidate, error) {
	term = strings.ToLower(strings.TrimSpace(term))
	var out []Candidate
	var failed []error
	names := s.Names()
	indexed := 0
	for i, rn := range names {
		// A count that moves while a cold index is built (its trees and SKILL.md files fetched); the
		// spinner shows it on a terminal only, and only when the search takes a moment.
		s.io.Progress(fmt.Sprintf("searching registries: %d of %d (%s), %d skills indexed", i+1, len(names), rn, indexed))
		idx, err := s.Index(ctx, rn)
		if err != nil {
			// Search may go on without it, but says so: its skills are missing from the results, and a
			// bare name install would be refused until it can be read.
			s.io.Warn("registry "+rn, fmt.Sprintf("not searched: it could not be read (%v)", err))
			s.unsearched = append(s.unsearched, rn)
			failed = append(failed, fmt.Errorf("registry %s: %w", rn, err))
			continue
		}
		indexed += len(idx.Entries)
		var hits []int
		renamed := idx.renamedTo(term)
		for i, e := range idx.Entries {
			if idx.matches(e, term, renamed) {
				hits = append(hits, i)
			}
		}
		var got []Candidate
		for _, i := range hits {
			got = append(got, idx.candidate(idx.Entries[i]))
		}
		sort.SliceStable(got, func(i, j int) bool {
			if got[i].Name != got[j].Name {
				return got[i].Name < got[j].Name
			}
			return got[i].Path < got[j].Path
		})
		out = append(out, got...)
	}
	if len(out) == 0 && len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	rank(term, out)
	return out, nil
}

// Ambiguous is the error for a name with several candidates: one line per candidate and, as hints, the
// exact command that picks each: run, the command line the user ran up to the name (such as
// "skillctl info"), followed by the source that names that candidate alone (Picks).
func Ambiguous(run, name string, c []Candidate) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ambiguous: %d skills of that name", name, len(c))
	var hints []string
	for i, pick := range Picks(name, c) {
		fmt.Fprintf(&b, "\n  %s in %s: %s", name, c[i].Registry, c[i].Origin())
		hints = append(hints, run+" "+textsafe.ShellWord(pick))
	}
	return clierr.WithHint(errors.New(b.String()), hints...)
}

// Picks gives each of the candidates for name the shortest source that names it alone: NAME@REGISTRY,
// else AUTHOR/NAME, else its exact folder.
func Picks(name string, c []Candidate) []string {
	regs := map[string]int{}
	authors := map[string]int{}
	pairs := map[string]int{}
	for _, x := range c {
		regs[x.Registry]++
		authors[x.Author]++
		pairs[x.Author+"@"+x.Registry]++
	}
	out := make([]string, len(c))
	for i, x := range c {
		switch {
		case regs[x.Registry] == 1:
			out[i] = name + "@" + x.Registry
		case x.Author != "" && authors[x.Author] == 1:
			out[i] = x.Author + "/" + name
		case x.Author != "" && pairs[x.Author+"@"+x.Registry] == 1:
			out[i] = x.Author + "/" + name + "@" + x.Registry // source.Readings: the registry's AUTHOR/NAME
		default:
			out[i] = exactSource(x)
		}
	}
	return out
}

// exactSource is a source that names exactly this candidate's folder, for when no name form does.
func exactSource(c Candidate) string {
	switch {
	case c.Dir != "":
		return c.Dir
	case c.Builtin():
		return c.Name + "@" + BuiltinName
	}
	return source.GitText(c.Repo, c.Path, c.Commit)
}

// InstallSources gives each search match the shortest source that installs it (see installCommands).
// When Search could not read a registry, a name alone would be refused (see Lookup), so each match is
// given the source that asks its registry only.
func (s *Set) InstallSources(ctx context.Context, found []Candidate) []string {
	if len(s.unsearched) > 0 {
		out := make([]string, len(found))
		for i, c := range found {
			out[i] = s.qualified(ctx, c)
		}
		return out
	}
	return installCommands(found, func(name string) []Candidate {
		all, err := s.Listed(ctx, name) // the indexes were just built: no fetch
		if err != nil {
			return nil
		}
		return all
	})
}

// installCommands gives each match the shortest source that picks it alone, judged as install judges a
// bare name: against every skill of that name in the configured registries (the bundled one counts only
// when no configured registry has the name), not only against the matches, since a search by description
// or path can show one of several. all returns those skills; nil falls back to the matches.
func installCommands(found []Candidate, all func(name string) []Candidate) []string {
	// Each name's pool, its commands and where each candidate sits in it are worked out once: a search
	// can show thousands of skills of one name.
	type where struct{ registry, path, repo, dir string }
	type pool struct {
		size  int
		at    map[where]int
		picks []string
	}
	pools := map[string]*pool{}
	out := make([]string, len(found))
	for i, c := range found {
		p, ok := pools[c.Name]
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
			if len(configured) == 0 {
				configured = cands
			}
			p = &pool{size: len(configured), at: map[where]int{}}
			for j, x := range configured {
				p.at[where{x.Registry, x.Path, x.Repo, x.Dir}] = j // of equal ones, the last
			}
			if len(configured) > 1 {
				p.picks = Picks(c.Name, configured)
			}
			pools[c.Name] = p
		}
		at, in := p.at[where{c.Registry, c.Path, c.Repo, c.Dir}]
		switch {
		case !in:
			out[i] = c.Name + "@" + c.Registry // outside the pool (a bundled skill others shadow)
		case p.size == 1:
			out[i] = c.Name
		default:
			out[i] = textsafe.ShellWord(p.picks[at])
		}
	}
	return out
}
