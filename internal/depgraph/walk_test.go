package depgraph

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/semver"
)

// fakeWorld is Reqs over skills and candidates written as text (see testdata/walk.txt).
type fakeWorld struct {
	skills  map[string]fakeSkill // by ID
	at      map[Place]map[string][]fakeCand
	calls   map[Place]int
	asked   []string
	depth   int
	related bool
}

type fakeSkill struct {
	skill         Node
	deps, related []string
}

type fakeCand struct {
	by   string // asking skill's ID, "" for any
	ids  []string
	rank []int
	fail bool
}

func (f *fakeWorld) Required(s Node) ([]string, []string, error) {
	k, ok := f.skills[s.ID]
	if !ok {
		return nil, nil, fmt.Errorf("no skill %s", s.ID)
	}
	return k.deps, k.related, nil
}

func (f *fakeWorld) Candidates(place Place, asks []Ask) ([][]Candidate, error) {
	f.calls[place]++
	out := make([][]Candidate, len(asks))
	for i, a := range asks {
		f.asked = append(f.asked, fmt.Sprintf("%s:%s", place, a.Name))
		for _, c := range f.at[place][a.Name] {
			if c.by != "" && c.by != a.By.ID {
				continue
			}
			if c.fail {
				return nil, fmt.Errorf("%s asked for %s by %s, which the case forbids", place, a.Name, a.By.ID)
			}
			best := map[string]Node{} // as an adapter answers a minimum: per skill, the oldest release at or above it
			for j, id := range c.ids {
				k := f.skills[id].skill
				if a.Min != "" && k.Version != "" {
					v, m := mustParse(k.Version), mustParse(a.Min)
					if v.Major != m.Major || semver.Compare(v, m) < 0 {
						continue
					}
					if b, ok := best[k.module()]; ok && semver.Compare(mustParse(b.Version), v) <= 0 {
						continue
					}
					if _, ok := best[k.module()]; !ok {
						out[i] = append(out[i], Candidate{Skill: k, Rank: c.rank[j]})
					} else {
						for x := range out[i] {
							if out[i][x].Skill.module() == k.module() {
								out[i][x].Skill = k
							}
						}
					}
					best[k.module()] = k
					continue
				}
				if a.Min == "" && k.Version != "" {
					if b, ok := best[k.module()]; ok && semver.Compare(mustParse(b.Version), mustParse(k.Version)) >= 0 {
						continue // a bare name: the newest release
					}
					if _, ok := best[k.module()]; ok {
						for x := range out[i] {
							if out[i][x].Skill.module() == k.module() {
								out[i][x].Skill = k
							}
						}
						best[k.module()] = k
						continue
					}
					best[k.module()] = k
				}
				out[i] = append(out[i], Candidate{Skill: k, Rank: c.rank[j]})
			}
		}
	}
	return out, nil
}

// Upgrade answers as an adapter does: the oldest release of s's module at or above min, in its major.
func (f *fakeWorld) Upgrade(s Node, min, by string) (Node, error) {
	f.asked = append(f.asked, "upgrade:"+s.Name+"@"+min)
	m := mustParse(min)
	var best Node
	for _, k := range f.skills {
		v, ok := semver.Parse(k.skill.Version)
		if !ok || k.skill.module() != s.module() || v.Major != m.Major || semver.Compare(v, m) < 0 {
			continue
		}
		if best.ID == "" || semver.Compare(v, mustParse(best.Version)) < 0 {
			best = k.skill
		}
	}
	if best.ID == "" {
		return Node{}, fmt.Errorf("%s -> %s: no release matches %s or later in %s", by, s.Name, min, m.MajorText())
	}
	return best, nil
}

type walkCase struct {
	name   string
	line   int
	world  *fakeWorld
	checks []walkCheck
}

type walkCheck struct {
	line  int
	kind  string // walk, roots, suggested, error, order
	roots []string
	want  string
}

var placeNames = map[string]Place{"sibling": Sibling, "samerepo": SameRepo, "registries": Registries, "bundled": Bundled}

func readWalkCases(text string) ([]walkCase, error) {
	var cases []walkCase
	var cur *walkCase
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			cur = nil
			continue
		}
		if strings.HasPrefix(line, "#\t") || line == "#" {
			continue // the file's own documentation
		}
		if cur == nil {
			cases = append(cases, walkCase{line: n, name: fmt.Sprintf("line%d", n), world: &fakeWorld{
				skills: map[string]fakeSkill{}, at: map[Place]map[string][]fakeCand{}, calls: map[Place]int{}}})
			cur = &cases[len(cases)-1]
		}
		if title, ok := strings.CutPrefix(line, "#"); ok {
			if cur.name == fmt.Sprintf("line%d", cur.line) {
				cur.name = strings.TrimSpace(title)
			}
			continue
		}
		w := cur.world
		if line == "with-related" {
			w.related = true
			continue
		}
		if d, ok := strings.CutPrefix(line, "depth "); ok {
			v, err := strconv.Atoi(d)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			w.depth = v
			continue
		}
		head, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: no colon in %q", n, line)
		}
		rest = strings.TrimSpace(rest)
		words := strings.Fields(head)
		if len(words) == 0 {
			return nil, fmt.Errorf("line %d: nothing before the colon", n)
		}
		switch words[0] {
		case "skill":
			if len(words) < 3 || len(words) > 4 {
				return nil, fmt.Errorf("line %d: want skill ID NAME [@HOME]: DEPS", n)
			}
			s := Node{ID: words[1], Name: words[2]}
			if name, v, ok := strings.Cut(words[2], "@"); ok {
				s.Name, s.Version, s.Module = name, v, name // the versions of a name are one skill's
			}
			if len(words) == 4 {
				s.Home = strings.TrimPrefix(words[3], "@")
			}
			w.skills[s.ID] = fakeSkill{skill: s, deps: strings.Fields(rest)}
		case "related":
			k, ok := w.skills[words[1]]
			if len(words) != 2 || !ok {
				return nil, fmt.Errorf("line %d: want related ID: NAMES for a declared ID", n)
			}
			k.related = strings.Fields(rest)
			w.skills[words[1]] = k
		case "at":
			if len(words) != 3 && !(len(words) == 5 && words[3] == "by") {
				return nil, fmt.Errorf("line %d: want at PLACE NAME [by ID]: IDS", n)
			}
			place, ok := placeNames[words[1]]
			if !ok {
				return nil, fmt.Errorf("line %d: unknown place %q", n, words[1])
			}
			c := fakeCand{}
			if len(words) == 5 {
				c.by = words[4]
			}
			if rest == "!" {
				c.fail = true
			} else {
				for _, f := range strings.Fields(rest) {
					id, r, _ := strings.Cut(f, "/")
					rank := 0
					if r != "" {
						v, err := strconv.Atoi(r)
						if err != nil {
							return nil, fmt.Errorf("line %d: rank %q: %v", n, r, err)
						}
						rank = v
					}
					if _, ok := w.skills[id]; !ok {
						return nil, fmt.Errorf("line %d: candidate %s is not a declared skill", n, id)
					}
					c.ids, c.rank = append(c.ids, id), append(c.rank, rank)
				}
			}
			if w.at[place] == nil {
				w.at[place] = map[string][]fakeCand{}
			}
			w.at[place][words[2]] = append(w.at[place][words[2]], c)
		case "walk", "roots", "suggested", "error", "order":
			cur.checks = append(cur.checks, walkCheck{line: n, kind: words[0], roots: words[1:], want: strings.Join(strings.Fields(rest), " ")})
		default:
			return nil, fmt.Errorf("line %d: unknown line %q", n, words[0])
		}
	}
	// A paragraph of comments only (the file's header) is not a case.
	out := cases[:0]
	for _, c := range cases {
		if len(c.checks) > 0 || len(c.world.skills) > 0 {
			out = append(out, c)
		}
	}
	return out, sc.Err()
}

func TestWalk(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "walk.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases, err := readWalkCases(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases read", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.checks) == 0 {
				t.Fatalf("line %d: a case with nothing to check", c.line)
			}
			for _, ch := range c.checks {
				w := c.world
				w.calls = map[Place]int{}
				var roots []Node
				for _, id := range ch.roots {
					k, ok := w.skills[id]
					if !ok {
						t.Fatalf("line %d: root %s is not a declared skill", ch.line, id)
					}
					roots = append(roots, k.skill)
				}
				got, err := Walk(w, roots, WalkOptions{WithRelated: w.related, MaxDepth: w.depth})
				if ch.kind == "error" {
					if err == nil || strings.ReplaceAll(err.Error(), "\n  ", " | ") != ch.want {
						t.Errorf("line %d: error = %v\nwant %s", ch.line, err, ch.want)
					}
					continue
				}
				if err != nil {
					t.Fatalf("line %d: %v (asked: %v)", ch.line, err, w.asked)
				}
				var text string
				switch ch.kind {
				case "walk":
					var ids []string
					for _, n := range got.Names {
						ids = append(ids, got.Found[n].ID)
					}
					text = strings.Join(ids, " ")
				case "roots":
					text = strings.Join(got.Roots, " ")
				case "suggested":
					text = strings.Join(got.Suggested, " ")
				case "order":
					text = "ok"
					if _, err := got.Graph.Order(got.Roots...); err != nil {
						text = strings.ReplaceAll(err.Error(), "\n", "; ")
					}
				}
				if text != ch.want {
					t.Errorf("line %d: %s = %q\nwant %q", ch.line, ch.kind, text, ch.want)
				}
			}
		})
	}
}

// chainWorld is a chain of n skills, s0 -> s1 -> ... , each found as its parent's sibling.
type chainWorld struct {
	n      int
	calls  int
	failAt string // an ask of this name fails its Candidates call with an AskError
}

var errFolder = errors.New("folder over a limit")

func (c *chainWorld) Required(s Node) ([]string, []string, error) {
	i, _ := strconv.Atoi(strings.TrimPrefix(s.Name, "s"))
	if i+1 < c.n {
		return []string{fmt.Sprintf("s%d", i+1)}, nil, nil
	}
	return nil, nil, nil
}

func (c *chainWorld) Upgrade(s Node, min, by string) (Node, error) {
	return Node{}, fmt.Errorf("chainWorld has no releases")
}

func (c *chainWorld) Candidates(place Place, asks []Ask) ([][]Candidate, error) {
	c.calls++
	out := make([][]Candidate, len(asks))
	if place == Sibling {
		for i, a := range asks {
			if a.Name == c.failAt {
				return nil, &AskError{Ask: i, Err: errFolder}
			}
			out[i] = []Candidate{{Skill: Node{Name: a.Name, ID: a.Name}}}
		}
	}
	return out, nil
}

// A hostile repository's chain of a thousand skills is refused at the limit, with the chain, after at
// most MaxDepth levels of lookups: quickly, not after a thousand.
func TestWalkDepthLimit(t *testing.T) {
	w := &chainWorld{n: 1000}
	start := time.Now()
	_, err := Walk(w, []Node{{Name: "s0", ID: "s0"}}, WalkOptions{})
	var de *DepthError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a DepthError", err)
	}
	if len(de.Chain) != MaxDepth+1 || de.Chain[0] != "s0" || de.Chain[MaxDepth] != fmt.Sprintf("s%d", MaxDepth) {
		t.Errorf("chain = %d names (%s ... %s), want s0 ... s%d", len(de.Chain), de.Chain[0], de.Chain[len(de.Chain)-1], MaxDepth)
	}
	if w.calls > MaxDepth {
		t.Errorf("%d lookups for a chain refused at depth %d", w.calls, MaxDepth)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	// Exactly MaxDepth deep is accepted.
	ok := &chainWorld{n: MaxDepth}
	got, err := Walk(ok, []Node{{Name: "s0", ID: "s0"}}, WalkOptions{})
	if err != nil || len(got.Names) != MaxDepth {
		t.Fatalf("a chain of %d: %v, %d found", MaxDepth, err, len(got.Names))
	}
}

// An adapter's error about one ask (a dependency's folder over a limit) is reported after the chain that
// led to that name, and is still the error it was.
func TestWalkAskErrorChain(t *testing.T) {
	_, err := Walk(&chainWorld{n: 5, failAt: "s3"}, []Node{{Name: "s0", ID: "s0"}}, WalkOptions{})
	var ce *ChainError
	if !errors.As(err, &ce) || !errors.Is(err, errFolder) {
		t.Fatalf("err = %v, want a ChainError wrapping the adapter's", err)
	}
	if got := err.Error(); got != "s0 -> s1 -> s2 -> s3: folder over a limit" {
		t.Errorf("err = %q", got)
	}
}

// Every open ask of a level goes to a place in one call, so an adapter can batch its fetches.
func TestWalkBatchesLevels(t *testing.T) {
	w := &fakeWorld{skills: map[string]fakeSkill{}, at: map[Place]map[string][]fakeCand{Sibling: {}}, calls: map[Place]int{}}
	var deps []string
	for i := 0; i < 50; i++ {
		n := fmt.Sprintf("d%d", i)
		deps = append(deps, n)
		w.skills[n] = fakeSkill{skill: Node{Name: n, ID: n}}
		w.at[Sibling][n] = []fakeCand{{ids: []string{n}, rank: []int{0}}}
	}
	w.skills["root"] = fakeSkill{skill: Node{Name: "root", ID: "root"}, deps: deps}
	got, err := Walk(w, []Node{w.skills["root"].skill}, WalkOptions{})
	if err != nil || len(got.Names) != 51 {
		t.Fatalf("%v, %d found", err, len(got.Names))
	}
	if w.calls[Sibling] != 1 || w.calls[SameRepo] != 0 {
		t.Errorf("calls = %v, want one sibling lookup for the whole level and nothing after", w.calls)
	}
}
