package depgraph

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files from the current output")

// A case is a paragraph of testdata/cases.txt. Lines, in any order within a case:
//
//	# title                  comment; the first one names the case
//	a: b c                   Add("a", "b", "c"); "a:" adds a skill with no dependencies
//	missing x: why           SetMissing("x", "why")
//	related a: z y           Relate("a", "z", "y")
//	install a b: c b a       Order("a", "b") succeeds with c b a ("install:" orders the whole graph)
//	error a: MESSAGE         Order("a") fails; one line per joined error, in order
//	cycles: a -> b -> a      Cycles() lists this cycle; one line per cycle, in order; "cycles: none"
type testCase struct {
	name        string
	line        int
	ops         []func(*Graph)
	installs    []expectation
	cycles      []string
	checkCycles bool
}

type expectation struct {
	line   int
	roots  []string
	order  string   // for install
	errors []string // for error
}

func readCases(text string) ([]testCase, error) {
	var cases []testCase
	var cur *testCase
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			cur = nil
			continue
		}
		if cur == nil {
			cases = append(cases, testCase{line: n, name: fmt.Sprintf("line%d", n)})
			cur = &cases[len(cases)-1]
		}
		if title, ok := strings.CutPrefix(line, "#"); ok {
			if cur.name == fmt.Sprintf("line%d", cur.line) {
				cur.name = strings.TrimSpace(title)
			}
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
		case "missing", "related":
			if len(words) != 2 {
				return nil, fmt.Errorf("line %d: want %q NAME: ...", n, words[0])
			}
			name := words[1]
			if words[0] == "missing" {
				cur.ops = append(cur.ops, func(g *Graph) { g.SetMissing(name, rest) })
			} else {
				rel := strings.Fields(rest)
				cur.ops = append(cur.ops, func(g *Graph) { g.Relate(name, rel...) })
			}
		case "install":
			cur.installs = append(cur.installs, expectation{line: n, roots: words[1:], order: strings.Join(strings.Fields(rest), " ")})
		case "error":
			roots := words[1:]
			if k := len(cur.installs) - 1; k >= 0 && cur.installs[k].errors != nil && slices.Equal(cur.installs[k].roots, roots) {
				cur.installs[k].errors = append(cur.installs[k].errors, rest)
			} else {
				cur.installs = append(cur.installs, expectation{line: n, roots: roots, errors: []string{rest}})
			}
		case "cycles":
			if len(words) != 1 {
				return nil, fmt.Errorf("line %d: want cycles: CHAIN", n)
			}
			cur.checkCycles = true
			if rest != "none" {
				cur.cycles = append(cur.cycles, rest)
			}
		default:
			if len(words) != 1 {
				return nil, fmt.Errorf("line %d: want NAME: DEPS, got %q", n, head)
			}
			name, deps := words[0], strings.Fields(rest)
			cur.ops = append(cur.ops, func(g *Graph) { g.Add(name, deps...) })
		}
	}
	return cases, sc.Err()
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
	if len(cases) < 20 {
		t.Fatalf("read only %d cases from testdata/cases.txt", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.installs) == 0 && !tc.checkCycles {
				t.Fatalf("cases.txt:%d: the case checks nothing", tc.line)
			}
			g := New()
			for _, op := range tc.ops {
				op(g)
			}
			for _, x := range tc.installs {
				order, err := g.Order(x.roots...)
				if x.errors == nil {
					if err != nil {
						t.Errorf("cases.txt:%d: Order(%v): unexpected error:\n%v", x.line, x.roots, err)
					} else if got := strings.Join(order, " "); got != x.order {
						t.Errorf("cases.txt:%d: Order(%v) = %q, want %q", x.line, x.roots, got, x.order)
					}
					continue
				}
				if err == nil {
					t.Errorf("cases.txt:%d: Order(%v) = %v, want errors %q", x.line, x.roots, order, x.errors)
					continue
				}
				if order != nil {
					t.Errorf("cases.txt:%d: Order(%v) returned an order with its error", x.line, x.roots)
				}
				got := strings.Split(err.Error(), "\n")
				if !slices.Equal(got, x.errors) {
					t.Errorf("cases.txt:%d: Order(%v) errors:\n%s\nwant:\n%s", x.line, x.roots, strings.Join(got, "\n"), strings.Join(x.errors, "\n"))
				}
				checkErrorTypes(t, err)
			}
			if tc.checkCycles {
				var got []string
				for _, c := range g.Cycles() {
					got = append(got, strings.Join(c, " -> "))
				}
				if !slices.Equal(got, tc.cycles) {
					t.Errorf("cases.txt:%d: Cycles() =\n%s\nwant:\n%s", tc.line, strings.Join(got, "\n"), strings.Join(tc.cycles, "\n"))
				}
			}
		})
	}
}

// checkErrorTypes holds the promise that every joined error is a *CycleError or a *MissingError whose
// chain ends where the message says.
func checkErrorTypes(t *testing.T, err error) {
	t.Helper()
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T is not a join", err)
	}
	for _, e := range j.Unwrap() {
		var ce *CycleError
		var me *MissingError
		switch {
		case errors.As(e, &ce):
			last := ce.Chain[len(ce.Chain)-1]
			if !slices.Contains(ce.Chain[:len(ce.Chain)-1], last) {
				t.Errorf("cycle chain %v does not close", ce.Chain)
			}
		case errors.As(e, &me):
			if len(me.Chain) == 0 || me.Why == "" {
				t.Errorf("missing error %#v lacks a chain or a reason", me)
			}
		default:
			t.Errorf("unexpected error type %T: %v", e, e)
		}
	}
}

func goldenGraph() *Graph {
	g := New()
	g.Add("r", "a", "b", "x")
	g.Add("a", "c")
	g.Add("b", "c", "d")
	g.Add("c")
	g.Add("d", "b")
	g.SetMissing("x", "not found in https://example.com/o/r.git@abc123")
	g.Relate("r", "z", "a")
	g.Relate("c", "y")
	g.SetMissing("y", `not "found"`)
	g.Add("unreached", "r")
	return g
}

func TestRenderGolden(t *testing.T) {
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := goldenGraph().Render(&buf, format, "r"); err != nil {
				t.Fatal(err)
			}
			// A second render must be byte-identical: map order must never leak into the output.
			var again bytes.Buffer
			if err := goldenGraph().Render(&again, format, "r"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Fatalf("two renders differ")
			}
			file := filepath.Join("testdata", "render."+format+".golden")
			if *update {
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("render %s:\n%s\nwant (%s):\n%s", format, buf.Bytes(), file, want)
			}
		})
	}
}

func TestRenderTextDefaultRootsAndRepeats(t *testing.T) {
	g := New()
	g.Add("p", "q", "s")
	g.Add("q", "s")
	g.Add("s", "t")
	g.Add("t")
	g.Add("u", "v")
	g.Add("v", "u") // a cycle nothing else needs: still rendered, from its first-known member
	var buf bytes.Buffer
	if err := g.Render(&buf, "text"); err != nil {
		t.Fatal(err)
	}
	want := `p
├── q
│   └── s
│       └── t
└── s (*)
u
└── v
    └── u (cycle)
`
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	err := New().Render(&bytes.Buffer{}, "svg")
	if err == nil || !strings.Contains(err.Error(), `unknown format "svg"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestAccessorsCopy(t *testing.T) {
	g := New()
	g.Add("a", "b", "c")
	g.Relate("a", "z")
	d := g.Deps("a")
	d[0] = "changed"
	r := g.Related("a")
	r[0] = "changed"
	if got := g.Deps("a"); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Deps = %v after the caller changed its copy", got)
	}
	if got := g.Related("a"); !slices.Equal(got, []string{"z"}) {
		t.Errorf("Related = %v after the caller changed its copy", got)
	}
}

func TestCyclesBounded(t *testing.T) {
	// A complete graph on 12 names has far more than MaxCycles elementary cycles.
	g := New()
	var names []string
	for i := range 12 {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	for _, n := range names {
		var deps []string
		for _, m := range names {
			if m != n {
				deps = append(deps, m)
			}
		}
		g.Add(n, deps...)
	}
	cs := g.Cycles()
	if len(cs) != MaxCycles {
		t.Fatalf("got %d cycles, want the cap %d", len(cs), MaxCycles)
	}
	seen := map[string]bool{}
	for _, c := range cs {
		k := strings.Join(c, " ")
		if seen[k] {
			t.Fatalf("cycle %s listed twice", k)
		}
		seen[k] = true
		if c[0] != c[len(c)-1] || slices.Min(c) != c[0] {
			t.Fatalf("cycle %v not rotated to its smallest name", c)
		}
	}
}

func FuzzReadCases(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "cases.txt")); err == nil {
		f.Add(string(data))
	}
	f.Add("a: b\nb: a\nerror a: cycle: a -> b -> a\ncycles: a -> b -> a\n")
	f.Fuzz(func(t *testing.T, text string) {
		cases, err := readCases(text)
		if err != nil {
			return
		}
		for _, tc := range cases {
			g := New()
			for _, op := range tc.ops {
				op(g)
			}
			for _, x := range tc.installs {
				order, err := g.Order(x.roots...)
				if err == nil {
					// Every name comes after its dependencies.
					pos := map[string]int{}
					for i, n := range order {
						pos[n] = i
					}
					for i, n := range order {
						for _, d := range g.Deps(n) {
							if p, ok := pos[d]; !ok || p >= i {
								t.Fatalf("%v: %s before its dependency %s", order, n, d)
							}
						}
					}
				} else {
					checkErrorTypes(t, err)
				}
			}
			for _, format := range Formats {
				if err := g.Render(&bytes.Buffer{}, format); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range g.Cycles() {
				if len(c) < 2 || c[0] != c[len(c)-1] {
					t.Fatalf("bad cycle %v", c)
				}
			}
		}
	})
}
