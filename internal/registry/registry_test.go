package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/gittest"
)

func TestLayoutEntry(t *testing.T) {
	tests := []struct{ dir, name, author string }{
		{"skills/pdf", "pdf", ""},
		{"skills/alice/pdf", "pdf", "alice"},
		{"skills/.curated/pdf", "pdf", ""},
		{"plugins/docs/skills/pdf", "pdf", "docs"},
		{"plugins/docs/skills/alice/pdf", "pdf", "alice"},
		{"pdf", "pdf", ""},
		{"a/b/c/pdf", "pdf", ""},
		{"", "root-name", ""},
	}
	for _, tc := range tests {
		e := layoutEntry(tc.dir, "root-name")
		if e.Name != tc.name || e.Author != tc.author || e.Path != tc.dir {
			t.Errorf("layoutEntry(%q) = %+v, want name %q author %q", tc.dir, e, tc.name, tc.author)
		}
	}
}

func TestParseMarketplace(t *testing.T) {
	m, err := ParseMarketplace([]byte(`{"metadata":{"pluginRoot":"./plugins"},"plugins":[
		{"name":"a","source":"./plugins/a","description":"A"},
		{"name":"b","source":"b"},
		{"name":"c","source":{"source":"github","repo":"o/r","ref":"v1"}},
		{"name":"d","source":{"source":"url","url":"https://git.example.com/x/d.git","sha":"ABCDEF0123456789ABCDEF0123456789ABCDEF01"}},
		{"name":"e","source":{"source":"git-subdir","url":"o/mono","path":"tools/e"},"skills":["./skills/one"]},
		{"name":"f","source":"../escape"},
		{"name":"g","source":{"source":"npm"}},
		{"name":"h","source":{"source":"git-subdir","url":"o/r","path":"/abs"}},
		{"name":"i","source":{"source":"url","url":"ssh://git@example.com/x.git"}},
		"junk",
		{"name":"j","source":"./"}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Plugin{
		{Name: "a", Description: "A", Path: "plugins/a"},
		{Name: "b", Path: "plugins/b"},
		{Name: "c", Repo: "https://github.com/o/r", Ref: "v1"},
		{Name: "d", Repo: "https://git.example.com/x/d", SHA: "abcdef0123456789abcdef0123456789abcdef01"},
		{Name: "e", Repo: "https://github.com/o/mono", Path: "tools/e", Skills: []string{"skills/one"}},
		{Name: "f", Problem: `source "../escape" is not a relative path inside the repository`},
		{Name: "g", Problem: `source type "npm" is not supported (github, url, git-subdir or a relative path)`},
		{Name: "h", Problem: `git-subdir path "/abs" is not a relative path`},
		{Name: "i", Problem: `url source "ssh://git@example.com/x.git" is not a git repository URL`},
		{Name: "plugins[9]", Problem: "not an object"},
		{Name: "j", Path: ""},
	}
	if len(m.Plugins) != len(want) {
		t.Fatalf("got %d plugins: %+v", len(m.Plugins), m.Plugins)
	}
	for i := range want {
		if !reflect.DeepEqual(m.Plugins[i], want[i]) {
			t.Errorf("plugin %d:\n got %+v\nwant %+v", i, m.Plugins[i], want[i])
		}
	}
	for _, bad := range []string{"", "[]", "{}", `{"plugins":null}`, "{"} {
		if _, err := ParseMarketplace([]byte(bad)); err == nil {
			t.Errorf("ParseMarketplace(%q) accepted", bad)
		}
	}
}

func FuzzParseMarketplace(f *testing.F) {
	f.Add([]byte(`{"metadata":{"pluginRoot":"p"},"plugins":[{"name":"a","source":"./a","skills":["./s"]},{"source":{"source":"git-subdir","url":"o/r","path":"x","sha":"0123456789012345678901234567890123456789"}}]}`))
	f.Add([]byte(`{"plugins":[{"source":{"source":"github","repo":"o/r"}},{"source":"../x"},7]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMarketplace(data)
		if err != nil {
			return
		}
		for _, p := range m.Plugins {
			if p.Problem != "" {
				continue
			}
			for _, x := range append([]string{p.Path}, p.Skills...) {
				if x != "" && (strings.Contains(x, "..") && !validRel(x)) {
					t.Fatalf("plugin %q: path %q leaves the repository", p.Name, x)
				}
			}
			if p.Repo != "" && !strings.HasPrefix(p.Repo, "http://") && !strings.HasPrefix(p.Repo, "https://") {
				t.Fatalf("plugin %q: repo %q is not http(s)", p.Name, p.Repo)
			}
		}
	})
}

func validRel(p string) bool {
	c, ok := relPath(p)
	return ok && c == p
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	user, project := filepath.Join(dir, "user", "registries.json"), filepath.Join(dir, ".skillctl", "registries.json")
	local := filepath.Join(dir, "local")
	os.MkdirAll(local, 0o755)
	for _, a := range []struct{ file, name, url string }{
		{user, "team", "acme/skills"},
		{user, "mine", local},
		{user, "shared", "https://git.example.com/x.git"},
		{project, "team", "https://git.example.com/team.git#stable"},
	} {
		if _, err := Add(a.file, a.name, a.url); err != nil {
			t.Fatalf("Add(%s, %s): %v", a.name, a.url, err)
		}
	}
	s, err := LoadFiles(user, project, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Names(), " "); got != "team mine shared builtin" {
		t.Errorf("Names = %s", got)
	}
	r, _ := s.find("team")
	if r.Scope != ScopeProject || r.repo != "https://git.example.com/team" || r.ref != "stable" {
		t.Errorf("team = %+v", r)
	}
	for _, bad := range []struct{ name, url, want string }{
		{"builtin", "o/r", "reserved"},
		{"Bad", "o/r", "a name is"},
		{"v1", "o/r", "named like a version"},
		{"latest", "o/r", "named like a version"},
		{"-x", "o/r", "a name is"},
		{"x", "", "empty URL"},
		{"x", "ssh://h/x.git", "not a git URL"},
		{"x", "file:///tmp/x.git", "file:// URLs"},
		{"x", filepath.Join(dir, "absent"), "no such folder"},
		{"team", "o/other", "already configured"},
	} {
		_, err := Add(user, bad.name, bad.url)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Add(%q, %q) = %v, want %q", bad.name, bad.url, err, bad.want)
		}
	}
	if err := Remove(user, "mine"); err != nil {
		t.Fatal(err)
	}
	if err := Remove(user, "mine"); err == nil {
		t.Error("second Remove succeeded")
	}
	// No temporary files are left behind by the atomic writes.
	ents, _ := os.ReadDir(filepath.Dir(user))
	if len(ents) != 1 {
		t.Errorf("config folder holds %d entries", len(ents))
	}
}

func TestAmbiguous(t *testing.T) {
	c := []Candidate{
		{Registry: "market", Name: "dup", Author: "alice", Path: "skills/alice/dup", Repo: "https://h/m.git", Commit: strings.Repeat("a", 40)},
		{Registry: "market", Name: "dup", Author: "bob", Path: "skills/bob/dup", Repo: "https://h/m.git", Commit: strings.Repeat("a", 40)},
		{Registry: "market", Name: "dup", Path: "other/dup", Repo: "https://h/m.git", Commit: strings.Repeat("a", 40)},
		{Registry: "team", Name: "dup", Path: "skills/dup", Repo: "https://h/t.git", Commit: strings.Repeat("b", 40)},
		{Registry: "third", Name: "dup", Author: "carol", Path: "skills/carol/dup", Repo: "https://h/3.git", Commit: strings.Repeat("c", 40)},
		{Registry: "third", Name: "dup", Author: "erin", Path: "skills/erin/dup", Repo: "https://h/3.git", Commit: strings.Repeat("c", 40)},
		{Registry: "fourth", Name: "dup", Author: "carol", Path: "skills/carol/dup", Repo: "https://h/4.git", Commit: strings.Repeat("d", 40)},
		{Registry: "fourth", Name: "dup", Author: "frank", Path: "skills/frank/dup", Repo: "https://h/4.git", Commit: strings.Repeat("d", 40)},
	}
	err := Ambiguous("skillctl info", "dup", c)
	want := []string{
		"skillctl info alice/dup",
		"skillctl info bob/dup",
		"skillctl info 'https://h/m//other/dup#" + strings.Repeat("a", 40) + "'",
		"skillctl info dup@team",
		"skillctl info carol/dup@third", // carol is in two registries: AUTHOR/NAME@REGISTRY picks one
		"skillctl info erin/dup",
		"skillctl info carol/dup@fourth",
		"skillctl info frank/dup",
	}
	if got := clierr.Hints(err); !reflect.DeepEqual(got, want) {
		t.Errorf("hints:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(err.Error(), "dup: ambiguous: 8 skills of that name\n  dup in market: https://h/m.git@aaaaaaaaaaaa:skills/alice/dup") {
		t.Errorf("message: %s", err)
	}
}

// TestLookup runs against a real git server: order between registries, AUTHOR/NAME, @REGISTRY, and
// the index cache (a second Set on a warm cache fetches nothing).
func TestLookup(t *testing.T) {
	if !gittest.Available() {
		t.Skip("needs the git binary for the test server")
	}
	dir := t.TempDir()
	t.Setenv("SKILLCTL_CACHE_DIR", filepath.Join(dir, "cache"))
	srv, err := gittest.Start(filepath.Join(dir, "repos"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	md := func(n string) string { return "---\nname: " + n + "\ndescription: d of " + n + ". Use it.\n---\n" }
	for repo, files := range map[string]map[string]string{
		"a/market": {"skills/alice/pdf/SKILL.md": md("pdf"), "skills/bob/pdf/SKILL.md": md("pdf"), "skills/bob/only-a/SKILL.md": md("only-a")},
		"b/team":   {"skills/pdf/SKILL.md": md("pdf"), "skills/only-b/SKILL.md": md("only-b")},
	} {
		w := filepath.Join(dir, "work", repo)
		if err := gittest.WriteFiles(w, files); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Commit(repo, "main", w, "c"); err != nil {
			t.Fatal(err)
		}
	}
	user := filepath.Join(dir, "registries.json")
	Add(user, "market", srv.RepoURL("a/market"))
	Add(user, "team", srv.RepoURL("b/team"))
	ctx := context.Background()
	look := func(s *Set, name, author, reg string) []string {
		t.Helper()
		c, err := s.Lookup(ctx, name, author, reg)
		if err != nil {
			t.Fatalf("Lookup(%s, %s, %s): %v", name, author, reg, err)
		}
		var out []string
		for _, x := range c {
			out = append(out, x.Registry+":"+x.Path)
		}
		return out
	}
	s, _ := LoadFiles(user, "", nil, nil)
	tests := []struct {
		name, author, reg string
		want              []string
	}{
		{"pdf", "", "", []string{"market:skills/alice/pdf", "market:skills/bob/pdf"}},
		{"pdf", "bob", "", []string{"market:skills/bob/pdf"}},
		{"pdf", "", "team", []string{"team:skills/pdf"}},
		{"only-b", "", "", []string{"team:skills/only-b"}},
		{"python-async-patterns", "", "", []string{"builtin:python-async-patterns"}},
		{"nothing", "", "", nil},
	}
	for _, tc := range tests {
		if got := look(s, tc.name, tc.author, tc.reg); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Lookup(%s, %s, %s) = %v, want %v", tc.name, tc.author, tc.reg, got, tc.want)
		}
	}
	all, _ := s.LookupAll(ctx, "pdf", "")
	if len(all) != 3 {
		t.Errorf("LookupAll found %d", len(all))
	}
	if _, err := s.Lookup(ctx, "pdf", "", "nowhere"); err == nil {
		t.Error("unknown registry accepted")
	}
	srv.ResetStats()
	s2, _ := LoadFiles(user, "", nil, nil)
	if got := look(s2, "pdf", "", "team"); len(got) != 1 {
		t.Fatalf("warm lookup: %v", got)
	}
	if st := srv.Stats(); st.Fetches != 0 {
		t.Errorf("warm lookup fetched %d times", st.Fetches)
	}
}

// TestLookupUnreachable: a name lookup that cannot read a registry that could hold the name fails, naming
// it, instead of answering from another registry; a registry already shadowed by an earlier answer does not
// matter to Lookup, and every registry matters to LookupAll. Search's Listed skips it.
func TestLookupUnreachable(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SKILLCTL_CACHE_DIR", filepath.Join(dir, "cache"))
	md := func(n string) string { return "---\nname: " + n + "\ndescription: d of " + n + ". Use it.\n---\n" }
	if err := gittest.WriteFiles(filepath.Join(dir, "up"), map[string]string{"skills/x/SKILL.md": md("x")}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "down"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		order []string // registries in lookup order
		call  string   // lookup (Lookup), all (LookupAll), listed (Listed)
		name  string
		reg   string
		want  string // the registries found, or "unreachable: REGS found: REGS"
	}{
		{[]string{"down", "up"}, "lookup", "x", "", "unreachable: [down] found: [up]"},
		{[]string{"down", "up"}, "all", "x", "", "unreachable: [down] found: [up]"},
		{[]string{"down", "up"}, "lookup", "x", "up", "[up]"},
		{[]string{"down", "up"}, "listed", "x", "", "[up]"},
		{[]string{"up", "down"}, "lookup", "x", "", "[up]"},
		{[]string{"up", "down"}, "all", "x", "", "unreachable: [down] found: [up]"},
		{[]string{"up", "down"}, "lookup", "nothing", "", "unreachable: [down] found: []"},
		{[]string{"up", "down"}, "lookup", "python-async-patterns", "", "unreachable: [down] found: [builtin]"},
	} {
		user := filepath.Join(dir, fmt.Sprint("case", i), "registries.json")
		for _, n := range tc.order {
			if _, err := Add(user, n, filepath.Join(dir, n)); err != nil {
				t.Fatal(err)
			}
		}
		os.Remove(filepath.Join(dir, "down")) // configured, then gone: it cannot be read
		s, err := LoadFiles(user, "", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []Candidate
		switch tc.call {
		case "lookup":
			got, err = s.Lookup(context.Background(), tc.name, "", tc.reg)
		case "all":
			got, err = s.LookupAll(context.Background(), tc.name, "")
		case "listed":
			got, err = s.Listed(context.Background(), tc.name)
		}
		regs := func(cs []Candidate) []string {
			out := []string{}
			for _, c := range cs {
				out = append(out, c.Registry)
			}
			return out
		}
		var ue *UnreachableError
		var res string
		switch {
		case errors.As(err, &ue):
			res = fmt.Sprintf("unreachable: %v found: %v", ue.Registries, regs(ue.Found))
			if !strings.Contains(err.Error(), "registry down could not be read") || len(clierr.Hints(err)) == 0 {
				t.Errorf("%v %s %s: error %q, hints %q", tc.order, tc.call, tc.name, err, clierr.Hints(err))
			}
		case err != nil:
			res = "error: " + err.Error()
		default:
			res = fmt.Sprint(regs(got))
		}
		if res != tc.want {
			t.Errorf("%v %s %s@%s = %s, want %s", tc.order, tc.call, tc.name, tc.reg, res, tc.want)
		}
		if err := os.MkdirAll(filepath.Join(dir, "down"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOneEach: one repository under two registry names, however spelled, is one candidate; another
// folder, commit or repository is not.
func TestOneEach(t *testing.T) {
	const c1, c2 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	git := func(reg, repo, path, commit string) Candidate {
		return Candidate{Registry: reg, Name: "x", Repo: repo, Path: path, Commit: commit}
	}
	for _, tc := range []struct {
		name string
		in   []Candidate
		want []string // registries kept
	}{
		{"one repository, two spellings", []Candidate{git("a", "https://git.example.com/o/r.git", "skills/x", c1), git("b", "https://git.example.com/o/r", "skills/x", c1)}, []string{"a"}},
		{"github.com ignores case", []Candidate{git("a", "https://github.com/Acme/Skills.git", "x", c1), git("b", "https://github.com/acme/skills", "x", c1)}, []string{"a"}},
		{"another folder", []Candidate{git("a", "https://git.example.com/o/r", "skills/x", c1), git("b", "https://git.example.com/o/r", "other/x", c1)}, []string{"a", "b"}},
		{"another commit", []Candidate{git("a", "https://git.example.com/o/r", "x", c1), git("b", "https://git.example.com/o/r", "x", c2)}, []string{"a", "b"}},
		{"another repository", []Candidate{git("a", "https://git.example.com/o/r", "x", c1), git("b", "https://git.example.com/o/s", "x", c1)}, []string{"a", "b"}},
		{"one local folder", []Candidate{{Registry: "a", Name: "x", Dir: "/reg/x"}, {Registry: "b", Name: "x", Dir: "/reg/./x/"}}, []string{"a"}},
		{"a folder and a repository", []Candidate{{Registry: "a", Name: "x", Dir: "/reg/x", Path: "x"}, git("b", "https://git.example.com/o/r", "x", c1)}, []string{"a", "b"}},
	} {
		var got []string
		for _, c := range oneEach(tc.in) {
			got = append(got, c.Registry)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: kept %v, want %v", tc.name, got, tc.want)
		}
	}
}
