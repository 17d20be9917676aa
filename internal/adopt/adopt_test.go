package adopt

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// TestVercelOrder: computedHash orders paths as JavaScript's localeCompare does (ICU root collation),
// not by bytes, and skips .git and node_modules.
func TestVercelOrder(t *testing.T) {
	for _, c := range []struct {
		paths []string // in the order the hash must take them
	}{
		{[]string{"skill-report.json", "SKILL.md"}},
		{[]string{"a.md", "A.md", "a/b.md", "b.md"}},
		{[]string{"_x.md", "10.md", "9.md", "README.md", "references/x.md", "scripts/run.sh", "Z.md"}},
		{[]string{"e.md", "é.md", "f.md"}},
	} {
		var files []snapshot.File
		want := sha256.New()
		for _, p := range c.paths {
			want.Write([]byte(p + "!" + p))
		}
		// Given in byte order, as a snapshot holds them, plus what is skipped.
		byBytes := append([]string{}, c.paths...)
		byBytes = append(byBytes, ".git/config", "node_modules/x/index.js")
		for _, p := range byBytes {
			files = append(files, snapshot.File{Path: p, Mode: snapshot.Regular, Data: []byte("!" + p)})
		}
		f := &snapshot.Folder{Files: files}
		f.Sort()
		if got := VercelHash(f.Files); got != hex.EncodeToString(want.Sum(nil)) {
			t.Errorf("%v: the hash does not take the files in that order", c.paths)
		}
	}
}

func TestParseVercel(t *testing.T) {
	ents, err := ParseVercel([]byte(`{"version":1,"skills":{
		"x":{"source":"acme/tools","sourceType":"github","ref":"main","skillPath":"skills/x/SKILL.md","computedHash":"AB"},
		"g":{"source":"https://gitlab.com/a/b.git","sourceType":"git","skillPath":"SKILL.md"},
		"Bad Name":{"source":"acme/tools","sourceType":"github","skillPath":"x/SKILL.md"},
		"up":{"source":"acme/tools","sourceType":"github","skillPath":"../x/SKILL.md"},
		"l":{"source":"./x","sourceType":"local"},
		"file":{"source":"file:///home/me/private","sourceType":"git","skillPath":"x/SKILL.md"},
		"at":{"source":"/home/me/private@x","sourceType":"git","skillPath":"x/SKILL.md"},
		"n":{"source":"acme/tools","sourceType":"github"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Entry{}
	for _, e := range ents {
		got[e.Name] = e
	}
	if e := got["x"]; e.Source() != "https://github.com/acme/tools//skills/x#main" || e.Skip != "" || e.Hash != "ab" || e.Dir != ".agents/skills" {
		t.Errorf("x: %+v (source %s)", e, e.Source())
	}
	if e := got["g"]; e.Source() != "https://gitlab.com/a/b" || e.Skip != "" {
		t.Errorf("g: %+v (source %s)", e, e.Source())
	}
	if e := got["n"]; !e.Find || e.Skip != "" {
		t.Errorf("n: %+v", e)
	}
	// A repository or a folder on this machine (file://, or a path kept whole for its @) is skipped: a
	// project's file must not choose what of this machine is copied into the project.
	for _, n := range []string{"Bad Name", "up", "l", "file", "at"} {
		if got[n].Skip == "" {
			t.Errorf("%s: not skipped", n)
		}
	}
	for _, bad := range []string{`{"version":2,"skills":{}}`, `[]`, `{"version":1,"skills":[]}`} {
		if _, err := ParseVercel([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	g, err := ParseVercelGlobal([]byte(`{"version":3,"skills":{"x":{"source":"acme/tools","sourceType":"github",
		"sourceUrl":"https://github.com/acme/tools.git","skillPath":"skills/x/SKILL.md","skillFolderHash":"0123"}}}`))
	if err != nil || len(g) != 1 || g[0].Source() != "https://github.com/acme/tools//skills/x" || g[0].HashKind != HashTree {
		t.Errorf("global: %+v %v", g, err)
	}
}

// FuzzParseVercel: any bytes give entries or an error, never a panic, and every entry that is not
// skipped has a source skillctl's grammar reads and a clean folder.
func FuzzParseVercel(f *testing.F) {
	f.Add([]byte(`{"version":1,"skills":{"x":{"source":"acme/tools","sourceType":"github","skillPath":"skills/x/SKILL.md"}}}`))
	f.Add([]byte(`{"version":3,"skills":{"x":{"sourceUrl":"https://h/a/b.git","skillPath":"SKILL.md"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) ([]Entry, error){ParseVercel, ParseVercelGlobal} {
			ents, err := parse(data)
			if err != nil {
				continue
			}
			for _, e := range ents {
				if e.Skip == "" && (e.Path != "" && !snapshot.ValidPath(e.Path) || !snapshot.ValidPath(e.Dir)) {
					t.Fatalf("accepted %+v", e)
				}
			}
		}
	})
}

func TestGh(t *testing.T) {
	md := []byte("---\nname: x\ndescription: d\nmetadata:\n  github-repo: acme/tools\n  github-ref: v1\n  github-tree-sha: ABC\n  github-path: skills/x\n  github-pinned: \"true\"\n---\nbody\n")
	e, ok := ParseGhSkill("x", ".agents/skills", md)
	if !ok || e.Skip != "" || e.Source() != "https://github.com/acme/tools//skills/x#v1" || e.Hash != "abc" {
		t.Fatalf("%+v %v", e, ok)
	}
	if got := string(StripGh(md)); got != "---\nname: x\ndescription: d\n---\nbody\n" {
		t.Errorf("StripGh: %q", got)
	}
	kept := []byte("---\nname: x\nmetadata:\n  author: me\n  github-repo: acme/tools\nlicense: MIT\n---\n  github-ref: body\n")
	if got := string(StripGh(kept)); got != "---\nname: x\nmetadata:\n  author: me\nlicense: MIT\n---\n  github-ref: body\n" {
		t.Errorf("StripGh kept: %q", got)
	}
	if _, ok := ParseGhSkill("x", ".agents/skills", []byte("---\nname: x\ndescription: d\n---\n")); ok {
		t.Error("no provenance read as some")
	}
}

func FuzzGh(f *testing.F) {
	f.Add([]byte("---\nname: x\nmetadata:\n  github-repo: acme/tools\n  github-path: ../x\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if e, ok := ParseGhSkill("x", ".agents/skills", data); ok && e.Skip == "" && e.Path != "" && !snapshot.ValidPath(e.Path) {
			t.Fatalf("accepted %+v", e)
		}
		if s := StripGh(data); len(s) > len(data) {
			t.Fatal("StripGh grew the file")
		}
	})
}

func TestParseAPM(t *testing.T) {
	ents, err := ParseAPM([]byte(`lockfile_version: "1"
generated_at: "2026-01-01T00:00:00+00:00"
dependencies:
  - repo_url: github.com/acme/tools
    resolved_commit: 0123456789ABCDEF0123456789abcdef01234567
    resolved_ref: main
    virtual_path: skills/a
    deployed_files:
      - .github/skills/a/SKILL.md
      - .claude/skills/a/SKILL.md
      - .github/prompts/p.prompt.md
    deployed_file_hashes:
      .github/skills/a/SKILL.md: "sha256:AA"
  - repo_url: https://gitlab.com/acme/more
    resolved_ref: v1
    deployed_files: [.github/skills/b/SKILL.md]
`))
	if err != nil || len(ents) != 3 {
		t.Fatalf("%+v %v", ents, err)
	}
	a := ents[1] // .github/skills/a after .claude/skills/a
	if a.Source() != "https://github.com/acme/tools//skills/a#0123456789abcdef0123456789abcdef01234567" || a.Dir != ".github/skills" ||
		a.HashKind != HashFiles || a.Files["SKILL.md"] != "aa" || a.Skip != "" {
		t.Errorf("a: %+v (%s)", a, a.Source())
	}
	if b := ents[2]; b.Source() != "https://gitlab.com/acme/more#v1" || !b.Find || b.Name != "b" {
		t.Errorf("b: %+v (%s)", b, b.Source())
	}
	for _, bad := range []string{"lockfile_version: \"9\"\ndependencies: []\n", "a: &x [1]\nb: *x\n", "[1, 2"} {
		if _, err := ParseAPM([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestParseDotagents(t *testing.T) {
	ents, err := ParseDotagents([]byte(`version = 1
agents = ["claude"]

[[skills]]
name = "find-bugs"
source = "acme/tools@v2"

[[skills]]
name = "pinned"
source = "git:https://example.com/acme/tools.git"
path = "skills/pinned"

[[skills]]
name = "mine"
source = "path:./my-skills/mine"
`))
	if err != nil || len(ents) != 3 {
		t.Fatalf("%+v %v", ents, err)
	}
	if e := ents[0]; e.Source() != "https://github.com/acme/tools#v2" || !e.Find || e.Dir != ".agents/skills" || e.Skip != "" {
		t.Errorf("find-bugs: %+v (%s)", e, e.Source())
	}
	if e := ents[1]; e.Source() != "https://example.com/acme/tools//skills/pinned" || e.Find || e.Skip != "" {
		t.Errorf("pinned: %+v (%s)", e, e.Source())
	}
	if ents[2].Skip == "" {
		t.Error("a project folder was not skipped")
	}
	if _, err := ParseDotagents([]byte("[[skills]\n")); err == nil {
		t.Error("bad TOML accepted")
	}
	// Nesting is refused before the decoder recurses into it (2,000,000 levels crashed it).
	deep := "a = " + strings.Repeat("[", 2_000_000) + strings.Repeat("]", 2_000_000) + "\n"
	if _, err := ParseDotagents([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep nesting: %v", err)
	}
	if _, err := ParseDotagents([]byte("a = [[1, 2], {b = [3]}]\n[[skills]]\nname = \"x\"\nsource = \"a/b\"\n")); err != nil {
		t.Errorf("shallow nesting refused: %v", err)
	}
}

// FuzzParseAPM and FuzzParseDotagents: any bytes give entries or an error, never a panic, and an entry
// not skipped has clean folders.
func FuzzParseAPM(f *testing.F) {
	f.Add([]byte("lockfile_version: \"1\"\ndependencies:\n  - repo_url: github.com/a/b\n    virtual_path: s/x\n    deployed_files: [.github/skills/x/SKILL.md]\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkEntries(t, ParseAPM, data) })
}

func FuzzParseDotagents(f *testing.F) {
	f.Add([]byte("[[skills]]\nname = \"x\"\nsource = \"a/b@v1\"\npath = \"s/x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkEntries(t, ParseDotagents, data) })
}

func checkEntries(t *testing.T, parse func([]byte) ([]Entry, error), data []byte) {
	ents, err := parse(data)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.Skip == "" && (e.Path != "" && !snapshot.ValidPath(e.Path) || !snapshot.ValidPath(e.Dir)) {
			t.Fatalf("accepted %+v", e)
		}
	}
}

// TestAPMMappingBound: a mapping with very many keys is refused before yaml.v3's duplicate check, which
// compares every key with every later one (20,000 keys took 2 s, 70,000 a minute).
func TestAPMMappingBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("lockfile_version: \"1\"\ndependencies:\n  - repo_url: github.com/a/b\n    deployed_file_hashes:\n")
	for i := range 20_000 {
		b.WriteString("      h" + strconv.Itoa(i) + ": x\n")
	}
	if _, err := ParseAPM([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "too many keys") {
		t.Fatalf("20,000 keys in one mapping: %v", err)
	}
}
