package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bareGit runs git on the bare repository repo of fx's server, with stdin, and returns its output: for
// objects no work tree can hold (a tree naming one tree twice, a thousand times).
func bareGit(t *testing.T, fx *fixture, repo string) func(stdin string, args ...string) string {
	bare := filepath.Join(fx.srv.Root(), repo+".git")
	return func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"--git-dir", bare}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
}

// treeBomb commits, on branch bomb of repo, a root tree of `levels` nested trees in which every tree has
// two entries (a, b) naming the same next tree: about 2*levels objects describing 2^levels paths, with a
// SKILL.md at the bottom.
func treeBomb(t *testing.T, fx *fixture, repo string, levels int) string {
	return treeBombOf(t, fx, repo, levels, "---\nname: leaf\ndescription: d\n---\n")
}

// treeBombOf is treeBomb with leaf as the bottom SKILL.md.
func treeBombOf(t *testing.T, fx *fixture, repo string, levels int, leaf string) string {
	t.Helper()
	git := bareGit(t, fx, repo)
	blob := git(leaf, "hash-object", "-w", "--stdin")
	tree := git(fmt.Sprintf("100644 blob %s\tSKILL.md\n", blob), "mktree")
	for i := 0; i < levels; i++ {
		tree = git(fmt.Sprintf("040000 tree %s\ta\n040000 tree %s\tb\n", tree, tree), "mktree")
	}
	c := git("", "commit-tree", tree, "-m", "bomb")
	git("", "update-ref", "refs/heads/bomb", c)
	return c
}

// TestTreeBomb: listing or fetching a repository whose few objects describe 2^40 paths stops at a limit
// quickly instead of walking every path.
func TestTreeBomb(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	c := treeBomb(t, fx, "acme/skills", 40)
	r := fx.remote("acme/skills")
	r.Cache = nil
	start := time.Now()
	_, err := Skills(context.Background(), r, c)
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("Skills: %v, want a LimitError", err)
	}
	_, err = Fetch(context.Background(), r, c, []string{""})
	if !errors.As(err, &le) {
		t.Fatalf("Fetch: %v, want a LimitError", err)
	}
	t.Logf("both refused in %v: %v", time.Since(start), err)
	if d := time.Since(start); d > time.Minute { // a hang guard, not a speed test
		t.Fatalf("took %v", d)
	}
}

// TestTreeBombOversize: the same bomb with its one file over the size cap, which the server filters out.
// Every path then lacks that file, so what a folder request asks for next is looked for under each shared
// subtree once, and the file is not asked for again: the fetch is refused for the file, quickly. The
// second fetch finds the bomb's trees in the object cache, asked for by no request of its own.
func TestTreeBombOversize(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	c := treeBombOf(t, fx, "acme/skills", 40, strings.Repeat("x", 8<<10))
	cache, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := fx.remote("acme/skills")
	r.Cache = cache
	r.Limits = Limits{MaxFileSize: 4 << 10}
	for _, run := range []string{"cold", "trees cached"} {
		start := time.Now()
		_, err := Fetch(context.Background(), r, c, []string{""})
		Wait()
		var le *LimitError
		if !errors.As(err, &le) || !strings.HasSuffix(le.Path, "/SKILL.md") {
			t.Fatalf("%s: Fetch: %v, want a LimitError for the file", run, err)
		}
		t.Logf("%s: refused in %v: %v", run, time.Since(start), err)
		if d := time.Since(start); d > time.Minute { // a hang guard, not a speed test
			t.Fatalf("%s: took %v", run, d)
		}
	}
}
