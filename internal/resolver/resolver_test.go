package resolver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// A case of testdata/cases.txt: the lines that build its world, then the checks run against it, each
// with a fresh Resolver (one command's run) over the same world.
type resolverCase struct {
	name   string
	line   int
	decls  []caseLine
	checks []*caseCheck
}

type caseLine struct {
	line       int
	kind, args string // "skill", "r@c1 skills/a"
	rest       string // after ": "
}

type caseCheck struct {
	caseLine
	load   bool           // Load an origin rather than Resolve sources
	follow bool           // Follow origins (what update does) rather than Resolve sources
	hints  []string       // hint: lines after an error
	asks   map[string]int // asks: lines after any check
}

func readCases(text string) ([]*resolverCase, error) {
	var out []*resolverCase
	var c *resolverCase
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			if c != nil && len(c.decls) == 0 && len(c.checks) == 0 {
				out = out[:len(out)-1] // the header, or a comment between cases
			}
			c = nil
			continue
		case strings.HasPrefix(line, "#"):
			if c == nil {
				c = &resolverCase{name: strings.TrimSpace(strings.TrimPrefix(line, "#")), line: n}
				out = append(out, c)
			}
			continue
		case c == nil:
			return nil, fmt.Errorf("line %d: a case starts with a comment that names it", n)
		}
		head, rest, ok := strings.Cut(line, ": ")
		if !ok && strings.HasSuffix(line, ":") {
			head, ok = strings.TrimSuffix(line, ":"), true
		}
		if !ok {
			head = line
		}
		kind, args, _ := strings.Cut(head, " ")
		l := caseLine{line: n, kind: kind, args: args, rest: rest}
		switch kind {
		case "repo", "ref", "skill", "file", "link", "registry", "entry", "bundled":
			c.decls = append(c.decls, l)
		case "resolve", "error":
			c.checks = append(c.checks, &caseCheck{caseLine: l})
		case "follow":
			ch := &caseCheck{caseLine: l, follow: true}
			if want, ok := strings.CutPrefix(l.rest, "error: "); ok {
				ch.kind, ch.rest = "error", want
			}
			c.checks = append(c.checks, ch)
		case "load":
			ch := &caseCheck{caseLine: l, load: true}
			if want, ok := strings.CutPrefix(l.rest, "error: "); ok {
				ch.kind, ch.rest = "error", want
			}
			c.checks = append(c.checks, ch)
		case "hint":
			if len(c.checks) == 0 || c.checks[len(c.checks)-1].kind != "error" {
				return nil, fmt.Errorf("line %d: a hint belongs after an error", n)
			}
			last := c.checks[len(c.checks)-1]
			last.hints = append(last.hints, rest)
		case "asks":
			if len(c.checks) == 0 {
				return nil, fmt.Errorf("line %d: asks belongs after a check", n)
			}
			last := c.checks[len(c.checks)-1]
			last.asks = map[string]int{}
			for _, f := range strings.Fields(rest) {
				k, v, _ := strings.Cut(f, "=")
				if last.asks[k], ok = atoi(v); !ok {
					return nil, fmt.Errorf("line %d: %q is not KIND=N", n, f)
				}
			}
		default:
			return nil, fmt.Errorf("line %d: unknown line %q", n, kind)
		}
	}
	return out, sc.Err()
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// commit is the 40-hex hash a case's commit label stands for: the label (two hex digits, c1, a2) and
// zeros.
func commit(label string) string { return label + strings.Repeat("0", 40-len(label)) }

// build makes the case's world.
func (c *resolverCase) build(t *testing.T) *fakeWorld {
	w := newFakeWorld(t.TempDir())
	for _, d := range c.decls {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("line %d: "+format, append([]any{d.line}, args...)...)
		}
		f := strings.Fields(d.args)
		switch d.kind {
		case "repo": // repo ALIAS URL
			if len(f) != 2 {
				fail("repo ALIAS URL")
			}
			w.repos[repoKey(f[1])] = &fakeRepo{url: f[1], refs: map[string]string{}, trees: map[string]map[string]snapshot.File{}}
			u := strings.TrimSuffix(f[1], ".git")
			w.aliases = append(w.aliases, fakeAlias{u + ".git", f[0]}, fakeAlias{u, f[0]})
		case "ref": // ref ALIAS NAME COMMIT
			if len(f) != 3 {
				fail("ref ALIAS NAME COMMIT")
			}
			r := c.repo(t, w, d.line, f[0])
			r.refs[f[1]] = commit(f[2])
			w.label(f[2])
			if r.trees[commit(f[2])] == nil {
				r.trees[commit(f[2])] = map[string]snapshot.File{}
			}
		case "skill", "file", "link": // skill AT PATH [NAME]: DEPS / file AT PATH: TEXT / link AT PATH: TARGET
			if len(f) < 2 {
				fail("%s AT PATH ...", d.kind)
			}
			p := f[1]
			file := snapshot.File{Mode: snapshot.Regular, Data: []byte(d.rest)}
			switch d.kind {
			case "skill":
				name := filepath.Base(p)
				if filepath.Base(p) == "SKILL.md" || filepath.Base(p) == "skill.md" {
					name = filepath.Base(filepath.Dir(p))
				} else {
					p += "/SKILL.md"
				}
				if len(f) > 2 {
					name = f[2]
				}
				file.Data = skillFile(name, strings.Fields(d.rest))
			case "link":
				file.Mode = snapshot.Symlink
			}
			if f[0] == "local" {
				if d.kind == "link" {
					full := filepath.Join(w.tmp, filepath.FromSlash(p))
					if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(d.rest, full); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := w.writeLocal(p, file.Data); err != nil {
					t.Fatal(err)
				}
				continue
			}
			alias, label, ok := strings.Cut(f[0], "@")
			if !ok {
				fail("AT is ALIAS@COMMIT or local")
			}
			r := c.repo(t, w, d.line, alias)
			w.label(label)
			if r.trees[commit(label)] == nil {
				r.trees[commit(label)] = map[string]snapshot.File{}
			}
			file.Path = p
			r.trees[commit(label)][p] = file
		case "registry": // registry NAME [unreachable]
			if len(f) < 1 {
				fail("registry NAME [unreachable]")
			}
			w.regs = append(w.regs, &fakeRegistry{name: f[0], unreachable: len(f) > 1 && f[1] == "unreachable"})
		case "entry": // entry REG NAME [AUTHOR]: ORIGIN
			if len(f) < 2 {
				fail("entry REG NAME [AUTHOR]: ORIGIN")
			}
			var reg *fakeRegistry
			for _, r := range w.regs {
				if r.name == f[0] {
					reg = r
				}
			}
			if reg == nil {
				fail("no registry %s declared", f[0])
			}
			o, err := c.origin(w, d.rest)
			if err != nil {
				fail("%v", err)
			}
			cand := registry.Candidate{Registry: f[0], Name: f[1], Repo: o.Repo, Ref: o.Ref, Commit: o.Commit, Path: o.Path, Dir: o.Dir}
			if len(f) > 2 {
				cand.Author = f[2]
			}
			reg.entries = append(reg.entries, cand)
		case "bundled": // bundled NAME: DEPS
			if len(f) != 1 {
				fail("bundled NAME: DEPS")
			}
			w.bundled[f[0]] = &snapshot.Folder{Files: []snapshot.File{{Path: "SKILL.md", Mode: snapshot.Regular, Data: skillFile(f[0], strings.Fields(d.rest))}}}
		}
	}
	sort.Slice(w.aliases, func(i, j int) bool { return len(w.aliases[i].url) > len(w.aliases[j].url) })
	return w
}

func (c *resolverCase) repo(t *testing.T, w *fakeWorld, line int, alias string) *fakeRepo {
	t.Helper()
	for _, a := range w.aliases {
		if a.alias == alias {
			return w.repos[repoKey(a.url)]
		}
	}
	t.Fatalf("line %d: no repo %s declared", line, alias)
	return nil
}

// origin reads an origin as render writes it: ALIAS@COMMIT[(REF)]:PATH, builtin:NAME, local:PATH.
func (c *resolverCase) origin(w *fakeWorld, s string) (Origin, error) {
	if name, ok := strings.CutPrefix(s, "builtin:"); ok {
		return Origin{Kind: Builtin, Path: name}, nil
	}
	if rel, ok := strings.CutPrefix(s, "local:"); ok {
		return Origin{Kind: Local, Dir: filepath.Join(w.tmp, filepath.FromSlash(rel))}, nil
	}
	at, p, ok := strings.Cut(s, ":")
	if !ok {
		return Origin{}, fmt.Errorf("origin %q: ALIAS@COMMIT[(REF)]:PATH, builtin:NAME or local:PATH", s)
	}
	alias, label, _ := strings.Cut(at, "@")
	o := Origin{Kind: Git, Path: p}
	if o.Path == "." {
		o.Path = ""
	}
	if l, ref, ok := strings.Cut(label, "("); ok {
		label, o.Ref = l, strings.TrimSuffix(ref, ")")
		if v, ok := semver.TagVersion(o.Ref); ok {
			o.Version = v.String() // as the lock records a release beside its tag
		}
	}
	o.Commit = commit(label)
	w.label(label)
	for _, a := range w.aliases {
		if a.alias == alias {
			o.Repo = a.url
			return o, nil
		}
	}
	return Origin{}, fmt.Errorf("origin %q: no repo %s declared", s, alias)
}

// render writes an origin for comparison: the repository by its alias, the commit by its label.
func (w *fakeWorld) render(o Origin) string {
	switch o.Kind {
	case Builtin:
		return "builtin:" + o.Path
	case Local:
		rel, err := filepath.Rel(w.tmp, o.Dir)
		if err != nil {
			return o.Dir
		}
		return "local:" + filepath.ToSlash(rel)
	}
	s := w.text(o.Repo) + "@" + w.text(o.Commit)
	if o.Ref != "" {
		s += "(" + w.text(o.Ref) + ")"
	}
	p := o.Path
	if p == "" {
		p = "."
	}
	return s + ":" + p
}

// text is a message as a case writes it: repositories by alias, commits by label, the temporary folder
// as $TMP, lines joined with " | ".
func (w *fakeWorld) text(s string) string {
	s = strings.ReplaceAll(s, w.tmp, "$TMP")
	for _, a := range w.aliases {
		s = strings.ReplaceAll(s, a.url, a.alias)
	}
	for _, l := range w.labels {
		s = strings.ReplaceAll(s, commit(l), l)
	}
	for _, l := range w.labels {
		s = strings.ReplaceAll(s, Short(commit(l)), l)
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return strings.Join(lines, " | ")
}

// expand turns a case's source text into what a user types: {c1} is commit c1's hash, $TMP the folder
// local skills are in.
func (w *fakeWorld) expand(s string) string {
	s = strings.ReplaceAll(s, "$TMP", w.tmp)
	for {
		i := strings.Index(s, "{")
		j := strings.Index(s, "}")
		if i < 0 || j < i {
			return s
		}
		w.label(s[i+1 : j])
		s = s[:i] + commit(s[i+1:j]) + s[j+1:]
	}
}

func TestCases(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases, err := readCases(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 25 {
		t.Fatalf("only %d cases read", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.checks) == 0 {
				t.Fatalf("line %d: a case with nothing to check", c.line)
			}
			w := c.build(t)
			for _, ch := range c.checks {
				w.reset()
				r := NewWorld(w.world(), limits.Default)
				got, err := c.run(r, w, ch)
				switch {
				case ch.kind == "error" && err == nil:
					t.Errorf("line %d: succeeded with %q\nwant error %s", ch.line, got, ch.rest)
				case ch.kind == "error":
					hints := clierr.Hints(err)
					if msg := w.text(err.Error()); msg != ch.rest {
						t.Errorf("line %d: error\n got %s\nwant %s\nhints %q", ch.line, msg, ch.rest, hints)
					}
					for _, h := range ch.hints {
						found := false
						for _, g := range hints {
							found = found || w.text(g) == h
						}
						if !found {
							t.Errorf("line %d: no hint %q among %q", ch.line, h, hints)
						}
					}
				case err != nil:
					t.Errorf("line %d: %s", ch.line, w.text(err.Error()))
				case got != ch.rest:
					t.Errorf("line %d: %s\n got %s\nwant %s", ch.line, ch.kind, got, ch.rest)
				}
				for k, n := range ch.asks {
					if w.calls[k] != n {
						t.Errorf("line %d: %d %s requests, want %d (all: %v)", ch.line, w.calls[k], k, n, w.calls)
					}
				}
			}
		})
	}
}

// run runs one check: resolve (Resolve, then Order over the roots: what install does), follow (Follow
// and Expand of origins, then Order: what update does), or load (Load and Read of an origin: what a
// restore from the lock does).
func (c *resolverCase) run(r *Resolver, w *fakeWorld, ch *caseCheck) (string, error) {
	ctx := context.Background()
	if ch.load {
		o, err := c.origin(w, ch.args)
		if err != nil {
			return "", err
		}
		f, err := r.Load(ctx, o)
		if err != nil {
			return "", err
		}
		sk, err := Read(&Located{Origin: o, Folder: f})
		if err != nil {
			return "", err
		}
		return sk.Name, nil
	}
	var res *Resolution
	if ch.follow {
		var origins []Origin
		for _, s := range strings.Fields(ch.args) {
			o, err := c.origin(w, s)
			if err != nil {
				return "", err
			}
			origins = append(origins, o)
		}
		locs, err := r.Follow(ctx, origins)
		if err != nil {
			return "", err
		}
		if res, err = r.Expand(ctx, locs, false); err != nil {
			return "", err
		}
	} else {
		var raws []string
		for _, s := range strings.Fields(ch.args) {
			raws = append(raws, w.expand(s))
		}
		var err error
		if res, err = r.Resolve(ctx, raws, false); err != nil {
			return "", err
		}
	}
	order, err := res.Graph.Order(res.Roots...)
	if err != nil {
		return "", err
	}
	var out []string
	for _, n := range order {
		out = append(out, n+"="+w.render(res.Skills[n].Origin))
	}
	return strings.Join(out, " "), nil
}

// TestLocateFetchesTheSourceOnly: info's Locate fetches the folder it names and nothing ahead of a walk
// it does not make; Resolve reads the siblings and fetches the one the skill needs with it.
func TestLocateFetchesTheSourceOnly(t *testing.T) {
	cases, err := readCases(`# a skill beside the one it needs
repo r https://github.com/o/r
ref r refs/heads/main c1
skill r@c1 skills/a: b
skill r@c1 skills/b
resolve https://github.com/o/r/tree/main/skills/a: b=r@c1:skills/b a=r@c1(refs/heads/main):skills/a
`)
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases: %v (%d)", err, len(cases))
	}
	w := cases[0].build(t)
	r := NewWorld(w.world(), limits.Default)
	l, err := r.Locate(context.Background(), "https://github.com/o/r/tree/main/skills/a")
	if err != nil || l.Origin.Path != "skills/a" {
		t.Fatalf("Locate: %v, %v", l, err)
	}
	if w.calls["beside"] != 0 || w.fetched[repoKey("https://github.com/o/r")+"\x00"+commit("c1")+"\x00skills/b"] {
		t.Errorf("Locate read or fetched beyond its folder: %v", w.calls)
	}
	w.reset()
	if _, err := NewWorld(w.world(), limits.Default).Resolve(context.Background(), []string{"https://github.com/o/r/tree/main/skills/a"}, false); err != nil {
		t.Fatal(err)
	}
	if w.calls["beside"] != 1 || w.calls["fetch"] != 1 {
		t.Errorf("Resolve asked %v, want one beside and one fetch", w.calls)
	}
}
