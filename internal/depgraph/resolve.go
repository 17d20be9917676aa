// Package depgraph is the pure dependency graph of skills: install order, cycles and missing names with the
// chain that led to them. It knows names and edges only, never git, files or YAML, so every rule is tested
// from text cases.
package depgraph

import (
	"errors"
	"slices"
	"sort"
	"strings"
)

// Graph holds skills by name. Depends-on edges are followed by Order; related edges are suggestions and are
// never followed. The zero value is not usable; call New.
type Graph struct {
	deps    map[string][]string // found skills and their depends-on, declared order, no duplicates
	related map[string][]string // suggestions, declared order, no duplicates
	missing map[string]string   // names looked for and not found, with why
	version map[string]string   // the release a found skill is at, when it is one
	seq     []string            // names in the order they first became known, for a stable default root set
	known   map[string]bool
}

// SetVersion records the release a found skill is at (v1.2.0), which deps shows beside its name.
func (g *Graph) SetVersion(name, version string) {
	if version != "" {
		g.version[name] = version
	}
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{
		deps:    map[string][]string{},
		related: map[string][]string{},
		version: map[string]string{},
		missing: map[string]string{},
		known:   map[string]bool{},
	}
}

func (g *Graph) note(name string) {
	if !g.known[name] {
		g.known[name] = true
		g.seq = append(g.seq, name)
	}
}

// appendNew appends the names of add not already in list, keeping their order.
func appendNew(list []string, add []string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// Add records a found skill and its depends-on names, in declared order. Adding a name again appends
// dependencies it did not have. A found skill is never missing, whatever SetMissing said.
func (g *Graph) Add(name string, deps ...string) {
	g.note(name)
	g.deps[name] = appendNew(g.deps[name], deps)
	if g.deps[name] == nil {
		g.deps[name] = []string{}
	}
	delete(g.missing, name)
}

// Relate records suggestions of name. Order never follows them, so related skills may form cycles freely.
func (g *Graph) Relate(name string, related ...string) {
	g.note(name)
	g.related[name] = appendNew(g.related[name], related)
}

// SetMissing records that name was looked for and not found; why reads like "not found in REPO@COMMIT". It
// has no effect on a name that was Added.
func (g *Graph) SetMissing(name, why string) {
	if _, found := g.deps[name]; found {
		return
	}
	g.note(name)
	g.missing[name] = why
}

// Deps returns the depends-on names of name, in declared order.
func (g *Graph) Deps(name string) []string { return slices.Clone(g.deps[name]) }

// Related returns the suggestions recorded for name, in declared order.
func (g *Graph) Related(name string) []string { return slices.Clone(g.related[name]) }

// found reports whether name was Added.
func (g *Graph) found(name string) bool {
	_, ok := g.deps[name]
	return ok
}

// why returns the reason a name reached by a depends-on edge is missing.
func (g *Graph) why(name string) string {
	if w, ok := g.missing[name]; ok && w != "" {
		return w
	}
	return "not found"
}

// defaultRoots is used when the caller names no roots: every found skill nothing depends on, in the order
// they became known, then one member of each remaining cycle, so the whole graph is covered.
func (g *Graph) defaultRoots() []string {
	depended := map[string]bool{}
	for _, ds := range g.deps {
		for _, d := range ds {
			depended[d] = true
		}
	}
	var roots []string
	for _, n := range g.seq {
		if g.found(n) && !depended[n] {
			roots = append(roots, n)
		}
	}
	seen := map[string]bool{}
	var mark func(string)
	mark = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, d := range g.deps[n] {
			mark(d)
		}
	}
	for _, r := range roots {
		mark(r)
	}
	for _, n := range g.seq {
		if g.found(n) && !seen[n] {
			roots = append(roots, n)
			mark(n)
		}
	}
	return roots
}

// CycleError is a depends-on cycle. Chain starts at a root, follows the shortest path to the cycle and goes
// once around it, so its last name repeats an earlier one: [root a b a] reads "root needs a needs b needs a".
type CycleError struct{ Chain []string }

func (e *CycleError) Error() string { return "cycle: " + strings.Join(e.Chain, " -> ") }

// MissingError is a name that was needed and not found. Chain is the shortest path from a root to it, the
// missing name last.
type MissingError struct {
	Chain []string
	Why   string
}

func (e *MissingError) Error() string {
	name := e.Chain[len(e.Chain)-1]
	if len(e.Chain) == 1 {
		return name + ": " + e.Why
	}
	return strings.Join(e.Chain, " -> ") + ": " + name + " " + e.Why
}

// Hints say where a missing name could come from: a registry that has it (search the configured ones,
// or add the one that publishes it). A depends-on names a skill, never where it lives, so the walk
// cannot find one in a repository no registry lists.
func (e *MissingError) Hints() []string {
	name := e.Chain[len(e.Chain)-1]
	return []string{
		"skillctl search " + name + "   # the registries you have, by name and description",
		"skillctl registry add NAME URL   # a registry that publishes " + name + ", then run the command again",
	}
}

// paths holds a breadth-first search over depends-on edges from the roots: the shortest chain to every
// reachable name, ties broken by root order and then declared order.
type paths struct {
	parent map[string]string
	dist   map[string]int
}

func (g *Graph) shortest(roots []string) paths {
	p := paths{parent: map[string]string{}, dist: map[string]int{}}
	var queue []string
	for _, r := range roots {
		if _, ok := p.dist[r]; !ok {
			p.dist[r] = 0
			queue = append(queue, r)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range g.deps[n] {
			if _, ok := p.dist[d]; !ok {
				p.dist[d] = p.dist[n] + 1
				p.parent[d] = n
				queue = append(queue, d)
			}
		}
	}
	return p
}

func (p paths) chain(to string) []string {
	var c []string
	for n := to; ; {
		c = append(c, n)
		par, ok := p.parent[n]
		if !ok {
			break
		}
		n = par
	}
	slices.Reverse(c)
	return c
}

// walk is one depth-first pass in declared order. It calls post for every found name after all of its
// dependencies, miss once for every missing name, and back for every edge that closes a cycle, with the
// names of the cycle in order (the first one is the edge's target).
func (g *Graph) walk(roots []string, post func(string), miss func(string), back func([]string)) {
	const (
		unseen = iota
		onStack
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string)
	visit = func(n string) {
		switch state[n] {
		case done:
			return
		case onStack:
			i := slices.Index(stack, n)
			back(slices.Clone(stack[i:]))
			return
		}
		if !g.found(n) {
			state[n] = done
			miss(n)
			return
		}
		state[n] = onStack
		stack = append(stack, n)
		for _, d := range g.deps[n] {
			visit(d)
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		post(n)
	}
	for _, r := range roots {
		visit(r)
	}
}

// Order returns every skill reachable from roots by depends-on edges, each after its dependencies: a
// depth-first walk in declared order, so the result is deterministic. With no roots it orders the whole
// graph. It reports every problem at once (errors.Join of *CycleError and *MissingError, in the order the
// walk meets them, each chain once) and then returns no order, so nothing partial gets installed.
func (g *Graph) Order(roots ...string) ([]string, error) {
	if len(roots) == 0 {
		roots = g.defaultRoots()
	}
	var order []string
	var errs []error
	var sp *paths
	bfs := func() paths {
		if sp == nil {
			p := g.shortest(roots)
			sp = &p
		}
		return *sp
	}
	seen := map[string]bool{}
	g.walk(roots, func(n string) { order = append(order, n) },
		func(n string) {
			errs = append(errs, &MissingError{Chain: bfs().chain(n), Why: g.why(n)})
		},
		func(cycle []string) {
			c := bfs().cycleChain(cycle)
			key := strings.Join(c, "\x00")
			if !seen[key] {
				seen[key] = true
				errs = append(errs, &CycleError{Chain: c})
			}
		})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return order, nil
}

// cycleChain turns a cycle found on the walk's stack into the chain users read: enter the cycle at its name
// closest to a root, by the shortest path, and go around once.
func (p paths) cycleChain(cycle []string) []string {
	best := 0
	for i, n := range cycle {
		if p.dist[n] < p.dist[cycle[best]] {
			best = i
		}
	}
	c := p.chain(cycle[best])
	for i := 1; i <= len(cycle); i++ {
		c = append(c, cycle[(best+i)%len(cycle)])
	}
	return c
}

// MaxCycles bounds Cycles: a graph can hold exponentially many elementary cycles, and a hostile repository
// must not make listing them hang.
const MaxCycles = 1000

// Cycles returns the elementary depends-on cycles of the whole graph, each once, rotated to start at its
// smallest name, with that name repeated at the end: [a b a]. They come sorted by their first name and
// then in declared order, at most MaxCycles of them. It uses Johnson's algorithm, whose blocking keeps the
// work proportional to the cycles found.
func (g *Graph) Cycles() [][]string {
	names := make([]string, 0, len(g.deps))
	for n := range g.deps {
		names = append(names, n)
	}
	sort.Strings(names)
	var out [][]string
	for _, s := range names {
		if len(out) >= MaxCycles {
			break
		}
		blocked := map[string]bool{}
		blockedBy := map[string]map[string]bool{}
		var stack []string
		var unblock func(string)
		unblock = func(n string) {
			blocked[n] = false
			for m := range blockedBy[n] {
				delete(blockedBy[n], m)
				if blocked[m] {
					unblock(m)
				}
			}
		}
		// Only names ≥ s take part, so every cycle is found exactly once, from its smallest name.
		next := func(n string) []string {
			var ns []string
			for _, d := range g.deps[n] {
				if d >= s && g.found(d) {
					ns = append(ns, d)
				}
			}
			return ns
		}
		var circuit func(string) bool
		circuit = func(v string) bool {
			closed := false
			stack = append(stack, v)
			blocked[v] = true
			for _, w := range next(v) {
				if len(out) >= MaxCycles {
					break
				}
				if w == s {
					out = append(out, append(slices.Clone(stack), s))
					closed = true
				} else if !blocked[w] && circuit(w) {
					closed = true
				}
			}
			if closed {
				unblock(v)
			} else {
				for _, w := range next(v) {
					if blockedBy[w] == nil {
						blockedBy[w] = map[string]bool{}
					}
					blockedBy[w][v] = true
				}
			}
			stack = stack[:len(stack)-1]
			return closed
		}
		circuit(s)
	}
	return out
}
