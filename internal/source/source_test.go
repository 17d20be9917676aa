package source

import (
	"bufio"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want Source // Raw is always the input and is not repeated here
		str  string // String(); "" means the input itself
	}{
		{"https://github.com/o/r/tree/main/skills/x",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Ref: "main", Path: "skills/x", TreeRest: []string{"main", "skills", "x"}}, ""},
		{"https://github.com/o/r/tree/main/skills/x/",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Ref: "main", Path: "skills/x", TreeRest: []string{"main", "skills", "x"}},
			"https://github.com/o/r/tree/main/skills/x"},
		{"https://GitHub.COM/o/r/tree/main",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Ref: "main", TreeRest: []string{"main"}},
			"https://github.com/o/r/tree/main"},
		{"http://github.com/o/r/tree/v1/a", // github.com is always fetched over https
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Ref: "v1", Path: "a", TreeRest: []string{"v1", "a"}},
			"https://github.com/o/r/tree/v1/a"},
		{"https://github.com/o/r/blob/main/skills/x/SKILL.md",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Ref: "main", Path: "skills/x", TreeRest: []string{"main", "skills", "x"}},
			"https://github.com/o/r/tree/main/skills/x"},
		{"https://github.com/o/r/tree/feature%2Fx/a%20b/%E6%8A%80",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Ref: "feature", Path: "x/a b/技", TreeRest: []string{"feature", "x", "a b", "技"}},
			"https://github.com/o/r/tree/feature/x/a%20b/%E6%8A%80"},
		{"http://127.0.0.1:8080/o/r/tree/main/s",
			Source{Kind: Git, Repo: "http://127.0.0.1:8080/o/r", Host: "127.0.0.1:8080", Ref: "main", Path: "s", TreeRest: []string{"main", "s"}}, ""},
		{"https://ghe.corp.example/team/r.git/tree/main/s",
			Source{Kind: Git, Repo: "https://ghe.corp.example/team/r", Host: "ghe.corp.example", Ref: "main", Path: "s", TreeRest: []string{"main", "s"}},
			"https://ghe.corp.example/team/r/tree/main/s"},
		{"https://gitlab.com/g/sub/r/-/tree/main/s",
			Source{Kind: Git, Repo: "https://gitlab.com/g/sub/r", Host: "gitlab.com", Ref: "main", Path: "s", TreeRest: []string{"main", "s"}}, ""},
		{"https://github.com/o/r",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com"}, ""},
		{"https://git.example.com/x/y.git//skills/a#v1.2",
			Source{Kind: Git, Repo: "https://git.example.com/x/y", Host: "git.example.com", Ref: "v1.2", Path: "skills/a"},
			"https://git.example.com/x/y//skills/a#v1.2"},
		{"https://git.example.com/x/y.git#feature/x",
			Source{Kind: Git, Repo: "https://git.example.com/x/y", Host: "git.example.com", Ref: "feature/x"},
			"https://git.example.com/x/y#feature/x"},
		{"file:///srv/git/r.git//a/b#main",
			Source{Kind: Git, Repo: "file:///srv/git/r.git", Ref: "main", Path: "a/b"}, ""},
		{"o/r",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Shorthand: true, Author: "o", Name: "r"}, ""},
		{"o/r/skills/x@v1",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Shorthand: true, Ref: "v1", Path: "skills/x"}, ""},
		{"o/r@feature/x",
			Source{Kind: Git, Repo: "https://github.com/o/r", Host: "github.com", Shorthand: true, Ref: "feature/x"}, ""},
		{"git@github.com:o/r.git#v1#x", // an SSH ref is taken as typed, so String writes it so (once "%23")
			Source{Kind: Git, Repo: "git@github.com:o/r", Host: "github.com", Ref: "v1#x"}, "git@github.com:o/r#v1#x"},
		{"./skills/x", Source{Kind: Local, Dir: "skills/x"}, ""},
		{"../x/", Source{Kind: Local, Dir: "../x"}, "../x"},
		{"/abs/my skill", Source{Kind: Local, Dir: "/abs/my skill"}, ""},
		{"~/skills/x", Source{Kind: Local, Dir: "~/skills/x"}, ""},
		{".", Source{Kind: Local, Dir: "."}, ""},
		{"pdf", Source{Kind: Name, Name: "pdf"}, ""},
		{"pdf@acme", Source{Kind: Name, Name: "pdf", Registry: "acme"}, ""},
		{"мой-навык", Source{Kind: Name, Name: "мой-навык"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tt.want
			want.Raw = tt.in
			got.treeSep = ""
			if !equal(got, want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, want)
			}
			str := tt.str
			if str == "" {
				str = tt.in
			}
			got, _ = Parse(tt.in)
			if s := got.String(); s != str {
				t.Errorf("String() = %q, want %q", s, str)
			}
		})
	}
}

func equal(a, b Source) bool {
	return a.Kind == b.Kind && a.Raw == b.Raw && a.Repo == b.Repo && a.Host == b.Host && a.Ref == b.Ref &&
		a.Path == b.Path && slices.Equal(a.TreeRest, b.TreeRest) && a.Shorthand == b.Shorthand &&
		a.Dir == b.Dir && a.Name == b.Name && a.Registry == b.Registry && a.Author == b.Author
}

func TestParseRefuses(t *testing.T) {
	long := "https://github.com/o/r/tree/main/" + strings.Repeat("a/", 1100)
	tests := []struct{ in, problem string }{
		{"", "empty"},
		{long, "longer than 2048 bytes"},
		{"https://github.com/o/r/tree/main/../../etc", "'..'"},
		{"https://github.com/o/r/tree/main/a/%2e%2e/b", "'..'"},
		{"https://github.com/o/r/tree/main/a%2F..%2Fb", "'..'"},
		{"https://github.com/o/r/tree/main/a/%2E%2E%2f%2E%2E", "'..'"},
		{"https://github.com/o/r/tree/main/./a", "'.'"},
		{"https://github.com/o/r/tree/main/.git/hooks", "not a plain relative path"},
		{"https://github.com/o/r/tree/main/a%00b", "NUL"},
		{"https://github.com/o/r/tree/main/a%0Ab", "control character"},
		{"https://github.com/o/r/tree/main/a\nb", "control character"},
		{"https://github.com/o/r/tree/main/a%E2%80%AEb", "invisible formatting character"},
		{"https://github.com/o/r/tree/main/$(id)", `'$'`},
		{"https://github.com/o/r/tree/main/%24%28id%29", `'$'`},
		{"https://github.com/o/r/tree/main/a;rm", `';'`},
		{"https://github.com/o/r/tree/main/`id`", "'`'"},
		{"https://github.com/o/r/tree/main/a|b", `'|'`},
		{"https://github.com/o/r/tree/main/a&b", `'&'`},
		{"https://github.com/o/r/tree/main/a>b", `'>'`},
		{"https://github.com/o/r/tree/main/a'b", `'\''`},
		{"https://github.com/o/r/tree/main/a%5C..%5Cb", `'\\'`},
		{"o/r;id", `';'`},
		{"pdf$(id)", `'$'`},
		{"./a;b", `';'`},
		{"https://ghp_secret@github.com/o/r/tree/main/x", "credentials"},
		{"https://user:ghp_secret@github.com/o/r", "credentials"},
		{"ftp://example.com/o/r", "unknown scheme"},
		{"javascript://x", "unknown scheme"},
		{"ssh://git:pw@github.com/o/r.git", "credentials"},
		{"ssh://-oProxyCommand=x@github.com/o/r.git", "user name"},
		{"-oProxyCommand@github.com:o/r.git", "user name"},
		{"git@-oProxyCommand:o/r.git", "no host"},
		{"git@github.com:../r.git", "'..'"},
		{"git://github.com/o/r.git", "not supported"},
		{"https:///o/r/tree/main", "no host"},
		{"https://github.com/o/r/tree/", "no ref"},
		{"https://github.com/o/r/tree/-upload-pack=x/a", "cannot start with '-'"},
		{"https://github.com/o/r/blob/main/a/README.md", "SKILL.md"},
		{"https://github.com/o/r/blob/main/a/Skill.md", "SKILL.md"}, // manifest's case rule: no other spelling
		{"https://github.com/o/r/pulls", "repository or a tree URL"},
		{"https://github.com/o/r?x=1", "query"},
		{"https://git.example.com/x/y.git#", "empty ref"},
		{"https://git.example.com/x/y.git#a..b", "not a valid git ref"},
		{"file://evil.example/srv/r.git", "names no host"},
		{"file:///srv/../etc/r.git", "'..'"},
		{"o/r/../x", "must be relative"},
		{"o/r//x", "must be relative"},
		{"https://github.com/o/r/tree/main/x/.git", "not a plain relative path"},
		{"o/r@", "empty ref"},
		{"o/r@-x", "cannot start with '-'"},
		{"github.com/o/r", "without its scheme"},
		{"o!/r", "not OWNER/REPO"},
		{"PDF Skill", "space"},
		{"pdf@", "registry"},
		{"a@b@c", "registry"},
		{"pdf@v1@v2", "registry"},
		{"pdf@team@main", "not a version"},
		{"pdf@v1.2.3.4", "not a version after @"}, // never a registry: a registry's name holds no dot
		{"pdf@team@", "registry"},
		{"http://%25/0", "percent-encoding in the host"}, // once a Repo that url.Parse refuses
		{"https://a%2Fb%24/o/r", "percent-encoding in the host"},
		{"ssh://git@h%2fx/o/r", "percent-encoding in the host"},
		{"0@0::.git//0", "not an SSH path"},   // once canonical "0@0:://0", a URL of scheme "0@0:"
		{"ssh://0::/0", "no host"},            // once Repo "ssh://[0:]/0"
		{"aa#000000@0:0", "not a skill name"}, // once an index out of range in parseSCP
		{"aaaaa#000@0:0", "not a skill name"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 60)], func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse accepted it: %#v", got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if !strings.Contains(e.Problem, tt.problem) {
				t.Errorf("problem %q does not mention %q", e.Problem, tt.problem)
			}
			if e.Hint == "" {
				t.Errorf("no hint")
			}
			if strings.Contains(err.Error(), "ghp_secret") || strings.Contains(e.Input, "ghp_secret") {
				t.Errorf("the error repeats the token: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\x00\n\u202e") {
				t.Errorf("the error carries raw control characters: %q", err.Error())
			}
		})
	}
}

func TestResolveRef(t *testing.T) {
	const (
		c1 = "1111111111111111111111111111111111111111"
		c2 = "2222222222222222222222222222222222222222"
		c3 = "3333333333333333333333333333333333333333"
		c4 = "4444444444444444444444444444444444444444"
	)
	refs := map[string]string{
		"HEAD":                  c1,
		"refs/heads/main":       c1,
		"refs/heads/feature":    c2,
		"refs/heads/feature/x":  c3,
		"refs/tags/v1.2":        c4,
		"refs/tags/feature/x/y": c2, // a longer tag loses to a shorter branch: branches first
		"refs/tags/pkg/v1":      c4,
	}
	tests := []struct {
		in, ref, commit, gotRef, path string
		err                           string
	}{
		{"https://github.com/o/r/tree/main/skills/x", "refs/heads/main", c1, "main", "skills/x", ""},
		{"https://github.com/o/r/tree/feature/x/skills/a", "refs/heads/feature/x", c3, "feature/x", "skills/a", ""},
		{"https://github.com/o/r/tree/feature/y/a", "refs/heads/feature", c2, "feature", "y/a", ""},
		{"https://github.com/o/r/tree/feature/x/y/z", "refs/heads/feature/x", c3, "feature/x", "y/z", ""},
		{"https://github.com/o/r/tree/pkg/v1/s", "refs/tags/pkg/v1", c4, "pkg/v1", "s", ""},
		{"https://github.com/o/r/tree/v1.2", "refs/tags/v1.2", c4, "v1.2", "", ""},
		{"https://github.com/o/r/tree/HEAD/s", "HEAD", c1, "HEAD", "s", ""},
		{"https://github.com/o/r/tree/ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD/s", "abcdefabcdefabcdefabcdefabcdefabcdefabcd", "abcdefabcdefabcdefabcdefabcdefabcdefabcd", "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD", "s", ""},
		{"https://github.com/o/r/tree/nope/s", "", "", "", "", `no branch, tag or commit "nope"`},
		{"https://github.com/o/r/tree/abc1234/s", "", "", "", "", `"abc1234"`},
		{"o/r", "HEAD", c1, "", "", ""},
		{"o/r/s@feature/x", "refs/heads/feature/x", c3, "feature/x", "s", ""},
		{"o/r@v1.2", "refs/tags/v1.2", c4, "v1.2", "", ""},
		{"o/r@refs/tags/v1.2", "refs/tags/v1.2", c4, "refs/tags/v1.2", "", ""},
		{"o/r@" + c2, c2, c2, c2, "", ""},
		{"o/r@gone", "", "", "", "", `no branch, tag or commit "gone"`},
		{"https://git.example.com/x/y.git//a#main", "refs/heads/main", c1, "main", "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			ref, commit, err := s.ResolveRef(refs)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ref != tt.ref || commit != tt.commit || s.Ref != tt.gotRef || s.Path != tt.path {
				t.Errorf("got ref %q commit %q Ref %q Path %q, want %q %q %q %q", ref, commit, s.Ref, s.Path, tt.ref, tt.commit, tt.gotRef, tt.path)
			}
		})
	}
}

func TestResolveRefHints(t *testing.T) {
	s, _ := Parse("https://github.com/o/r/tree/mian/x")
	_, _, err := s.ResolveRef(map[string]string{"refs/heads/main": strings.Repeat("a", 40), "refs/tags/v1": strings.Repeat("b", 40)})
	var e *Error
	if !errors.As(err, &e) || e.Hint != "the remote has: main, v1" {
		t.Fatalf("err = %#v", err)
	}
	s, _ = Parse("o/r/x@v1.2.3.4") // a ref that may exist, but if it does not, it was meant as a version
	_, _, err = s.ResolveRef(map[string]string{"refs/tags/v1.2.3": strings.Repeat("b", 40)})
	if !errors.As(err, &e) || !strings.Contains(e.Hint, "\nv1.2.3.4 is not a version: a release is latest, v1, v1.2 or v1.2.3") {
		t.Fatalf("err = %#v", err)
	}
	s, _ = Parse("o/r")
	if _, _, err := s.ResolveRef(map[string]string{"HEAD": "not-a-hash"}); err == nil || !strings.Contains(err.Error(), "not a commit hash") {
		t.Fatalf("a garbage hash from the remote was accepted: %v", err)
	}
	s, _ = Parse("pdf")
	if _, _, err := s.ResolveRef(nil); err == nil {
		t.Fatal("ResolveRef on a name source succeeded")
	}
}

// TestCorpusTreeURLs parses 1,500 tree URLs recorded by a public marketplace and resolves each against refs
// holding the ref the marketplace recorded, plus decoys.
func TestCorpusTreeURLs(t *testing.T) {
	file := filepath.Join("..", "..", "..", "shared", "corpus", "tree-urls.tsv")
	f, err := os.Open(file)
	if err != nil {
		t.Skipf("corpus absent: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("bad line %q", line)
		}
		slug, ref, raw := cols[0], cols[1], cols[2]
		n++
		s, err := Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", slug, err)
			continue
		}
		_, after, _ := strings.Cut(raw, "/tree/"+ref)
		wantPath, err := url.PathUnescape(strings.Trim(after, "/"))
		if err != nil {
			t.Fatal(err)
		}
		commit := strings.Repeat("c", 40)
		refs := map[string]string{
			"HEAD":                       strings.Repeat("d", 40),
			"refs/heads/" + ref + "-old": strings.Repeat("e", 40),
		}
		wantRef := ref
		if isCommit(ref) {
			commit = ref
		} else {
			refs["refs/tags/"+ref] = strings.Repeat("f", 40) // branches win over tags
			refs["refs/heads/"+ref] = commit
			wantRef = "refs/heads/" + ref
		}
		gotRef, gotCommit, err := s.ResolveRef(refs)
		if err != nil {
			t.Errorf("%s: ResolveRef: %v", slug, err)
			continue
		}
		if gotRef != wantRef || gotCommit != commit || s.Path != wantPath {
			t.Errorf("%s: got %q %q path %q, want %q %q %q", slug, gotRef, gotCommit, s.Path, wantRef, commit, wantPath)
		}
		if s.Repo != strings.ToLower("https://github.com/"+strings.Split(raw, "/")[3]+"/"+strings.Split(raw, "/")[4]) {
			t.Errorf("%s: Repo %q", slug, s.Repo)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("read only %d URLs", n)
	}
	t.Logf("%d tree URLs parsed and resolved", n)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"https://github.com/o/r/tree/main/skills/x/", "o/r/skills/x@v1", "pdf@acme", "./x", "~/x",
		"https://git.example.com/x/y.git//a#v1", "file:///srv/r.git//a#main", "https://github.com/o/r/blob/main/SKILL.md",
		"https://github.com/o/r/tree/main/a%2F..%2Fb", "https://tok@github.com/o/r", "git@github.com:o/r.git",
		"https://gitlab.com/g/r/-/tree/main/s", "http://127.0.0.1:1/o/r/tree/feature/x/s",
		"ssh://git@127.0.0.1:2222/srv/r.git//skills/x#v1", "git@github.com:o/r.git//skills/x#main",
		"git@h:a%20b//x%20y#r#s",
	} {
		f.Add(s)
	}
	const c = "cccccccccccccccccccccccccccccccccccccccc"
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Problem == "" {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if s.Raw != in {
			t.Fatalf("Raw %q != input", s.Raw)
		}
		switch s.Kind {
		case Git:
			if s.Repo == "" {
				t.Fatal("no Repo")
			}
			if s.Path != "" && !validPath(s.Path) {
				t.Fatalf("Path %q", s.Path)
			}
			// An SSH repository names its login user (never a password); every other Repo has none.
			if isSCP(s.Repo) {
				if strings.Contains(s.Repo[:strings.Index(s.Repo, "@")], ":") {
					t.Fatalf("Repo %q carries a password", s.Repo)
				}
			} else if u, err := url.Parse(s.Repo); err != nil || u.User != nil && u.Scheme != "ssh" {
				t.Fatalf("Repo %q: %v", s.Repo, err)
			} else if _, pw := u.User.Password(); pw {
				t.Fatalf("Repo %q carries a password", s.Repo)
			}
		case Site, Artifact:
			// A web source is an http(s) URL with a host and no user-info: nothing to leak, nothing local.
			if u, err := url.Parse(s.URL); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil {
				t.Fatalf("URL %q of a %v: %v", s.URL, s.Kind, err)
			}
		case Local, Name:
		default:
			t.Fatalf("kind %v", s.Kind)
		}
		// The canonical form parses back to the same source, unless escaping made it longer than MaxLen.
		if len(s.String()) > MaxLen {
			return
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", s.String(), in, err)
		}
		again.Raw = s.Raw
		if !equal(s, again) || again.URL != s.URL || again.Digest != s.Digest || again.Version != s.Version {
			t.Fatalf("round trip of %q through %q:\n%#v\n%#v", in, s.String(), s, again)
		}
		// Resolving against refs that hold every prefix as a branch keeps the path valid.
		if s.Kind == Git {
			refs := map[string]string{"HEAD": c, "refs/heads/" + s.Ref: c}
			for k := range s.TreeRest {
				refs["refs/tags/"+strings.Join(s.TreeRest[:k+1], "/")] = c
			}
			if _, _, err := s.ResolveRef(refs); err == nil && s.Path != "" && !validPath(s.Path) {
				t.Fatalf("resolved Path %q", s.Path)
			}
		}
	})
}

func TestParseSSH(t *testing.T) {
	for in, want := range map[string][3]string{
		"ssh://git@127.0.0.1:2222/srv/r.git//skills/x#v1": {"ssh://git@127.0.0.1:2222/srv/r", "skills/x", "v1"},
		"ssh://example.com/o/r":                           {"ssh://example.com/o/r", "", ""},
		"git@github.com:o/r.git//skills/x#main":           {"git@github.com:o/r", "skills/x", "main"},
		"deploy@git.example.com:/srv/r.git":               {"deploy@git.example.com:/srv/r", "", ""},
		"git@h:a%20b//x%20y#r":                            {"git@h:a%20b", "x y", "r"}, // git reads an SSH path as typed
		"git@h:a%23b/":                                    {"git@h:a%23b", "", ""},
	} {
		s, err := Parse(in)
		if err != nil || s.Kind != Git || s.Repo != want[0] || s.Path != want[1] || s.Ref != want[2] {
			t.Errorf("Parse(%q) = %q %q %q, %v; want %q", in, s.Repo, s.Path, s.Ref, err, want)
		}
		if again, err := Parse(s.String()); err != nil || again.Repo != s.Repo || again.Path != s.Path || again.Ref != s.Ref {
			t.Errorf("String() %q of %q parses to %q %q %q, %v", s.String(), in, again.Repo, again.Path, again.Ref, err)
		}
	}
}

// Host is the authority as Repo spells it, so a source and its canonical form agree (FuzzParse found
// "http://0:/0" holding Host "0:" beside Repo "http://0/0").
func TestParseHostIsCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:/o/r.git":               "h",
		"https://Git.Example.COM:443/o/r": "git.example.com",
		"http://h:8080/o/r":               "h:8080",
		"http://[::1]:80/o/r":             "[::1]",
		"ssh://git@h:22/o/r":              "h",
		"ssh://git@h:2222/o/r":            "h:2222",
	} {
		s, err := Parse(in)
		if err != nil || s.Host != want {
			t.Errorf("Parse(%q).Host = %q, %v; want %q", in, s.Host, err, want)
		}
	}
}
