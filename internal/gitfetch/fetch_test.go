package gitfetch

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// fixture is a server holding acme/skills with a nested skill, a sibling, and a big decoy folder whose
// bytes must never cross the wire when the small folders are fetched.
type fixture struct {
	srv    *gittest.Server
	commit string
	log    *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const decoySize = 2 << 20

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)[:n]
}

func newFixture(t testing.TB, repo string) *fixture {
	t.Helper()
	if !gittest.Available() {
		t.Skip("git not on PATH")
	}
	srv, err := gittest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	files := map[string]string{
		"README.md":                                 "# skills\n",
		"skills/python/async/SKILL.md":              "---\nname: async\n---\nbody\n",
		"skills/python/async/scripts/run.sh":        "exec:#!/bin/sh\necho run\n",
		"skills/python/async/references/guide.md":   "guide\n",
		"skills/python/async/link.md":               "link:references/guide.md",
		"skills/python/typing/SKILL.md":             "---\nname: typing\n---\n",
		"skills/decoy/SKILL.md":                     "---\nname: decoy\n---\n",
		"skills/decoy/blob.txt":                     randomText(decoySize),
		"plugins/other/skills/deep/nested/SKILL.md": "---\nname: nested\n---\n",
	}
	if err := gittest.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Commit(repo, "main", dir, "initial")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, commit: c, log: &syncBuf{}}
}

func (fx *fixture) remote(repo string) Remote {
	return Remote{URL: fx.srv.RepoURL(repo), Log: fx.log, Timeout: 15 * time.Second} // generous: a loaded CI machine packs slowly
}

func TestFetchNestedFolder(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.ResetStats()
	got, err := Fetch(context.Background(), fx.remote("acme/skills"), fx.commit, []string{"skills/python/async"})
	if err != nil {
		t.Fatal(err)
	}
	f := got["skills/python/async"]
	if f == nil {
		t.Fatal("folder missing from result")
	}
	want := []struct {
		path string
		mode snapshot.Mode
		data string
	}{
		{"SKILL.md", snapshot.Regular, "---\nname: async\n---\nbody\n"},
		{"link.md", snapshot.Symlink, "references/guide.md"},
		{"references/guide.md", snapshot.Regular, "guide\n"},
		{"scripts/run.sh", snapshot.Executable, "#!/bin/sh\necho run\n"},
	}
	if len(f.Files) != len(want) {
		t.Fatalf("files = %v", f.Paths())
	}
	for i, w := range want {
		g := f.Files[i]
		if g.Path != w.path || g.Mode != w.mode || string(g.Data) != w.data {
			t.Errorf("file %d = %s %v %q, want %s %v %q", i, g.Path, g.Mode, g.Data, w.path, w.mode, w.data)
		}
	}
	if len(f.Tree) != 40 {
		t.Errorf("Tree = %q", f.Tree)
	}
	st := fx.srv.Stats()
	// commit+root with skills/ (combine:tree:2+blob:none), skills/python, then the folder.
	if st.Fetches != 3 {
		t.Errorf("fetch requests = %d, want 3", st.Fetches)
	}
	if st.BytesOut > 20<<10 {
		t.Errorf("served %d bytes for a folder of %d bytes next to a %d-byte decoy", st.BytesOut, f.Size(), decoySize)
	}
	t.Logf("nested folder: %d requests, %d fetches, %d bytes", st.Requests, st.Fetches, st.BytesOut)
	if strings.Contains(fx.log.String(), "falling") || strings.Contains(fx.log.String(), "refused") {
		t.Errorf("fast path logged a fallback: %s", fx.log.String())
	}
}

func TestFetchSeveralPathsOneBatch(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.ResetStats()
	paths := []string{"skills/python/async", "skills/python/typing", "plugins/other/skills/deep/nested", "skills/python/async/"}
	got, err := Fetch(context.Background(), fx.remote("acme/skills"), fx.commit, paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if got[p] == nil || got[p].File("SKILL.md") == nil {
			t.Errorf("%s: no SKILL.md in %v", p, got[p])
		}
	}
	st := fx.srv.Stats()
	// Levels: commit+root with skills and plugins; python, other; skills (under other); deep; then all
	// folders. The deepest path sets the count, not the number of paths.
	if st.Fetches != 5 {
		t.Errorf("fetch requests = %d, want 5 (one per level of the deepest path below the first, plus the folders)", st.Fetches)
	}
	if st.BytesOut > 20<<10 {
		t.Errorf("served %d bytes", st.BytesOut)
	}
}

func TestFetchErrors(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	sub, err := fx.srv.AddSubmodule("acme/skills", "main", "skills/python/async/vendor", strings.Repeat("ab", 20), "vendor")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		commit  string
		paths   []string
		check   func(error) bool
		message string
	}{
		{"missing", fx.commit, []string{"skills/nope"}, isType[*NotFoundError], "skills/nope: not found in commit"},
		{"missing under file", fx.commit, []string{"README.md/x"}, isType[*NotFoundError], "README.md/x: not found"},
		{"file not folder", fx.commit, []string{"README.md"}, isType[*NotFoundError], "README.md: not found"},
		{"submodule in folder", sub, []string{"skills/python/async"}, isType[*EntryError], "skills/python/async/vendor: submodules are not supported"},
		{"submodule as folder", sub, []string{"skills/python/async/vendor"}, isType[*EntryError], "submodules are not supported"},
		{"dotdot path", fx.commit, []string{"skills/../README.md"}, isType[*EntryError], "not a valid folder path"},
		{"bad commit", "main", []string{""}, func(error) bool { return true }, "not a full commit hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fetch(context.Background(), fx.remote("acme/skills"), tt.commit, tt.paths)
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("err = %T %v, want %q", err, err, tt.message)
			}
		})
	}
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestFetchHostileEntries(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	ok := gittest.Entry{Path: "s/SKILL.md", Mode: 0o100644, Data: []byte("---\nname: s\n---\n")}
	tests := []struct {
		name  string
		entry gittest.Entry
		want  string
	}{
		{"dot git dir", gittest.Entry{Path: "s/.git/config", Mode: 0o100644, Data: []byte("x")}, "s/.git: .git entries are not allowed"},
		{"dot GIT file", gittest.Entry{Path: "s/.GIT", Mode: 0o100644, Data: []byte("x")}, ".git entries are not allowed"},
		{"dotdot", gittest.Entry{Path: "s/..", Mode: 0o100644, Data: []byte("x")}, `file name ".." is not allowed`},
		{"control char", gittest.Entry{Path: "s/a\x1b[31mb", Mode: 0o100644, Data: []byte("x")}, "control characters"},
		{"backslash", gittest.Entry{Path: "s/a\\b", Mode: 0o100644, Data: []byte("x")}, "path separator"},
		{"gitlink", gittest.Entry{Path: "s/sub", Mode: 0o160000, Data: []byte(strings.Repeat("cd", 20))}, "submodules are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := fx.srv.CommitEntries("acme/skills", "hostile", []gittest.Entry{ok, tt.entry}, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Fetch(context.Background(), fx.remote("acme/skills"), c, []string{"s"})
			if !isType[*EntryError](err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %T %v, want EntryError %q", err, err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\x1b") {
				t.Errorf("control character reached the message: %q", err)
			}
		})
	}
	// A symlink pointing outside comes back as data: judging targets is the installer's job.
	c, err := fx.srv.CommitEntries("acme/skills", "hostile", []gittest.Entry{ok, {Path: "s/passwd", Mode: 0o120000, Data: []byte("/etc/passwd")}}, "link")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Fetch(context.Background(), fx.remote("acme/skills"), c, []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	if l := got["s"].File("passwd"); l == nil || l.Mode != snapshot.Symlink || string(l.Data) != "/etc/passwd" {
		t.Errorf("symlink = %+v", l)
	}
}

// TestCommitFilter: the request that brings a commit for a walk brings the root's subtrees with it when
// every path goes deeper (one request fewer), never a blob (the root's README stays on the server), and
// only the root when a path sits at the root. A server that refuses the combined filter is walked one
// level at a time, saying so once, and the folder still arrives.
func TestCommitFilter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		combineOK bool
		paths     []string
		fetches   int
		note      bool
	}{
		{"deep paths", true, []string{"skills/python/async"}, 3, false},
		{"a path at the root", true, []string{"skills"}, 2, false},
		// The first fetch goes out before the capabilities are read, so its refusal is taken for a server
		// of another shape; the advertisement, the refusal again, then the walk from tree:1 (4 fetches).
		{"combine refused", false, []string{"skills/python/async"}, 6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, "acme/skills")
			if !tc.combineOK {
				if err := fx.srv.Configure("acme/skills", "uploadpackfilter.combine.allow", "false"); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(fx.remote("acme/skills"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			fx.srv.ResetStats()
			got, err := s.Fetch(context.Background(), fx.commit, tc.paths)
			if err != nil {
				t.Fatal(err)
			}
			if got[tc.paths[0]] == nil {
				t.Fatalf("no folder for %s", tc.paths[0])
			}
			if st := fx.srv.Stats(); st.Fetches != tc.fetches {
				t.Errorf("%d fetch requests, want %d (log %q)", st.Fetches, tc.fetches, fx.log.String())
			}
			if _, ok := s.st.mem[plumbing.ComputeHash(plumbing.BlobObject, []byte("# skills\n"))]; ok {
				t.Error("the root's README came with the commit")
			}
			if said := strings.Contains(fx.log.String(), "refused a combined filter"); said != tc.note {
				t.Errorf("note of the refusal: %v, want %v (log %q)", said, tc.note, fx.log.String())
			}
		})
	}
}
