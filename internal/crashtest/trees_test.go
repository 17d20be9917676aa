package crashtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	{"newline", []gittest.Entry{{Path: "a\nb.md", Mode: regular, Data: []byte("x")}}, `a\u{A}b.md: file name contains control characters`},
	{"escape", []gittest.Entry{{Path: "x\x1b[2J\x1b[31m.md", Mode: regular, Data: []byte("x")}}, `x\u{1B}[2J\u{1B}[31m.md: file name contains control characters`},
	{"tab", []gittest.Entry{{Path: "a\tb.md", Mode: regular, Data: []byte("x")}}, `a\u{9}b.md: file name contains control characters`},
	{"del", []gittest.Entry{{Path: "a\x7f.md", Mode: regular, Data: []byte("x")}}, `\u{7F}`},
	{"backslash", []gittest.Entry{{Path: `..\..\escape.md`, Mode: regular, Data: []byte("x")}}, `file name contains a path separator`},
	{"empty-name", []gittest.Entry{{Path: "a//b.md", Mode: regular, Data: []byte("x")}}, `skillctl: `},
	{"submodule", []gittest.Entry{{Path: "vendor/lib", Mode: gitlink, Data: []byte(strings.Repeat("ab", 20))}}, `submodule`},
	{"file-and-folder", []gittest.Entry{{Path: "x", Mode: regular, Data: []byte("file")}, {Path: "x/y.md", Mode: regular, Data: []byte("dir")}}, `skillctl: `},
	{"skill-md-link", []gittest.Entry{{Path: "SKILL.md", Mode: symlink, Data: []byte("/etc/passwd")}}, `skillctl: `},
	{"abs-link", []gittest.Entry{{Path: "l", Mode: symlink, Data: []byte("/etc/shadow")}}, `points outside the skill`},
	{"nul-link", []gittest.Entry{{Path: "l", Mode: symlink, Data: []byte("SKILL.md\x00/etc/passwd")}}, `skillctl: `},
	// Past the depth cap (128), and separately a path past PATH_MAX (4,096) at a depth the cap allows: a
	// path of 2,100 one-letter folders did both at once, but the depth cap hid the length, and git took
	// seconds to filter so deep a tree.
	{"too-deep", []gittest.Entry{{Path: strings.Repeat("d/", 200) + "leaf.md", Mode: regular, Data: []byte("x")}}, `nested deeper than`},
	{"too-long", []gittest.Entry{{Path: strings.Repeat(strings.Repeat("p", 250)+"/", 17) + "leaf.md", Mode: regular, Data: []byte("x")}}, `skillctl: `},
	{"long-name", []gittest.Entry{{Path: strings.Repeat("n", 300) + ".md", Mode: regular, Data: []byte("x")}}, `skillctl: `},
}

// TestHostileTrees installs folders whose tree entries escape, reach git internals, carry terminal
// control sequences, are submodules or cannot exist on a disk. Each must be refused with a clean,
// printable error, and the target and lock must not change.
func TestHostileTrees(t *testing.T) {
	t.Parallel()
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

// TestManyFiles serves a skill of 100,000 distinct files. The default caps must refuse it early: the
// client stops reading the server's answer at its object count or its trees, so less than half the
// repository's pack crosses the wire, and nothing is written. The tree is built by git
// fast-import into one pack, so it costs seconds to make and one file to delete.
//
// With the caps raised, installing it is the user's choice and writes and syncs 100,000 files, which
// takes minutes on a busy disk: that half runs only in .ci/run's long step (SKILLCTL_LONG_TESTS=1).
func TestManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and serves a 100,000-file tree")
	}
	t.Parallel()
	s := startServer(t)
	const files = 100000
	start := time.Now()
	blobBytes := commitManyFiles(t, s, "evil/many", files)
	pack := packSize(t, filepath.Join(s.Root(), "evil", "many.git"))
	t.Logf("built a %d-file tree (%d MiB of file content, a %d MiB pack) in %v", files, blobBytes>>20, pack>>20, time.Since(start).Round(time.Millisecond))
	url := treeURL(s, "evil/many", "main", "skills/many")

	p := newProject(t)
	s.ResetStats()
	r := p.mustFail("files", "install", url, "--dir", "skills")
	st := s.Stats()
	t.Logf("default caps: exit %d after %v, peak RSS %d MiB, %d KiB served in %d requests: %s", r.code, r.took.Round(time.Millisecond), r.rss>>20, st.BytesOut>>10, st.Requests, lastLine(r.stderr))
	if exists(p.path("skills")) || exists(p.path("skills.lock")) {
		t.Error("the refused install created the target or the lock")
	}
	if st.BytesOut > pack/2 {
		t.Errorf("%d KiB served of a %d KiB pack: the refusal came after the files were sent", st.BytesOut>>10, pack>>10)
	}

	if !longTests() {
		t.Logf("the install with raised caps (writes and syncs 100,000 files) runs in .ci/run's long step: %s=1", longEnv)
		return
	}
	s.ResetStats()
	// With the caps raised it is the user's choice; writing 100,000 files, each synced, may take minutes
	// on a busy disk. Past the budget the process is killed, which must leave the target consistent.
	r = p.runFor(3*time.Minute, "install", url, "--dir", "skills", "--max-files", "200000", "--max-total-size", "1073741824")
	st = s.Stats()
	t.Logf("raised caps: exit %d after %v, peak RSS %d MiB, %d MiB served: %s", r.code, r.took.Round(time.Millisecond), r.rss>>20, st.BytesOut>>20, lastLine(r.stderr+r.stdout+"\n"))
	switch {
	case r.code == 0, r.code == -1: // finished, or killed at the budget
		lock := p.checkConsistent("skills")
		if r.code == 0 && lock.Find("skills", "many") == nil {
			t.Error("the install succeeded but the lock does not list the skill")
		}
	case r.code != 1 || !strings.HasPrefix(r.stderr, "skillctl: ") || exists(p.path("skills/many")):
		t.Errorf("not a clean failure: %s", r)
	}
}

// commitManyFiles commits on main of repo a skill skills/many of n distinct files of about 200 bytes (in
// folders of 1,000) with git fast-import, and returns the files' total size.
func commitManyFiles(t *testing.T, s *gittest.Server, repo string, n int) int64 {
	t.Helper()
	md := skillMD("many")
	md.Path = "skills/many/SKILL.md"
	if _, err := s.CommitEntries(repo, "seed", []gittest.Entry{md}, "seed"); err != nil { // creates the repository
		t.Fatal(err)
	}
	var in bytes.Buffer
	data := func(b []byte) { fmt.Fprintf(&in, "data %d\n", len(b)); in.Write(b); in.WriteByte('\n') }
	in.WriteString("commit refs/heads/main\ncommitter t <t@t.invalid> 1704067200 +0000\n")
	data([]byte("many files"))
	in.WriteString("M 100644 inline skills/many/SKILL.md\n")
	data(md.Data)
	var total int64
	for i := 0; i < n; i++ {
		h := sha256.Sum256([]byte(fmt.Sprint(i)))
		x := hex.EncodeToString(h[:])
		content := []byte(fmt.Sprintf("file %d\n%s\n%s\n%s\n", i, x, x, x))
		total += int64(len(content))
		fmt.Fprintf(&in, "M 100644 inline skills/many/d%03d/f%05d.md\n", i/1000, i)
		data(content)
	}
	bare := filepath.Join(s.Root(), filepath.FromSlash(repo)+".git")
	for _, args := range [][]string{{"fast-import", "--quiet"}, {"symbolic-ref", "HEAD", "refs/heads/main"}} {
		cmd := exec.Command("git", append([]string{"--git-dir", bare}, args...)...)
		// fast-import frees and reallocates a large buffer per object; glibc hands the memory back to the
		// kernel each time unless told to keep it, which on some virtual machines costs minutes for 100,000
		// objects instead of a second.
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"MALLOC_TRIM_THRESHOLD_=268435456", "MALLOC_TOP_PAD_=67108864")
		if args[0] == "fast-import" {
			cmd.Stdin = &in
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v: %s", args[0], err, out)
		}
	}
	return total
}

// packSize is the size of the packs in a bare repository.
func packSize(t *testing.T, bare string) int64 {
	t.Helper()
	packs, _ := filepath.Glob(filepath.Join(bare, "objects", "pack", "*.pack"))
	var n int64
	for _, p := range packs {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	if n == 0 {
		t.Fatal("no pack in " + bare)
	}
	return n
}
