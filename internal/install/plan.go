package install

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/resolve"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
)

// node is one resolved skill: its folder, what its SKILL.md says, and how it was asked for.
type node struct {
	name      string
	source    string // as the user typed it, or the depends-on name that pulled it in
	origin    origin
	folder    *snapshot.Folder
	skill     *manifest.Skill
	diags     []manifest.Diagnostic
	requested bool
}

// checkNames refuses a skill whose depends-on holds an entry that is not a skill name, with the rule
// that says so, before anything looks the entry up or prints it in a graph or a resolution error: such an
// entry can carry escape sequences, bidi overrides or a look-alike of another name. --force does not
// change this: no skill can have that name.
func (n *node) checkNames() error {
	var lines []string
	for _, d := range n.diags {
		if d.Rule == "depends-on-invalid-name" || d.Rule == "depends-on-type" {
			lines = append(lines, fmt.Sprintf("  %s:%d:%d: %s [%s]", d.File, d.Line, d.Column, d.Message, d.Rule))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return clierr.WithHint(fmt.Errorf("%s: depends-on names that are not skill names; nothing was resolved:\n%s", n.name, strings.Join(lines, "\n")),
		"a depends-on entry is a skill name of a-z, 0-9 and '-'; ask the skill's author to fix it")
}

func (n *node) deps() []string {
	if n.skill == nil {
		return nil
	}
	return n.skill.DependsOn
}

// related lists the suggestions that are skill names; the rest (warned about by the validator) are
// never looked up or printed.
func (n *node) related() []string {
	if n.skill == nil {
		return nil
	}
	var out []string
	for _, r := range n.skill.RelatedSkills {
		if manifest.ValidName(r) {
			out = append(out, r)
		}
	}
	return out
}

// resolution is the closed set of skills one install needs.
type resolution struct {
	nodes     map[string]*node
	roots     []string
	order     []string // dependencies first
	graph     *resolve.Graph
	suggested []string
}

// rootSpec is a source the user asked for, parsed.
type rootSpec struct {
	raw string
	src source.Source
}

func parseSources(raw []string) ([]rootSpec, error) {
	var out []rootSpec
	for _, r := range raw {
		s, err := source.Parse(r)
		if err != nil {
			return nil, clierr.Usage(err)
		}
		out = append(out, rootSpec{raw: r, src: s})
	}
	return out, nil
}

// makeNode reads a fetched folder's SKILL.md. The installed name is the one the skill declares when it is
// a valid name, else its folder's; a mismatch between the two is the validator's name-dir-mismatch error.
func makeNode(o origin, f *snapshot.Folder, src string, requested bool) (*node, error) {
	md := f.File("SKILL.md")
	if md == nil {
		md = f.File("skill.md")
	}
	if md == nil || md.Mode == snapshot.Symlink {
		return nil, clierr.WithHint(fmt.Errorf("%s: not a skill: no SKILL.md in that folder", o), "point the source at a folder that holds a SKILL.md")
	}
	dir := baseName(o.path)
	if o.kind == fromLocal {
		dir = filepath.Base(o.dir)
	}
	skill, diags := manifest.Check(manifest.Input{File: path.Join(dir, md.Path), Dir: dir, Data: md.Data, Files: f.Paths()}, manifest.Mode{})
	name := dir
	if skill != nil && manifest.ValidName(skill.Name) {
		name = skill.Name
	}
	if name == "" || !manifest.ValidName(name) {
		return nil, fmt.Errorf("%s: cannot tell the skill's name: its SKILL.md has no valid name and its folder name %q is not one", o, dir)
	}
	return &node{name: name, source: src, origin: o, folder: f, skill: skill, diags: diags, requested: requested}, nil
}

// resolveAll fetches the requested skills and, level by level, everything they depend on. Lookups for one
// level are batched per repository and commit, so a skill and its dependencies from one marketplace cost a
// few requests, not one clone each.
func (w *world) resolveAll(specs []rootSpec, withRelated bool) (*resolution, error) {
	res := &resolution{nodes: map[string]*node{}, graph: resolve.New()}
	var level []*node
	add := func(n *node) error {
		if prev, ok := res.nodes[n.name]; ok {
			if prev.origin.key() != n.origin.key() {
				return clierr.WithHint(fmt.Errorf("%s: two different skills of that name are needed:\n  %s (for %s)\n  %s (for %s)", n.name, prev.origin, prev.source, n.origin, n.source),
					"install one of them alone, or fix the depends-on that names the other")
			}
			prev.requested = prev.requested || n.requested
			return nil
		}
		res.nodes[n.name] = n
		level = append(level, n)
		return nil
	}

	// Roots: git sources are pinned, then fetched in one batch per repo@commit.
	type gitWant struct {
		o    origin
		spec rootSpec
	}
	batches := map[string][]gitWant{}
	var batchKeys []string
	for _, sp := range specs {
		s := sp.src
		if s.Kind == source.Git && s.Shorthand && s.Author != "" {
			// OWNER/REPO and AUTHOR/NAME look alike: a configured registry's AUTHOR/NAME wins.
			if n := w.authorName(s, sp.raw); n != nil {
				if err := add(n); err != nil {
					return nil, err
				}
				continue
			}
		}
		switch s.Kind {
		case source.Git:
			o, err := w.pin(&s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sp.raw, err)
			}
			k := o.repo + "@" + o.commit
			if _, ok := batches[k]; !ok {
				batchKeys = append(batchKeys, k)
			}
			batches[k] = append(batches[k], gitWant{o, sp})
		case source.Local:
			dir := absDir(s.Dir)
			if !isDir(dir) {
				problem := "no such folder"
				if exists(dir) {
					problem = "not a folder"
				}
				return nil, clierr.WithHint(fmt.Errorf("%s: %s", sp.raw, problem), "a local source is the path of a folder that holds a SKILL.md")
			}
			if !exists(filepath.Join(dir, "SKILL.md")) && !exists(filepath.Join(dir, "skill.md")) {
				// Checked before reading: `skillctl install /` must not walk the disk to say no.
				return nil, clierr.WithHint(fmt.Errorf("%s: not a skill: no SKILL.md in that folder", sp.raw), "point the source at a folder that holds a SKILL.md")
			}
			f, err := w.local(dir)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sp.raw, err)
			}
			n, err := makeNode(origin{kind: fromLocal, dir: dir}, f, sp.raw, true)
			if err != nil {
				return nil, err
			}
			if err := add(n); err != nil {
				return nil, err
			}
		case source.Name:
			n, err := w.byName(s.Name, s.Author, s.Registry, sp.raw)
			if err != nil {
				return nil, err
			}
			if err := add(n); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range batchKeys {
		b := batches[k]
		paths := make([]string, len(b))
		for i, g := range b {
			paths[i] = g.o.path
		}
		got, missing, err := w.fetchGit(b[0].o.repo, b[0].o.commit, paths)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, clierr.WithHint(fmt.Errorf("%s: no folder %s at commit %s", b[0].o.repo, strings.Join(missing, ", "), short(b[0].o.commit)),
				"check the path in the URL; the ref was resolved to that commit")
		}
		for _, g := range b {
			n, err := makeNode(g.o, got[g.o.path], g.spec.raw, true)
			if err != nil {
				return nil, err
			}
			if err := add(n); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range level {
		res.roots = append(res.roots, n.name)
	}

	first := true
	for len(level) > 0 {
		cur := level
		level = nil
		want := map[string]*node{} // dependency name -> the skill that first asked for it
		var names []string
		ask := func(name string, by *node) {
			if _, done := res.nodes[name]; done {
				return
			}
			if _, ok := want[name]; ok {
				return
			}
			want[name] = by
			names = append(names, name)
		}
		for _, n := range cur {
			if err := n.checkNames(); err != nil {
				return nil, err
			}
			for _, d := range n.deps() {
				ask(d, n)
			}
			if first && withRelated {
				for _, r := range n.related() {
					ask(r, n)
				}
			}
		}
		first = false
		found, err := w.lookupDeps(names, want)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if n := found[name]; n != nil {
				n.requested = withRelated && isRelatedOfRoot(res, name)
				if err := add(n); err != nil {
					return nil, err
				}
				if n.requested {
					res.roots = append(res.roots, name) // asked for through --with-related
				}
			} else {
				res.graph.SetMissing(name, "not found in "+w.where(want[name].origin))
			}
		}
	}

	for _, n := range res.nodes {
		res.graph.Add(n.name, n.deps()...)
		res.graph.Relate(n.name, n.related()...)
	}
	seen := map[string]bool{}
	for _, r := range res.roots {
		for _, s := range res.nodes[r].related() {
			if _, in := res.nodes[s]; !in && !seen[s] {
				seen[s] = true
				res.suggested = append(res.suggested, s)
			}
		}
	}
	sort.Strings(res.suggested)
	return res, nil
}

func isRelatedOfRoot(res *resolution, name string) bool {
	for _, r := range res.roots {
		for _, s := range res.nodes[r].related() {
			if s == name {
				return true
			}
		}
	}
	return false
}

// where names the place a dependency was looked for, for "x not found in ..." messages.
func (w *world) where(o origin) string {
	switch o.kind {
	case fromGit:
		return fmt.Sprintf("%s@%s nor in any registry", o.repo, short(o.commit))
	case fromLocal:
		return filepath.Dir(o.dir) + " nor in any registry"
	}
	return "any registry"
}

// byName finds a skill the user asked for by name: NAME, NAME@REGISTRY or AUTHOR/NAME. Without
// @REGISTRY a name found in two configured registries is ambiguous (the error lists the command that
// picks each); the bundled registry answers only when no configured one does.
func (w *world) byName(name, author, reg, raw string) (*node, error) {
	regs, err := w.registries()
	if err != nil {
		return nil, err
	}
	var cands []registry.Candidate
	if reg != "" {
		cands, err = regs.Lookup(w.ctx, name, author, reg)
	} else {
		cands, err = regs.LookupAll(w.ctx, name, author)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	var configured, builtin []registry.Candidate
	for _, c := range cands {
		if c.Builtin() {
			builtin = append(builtin, c)
		} else {
			configured = append(configured, c)
		}
	}
	if len(configured) == 0 {
		configured = builtin
	}
	switch len(configured) {
	case 0:
		hints := []string{"search the registries: skillctl search " + name}
		if reg == "" || reg == registry.BuiltinName {
			hints = append(hints, "bundled skills: "+strings.Join(w.builtin.Names(), ", "))
		}
		hints = append(hints, "install from a repository with a URL, e.g. skillctl install https://github.com/OWNER/REPO/tree/main/skills/"+name)
		where := "any registry"
		if reg != "" {
			where = "registry " + reg
		}
		return nil, clierr.WithHint(fmt.Errorf("%s: no skill of that name in %s", raw, where), hints...)
	case 1:
		return w.fromCandidate(configured[0], raw, true)
	}
	return nil, registry.Ambiguous(name, configured)
}

// registries loads the configured registries once per run, on first use, so a run that never looks a
// name up never reads the configuration.
func (w *world) registries() (*registry.Set, error) {
	if w.regs == nil {
		s, err := registry.Load(w.git)
		if err != nil {
			return nil, clierr.WithHint(err, "see 'skillctl registry list', or fix the file it names")
		}
		w.regs = s
	}
	return w.regs, nil
}

// fromCandidate fetches a registry's answer and reads it as a skill.
func (w *world) fromCandidate(c registry.Candidate, src string, requested bool) (*node, error) {
	switch {
	case c.Builtin():
		f, ok := w.builtin.Folder(c.Path)
		if !ok {
			return nil, fmt.Errorf("%s: no bundled skill %s", src, c.Path)
		}
		return makeNode(origin{kind: fromBuiltin, path: c.Path}, f, src, requested)
	case c.Dir != "":
		f, err := w.local(c.Dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		return makeNode(origin{kind: fromLocal, dir: c.Dir}, f, src, requested)
	}
	o := origin{kind: fromGit, repo: c.Repo, ref: c.Ref, commit: c.Commit, path: c.Path}
	f, err := w.load(o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return makeNode(o, f, src, requested)
}

// lookupDeps finds each wanted name from the place of the skill that asked for it: a sibling folder in the
// same repository first, then a unique folder of that name anywhere in that repository at that commit,
// then the bundled registry. Two candidates at one level is an error that lists both.
func (w *world) lookupDeps(names []string, want map[string]*node) (map[string]*node, error) {
	found := map[string]*node{}
	type key struct{ repo, commit string }
	siblings := map[key]map[string]string{} // repo@commit -> path -> name
	var keys []key
	var rest []string
	for _, name := range names {
		by := want[name]
		switch by.origin.kind {
		case fromGit:
			k := key{by.origin.repo, by.origin.commit}
			if siblings[k] == nil {
				siblings[k] = map[string]string{}
				keys = append(keys, k)
			}
			siblings[k][path.Join(path.Dir(by.origin.path), name)] = name
		case fromLocal:
			dir := filepath.Join(filepath.Dir(by.origin.dir), name)
			if exists(filepath.Join(dir, "SKILL.md")) || exists(filepath.Join(dir, "skill.md")) {
				f, err := w.local(dir)
				if err != nil {
					return nil, err
				}
				n, err := makeNode(origin{kind: fromLocal, dir: dir}, f, name, false)
				if err != nil {
					return nil, err
				}
				found[name] = n
				continue
			}
			rest = append(rest, name)
		default:
			rest = append(rest, name)
		}
	}
	for _, k := range keys {
		var paths []string
		for p := range siblings[k] {
			paths = append(paths, p)
		}
		got, missing, err := w.fetchGit(k.repo, k.commit, paths)
		if err != nil {
			return nil, err
		}
		for p, f := range got {
			if f.File("SKILL.md") == nil && f.File("skill.md") == nil {
				missing = append(missing, p)
				continue
			}
			n, err := makeNode(origin{kind: fromGit, repo: k.repo, commit: k.commit, path: p}, f, siblings[k][p], false)
			if err != nil {
				return nil, err
			}
			found[siblings[k][p]] = n
		}
		if len(missing) == 0 {
			continue
		}
		// Not a sibling: look through the whole repository's skill folders (trees only).
		all, err := w.skillsIn(k.repo, k.commit)
		if err != nil {
			return nil, err
		}
		var second []string
		secondName := map[string]string{}
		for _, p := range missing {
			name := siblings[k][p]
			var cands []string
			for _, c := range all {
				if path.Base(c) == name && c != p {
					cands = append(cands, c)
				}
			}
			switch len(cands) {
			case 0:
				rest = append(rest, name)
			case 1:
				second = append(second, cands[0])
				secondName[cands[0]] = name
			default:
				sort.Strings(cands)
				var hints []string
				for _, c := range cands {
					hints = append(hints, "skillctl install "+k.repo+"//"+c+"#"+k.commit)
				}
				return nil, clierr.WithHint(fmt.Errorf("%s -> %s: ambiguous: %d folders of that name in %s@%s: %s",
					want[name].name, name, len(cands), k.repo, short(k.commit), strings.Join(cands, ", ")), hints...)
			}
		}
		if len(second) > 0 {
			got, missing, err := w.fetchGit(k.repo, k.commit, second)
			if err != nil {
				return nil, err
			}
			for _, p := range missing {
				rest = append(rest, secondName[p])
			}
			for p, f := range got {
				n, err := makeNode(origin{kind: fromGit, repo: k.repo, commit: k.commit, path: p}, f, secondName[p], false)
				if err != nil {
					return nil, err
				}
				found[secondName[p]] = n
			}
		}
	}
	// Not in the skill's own repository: the registries in order, the bundled one last.
	for _, name := range rest {
		regs, err := w.registries()
		if err != nil {
			return nil, err
		}
		cands, err := regs.Lookup(w.ctx, name, "", "")
		if err != nil {
			return nil, err
		}
		switch len(cands) {
		case 0:
			continue
		case 1:
		default:
			return nil, fmt.Errorf("%s -> %w", want[name].name, registry.Ambiguous(name, cands))
		}
		n, err := w.fromCandidate(cands[0], name, false)
		if err != nil {
			return nil, err
		}
		found[name] = n
	}
	return found, nil
}

// errInvalid collects the validation errors of skills that may not be installed.
func checkNodes(res *resolution, force bool, lim Limits) error {
	var errs []error
	for _, name := range res.order {
		n := res.nodes[name]
		if err := checkFolder(name, n.folder, lim); err != nil {
			errs = append(errs, err)
			continue
		}
		if r, err := report.Check(n.folder); err == nil && r != nil && r.Blocked && !force {
			why := r.Summary
			if why == "" {
				why = "no summary given"
			}
			errs = append(errs, clierr.WithHint(fmt.Errorf("%s: blocked by its marketplace security report (risk %s): %s", name, dash(r.Risk), why),
				"see the findings with: skillctl info "+n.source, "install it anyway with --force"))
			continue
		}
		if force || manifest.Valid(n.diags) {
			continue
		}
		var lines []string
		for _, d := range n.diags {
			if d.Severity == manifest.Error {
				lines = append(lines, fmt.Sprintf("  %s:%d:%d: %s [%s]", d.File, d.Line, d.Column, d.Message, d.Rule))
			}
		}
		errs = append(errs, clierr.WithHint(fmt.Errorf("%s: invalid skill (from %s):\n%s", name, n.origin, strings.Join(lines, "\n")),
			"fix the skill upstream, or install it anyway with --force"))
	}
	return errors.Join(errs...)
}

// authorName tries a two-part shorthand as AUTHOR/NAME in the configured registries (not the bundled
// one). Any failure means "not a registry skill": the caller goes on with OWNER/REPO on github.com.
func (w *world) authorName(s source.Source, raw string) *node {
	regs, err := w.registries()
	if err != nil {
		return nil
	}
	cands, err := regs.LookupAll(w.ctx, s.Name, s.Author)
	if err != nil {
		return nil
	}
	var configured []registry.Candidate
	for _, c := range cands {
		if !c.Builtin() {
			configured = append(configured, c)
		}
	}
	if len(configured) != 1 {
		return nil
	}
	n, err := w.fromCandidate(configured[0], raw, true)
	if err != nil {
		return nil
	}
	return n
}
