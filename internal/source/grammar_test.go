package source

import (
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/semver"
)

func TestReadings(t *testing.T) {
	registries := func(n string) bool { return n == "team" || n == "builtin" }
	tests := []struct {
		in   string
		want []string // each reading: KIND then what it names
	}{
		{"alice/pdf-tools", []string{"name alice/pdf-tools", "git https://github.com/alice/pdf-tools"}},
		{"Alice/PDF-Tools", []string{"name Alice/PDF-Tools", "git https://github.com/alice/pdf-tools"}},
		{"alice/pdf-tools@team", []string{"name alice/pdf-tools@team"}},
		{"alice/pdf-tools@builtin", []string{"name alice/pdf-tools@builtin"}},
		{"alice/pdf-tools@v1", []string{"name alice/pdf-tools version v1", "git https://github.com/alice/pdf-tools@v1 version v1"}},
		{"alice/pdf-tools/sub@latest", []string{"git https://github.com/alice/pdf-tools//sub@latest version latest"}},
		{"pdf-tools@v1.2", []string{"name pdf-tools version v1.2"}},
		{"pdf-tools@team@v1.2.3-rc.1", []string{"name pdf-tools@team version v1.2.3-rc.1"}},
		{"https://github.com/alice/pdf-tools#v2", []string{"git https://github.com/alice/pdf-tools@v2 version v2"}},
		{"https://github.com/alice/pdf-tools/tree/v2/x", []string{"git https://github.com/alice/pdf-tools//x@v2"}},
		{"alice/pdf-tools@feature/x", []string{"git https://github.com/alice/pdf-tools@feature/x"}},
		{"alice/pdf-tools/sub", []string{"git https://github.com/alice/pdf-tools//sub"}},
		{"alice/pdf-tools/sub@team", []string{"git https://github.com/alice/pdf-tools//sub@team"}},
		{"pdf-tools", []string{"name pdf-tools"}},
		{"pdf-tools@team", []string{"name pdf-tools@team"}},
		{"https://github.com/alice/pdf-tools", []string{"git https://github.com/alice/pdf-tools"}},
		{"./alice/pdf-tools", []string{"local alice/pdf-tools"}},
	}
	for _, tt := range tests {
		s, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		var got []string
		for _, r := range s.Readings(registries) {
			got = append(got, describe(r))
		}
		if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
			t.Errorf("Readings(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// With no registry configured, AUTHOR/NAME@X is OWNER/REPO@REF.
	s, _ := Parse("alice/pdf-tools@team")
	if rs := s.Readings(nil); len(rs) != 1 || rs[0].Kind != Git || rs[0].Ref != "team" {
		t.Errorf("Readings(nil) = %+v", rs)
	}
}

func describe(s Source) string {
	switch s.Kind {
	case Git:
		out := "git " + s.Repo
		if s.Path != "" {
			out += "//" + s.Path
		}
		if s.Ref != "" {
			out += "@" + s.Ref
		}
		if s.Version != "" {
			out += " version " + s.Version
		}
		return out
	case Name:
		out := "name " + s.Name
		if s.Author != "" {
			out = "name " + s.Author + "/" + s.Name
		}
		if s.Registry != "" {
			out += "@" + s.Registry
		}
		if s.Version != "" {
			out += " version " + s.Version
		}
		return out
	}
	return "local " + s.Dir
}

// TestForms: every form's example parses, and reads as the form says when no registry is configured.
func TestForms(t *testing.T) {
	for _, f := range Forms {
		s, err := Parse(f.Example)
		if err != nil {
			t.Errorf("%s: example %q: %v", f.Syntax, f.Example, err)
			continue
		}
		rs := s.Readings(nil)
		if got := rs[len(rs)-1].Kind; got != f.Reads {
			t.Errorf("%s: example %q reads as %v, want %v", f.Syntax, f.Example, got, f.Reads)
		}
		if !strings.Contains(AcceptedForms, f.Syntax) || !strings.Contains(FormsMarkdown(), "`"+f.Example+"`") {
			t.Errorf("%s: missing from the generated lists", f.Syntax)
		}
	}
	for _, in := range []string{"alice/pdf-tools", "alice/pdf-tools@team"} {
		s, _ := Parse(in)
		if rs := s.Readings(func(string) bool { return true }); rs[0].Kind != Name {
			t.Errorf("%q: a configured registry's reading does not come first: %+v", in, rs)
		}
	}
}

// TestAtRef: a lock entry's full ref names that ref alone: a tag stays a tag when a branch of the same
// short name appears, and a tag that is gone is an error, not the branch.
func TestAtRef(t *testing.T) {
	const (
		tag    = "1111111111111111111111111111111111111111"
		branch = "2222222222222222222222222222222222222222"
	)
	both := map[string]string{"refs/tags/v1": tag, "refs/heads/v1": branch, "HEAD": branch}
	for _, tt := range []struct {
		ref  string
		refs map[string]string
		want string // the commit, or the error
	}{
		{"refs/tags/v1", both, tag},
		{"refs/heads/v1", both, branch},
		{"HEAD", both, branch},
		{"refs/tags/v1", map[string]string{"refs/heads/v1": branch, "refs/heads/refs/tags/v1": branch}, `no branch, tag or commit "refs/tags/v1"`},
	} {
		s := AtRef("https://github.com/o/r.git", tt.ref, "skills/x")
		if got := s.RefPrefixes(); len(got) != 1 || got[0] != tt.ref {
			t.Errorf("%s: RefPrefixes = %q", tt.ref, got)
		}
		full, c, err := s.ResolveRef(tt.refs)
		switch {
		case err != nil && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: %v, want %s", tt.ref, err, tt.want)
		case err == nil && (c != tt.want || full != tt.ref):
			t.Errorf("%s: got %s %s, want %s", tt.ref, full, c, tt.want)
		}
		if s.Repo != "https://github.com/o/r" || s.Path != "skills/x" {
			t.Errorf("%s: Repo %q Path %q", tt.ref, s.Repo, s.Path)
		}
	}
	// Typed text reads a short name as a branch first, but a full name as itself first, as git does.
	s, _ := Parse("o/r@refs/tags/v1")
	if full, c, err := s.ResolveRef(map[string]string{"refs/tags/v1": tag, "refs/heads/refs/tags/v1": branch}); err != nil || c != tag || full != "refs/tags/v1" {
		t.Errorf("o/r@refs/tags/v1 = %s %s %v", full, c, err)
	}
	s, _ = Parse("o/r@v1")
	if full, _, _ := s.ResolveRef(both); full != "refs/heads/v1" {
		t.Errorf("o/r@v1 = %s, want the branch", full)
	}
}

func TestGitText(t *testing.T) {
	for _, tt := range []struct{ repo, path, ref, want string }{
		{"https://github.com/o/r.git", "skills/x", "refs/tags/v1", "https://github.com/o/r//skills/x#refs/tags/v1"},
		{"http://127.0.0.1:1/acme/m", "", "", "http://127.0.0.1:1/acme/m"},
		{"https://h.example/o/r", "a b/c#d", "feature/x", "https://h.example/o/r//a%20b/c%23d#feature/x"},
		{"git@h.example:o/r.git", "s", "v1", "git@h.example:o/r//s#v1"},
		{"file:///srv/r.git", "s", "", "file:///srv/r.git//s"},
	} {
		got := GitText(tt.repo, tt.path, tt.ref)
		if got != tt.want {
			t.Errorf("GitText(%q, %q, %q) = %q, want %q", tt.repo, tt.path, tt.ref, got, tt.want)
		}
		s, err := Parse(got)
		if err != nil || s.Repo != Canonical(tt.repo) || s.Path != tt.path || s.Ref != tt.ref {
			t.Errorf("%q parses to %q %q %q, %v", got, s.Repo, s.Path, s.Ref, err)
		}
	}
}

func TestWebSources(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for in, want := range map[string]Source{
		"https://skills.example.com":                                  {Kind: Site, URL: "https://skills.example.com"},
		"https://Skills.Example.com/":                                 {Kind: Site, URL: "https://skills.example.com"},
		"http://127.0.0.1:8080/.well-known/agent-skills/index.json":   {Kind: Site, URL: "http://127.0.0.1:8080"},
		"https://example.com/.well-known/skills/index.json":           {Kind: Site, URL: "https://example.com"},
		"https://example.com/dl/pdf.tar.gz":                           {Kind: Artifact, URL: "https://example.com/dl/pdf.tar.gz"},
		"https://example.com/dl/pdf.zip#sha256:" + strings.ToUpper(h): {Kind: Artifact, URL: "https://example.com/dl/pdf.zip", Digest: "sha256:" + h},
		"https://raw.example.com/o/r/main/skills/x/SKILL.md":          {Kind: Artifact, URL: "https://raw.example.com/o/r/main/skills/x/SKILL.md"},
	} {
		s, err := Parse(in)
		if err != nil || s.Kind != want.Kind || s.URL != want.URL || s.Digest != want.Digest {
			t.Errorf("%q: %+v %v", in, s, err)
			continue
		}
		if back, err := Parse(s.String()); err != nil || back.URL != s.URL || back.Digest != s.Digest {
			t.Errorf("%q: String %q reads back as %+v %v", in, s.String(), back, err)
		}
	}
	for _, bad := range []string{"https://example.com/x.zip#main", "https://example.com/?q=1", "https://u:p@example.com/x.zip", "ftp://example.com/x.zip"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	// A tree URL whose file is SKILL.md stays a repository's folder.
	if s, _ := Parse("https://github.com/o/r/blob/main/x/SKILL.md"); s.Kind != Git {
		t.Errorf("blob URL: %+v", s)
	}
}

func TestWithVersion(t *testing.T) {
	tests := []struct{ in, q, want string }{
		{"acme/tools/skills/x@v1", "v2", "acme/tools/skills/x@v2"},
		{"acme/tools/skills/x@v1.2.3", "v2", "acme/tools/skills/x@v2"},
		{"alice/pdf-tools@v1", "v2", "alice/pdf-tools@v2"},
		{"pdf-tools@v1.2", "v3", "pdf-tools@v3"},
		{"pdf-tools@team@v1", "v2", "pdf-tools@team@v2"},
		{"https://git.example.com/team/skills.git//pdf#v1", "v2", "https://git.example.com/team/skills.git//pdf#v2"},
		{"git@github.com:acme/tools.git//skills/x#v0.3", "v1", "git@github.com:acme/tools.git//skills/x#v1"},
		// No query, latest, a branch, a tree URL's ref: nothing names a major.
		{"acme/tools/skills/x", "v2", "acme/tools/skills/x"},
		{"acme/tools/skills/x@latest", "v2", "acme/tools/skills/x@latest"},
		{"acme/tools/skills/x@main", "v2", "acme/tools/skills/x@main"},
		{"https://github.com/acme/tools/tree/v1/skills/x", "v2", "https://github.com/acme/tools/tree/v1/skills/x"},
		{"pdf-tools", "v2", "pdf-tools"},
		{"./x", "v2", "./x"},
		{"acme/tools/skills/x@v1", "main", "acme/tools/skills/x@v1"},
	}
	for _, tt := range tests {
		if got := WithVersion(tt.in, tt.q); got != tt.want {
			t.Errorf("WithVersion(%q, %q) = %q, want %q", tt.in, tt.q, got, tt.want)
		}
	}
}

// FuzzWithVersion: update --major rewrites the lock's source text, which came from a cloned project's
// skills.lock. Whatever the text, a rewrite parses back to the same place with the new query, and text it
// cannot rewrite so comes back unchanged.
func FuzzWithVersion(f *testing.F) {
	for _, s := range []string{
		"acme/tools/skills/x@v1", "alice/pdf-tools@v1", "pdf-tools@team@v1", "pdf-tools@v1.2",
		"https://git.example.com/team/skills.git//pdf#v1", "git@github.com:acme/tools.git//skills/x#v0.3",
		"https://github.com/acme/tools/tree/v1/skills/x", "acme/tools/skills/x@latest", "./x@v1",
		"https://example.com/x.tar.gz#v1", "https://example.com/@v1", "file:///srv/r.git//a#v1",
	} {
		f.Add(s, "v2")
	}
	f.Fuzz(func(t *testing.T, in, q string) {
		out := WithVersion(in, q)
		if out == in {
			return
		}
		s, err := Parse(in)
		if err != nil {
			t.Fatalf("%q does not parse (%v), yet became %q", in, err, out)
		}
		if !semver.IsQuery(q) || q == semver.Latest || s.Version == "" {
			t.Fatalf("%q with %q became %q", in, q, out)
		}
		n, err := Parse(out)
		if err != nil {
			t.Fatalf("%q with %q became %q, which does not parse: %v", in, q, out, err)
		}
		if n.Version != q {
			t.Fatalf("%q with %q became %q, whose version is %q", in, q, out, n.Version)
		}
		// The same place: every field but the text and the query (a git source's ref is its query).
		if n.Ref == q && s.Ref == s.Version {
			n.Ref = s.Ref
		}
		n.Raw, n.Version = s.Raw, s.Version
		if !equal(s, n) || n.URL != s.URL || n.Digest != s.Digest || n.exact != s.exact || n.treeSep != s.treeSep {
			t.Fatalf("%q with %q became %q, another place:\n%#v\n%#v", in, q, out, s, n)
		}
	})
}
