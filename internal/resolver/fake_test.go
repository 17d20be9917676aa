package resolver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// fakeWorld is a World served from a case of testdata/cases.txt: repositories with refs and files at
// commits, configured registries with their entries, the bundled skills, and folders on disk under tmp.
// It counts what it is asked, so a case can hold the number of requests a resolution costs.
type fakeWorld struct {
	repos   map[string]*fakeRepo // by repoKey of the URL
	aliases []fakeAlias          // for rendering: the repositories' URLs, longest first
	regs    []*fakeRegistry
	bundled map[string]*snapshot.Folder
	tmp     string   // local skills are written under it
	labels  []string // the commit labels of the case

	calls   map[string]int  // "ls-refs", "fetch", "beside", "list": requests since the last reset
	fetched map[string]bool // folders fetched since the last reset (repo, commit, path): a session has them
}

type fakeRepo struct {
	url   string
	refs  map[string]string                   // full ref name → commit
	trees map[string]map[string]snapshot.File // commit → path → file
}

type fakeAlias struct{ url, alias string }

type fakeRegistry struct {
	name        string
	unreachable bool
	entries     []registry.Candidate
}

func newFakeWorld(tmp string) *fakeWorld {
	return &fakeWorld{repos: map[string]*fakeRepo{}, bundled: map[string]*snapshot.Folder{}, tmp: tmp, calls: map[string]int{}}
}

// label notes a commit label, for rendering its hash back.
func (w *fakeWorld) label(l string) {
	for _, x := range w.labels {
		if x == l {
			return
		}
	}
	w.labels = append(w.labels, l)
}

// world is the fake as a resolver's World.
func (w *fakeWorld) world() World {
	return World{Git: w, Bundled: w, Names: func() (Names, error) { return w, nil }}
}

// repoKey is how the fake finds a repository whatever spelling of its URL the resolver asks with (a
// trailing .git or not, case): the resolver's own canonical form is not the fake's business.
func repoKey(url string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(url), "/"), ".git")
}

func (w *fakeWorld) repo(url string) (*fakeRepo, error) {
	r, ok := w.repos[repoKey(url)]
	if !ok {
		return nil, fmt.Errorf("%s: repository not found", url)
	}
	return r, nil
}

func (w *fakeWorld) ListRefs(ctx context.Context, repo string, prefixes ...string) (map[string]string, error) {
	w.calls["ls-refs"]++
	r, err := w.repo(repo)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, commit := range r.refs {
		match := len(prefixes) == 0
		for _, p := range prefixes {
			match = match || strings.HasPrefix(name, p)
		}
		if match {
			out[name] = commit
		}
	}
	return out, nil
}

func (w *fakeWorld) tree(repo, commit string) (map[string]snapshot.File, error) {
	r, err := w.repo(repo)
	if err != nil {
		return nil, err
	}
	t, ok := r.trees[commit]
	if !ok {
		return nil, fmt.Errorf("%s: no commit %s", repo, Short(commit))
	}
	return t, nil
}

// reset starts counting requests again, with nothing fetched.
func (w *fakeWorld) reset() {
	w.calls, w.fetched = map[string]int{}, map[string]bool{}
}

// Fetch counts a request when some path was not fetched since the last reset: the real Client answers a
// folder it fetched from memory.
func (w *fakeWorld) Fetch(ctx context.Context, repo, commit string, paths []string) (map[string]*snapshot.Folder, []string, error) {
	if w.fetched == nil {
		w.fetched = map[string]bool{}
	}
	counted := false
	for _, p := range paths {
		if k := repoKey(repo) + "\x00" + commit + "\x00" + p; !w.fetched[k] {
			w.fetched[k] = true
			if !counted {
				w.calls["fetch"]++
				counted = true
			}
		}
	}
	t, err := w.tree(repo, commit)
	if err != nil {
		return nil, nil, err
	}
	found := map[string]*snapshot.Folder{}
	var missing []string
	for _, p := range paths {
		f := &snapshot.Folder{}
		for fp, file := range t {
			rel, ok := strings.CutPrefix(fp, p+"/")
			if p == "" {
				rel, ok = fp, true
			}
			if ok {
				file.Path = rel
				f.Files = append(f.Files, file)
			}
		}
		if len(f.Files) == 0 {
			missing = append(missing, p)
			continue
		}
		f.Sort()
		found[p] = f
	}
	sort.Strings(missing)
	return found, missing, nil
}

func (w *fakeWorld) FetchAt(ctx context.Context, repo string, want map[string][]string) (map[string]map[string]*snapshot.Folder, map[string][]string, error) {
	found, missing := map[string]map[string]*snapshot.Folder{}, map[string][]string{}
	for c, paths := range want {
		got, miss, err := w.Fetch(ctx, repo, c, paths)
		if err != nil {
			return nil, nil, err
		}
		found[c], missing[c] = got, miss
	}
	return found, missing, nil
}

// Beside answers as gitfetch's does on GitHub's shape: the skill file of every folder beside each path
// not at the root.
func (w *fakeWorld) Beside(ctx context.Context, repo, commit string, paths []string) (map[string][]byte, error) {
	w.calls["beside"]++
	t, err := w.tree(repo, commit)
	if err != nil {
		return nil, err
	}
	parents := map[string]bool{}
	for _, p := range paths {
		if strings.Contains(p, "/") {
			parents[path.Dir(p)] = true
		}
	}
	out := map[string][]byte{}
	for fp := range t {
		dir, base := path.Split(fp)
		dir = strings.TrimSuffix(dir, "/")
		if !manifest.IsFileName(base) || !parents[path.Dir(dir)] {
			continue
		}
		name := manifest.SkillFile(func(n string) bool { _, ok := t[path.Join(dir, n)]; return ok })
		if f := t[path.Join(dir, name)]; f.Mode == snapshot.Regular {
			out[dir] = f.Data
		}
	}
	return out, nil
}

func (w *fakeWorld) Get(ctx context.Context, url string, max int64) ([]byte, error) {
	return nil, fmt.Errorf("%s: no web in the fake world", url)
}

func (w *fakeWorld) GetServed(ctx context.Context, url string, max int64) ([]byte, string, error) {
	data, err := w.Get(ctx, url, max)
	return data, url, err
}

// CommitTime: the fake's commits carry no times; nothing the resolver's cases ask decides by them.
func (w *fakeWorld) CommitTime(ctx context.Context, repo, commit string) (time.Time, error) {
	return time.Time{}, errors.New("the fake world has no commit times")
}

func (w *fakeWorld) Skills(ctx context.Context, repo, commit string) ([]string, error) {
	w.calls["list"]++
	t, err := w.tree(repo, commit)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for fp := range t {
		dir, base := path.Split(fp)
		dir = strings.TrimSuffix(dir, "/")
		if manifest.IsFileName(base) && !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (w *fakeWorld) Folder(name string) (*snapshot.Folder, bool) {
	f, ok := w.bundled[name]
	return f, ok
}

// Names lists the configured registries, then the bundled one, as registry.Set does.
func (w *fakeWorld) Names() []string {
	var out []string
	for _, r := range w.regs {
		out = append(out, r.name)
	}
	return append(out, registry.BuiltinName)
}

// Lookup and LookupAll answer as registry.Set documents: the registries in order (the bundled one
// last), the first that has the name (every one for LookupAll). An unreachable registry fails the lookup
// with a *registry.UnreachableError when it could change the answer: no earlier registry had the name.
func (w *fakeWorld) Lookup(ctx context.Context, name, author, reg string) ([]registry.Candidate, error) {
	return w.lookup(name, author, reg, false)
}

func (w *fakeWorld) LookupAll(ctx context.Context, name, author string) ([]registry.Candidate, error) {
	return w.lookup(name, author, "", true)
}

var errUnreachable = errors.New("unreachable")

func (w *fakeWorld) lookup(name, author, reg string, all bool) ([]registry.Candidate, error) {
	regs := append([]*fakeRegistry(nil), w.regs...)
	var builtin []registry.Candidate
	for n := range w.bundled {
		builtin = append(builtin, registry.Candidate{Registry: registry.BuiltinName, Name: n, Path: n})
	}
	sort.Slice(builtin, func(i, j int) bool { return builtin[i].Name < builtin[j].Name })
	regs = append(regs, &fakeRegistry{name: registry.BuiltinName, entries: builtin})
	if reg != "" {
		var one []*fakeRegistry
		for _, r := range regs {
			if r.name == reg {
				one = append(one, r)
			}
		}
		if one == nil {
			return nil, fmt.Errorf("registry %s: not configured (registries: %s)", reg, strings.Join(w.Names(), ", "))
		}
		regs = one
	}
	w.calls["lookup"]++
	var out []registry.Candidate
	var unread []string
	for _, r := range regs {
		if r.unreachable {
			if reg != "" {
				return nil, errUnreachable
			}
			unread = append(unread, r.name)
			continue
		}
		var got []registry.Candidate
		for _, c := range r.entries {
			if c.Name == name && (author == "" || strings.EqualFold(c.Author, author)) {
				got = append(got, c)
			}
		}
		out = append(out, got...)
		if len(got) > 0 && !all {
			break
		}
	}
	if len(unread) > 0 {
		q := name
		if author != "" {
			q = author + "/" + name
		}
		errs := make([]error, len(unread))
		for i := range errs {
			errs[i] = errUnreachable
		}
		picks := make([]string, len(out))
		for i, c := range out {
			picks[i] = c.Name + "@" + c.Registry
		}
		return nil, &registry.UnreachableError{Name: q, Registries: unread, Found: out, Errs: errs, Picks: picks}
	}
	return out, nil
}

// skillFile is the text of a SKILL.md that declares name (none when "-") and depends on deps.
func skillFile(name string, deps []string) []byte {
	var b strings.Builder
	b.WriteString("---\n")
	if name != "-" {
		fmt.Fprintf(&b, "name: %s\n", name)
	}
	b.WriteString("description: a skill of the resolver's tests\n")
	if len(deps) > 0 {
		fmt.Fprintf(&b, "depends-on: [%s]\n", strings.Join(deps, ", "))
	}
	b.WriteString("---\nBody.\n")
	return []byte(b.String())
}

// writeLocal writes a file of a local skill under w.tmp.
func (w *fakeWorld) writeLocal(rel string, data []byte) error {
	p := filepath.Join(w.tmp, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
