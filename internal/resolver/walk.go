package resolver

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/depgraph"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Resolved is a located folder read as a skill.
type Resolved struct {
	*Located
	Name      string // the installed name: the one SKILL.md declares when valid, else the folder's
	Manifest  *manifest.Skill
	Diags     []manifest.Diagnostic
	Requested bool
}

// Deps are the names the skill depends on.
func (s *Resolved) Deps() []string {
	if s.Manifest == nil {
		return nil
	}
	return s.Manifest.DependsOn
}

// Requires are the skill's depends-on entries as the walk reads them: NAME, or NAME@vX[.Y[.Z]] for at
// least that version.
func (s *Resolved) Requires() []string {
	if s.Manifest == nil {
		return nil
	}
	out := make([]string, len(s.Manifest.DependsOn))
	for i, n := range s.Manifest.DependsOn {
		out[i] = n
		if i < len(s.Manifest.DependsOnVersion) && s.Manifest.DependsOnVersion[i] != "" {
			out[i] += "@" + s.Manifest.DependsOnVersion[i]
		}
	}
	return out
}

// Related are the names the skill suggests that are skill names; the rest (warned about by the
// validator) are never looked up or printed.
func (s *Resolved) Related() []string {
	if s.Manifest == nil {
		return nil
	}
	var out []string
	for _, r := range s.Manifest.RelatedSkills {
		if manifest.ValidName(r) {
			out = append(out, r)
		}
	}
	return out
}

// checkNames refuses a skill whose depends-on holds an entry that is not a skill name, with the rule
// that says so, before anything looks the entry up or prints it in a graph or a resolution error: such an
// entry can carry escape sequences, bidi overrides or a look-alike of another name. --force does not
// change this: no skill can have that name.
func (s *Resolved) checkNames() error {
	var lines []string
	for _, d := range s.Diags {
		if d.Rule == "depends-on-invalid-name" || d.Rule == "depends-on-type" || d.Rule == "depends-on-version" {
			lines = append(lines, fmt.Sprintf("  %s:%d:%d: %s [%s]", d.File, d.Line, d.Column, d.Message, d.Rule))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return clierr.WithHint(fmt.Errorf("%s: depends-on names that are not skill names; nothing was resolved:\n%s", s.Name, strings.Join(lines, "\n")),
		"a depends-on entry is a skill name of a-z, 0-9 and '-'; ask the skill's author to fix it")
}

// Read reads a located folder's SKILL.md. A mismatch between the declared name and the folder's is the
// validator's name-dir-mismatch error, reported in Diags.
func Read(l *Located) (*Resolved, error) {
	dir := ""
	if l.Origin.Path != "" {
		dir = path.Base(l.Origin.Path)
	}
	if l.Origin.Kind == Local {
		dir = filepath.Base(l.Origin.Dir)
	}
	rd := manifest.ReadFolder(manifest.FolderInput{Folder: l.Folder, Dir: dir, Show: dir}, manifest.Mode{Fields: agents.KnownFields()})
	if rd.Err != nil {
		return nil, clierr.WithHint(fmt.Errorf("%s: %w", l.Origin, rd.Err), "point the source at a folder that holds a SKILL.md")
	}
	sk, diags := rd.Skill, rd.Diags
	name := dir
	if sk != nil && manifest.ValidName(sk.Name) {
		name = sk.Name
	}
	if name == "" || !manifest.ValidName(name) {
		return nil, fmt.Errorf("%s: cannot tell the skill's name: its SKILL.md has no valid name and its folder name %q is not one", l.Origin, dir)
	}
	out := &Resolved{Located: l, Name: name, Manifest: sk, Diags: diags}
	if err := out.checkNames(); err != nil {
		return nil, err
	}
	return out, nil
}

// Resolution is the closed set of skills some sources need.
type Resolution struct {
	Skills    map[string]*Resolved // by name
	Roots     []string             // requested: the sources, then related skills with withRelated
	Graph     *depgraph.Graph      // for Order (install order, cycles and missing names with their chains)
	Suggested []string             // related skills of the requested ones, not resolved
}

// Resolve locates the sources and walks everything they depend on (see depgraph.Walk for the rules).
// Missing names and cycles are in the graph, not errors, so deps can draw them; Order reports them.
func (r *Resolver) Resolve(ctx context.Context, raws []string, withRelated bool) (*Resolution, error) {
	locs, err := r.locate(ctx, raws, true)
	if err != nil {
		return nil, err
	}
	return r.Expand(ctx, locs, withRelated)
}

// Expand walks everything located roots depend on: Resolve after LocateAll, update after Follow.
func (r *Resolver) Expand(ctx context.Context, locs []*Located, withRelated bool) (*Resolution, error) {
	a := &adapter{r: r, ctx: ctx, skills: map[string]*Resolved{}, cands: map[string]registry.Candidate{}}
	var roots []depgraph.Node
	requestedAs := map[string]*Located{}
	for _, l := range locs {
		a.requested = append(a.requested, l.Source)
		sk, err := Read(l)
		if err != nil {
			return nil, err
		}
		roots = append(roots, a.add(sk))
		if _, ok := requestedAs[sk.Name]; !ok {
			requestedAs[sk.Name] = sk.Located
		}
	}
	w, err := depgraph.Walk(a, roots, depgraph.WalkOptions{WithRelated: withRelated})
	if err != nil {
		return nil, a.explain(err)
	}
	res := &Resolution{Skills: map[string]*Resolved{}, Roots: w.Roots, Graph: w.Graph, Suggested: w.Suggested}
	for _, n := range w.Names {
		sk := a.skills[w.Found[n].ID]
		if sk.Folder == nil { // found unfetched: only an ambiguity leaves one so, and that is an error
			return nil, fmt.Errorf("%s: internal error: resolved without its files", n)
		}
		res.Skills[n] = sk
	}
	for _, n := range w.Roots {
		sk := res.Skills[n]
		if orig, ok := requestedAs[n]; ok && sk.Origin.Key() != orig.Origin.Key() {
			// Minimal version selection raised a requested skill to a release a dependency needs: the lock
			// still records it under the source the user typed.
			l := *sk.Located
			l.Source, l.Registry, l.Author = orig.Source, orig.Registry, orig.Author
			cp := *sk
			cp.Located = &l
			sk = &cp
			res.Skills[n] = sk
		}
		sk.Requested = true
	}
	return res, nil
}

// adapter is the world as depgraph.Walk sees it.
type adapter struct {
	r         *Resolver
	ctx       context.Context
	skills    map[string]*Resolved          // by origin key
	cands     map[string]registry.Candidate // registry candidates by origin key, for messages
	requested []string                      // the requested skills' sources, as typed
}

// pickCommand is the command line a hint that picks one of several skills for a depends-on name starts
// with: a requested skill of that name satisfies the depends-on (depgraph.Walk), so the fix is the command
// the user ran with the pick added, for install and deps; any other command (update, which follows the
// lock) is fixed by installing the pick.
func (a *adapter) pickCommand() string {
	run := a.r.command()
	if run != "skillctl install" && run != "skillctl deps" {
		return "skillctl install"
	}
	for _, s := range a.requested {
		run += " " + textsafe.ShellWord(s)
	}
	return run
}

func (a *adapter) add(sk *Resolved) depgraph.Node {
	k := sk.Origin.Key()
	if prev, ok := a.skills[k]; ok && prev.Folder != nil {
		sk = prev
	}
	a.skills[k] = sk
	return depgraph.Node{Name: sk.Name, ID: k, Home: sk.Origin.home(), Version: sk.Origin.Version, Module: sk.Origin.module()}
}

// unfetched stands for a candidate that is not worth fetching yet: one of several, which the walk
// reports as ambiguous without reading them.
func (a *adapter) unfetched(name string, o Origin) depgraph.Node {
	k := o.Key()
	if _, ok := a.skills[k]; !ok {
		a.skills[k] = &Resolved{Located: &Located{Origin: o, Source: name, Label: name}, Name: name}
	}
	return depgraph.Node{Name: a.skills[k].Name, ID: k, Home: o.home()}
}

func (a *adapter) Required(s depgraph.Node) ([]string, []string, error) {
	sk := a.skills[s.ID]
	if sk == nil {
		return nil, nil, fmt.Errorf("%s: internal error: unknown skill", s.ID)
	}
	if sk.Folder == nil {
		f, err := a.r.Load(a.ctx, sk.Origin)
		if err != nil {
			return nil, nil, err
		}
		read, err := Read(&Located{Origin: sk.Origin, Folder: f, Source: sk.Source, Label: sk.Label})
		if err != nil {
			return nil, nil, err
		}
		*sk = *read
	}
	return sk.Requires(), sk.Related(), nil
}

// Upgrade answers a minimum required of a skill found at a release with the oldest release of its folder,
// in its repository, at or above min (releaseOf), also when that is below the release found: minimal
// version selection reads every such release's depends-on. The skill stays the skill that was found, as it
// was asked for (its source, registry and author stay).
func (a *adapter) Upgrade(s depgraph.Node, min, by string) (depgraph.Node, error) {
	sk := a.skills[s.ID]
	if sk == nil || sk.Folder == nil {
		return depgraph.Node{}, fmt.Errorf("%s: internal error: raised before it was read", s.ID)
	}
	o, err := a.r.releaseOf(a.ctx, sk.Origin, "", min, by+" -> "+s.Name)
	if err != nil {
		return depgraph.Node{}, err
	}
	f, err := a.r.Load(a.ctx, o)
	if err != nil {
		return depgraph.Node{}, err
	}
	l := *sk.Located
	l.Origin, l.Folder, l.Moved = o, f, ""
	read, err := Read(&l)
	if err != nil {
		return depgraph.Node{}, err
	}
	if c, ok := a.cands[s.ID]; ok {
		a.cands[o.Key()] = c
	}
	return a.add(read), nil
}

func (a *adapter) Candidates(place depgraph.Place, asks []depgraph.Ask) ([][]depgraph.Candidate, error) {
	switch place {
	case depgraph.Sibling:
		return a.siblings(asks)
	case depgraph.SameRepo:
		return a.sameRepo(asks)
	case depgraph.Registries:
		return a.registries(asks)
	}
	return a.bundled(asks)
}

// siblings: a folder of the name beside the asking skill, in its repository at its commit or on disk.
// One fetch per repository and commit for the whole level.
func (a *adapter) siblings(asks []depgraph.Ask) ([][]depgraph.Candidate, error) {
	out := make([][]depgraph.Candidate, len(asks))
	type at struct{ repo, commit string }
	want := map[at]map[string][]int{} // repo@commit -> sibling path -> asks
	var order []at
	for i, ask := range asks {
		o := a.skills[ask.By.ID].Origin
		switch o.Kind {
		case Git:
			k := at{o.Repo, o.Commit}
			if want[k] == nil {
				want[k] = map[string][]int{}
				order = append(order, k)
			}
			p := siblingPath(o.Path, ask.Name)
			want[k][p] = append(want[k][p], i)
		case Local:
			dir := filepath.Join(filepath.Dir(o.Dir), ask.Name)
			if localfs.SkillFile(dir) == "" {
				continue
			}
			f, err := a.r.readLocal(dir)
			if err != nil {
				return nil, err
			}
			sk, err := Read(&Located{Origin: Origin{Kind: Local, Dir: dir}, Folder: f, Source: ask.Name, Label: ask.Name})
			if err != nil {
				return nil, err
			}
			out[i] = []depgraph.Candidate{{Skill: a.add(sk)}}
		}
	}
	for _, k := range order {
		paths := sortedKeys(want[k])
		got, _, err := a.r.world.Git.Fetch(a.ctx, k.repo, k.commit, paths)
		if err != nil {
			return nil, askError(err, want[k])
		}
		for _, p := range paths {
			f := got[p]
			if f == nil || manifest.SkillFileOf(f) == "" {
				continue
			}
			for _, i := range want[k][p] {
				sk, err := Read(&Located{Origin: Origin{Kind: Git, Repo: k.repo, Commit: k.commit, Path: p}, Folder: f, Source: asks[i].Name, Label: asks[i].Name})
				if err != nil {
					return nil, err
				}
				out[i] = []depgraph.Candidate{{Skill: a.add(sk)}}
			}
		}
	}
	return out, nil
}

// askError ties an error of a batch fetch to the ask whose folder it is about (a file over a limit, an
// unsafe entry: its path is in the folder; the deepest such folder when one holds another), so the walk
// reports it after the chain that led there. at maps each folder fetched to the asks it answers. A limit
// is counted per folder, so it names the folder over it.
func askError(err error, at map[string][]int) error {
	p := errPath(err)
	best := ""
	for folder, asks := range at {
		if len(asks) > 0 && underAny(p, []string{folder}) && len(folder) >= len(best) {
			best = folder
		}
	}
	if asks, ok := at[best]; ok && len(asks) > 0 && p != "" {
		return &depgraph.AskError{Ask: asks[0], Err: err}
	}
	return err
}

// errPath is the repository path a fetch error names (a file over a limit, an unsafe entry), or "".
func errPath(err error) string {
	var le *gitfetch.LimitError
	var ee *gitfetch.EntryError
	switch {
	case errors.As(err, &le):
		return le.Path
	case errors.As(err, &ee):
		return ee.Path
	}
	return ""
}

// underAny reports whether repository path p is one of folders or inside one.
func underAny(p string, folders []string) bool {
	for _, f := range folders {
		if p != "" && (p == f || strings.HasPrefix(p, f+"/")) {
			return true
		}
	}
	return false
}

// siblingPath is the folder a depends-on name is looked for in beside the skill at p: the walk's first
// place (siblings) and what siblingDeps fetches ahead of it.
func siblingPath(p, name string) string { return path.Join(path.Dir(p), name) }

// sameRepo: the skill folders of that name elsewhere in the asking skill's repository at its commit, from
// a listing of its trees. A unique one is fetched (one batch per repository and commit); several are
// returned unfetched, for the walk to report.
func (a *adapter) sameRepo(asks []depgraph.Ask) ([][]depgraph.Candidate, error) {
	out := make([][]depgraph.Candidate, len(asks))
	type fetch struct {
		at   []int
		path string
	}
	batches := map[string][]fetch{}
	var order []string
	for i, ask := range asks {
		o := a.skills[ask.By.ID].Origin
		if o.Kind != Git {
			continue
		}
		all, err := a.r.world.Git.Skills(a.ctx, o.Repo, o.Commit)
		if err != nil {
			return nil, err
		}
		sibling := siblingPath(o.Path, ask.Name)
		var found []string
		for _, c := range all {
			if path.Base(c) == ask.Name && c != sibling {
				found = append(found, c)
			}
		}
		slices.Sort(found)
		if len(found) > 1 {
			for _, p := range found {
				out[i] = append(out[i], depgraph.Candidate{Skill: a.unfetched(ask.Name, Origin{Kind: Git, Repo: o.Repo, Commit: o.Commit, Path: p})})
			}
			continue
		}
		if len(found) == 1 {
			k := o.Repo + "\x00" + o.Commit
			if _, ok := batches[k]; !ok {
				order = append(order, k)
			}
			batches[k] = append(batches[k], fetch{[]int{i}, found[0]})
		}
	}
	for _, k := range order {
		repo, commit, _ := strings.Cut(k, "\x00")
		var paths []string
		for _, f := range batches[k] {
			paths = append(paths, f.path)
		}
		got, _, err := a.r.world.Git.Fetch(a.ctx, repo, commit, paths)
		if err != nil {
			at := map[string][]int{}
			for _, f := range batches[k] {
				at[f.path] = f.at
			}
			return nil, askError(err, at)
		}
		for _, f := range batches[k] {
			folder := got[f.path]
			if folder == nil {
				continue
			}
			for _, i := range f.at {
				sk, err := Read(&Located{Origin: Origin{Kind: Git, Repo: repo, Commit: commit, Path: f.path}, Folder: folder, Source: asks[i].Name, Label: asks[i].Name})
				if err != nil {
					return nil, err
				}
				out[i] = []depgraph.Candidate{{Skill: a.add(sk)}}
			}
		}
	}
	return out, nil
}

// registries: the configured registries in order; each answer is the first registry that has the name,
// ranked by its position. The bundled registry answers at its own place, last.
func (a *adapter) registries(asks []depgraph.Ask) ([][]depgraph.Candidate, error) {
	out := make([][]depgraph.Candidate, len(asks))
	regs, err := a.r.registries()
	if err != nil {
		return nil, err
	}
	rank := map[string]int{}
	for i, n := range regs.Names() {
		rank[n] = i
	}
	for i, ask := range asks {
		cands, err := regs.Lookup(a.ctx, ask.Name, "", "")
		if err != nil {
			var ue *registry.UnreachableError
			if errors.As(err, &ue) {
				return nil, fmt.Errorf("%s -> %w", ask.By.Name, err) // which skill's depends-on asked
			}
			return nil, err
		}
		var configured []registry.Candidate
		for _, c := range cands {
			if !c.Builtin() {
				configured = append(configured, c)
			}
		}
		if len(configured) > 1 {
			for _, c := range configured {
				o := candidateOrigin(c)
				a.cands[o.Key()] = c
				out[i] = append(out[i], depgraph.Candidate{Skill: a.unfetched(ask.Name, o), Rank: rank[c.Registry]})
			}
			continue
		}
		for _, c := range configured {
			o, err := a.r.releaseOf(a.ctx, candidateOrigin(c), "", ask.Min, ask.By.Name+" -> "+ask.Name)
			if err != nil {
				return nil, err
			}
			l, err := a.r.candidateAt(a.ctx, c, o, ask.Name)
			if err != nil {
				return nil, err
			}
			sk, err := Read(l)
			if err != nil {
				return nil, err
			}
			a.cands[sk.Origin.Key()] = c
			out[i] = []depgraph.Candidate{{Skill: a.add(sk), Rank: rank[c.Registry]}}
		}
	}
	return out, nil
}

// bundled: the skill of that name bundled with skillctl.
func (a *adapter) bundled(asks []depgraph.Ask) ([][]depgraph.Candidate, error) {
	out := make([][]depgraph.Candidate, len(asks))
	for i, ask := range asks {
		f, ok := a.r.world.Bundled.Folder(ask.Name)
		if !ok {
			continue
		}
		sk, err := Read(&Located{Origin: Origin{Kind: Builtin, Path: ask.Name}, Folder: f, Source: ask.Name, Registry: registry.BuiltinName, Label: ask.Name})
		if err != nil {
			return nil, err
		}
		out[i] = []depgraph.Candidate{{Skill: a.add(sk)}}
	}
	return out, nil
}

// explain turns the walk's errors into messages with the commands that fix them.
func (a *adapter) explain(err error) error {
	var amb *depgraph.AmbiguousError
	var con *depgraph.ConflictError
	var maj *depgraph.MajorError
	switch {
	case errors.As(err, &amb):
		name := amb.Chain[len(amb.Chain)-1]
		by := strings.Join(amb.Chain[:len(amb.Chain)-1], " -> ")
		switch amb.Place {
		case depgraph.Registries:
			var cands []registry.Candidate
			for _, c := range amb.Candidates {
				cands = append(cands, a.cands[c.ID])
			}
			return fmt.Errorf("%s -> %w", by, registry.Ambiguous(a.pickCommand(), name, cands))
		case depgraph.SameRepo:
			var paths, hints []string
			var o Origin
			for _, c := range amb.Candidates {
				o = a.skills[c.ID].Origin
				paths = append(paths, o.Path)
				hints = append(hints, a.pickCommand()+" "+textsafe.ShellWord(source.GitText(o.Repo, o.Path, o.Commit)))
			}
			return clierr.WithHint(fmt.Errorf("%s -> %s: ambiguous: %d folders of that name in %s@%s: %s",
				by, name, len(paths), o.Repo, Short(o.Commit), strings.Join(paths, ", ")), hints...)
		}
	case errors.As(err, &maj):
		return clierr.WithHint(err, "one version of a skill is installed: ask the authors to move to one major, or install one of the requesting skills alone")
	case errors.As(err, &con):
		first, second := a.skills[con.First.ID], a.skills[con.Second.ID]
		return clierr.WithHint(fmt.Errorf("%s: two different skills of that name are needed:\n  %s (for %s)\n  %s (for %s)",
			con.Name, first.Origin, first.Source, second.Origin, second.Source),
			"install one of them alone, or fix the depends-on that names the other")
	}
	return err
}
