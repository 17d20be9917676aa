package crashtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
)

const (
	regular = 0o100644
	symlink = 0o120000
	gitlink = 0o160000
)

func skillMD(name string) gittest.Entry {
	return gittest.Entry{Path: "SKILL.md", Mode: regular, Data: []byte(fmt.Sprintf("---\nname: %s\ndescription: Hostile tree %s. Use it in trust tests.\n---\n", name, name))}
}

// hostileTrees are skill folders no git client would commit from a checkout; each entry path is relative
// to skills/NAME.
var hostileTrees = []struct {
	name    string
	entries []gittest.Entry
	want    string // in the error
}{
	{"dotdot", []gittest.Entry{{Path: "../../escape.md", Mode: regular, Data: []byte("x")}}, `file name ".." is not allowed`},
	{"dotdot-inside", []gittest.Entry{{Path: "a/../../../escape.md", Mode: regular, Data: []byte("x")}}, `file name ".." is not allowed`},
	{"dot", []gittest.Entry{{Path: "./x.md", Mode: regular, Data: []byte("x")}}, `file name "." is not allowed`},
	{"git-dir", []gittest.Entry{{Path: ".git/config", Mode: regular, Data: []byte("[core]\n\thooksPath = /tmp\n")}}, `.git`},
	{"git-upper", []gittest.Entry{{Path: ".GIT/hooks/post-checkout", Mode: 0o100755, Data: []byte("#!/bin/sh\n")}}, `.git`},
	{"git-file", []gittest.Entry{{Path: "sub/.git", Mode: regular, Data: []byte("gitdir: /etc\n")}}, `.git`},
	{"newline", []gittest.Entry{{Path: "a\nb.md", Mode: regular, Data: []byte("x")}}, `a\nb.md": file name contains control characters`},
	{"escape", []gittest.Entry{{Path: "x\x1b[2J\x1b[31m.md", Mode: regular, Data: []byte("x")}}, `x\x1b[2J\x1b[31m.md": file name contains control characters`},
	{"tab", []gittest.Entry{{Path: "a\tb.md", Mode: regular, Data: []byte("x")}}, `a\tb.md": file name contains control characters`},
	{"del", []gittest.Entry{{Path: "a\x7f.md", Mode: regular, Data: []byte("x")}}, `\x7f`},
	{"backslash", []gittest.Entry{{Path: `..\..\escape.md`, Mode: regular, Data: []byte("x")}}, `file name contains a path separator`},
	{"empty-name", []gittest.Entry{{Path: "a//b.md", Mode: regular, Data: []byte("x")}}, `skillctl: `},
	{"submodule", []gittest.Entry{{Path: "vendor/lib", Mode: gitlink, Data: []byte(strings.Repeat("ab", 20))}}, `submodule`},
	{"file-and-folder", []gittest.Entry{{Path: "x", Mode: regular, Data: []byte("file")}, {Path: "x/y.md", Mode: regular, Data: []byte("dir")}}, `skillctl: `},
	{"skill-md-link", []gittest.Entry{{Path: "SKILL.md", Mode: symlink, Data: []byte("/etc/passwd")}}, `skillctl: `},
	{"abs-link", []gittest.Entry{{Path: "l", Mode: symlink, Data: []byte("/etc/shadow")}}, `points outside the skill`},
	{"nul-link", []gittest.Entry{{Path: "l", Mode: symlink, Data: []byte("SKILL.md\x00/etc/passwd")}}, `skillctl: `},
	{"too-deep", []gittest.Entry{{Path: strings.Repeat("d/", 2100) + "leaf.md", Mode: regular, Data: []byte("x")}}, `skillctl: `},
	{"long-name", []gittest.Entry{{Path: strings.Repeat("n", 300) + ".md", Mode: regular, Data: []byte("x")}}, `skillctl: `},
}

// TestHostileTrees installs folders whose tree entries escape, reach git internals, carry terminal
// control sequences, are submodules or cannot exist on a disk. Each must be refused with a clean,
// printable error, and the target and lock must not change.
func TestHostileTrees(t *testing.T) {
	s := startServer(t)
	var entries []gittest.Entry
	for _, h := range hostileTrees {
		if h.name != "skill-md-link" {
			e := skillMD(h.name)
			e.Path = "skills/" + h.name + "/" + e.Path
			entries = append(entries, e)
		}
		for _, e := range h.entries {
			e.Path = "skills/" + h.name + "/" + e.Path
			entries = append(entries, e)
		}
	}
	good := skillMD("good")
	good.Path = "skills/good/SKILL.md"
	entries = append(entries, good, gittest.Entry{Path: "skills/linked", Mode: symlink, Data: []byte("/etc")})
	if _, err := s.CommitEntries("evil/trees", "main", entries, "hostile"); err != nil {
		t.Fatal(err)
	}
	p := newProject(t)
	p.mustRun("install", treeURL(s, "evil/trees", "main", "skills/good"), "--dir", "skills")
	before := p.snapshot("skills")
	cases := append(hostileTrees, struct {
		name    string
		entries []gittest.Entry
		want    string
	}{"linked", nil, "skillctl: "})
	for _, h := range cases {
		t.Run(h.name, func(t *testing.T) {
			r := p.run("install", treeURL(s, "evil/trees", "main", "skills/"+h.name), "--dir", "skills")
			t.Logf("%s", strings.TrimSpace(r.stderr))
			if r.code != 1 || !strings.HasPrefix(r.stderr, "skillctl: ") || !strings.Contains(r.stderr, h.want) {
				t.Errorf("want exit 1 and %q, got %s", h.want, r)
			}
			for _, c := range r.stderr + r.stdout {
				if c < 0x20 && c != '\n' || c == 0x7f {
					t.Errorf("raw control character %q in the output", c)
				}
			}
			if after := p.snapshot("skills"); after != before {
				t.Errorf("target or lock changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// TestManyFiles serves a skill of 100,000 files: the default caps refuse it, the server sends a bounded
// amount, and with the caps raised it installs or fails cleanly in bounded time.
func TestManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and serves a 100,000-file tree")
	}
	s := startServer(t)
	entries := []gittest.Entry{skillMD("many")}
	entries[0].Path = "skills/many/SKILL.md"
	for i := 0; i < 100000; i++ {
		entries = append(entries, gittest.Entry{Path: fmt.Sprintf("skills/many/d%03d/f%05d.md", i/1000, i), Mode: regular, Data: []byte(fmt.Sprintf("file %d\n", i))})
	}
	start := time.Now()
	if _, err := s.CommitEntries("evil/many", "main", entries, "many"); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the tree in %v", time.Since(start))
	p := newProject(t)
	s.ResetStats()
	r := p.mustFail("files", "install", treeURL(s, "evil/many", "main", "skills/many"), "--dir", "skills")
	st := s.Stats()
	t.Logf("default caps: exit %d after %v, %d bytes served in %d requests: %s", r.code, r.took, st.BytesOut, st.Requests, lastLine(r.stderr))
	if exists(p.path("skills")) {
		t.Error("the target was created")
	}
	s.ResetStats()
	// With the caps raised it is the user's choice; writing 100,000 files, each synced, may take minutes
	// on a busy disk. Past the budget the process is killed, which must leave the target consistent.
	r = p.runFor(3*time.Minute, "install", treeURL(s, "evil/many", "main", "skills/many"), "--dir", "skills", "--max-files", "200000", "--max-total-size", "1073741824")
	st = s.Stats()
	t.Logf("raised caps: exit %d after %v, %d bytes served: %s", r.code, r.took, st.BytesOut, lastLine(r.stderr+r.stdout+"\n"))
	switch {
	case r.code == 0, r.code == -1: // finished, or killed at the budget
		p.checkConsistent("skills")
	case r.code != 1 || !strings.HasPrefix(r.stderr, "skillctl: ") || exists(p.path("skills/many")):
		t.Errorf("not a clean failure: %s", r)
	}
}
