package depgraph

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/semver"
)

// The walk finds every skill a set of requested skills needs, level by level, through Reqs: the world as
// the walk sees it, in the spirit of cmd/go's mvs.Reqs. The walk owns the rules (where a name is looked
// for, in which order, what is ambiguous, how deep a chain may go); an adapter owns the fetching. A table
// of text cases with a fake Reqs tests every rule (walk_test.go).

// MaxDepth is the longest depends-on chain the walk follows, counting the requested skill: a chain of 64
// skills is accepted, a 65th is refused with the chain. Published skills nest two or three deep; the cap
// keeps a hostile repository (a chain of a thousand skills, each a fetch) from holding a run for minutes.
const MaxDepth = 64

// Place is where a depends-on name is looked for. The walk asks the places in this order and takes the
// first one that has any candidate.
type Place int

const (
	Sibling    Place = iota // a folder of that name beside the skill that asks
	SameRepo                // a folder of that name elsewhere in the asking skill's repository, same commit
	Registries              // the configured registries; Rank is the registry's position in lookup order
	Bundled                 // the skills bundled with skillctl, always last
)

// Places lists every place in the order the walk asks them.
var Places = []Place{Sibling, SameRepo, Registries, Bundled}

func (p Place) String() string {
	switch p {
	case Sibling:
		return "sibling folders"
	case SameRepo:
		return "the same repository"
	case Registries:
		return "the registries"
	}
	return "the bundled skills"
}

// Node is a skill as the walk sees it.
type Node struct {
	Name string
	ID   string // where its files come from (REPO@COMMIT:PATH, a folder, builtin:NAME); same name, other ID: a conflict
	Home string // where its dependencies are looked for, as "not found in HOME" says it
	// Version is the release the skill is at (semver, "v1.2.0"); "" when it is not a release (a branch, a
	// commit, a folder), which satisfies any version required of it.
	Version string
	// Module is the skill across its versions (its repository and folder): two nodes of one name and one
	// Module are two versions of one skill, and the walk keeps the higher; "" means ID.
	Module string
}

// Ask is a depends-on (or, with WithRelated, related-skills) name and the skill that named it.
type Ask struct {
	Name string
	By   Node
	// Min is the lowest version that will do (depends-on NAME@v1.2 asks for v1.2.0), "" for any: the
	// adapter answers with the oldest release at or above it in its major, never the newest (minimal
	// version selection).
	Min string
}

// module is what makes two nodes versions of one skill.
func (n Node) module() string {
	if n.Module != "" {
		return n.Module
	}
	return n.ID
}

// SplitRequirement reads a depends-on entry as Reqs gives it, NAME or NAME@vX[.Y[.Z]], into the name and
// the minimum version ("" for none, or when the version is not one: the validator reports it).
func SplitRequirement(entry string) (name, min string) {
	name, ver, ok := strings.Cut(entry, "@")
	if !ok {
		return name, ""
	}
	v, ok := semver.ParseMin(ver)
	if !ok {
		return name, ""
	}
	return name, v.String()
}

// Candidate is a skill an ask may resolve to at one place. Within a place the lowest Rank wins; two
// candidates at that rank are ambiguous.
type Candidate struct {
	Skill Node
	Rank  int
}

// Reqs is what the walk needs from the world.
type Reqs interface {
	// Required returns the names s depends on (NAME, or NAME@vX[.Y[.Z]] for at least that version of the
	// same major) and the names it suggests, each in declared order.
	Required(s Node) (deps, related []string, err error)
	// Candidates returns, for each ask in order, the skills of that name at place. It is called once per
	// place and level with every ask still open, so an adapter can batch its requests.
	Candidates(place Place, asks []Ask) ([][]Candidate, error)
	// Upgrade answers a minimum required of a skill already found at a release (by names the skill whose
	// depends-on requires it) with the oldest release of s's Module at or above min in its major, whether
	// that is above or below s's own version: the node whose depends-on minimal version selection reads. A
	// skill raised stays the same skill, wherever its name would be looked up. An error when there is none.
	Upgrade(s Node, min, by string) (Node, error)
}

// WalkOptions change what the walk follows.
type WalkOptions struct {
	WithRelated bool // also resolve the requested skills' related-skills, as requested skills
	MaxDepth    int  // 0 means MaxDepth
}

// Walked is the closed set of skills a walk found.
type Walked struct {
	Graph     *Graph
	Found     map[string]Node // by name
	Names     []string        // found names in the order they were found
	Roots     []string        // requested: the roots, then related skills found with WithRelated
	Suggested []string        // related-skills of requested skills that were not found, sorted
}

// ConflictError is two different skills of one name, both needed.
type ConflictError struct {
	Name          string
	First, Second Node
	Chain         []string // how the second was reached; the first was found earlier
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: two different skills of that name are needed: %s and %s", e.Name, e.First.ID, e.Second.ID)
}

// AmbiguousError is a name with several candidates at the first place that has any.
type AmbiguousError struct {
	Chain      []string // from a requested skill to the ambiguous name
	Place      Place
	Candidates []Node
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		ids[i] = c.ID
	}
	return fmt.Sprintf("%s: ambiguous: %d candidates in %s: %s", strings.Join(e.Chain, " -> "), len(ids), e.Place, strings.Join(ids, ", "))
}

// MajorError is two majors of one skill required: they cannot be installed side by side, and minimal
// version selection never crosses a major.
type MajorError struct {
	Name          string
	First, Second []string // each chain from a requested skill, its last element NAME@VERSION
}

func (e *MajorError) Error() string {
	return fmt.Sprintf("%s: two majors of it are required, and one folder holds one version:\n  %s\n  %s",
		e.Name, strings.Join(e.First, " -> "), strings.Join(e.Second, " -> "))
}

// AskError is an error of Reqs.Candidates that belongs to one of its asks (the Ask-th, a dependency's
// folder over a limit, say): the walk reports it as a ChainError, after the chain that led to that name.
type AskError struct {
	Ask int
	Err error
}

func (e *AskError) Error() string { return e.Err.Error() }
func (e *AskError) Unwrap() error { return e.Err }

// ChainError is an error met on the way to the last name of Chain, from a requested skill.
type ChainError struct {
	Chain []string
	Err   error
}

func (e *ChainError) Error() string { return strings.Join(e.Chain, " -> ") + ": " + e.Err.Error() }
func (e *ChainError) Unwrap() error { return e.Err }

// DepthError is a depends-on chain longer than the limit.
type DepthError struct {
	Chain []string
	Limit int
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("%s: depends-on chain longer than %d skills; refusing to follow it", strings.Join(e.Chain, " -> "), e.Limit)
}

// Walk resolves roots and everything they need through reqs. Missing names and cycles are not errors here:
// they are recorded in the returned graph, whose Order reports them with their chains (deps draws them
// first). A conflict, an ambiguity, a chain over the depth limit or an error from reqs ends the walk.
//
// Versions are cmd/go's minimal version selection. Every depends-on minimum is a node of the requirement
// graph (NAME@v1.2 is the oldest release of NAME's skill at or above v1.2.0 in its major), the depends-on of
// every node reached is read, and each name gets the highest version among its nodes, so the selection does
// not depend on the order or the depth in which the minimums are met. A name is looked up once, for the
// first skill that asks; its other versions come from Upgrade, within the skill found. Where cmd/go's build
// list keeps every module reached, the walk keeps the names the selected versions reach from the roots: a
// skill that only an unselected version needed would be installed for nothing. The minimums such versions
// required still count, as in cmd/go, which is what keeps the selection independent of the walk order.
func Walk(reqs Reqs, roots []Node, opts WalkOptions) (*Walked, error) {
	limit := opts.MaxDepth
	if limit <= 0 {
		limit = MaxDepth
	}
	w := &Walked{Graph: New(), Found: map[string]Node{}}
	parent := map[string]string{} // name -> the name that first asked for it
	depth := map[string]int{}
	// read holds every node visited (by ID) with its depends-on, split, and its related-skills: each node's
	// requirements are read once, whichever version ends up selected.
	type reqsOf struct{ names, mins, related []string }
	read := map[string]reqsOf{}
	// majors is the first major required or found of each name, with the chain that did: minimal version
	// selection never crosses a major.
	type firstMajor struct {
		major int
		chain []string
	}
	majors := map[string]firstMajor{}
	// memo is the node of each minimum already answered, by module and minimum: Upgrade is asked once each.
	memo := map[string]Node{}
	upgraded := false // some name was reached at two versions
	chain := func(name string) []string {
		c := []string{name}
		for n := name; len(c) <= len(parent); { // parent is a forest; the bound only guards against a bug
			p, ok := parent[n]
			if !ok {
				break
			}
			c = append([]string{p}, c...)
			n = p
		}
		return c
	}
	at := func(name string, v string) []string { // a chain to name, ending NAME@VERSION
		c := chain(name)
		if v != "" {
			c[len(c)-1] += "@" + v
		}
		return c
	}
	checkMajor := func(name string, v semver.Version, c []string) error {
		if f, ok := majors[name]; !ok {
			majors[name] = firstMajor{v.Major, c}
		} else if f.major != v.Major {
			return &MajorError{Name: name, First: f.chain, Second: c}
		}
		return nil
	}
	// visit reads a node's requirements the first time it is reached; false when it was reached before.
	visit := func(s Node, d int) (bool, error) {
		if _, done := read[s.ID]; done {
			return false, nil
		}
		prev, ok := w.Found[s.Name]
		sv, okS := semver.Parse(s.Version)
		if ok {
			if _, okP := semver.Parse(prev.Version); prev.module() != s.module() || !okP || !okS {
				return false, &ConflictError{Name: s.Name, First: prev, Second: s, Chain: chain(s.Name)}
			}
		}
		if okS {
			if err := checkMajor(s.Name, sv, at(s.Name, s.Version)); err != nil {
				return false, err
			}
		}
		deps, rel, err := reqs.Required(s)
		if err != nil {
			return false, err
		}
		r := reqsOf{related: rel}
		for _, e := range deps {
			n, m := SplitRequirement(e)
			r.names, r.mins = append(r.names, n), append(r.mins, m)
		}
		read[s.ID] = r
		if !ok {
			w.Found[s.Name] = s
			w.Names = append(w.Names, s.Name)
			depth[s.Name] = d
		} else {
			upgraded = true
			if semver.Compare(sv, mustParse(prev.Version)) > 0 {
				w.Found[s.Name] = s
			}
		}
		return true, nil
	}
	isRoot := map[string]bool{}
	addRoot := func(name string) {
		if !isRoot[name] {
			isRoot[name] = true
			w.Roots = append(w.Roots, name)
		}
	}

	var level []Node
	for _, r := range roots {
		isNew, err := visit(r, 1)
		if err != nil {
			return nil, err
		}
		if isNew {
			level = append(level, r)
			addRoot(r.Name)
		}
	}
	relatedOfRoot := map[string]bool{}
	for _, r := range level {
		for _, s := range read[r.ID].related {
			relatedOfRoot[s] = true
		}
	}

	first := true
	for len(level) > 0 {
		var asks []Ask
		asked := map[string]int{} // name -> its index in asks
		// raises are the minimums of names already found (or asked for on this level): after the lookups,
		// each becomes its node through Upgrade, whether above or below the version found.
		type raise struct{ name, min, by string }
		var raises []raise
		ask := func(name string, by Node, min string) error {
			if min != "" {
				if err := checkMajor(name, mustParse(min), append(chain(by.Name), name+"@"+min)); err != nil {
					return err
				}
			}
			_, found := w.Found[name]
			_, asking := asked[name]
			switch {
			case found || asking:
				if min != "" {
					raises = append(raises, raise{name, min, by.Name})
				}
				return nil
			case depth[by.Name] >= limit:
				parent[name] = by.Name
				return &DepthError{Chain: chain(name), Limit: limit}
			}
			parent[name] = by.Name
			asked[name] = len(asks)
			asks = append(asks, Ask{Name: name, By: by, Min: min})
			return nil
		}
		for _, n := range level {
			r := read[n.ID]
			for i, d := range r.names {
				if err := ask(d, n, r.mins[i]); err != nil {
					return nil, err
				}
			}
			if first && opts.WithRelated {
				for _, s := range r.related {
					if err := ask(s, n, ""); err != nil {
						return nil, err
					}
				}
			}
		}
		first = false
		level = nil

		open := asks
		for _, place := range Places {
			if len(open) == 0 {
				break
			}
			got, err := reqs.Candidates(place, open)
			var ae *AskError
			if errors.As(err, &ae) && ae.Ask >= 0 && ae.Ask < len(open) {
				a := open[ae.Ask]
				return nil, &ChainError{Chain: append(chain(a.By.Name), a.Name), Err: ae.Err}
			}
			if err != nil {
				return nil, err
			}
			var still []Ask
			for i, a := range open {
				var cands []Candidate
				if i < len(got) {
					cands = got[i]
				}
				best := lowest(cands)
				switch len(best) {
				case 0:
					still = append(still, a)
					continue
				case 1:
				default:
					skills := make([]Node, len(best))
					for j, c := range best {
						skills[j] = c.Skill
					}
					return nil, &AmbiguousError{Chain: chain(a.Name), Place: place, Candidates: skills}
				}
				s := best[0].Skill
				if s.Name != a.Name {
					w.Graph.SetMissing(a.Name, fmt.Sprintf("not found: the folder of that name in %s is the skill %s", place, s.Name))
				}
				if _, found := w.Found[s.Name]; !found && s.Name != a.Name {
					if _, ok := parent[s.Name]; !ok {
						parent[s.Name] = a.By.Name
					}
				}
				if a.Min != "" && s.Version != "" {
					if sv, _ := semver.Parse(s.Version); semver.Compare(sv, mustParse(a.Min)) < 0 {
						return nil, fmt.Errorf("%s: internal error: %s answered %s for at least %s", s.Name, place, s.Version, a.Min)
					}
					if s.Name == a.Name {
						memo[s.module()+"\x00"+a.Min] = s
					}
				}
				isNew, err := visit(s, depth[a.By.Name]+1)
				if err != nil {
					return nil, err
				}
				if isNew {
					level = append(level, s)
					if opts.WithRelated && relatedOfRoot[s.Name] {
						addRoot(s.Name)
					}
				}
			}
			open = still
		}
		for _, r := range raises {
			f, ok := w.Found[r.name]
			if !ok || f.Version == "" {
				continue // not found, or not a release: that satisfies any version
			}
			key := f.module() + "\x00" + r.min
			s, ok := memo[key]
			if !ok {
				var err error
				if s, err = reqs.Upgrade(f, r.min, r.by); err != nil {
					return nil, err
				}
				min := mustParse(r.min)
				if sv, ok := semver.Parse(s.Version); !ok || sv.Major != min.Major || semver.Compare(sv, min) < 0 || s.Name != r.name {
					return nil, fmt.Errorf("%s: internal error: raised to %s %q for at least %s", r.name, s.Name, s.Version, min)
				}
				memo[key] = s
			}
			isNew, err := visit(s, depth[r.name])
			if err != nil {
				return nil, err
			}
			if isNew {
				level = append(level, s)
			}
		}
		for _, a := range open {
			why := "not found"
			if a.By.Home != "" {
				why = "not found in " + a.By.Home
			}
			w.Graph.SetMissing(a.Name, why)
		}
	}

	required := map[string][]string{} // of each name's selected version
	related := map[string][]string{}
	for n, s := range w.Found {
		required[n], related[n] = read[s.ID].names, read[s.ID].related
	}
	// What only an unselected version needed is left out (the minimums it required stay counted).
	if upgraded {
		w.Names = reachable(w.Names, w.Roots, required, func(n string) []string {
			if opts.WithRelated {
				return related[n]
			}
			return nil
		}, w.Found)
		for n := range w.Found {
			if !slices.Contains(w.Names, n) {
				delete(w.Found, n)
			}
		}
	}
	for _, n := range w.Names {
		w.Graph.SetVersion(n, w.Found[n].Version)
		w.Graph.Add(n, required[n]...)
		w.Graph.Relate(n, related[n]...)
	}
	seen := map[string]bool{}
	for _, r := range w.Roots {
		for _, s := range related[r] {
			if _, in := w.Found[s]; !in && !seen[s] {
				seen[s] = true
				w.Suggested = append(w.Suggested, s)
			}
		}
	}
	sort.Strings(w.Suggested)
	return w, nil
}

// reachable keeps, in order, the names reachable from roots through required (and, for the roots only,
// through rel), as far as they were found.
func reachable(names, roots []string, required map[string][]string, rel func(string) []string, found map[string]Node) []string {
	seen := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		if _, ok := found[n]; !ok {
			return
		}
		seen[n] = true
		for _, d := range required[n] {
			visit(d)
		}
	}
	for _, r := range roots {
		visit(r)
		for _, s := range rel(r) {
			visit(s)
		}
	}
	out := names[:0:0]
	for _, n := range names {
		if seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// mustParse is semver.Parse of a version the walk made itself.
func mustParse(v string) semver.Version {
	out, _ := semver.Parse(v)
	return out
}

// lowest returns the candidates of the lowest rank, in the order given.
func lowest(cands []Candidate) []Candidate {
	if len(cands) == 0 {
		return nil
	}
	min := cands[0].Rank
	for _, c := range cands {
		if c.Rank < min {
			min = c.Rank
		}
	}
	var out []Candidate
	for _, c := range cands {
		if c.Rank == min {
			out = append(out, c)
		}
	}
	return out
}
